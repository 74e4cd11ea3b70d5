// What a handler receives: shaped like fetch's Request (method, url, headers,
// text(), json(), arrayBuffer()) but built straight from the parser's output.
// The WHATWG Request costs about 12 µs to construct on Node 20, more than the
// rest of a hello-world request here: see docs/net.md, "HTTP".
import type { SocketAddress } from '../net/address.js';
import { HttpHeaders } from './headers.js';
import type { ParsedRequest } from './parser.js';
import { bodyUsedError } from '../sys/errors.js';

/** The request a serve() handler receives: shaped like fetch's Request, with the body already read. */
export class HttpRequest {
  /** The method as sent, e.g. 'GET'. */
  readonly method: string;
  /** The request-target exactly as sent: "/path?query", "*", or an absolute URL. */
  readonly target: string;
  /** The parser's flat [name, value, ...] headers, read through `headers`. */
  private readonly headerList: string[];
  private headerView: HttpHeaders | null = null;
  /** "1.1" or "1.0". */
  readonly httpVersion: string;
  private readonly bodyBytes: Buffer | null;
  private used = false;
  private fullUrl: string | null = null;

  constructor(
    parsed: ParsedRequest,
    private readonly scheme: string,
    private readonly peer: () => SocketAddress | null,
  ) {
    this.method = parsed.method;
    this.target = parsed.target;
    this.headerList = parsed.headers;
    this.httpVersion = parsed.minor === 1 ? '1.1' : '1.0';
    this.bodyBytes = parsed.body;
  }

  /** The request headers (names case-insensitive); made on first use: a handler that reads none costs no object for them. */
  get headers(): HttpHeaders {
    return (this.headerView ??= new HttpHeaders(this.headerList));
  }

  /** The absolute URL, as fetch's `request.url`: scheme, Host header, target. */
  get url(): string {
    if (this.fullUrl === null) {
      const t = this.target;
      this.fullUrl = t.charCodeAt(0) === 47 ? `${this.scheme}://${this.headers.get('host') ?? 'localhost'}${t}` : t;
    }
    return this.fullUrl;
  }

  /** The path of the target, before any '?', still percent-encoded. */
  get pathname(): string {
    const t = this.target;
    let start = 0;
    if (t === '*') return t;
    if (t.charCodeAt(0) !== 47) {
      // absolute-form: skip "scheme://authority"
      const scheme = t.indexOf('://');
      start = scheme < 0 ? t.length : t.indexOf('/', scheme + 3);
      if (start < 0) return '/';
    }
    const q = t.indexOf('?', start);
    return q < 0 ? (start === 0 ? t : t.slice(start)) : t.slice(start, q);
  }

  /** The peer's address (getpeername, asked on first use). */
  get remoteAddress(): SocketAddress | null {
    return this.peer();
  }

  /** Whether the body was taken (bytes(), arrayBuffer(), text() or json()); it can be taken once. */
  get bodyUsed(): boolean {
    return this.used;
  }

  private take(): Buffer {
    if (this.used) throw bodyUsedError();
    this.used = true;
    return this.bodyBytes ?? Buffer.alloc(0);
  }

  /** The body's bytes (the whole body is read before the handler runs). */
  bytes(): Promise<Uint8Array> {
    try {
      return Promise.resolve(this.take());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The body as an ArrayBuffer of its own (a copy). */
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.bytes().then((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }

  /** The body decoded as UTF-8. */
  text(): Promise<string> {
    return this.bytes().then((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'));
  }

  /** The body parsed as JSON; rejects with JSON.parse's SyntaxError if it is not. */
  json(): Promise<unknown> {
    return this.text().then((s) => JSON.parse(s) as unknown);
  }
}
