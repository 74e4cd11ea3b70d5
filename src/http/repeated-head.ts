// Recent request heads, kept with what they parsed to, shared by every
// connection parsed under the same limits (in practice: one server's
// connections on one thread). Clients send the same head again and again (the
// same target, Host, User-Agent, Accept...), on one connection and across
// connections, and comparing a head's bytes with one copy costs less than
// parsing them again: a parse walks the bytes through the token tables and
// looks each string up in RecentStrings. Shared rather than per connection
// because with hundreds of connections served in turn, what each connection
// owns has left the CPU's caches by its next request, while one table that
// every connection reads stays in them (docs/performance.md, "Session 7").
// Only heads that parsed without error are kept, and a table serves one set
// of limits, so the same bytes would pass the same checks.

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

/** Heads longer than this are not kept (each copy costs memory for as long as the table lives). */
const MAX_KEPT = 2048;
/** Heads kept per table (a power of two): a head's length and a few of its bytes pick its entry. */
const ENTRIES = 16;

/** Recent heads and their fields, looked up by their bytes. */
export class RepeatedHeads {
  private readonly bytes: (Uint8Array | null)[] = new Array<Uint8Array | null>(ENTRIES).fill(null);
  private readonly lengths = new Int32Array(ENTRIES).fill(-1);
  private readonly fields: (HeadFields | null)[] = new Array<HeadFields | null>(ENTRIES).fill(null);

  /** The entry of buf[start, end): heads of different lengths or different bytes near their end land apart. */
  private entry(buf: Uint8Array, start: number, end: number): number {
    const n = end - start;
    return (n ^ (n >> 4) ^ buf[end - 1]! ^ (buf[end - 3]! << 1) ^ (buf[start + (n >> 1)]! << 2)) & (ENTRIES - 1);
  }

  /**
   * The fields of the head in buf[start, end) if its bytes are those of a
   * head kept, else null. They are the kept ones, shared: read them, and
   * hand out a copy of their headers.
   */
  match(buf: Uint8Array, start: number, end: number): Readonly<HeadFields> | null {
    const n = end - start;
    const at = this.entry(buf, start, end);
    if (this.lengths[at] !== n) return null;
    const bytes = this.bytes[at]!;
    for (let i = 0; i < n; i++) if (bytes[i] !== buf[start + i]) return null;
    return this.fields[at]!;
  }

  /** Keeps buf[start, end) and what it parsed to (a copy of its headers: the request's own may be changed by its handler). */
  keep(buf: Uint8Array, start: number, end: number, fields: HeadFields): void {
    const n = end - start;
    if (n > MAX_KEPT || n < 1) return;
    const at = this.entry(buf, start, end);
    let bytes = this.bytes[at]!;
    if (bytes === null || bytes.length < n) this.bytes[at] = bytes = new Uint8Array(Math.max(64, n + 63) & ~63);
    bytes.set(buf.subarray(start, end));
    this.lengths[at] = n;
    this.fields[at] = { ...fields, headers: fields.headers.slice() };
  }
}

const tables = new WeakMap<object, RepeatedHeads>();

/** The table of heads shared by the parsers that check against `limits` (the same object). */
export function repeatedHeadsFor(limits: object): RepeatedHeads {
  let table = tables.get(limits);
  if (table === undefined) tables.set(limits, (table = new RepeatedHeads()));
  return table;
}
