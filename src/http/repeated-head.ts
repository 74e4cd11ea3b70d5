// The last request head of a connection, kept with what it parsed to. A
// keep-alive client sends the same head again and again (the same target,
// Host, User-Agent, Accept...), and comparing its bytes with one copy costs
// less than parsing them again: a parse walks the bytes through the token
// tables and looks each string up in RecentStrings, and with hundreds of
// connections served in turn, what a connection touches has left the CPU's
// caches by its next request. Only heads that parsed without error are kept;
// the limits do not change on a connection, so the same bytes would pass the
// same checks.
//
// One per connection, never shared between connections: a head answered from
// another client's copy is answered faster, so a client could time whether
// someone else sent a given head (its target, its cookies) recently, as
// compression and shared header tables have let attackers do before. A
// shared table also saved no CPU measurably (docs/performance.md, "Session 7").

/** What a request's head says about it. */
export interface RequestHead {
  /** The method token as sent, e.g. 'GET'. */
  method: string;
  /** The request-target as sent ("/a?b", "*", or an absolute URL). */
  target: string;
  /** HTTP/1.<minor>: 0 or 1. */
  minor: number;
  /** Flat name/value pairs, names lowercased, in order: [n0, v0, n1, v1, ...]. */
  headers: string[];
  /** The connection may carry another request after this one. */
  keepAlive: boolean;
}

/** What a head parses to: the request's fields and how its body is framed. */
export interface HeadFields extends RequestHead {
  /** Expect: 100-continue, from an HTTP/1.1 client. */
  asksContinue: boolean;
  chunked: boolean;
  /** -1 when absent. */
  contentLength: number;
}

/** Heads longer than this are not kept (their copy would cost each connection more memory than it saves). */
const MAX_KEPT = 2048;

/** The bytes that end a head's lines (the parser's too). */
export const CR = 13;
export const LF = 10;

export class RepeatedHead {
  private bytes: Uint8Array | null = null;
  /** The kept head's length, its blank line excluded; -1 when none is kept. */
  private length = -1;
  /** What the kept head parsed to: read them, and hand out a copy of their headers. */
  fields: HeadFields | null = null;

  /**
   * Whether the bytes from buf[start] (up to `end`) begin with the kept head
   * and the blank line after it: then where that blank line starts, else -1.
   */
  matchWhole(buf: Uint8Array, start: number, end: number): number {
    const n = this.length;
    if (n < 0 || end - start < n + 2) return -1;
    const bytes = this.bytes!;
    for (let i = 0; i < n; i++) if (bytes[i] !== buf[start + i]) return -1;
    const blank = start + n;
    return buf[blank] === CR && buf[blank + 1] === LF ? blank : -1;
  }

  /** Keeps nothing any more (a pooled parser's, before its next connection): the bytes' storage stays, for the next head. */
  forget(): void {
    this.length = -1;
    this.fields = null;
  }

  /** Keeps buf[start, end) and what it parsed to (a copy of its headers: the request's own may be changed by its handler). */
  keep(buf: Uint8Array, start: number, end: number, fields: HeadFields): void {
    const n = end - start;
    if (n > MAX_KEPT) {
      this.length = -1;
      return;
    }
    if (this.bytes === null || this.bytes.length < n) this.bytes = new Uint8Array(Math.max(64, n + 63) & ~63);
    this.bytes.set(buf.subarray(start, end));
    this.length = n;
    this.fields = { ...fields, headers: fields.headers.slice() };
  }
}
