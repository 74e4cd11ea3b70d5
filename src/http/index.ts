// ringcore/http: a small, strict HTTP/1.1 server on ringcore/net. A handler
// gets a fetch-shaped request and returns a fetch-shaped response, as in
// Bun.serve; see docs/net.md ("HTTP") for the API and why it is not the
// WHATWG classes themselves.
// serve()'s handle was exported as `Server` before createServer's class took the name.
export { serve, type Server as ServeHandle, type ServeOptions } from './server.js';
export { HttpRequest } from './request.js';
export { HttpHeaders } from './headers.js';
export { HttpResponse, toHttpResponse, type FileBody, type HttpBody, type HttpHeadersInit, type HttpResponseInit } from './response.js';
export { RequestParser, type ParsedRequest } from './parser.js';
export { HttpError, DEFAULT_LIMITS, type Limits } from './limits.js';
export type { Handler } from './connection.js';
// node:http's createServer on ringcore (IncomingMessage and ServerResponse
// are node:http's own; see docs/http.md).
export { createServer, Server, type ServerOptions } from './node/server.js';
