// ringcore/http: a small, strict HTTP/1.1 server on ringcore/net. A handler
// gets a fetch-shaped request and returns a fetch-shaped response, as in
// Bun.serve; see docs/net.md ("HTTP") for the API and why it is not the
// WHATWG classes themselves.
export { serve, type Server, type ServeOptions } from './server.js';
export { HttpRequest } from './request.js';
export { HttpHeaders } from './headers.js';
export { HttpResponse, toHttpResponse, type FileBody, type HttpBody, type HttpHeadersInit, type HttpResponseInit } from './response.js';
export { RequestParser, type ParsedRequest } from './parser.js';
export { HttpError, DEFAULT_LIMITS, type Limits } from './limits.js';
export type { Handler } from './connection.js';
