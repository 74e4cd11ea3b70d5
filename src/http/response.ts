// What a handler returns: shaped like fetch's Response (new HttpResponse(body,
// { status, statusText, headers }), HttpResponse.json()), holding its parts
// as given so the connection can write them straight into its output buffer.
// A WHATWG Response is accepted too (toHttpResponse), at its own cost.
import { outOfRange } from '../sys/errors.js';

/** A byte range of an open file, sent by the kernel (file → socket) without passing through JavaScript. */
export interface FileBody {
  /** The open file's fd. */
  readonly fd: number;
  /** Where in the file the range starts. */
  readonly offset: number;
  /** Bytes to send from `offset`. */
  readonly length: number;
  /** Called once the bytes are sent (or the connection failed): close the file here. */
  done?(): void;
}

/** A response body: text (sent as UTF-8), bytes, a FileBody, or none. */
export type HttpBody = string | Uint8Array | ArrayBuffer | FileBody | null | undefined;

/** Response headers: an object, or `[name, value]` pairs (as fetch's HeadersInit). */
export type HttpHeadersInit = Record<string, string | number> | [string, string][] | Iterable<[string, string]>;

/** HttpResponse's init, as fetch's ResponseInit. */
export interface HttpResponseInit {
  /** 200 to 599. Default 200. */
  status?: number;
  /** Reason phrase; default '': the standard one for the status. */
  statusText?: string;
  /** The response headers. */
  headers?: HttpHeadersInit;
}

/** What a serve() handler returns: shaped like fetch's Response, holding its parts as given. */
export class HttpResponse {
  /** The status code (200 to 599). */
  readonly status: number;
  /** The reason phrase; '' for the standard one. */
  readonly statusText: string;
  /** Flat [name, value, ...] as given (names as the caller spelled them). */
  readonly headerList: string[];
  /** The body as given (an ArrayBuffer becomes a Uint8Array over it); null for none. */
  readonly body: string | Uint8Array | FileBody | null;

  constructor(body?: HttpBody, init?: HttpResponseInit) {
    const status = init?.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599) throw outOfRange('status', 'an integer from 200 to 599', status);
    this.status = status;
    this.statusText = init?.statusText ?? '';
    this.headerList = flatten(init?.headers);
    this.body = body instanceof ArrayBuffer ? new Uint8Array(body) : (body ?? null);
  }

  /** JSON.stringify(data) with Content-Type application/json. */
  static json(data: unknown, init?: HttpResponseInit): HttpResponse {
    const headers = flatten(init?.headers);
    if (!hasHeader(headers, 'content-type')) headers.push('content-type', 'application/json');
    return new HttpResponse(JSON.stringify(data), { ...init, headers: pairs(headers) });
  }
}

function pairs(list: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < list.length; i += 2) out.push([list[i]!, list[i + 1]!]);
  return out;
}

function hasHeader(list: string[], lowerName: string): boolean {
  for (let i = 0; i < list.length; i += 2) if (list[i]!.length === lowerName.length && list[i]!.toLowerCase() === lowerName) return true;
  return false;
}

function flatten(init: HttpHeadersInit | undefined): string[] {
  const list: string[] = [];
  if (init === undefined) return list;
  if (Array.isArray(init) || Symbol.iterator in (init as object)) {
    for (const [name, value] of init as Iterable<[string, string]>) list.push(String(name), String(value));
  } else {
    for (const name of Object.keys(init)) list.push(name, String((init as Record<string, string | number>)[name]));
  }
  return list;
}

/** A WHATWG Response (or anything with its shape) read into an HttpResponse. */
export async function toHttpResponse(response: Response): Promise<HttpResponse> {
  const headers: [string, string][] = [];
  response.headers.forEach((value, name) => headers.push([name, value]));
  const body = response.body === null ? null : new Uint8Array(await response.arrayBuffer());
  return new HttpResponse(body, { status: response.status, statusText: response.statusText, headers });
}
