// Turns an HttpResponse into bytes in a connection's Output: the status line,
// Date (cached per second), the handler's headers (checked: no CR, LF or NUL
// can split the response), Content-Length, Connection, and the body when it is
// small. Framing headers are the server's: a handler's own Content-Length or
// Transfer-Encoding is dropped, so the body and its length always agree.
import { httpDateLine } from './date.js';
import type { Output } from './output.js';
import type { FileBody, HttpResponse } from './response.js';
import { statusLine } from './status.js';
import { invalidHttpTokenError, invalidHeaderCharError } from '../sys/errors.js';

/** Bodies at least this long are not copied into the output buffer; they follow it in the same writev. */
export const LARGE_BODY = 64 * 1024;

/** What serialize left to send after the output buffer: a large buffer, or a file range. */
export type Tail = Uint8Array | FileBody | null;

export interface Framing {
  /** The request was HEAD: headers as for GET, no body. */
  head: boolean;
  /** The connection stays open after this response. */
  keepAlive: boolean;
  /** The request's HTTP/1.<minor>. */
  minor: number;
}

const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

function checkName(name: string): void {
  if (name.length === 0) throw invalidHttpTokenError(name);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 127 || TOKEN[c] !== 1) throw invalidHttpTokenError(name);
  }
}

function checkValue(name: string, value: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127 || c > 255) throw invalidHeaderCharError(name);
  }
}

export function isFileBody(body: unknown): body is FileBody {
  return typeof body === 'object' && body !== null && !(body instanceof Uint8Array) && typeof (body as FileBody).fd === 'number';
}

/** A string body up to this long is measured here (ASCII: one byte a character) rather than by Buffer.byteLength. */
const MEASURED = 256;

/** Buffer.byteLength(text, 'utf8'), without a call into C++ for short ASCII text. */
function utf8Length(text: string): number {
  const n = text.length;
  if (n > MEASURED) return Buffer.byteLength(text, 'utf8');
  for (let i = 0; i < n; i++) if (text.charCodeAt(i) > 127) return Buffer.byteLength(text, 'utf8');
  return n;
}

const CONTENT_TYPE = 'Content-Type: text/plain;charset=UTF-8\r\n';

/** The last header lines: Connection when it is not the version's default, and the blank line. */
function ending(framing: Framing): string {
  if (!framing.keepAlive) return 'Connection: close\r\n\r\n';
  return framing.minor === 0 ? 'Connection: keep-alive\r\n\r\n' : '\r\n';
}

/**
 * Heads of responses without headers of the handler's own, as bytes, by their
 * shape (status, length, type, framing): such a head is one copy into the
 * output buffer instead of a dozen short writes. Emptied when the Date changes.
 */
const heads = new Map<number, Buffer>();
let headsDate = '';
const MAX_HEADS = 64;

function plainHead(status: number, length: number, typed: boolean, noBody: boolean, framing: Framing): Buffer {
  const date = httpDateLine();
  if (date !== headsDate) {
    heads.clear();
    headsDate = date;
  }
  const shape = framing.keepAlive ? (framing.minor === 0 ? 1 : 2) : 0;
  const key = ((length * 1024 + status) * 2 + (typed ? 1 : 0)) * 4 + shape;
  let head = heads.get(key);
  if (head === undefined) {
    let text = statusLine(status, '') + date;
    if (typed) text += CONTENT_TYPE;
    if (!noBody) text += `Content-Length: ${length}\r\n`;
    head = Buffer.from(text + ending(framing), 'latin1');
    if (heads.size >= MAX_HEADS) heads.clear();
    heads.set(key, head);
  }
  return head;
}

/** Appends `response` to `out`; returns the part of the body still to send after it. */
export function serialize(out: Output, response: HttpResponse, framing: Framing): Tail {
  const { status, body } = response;
  const noBody = status === 204 || status === 304;
  let length = 0;
  let text: string | null = null;
  if (typeof body === 'string') {
    text = body;
    length = utf8Length(body);
  } else if (body instanceof Uint8Array) {
    length = body.byteLength;
  } else if (body !== null) {
    length = body.length;
  }
  const list = response.headerList;
  if (list.length === 0 && response.statusText === '') {
    out.bytes(plainHead(status, length, text !== null, noBody, framing));
  } else {
    if (response.statusText !== '') checkValue('status text', response.statusText);
    // Checked before anything is written, so that a refused header leaves `out` as it was.
    for (let i = 0; i < list.length; i += 2) {
      checkName(list[i]!);
      checkValue(list[i]!, list[i + 1]!);
    }
    out.latin1(statusLine(status, response.statusText));
    out.latin1(httpDateLine());
    let contentType = false;
    for (let i = 0; i < list.length; i += 2) {
      const name = list[i]!;
      const n = name.length;
      if (n === 12 || n === 14 || n === 17 || n === 10 || n === 4) {
        const lower = name.toLowerCase();
        if (lower === 'content-type') contentType = true;
        else if (lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection' || lower === 'date') continue;
      }
      out.latin1(`${name}: ${list[i + 1]!}\r\n`);
    }
    if (text !== null && !contentType) out.latin1(CONTENT_TYPE);
    if (!noBody) {
      out.latin1('Content-Length: ');
      out.decimal(length);
      out.latin1('\r\n');
    }
    out.latin1(ending(framing));
  }

  if (framing.head || noBody || length === 0) {
    if (body !== null && typeof body === 'object' && !(body instanceof Uint8Array)) body.done?.();
    return null;
  }
  if (text !== null) {
    out.utf8(text, length);
    return null;
  }
  if (body instanceof Uint8Array) {
    if (length < LARGE_BODY) {
      out.bytes(body);
      return null;
    }
    return body;
  }
  return body as FileBody;
}
