// An incremental HTTP/1.1 request parser: bytes in (push), whole requests out
// (next). Pure: no sockets, no timers, so it can be tested byte by byte.
//
// It is strict on purpose, because a lenient parser in front of (or behind)
// another one is how requests get smuggled: every line must end in CRLF (a
// bare LF or CR is 400), obs-fold is 400, a space before the colon is 400,
// Content-Length must be plain digits and agree with any other copy,
// Content-Length together with Transfer-Encoding is 400, and the only
// transfer coding is a single `chunked` (others are 501). Bodies are framed
// by Content-Length or chunked; anything else has no body.
//
// The hot path is byte comparisons over a lookup table: the end of the head
// is found with Buffer.indexOf (native), then the head is walked once, or not
// at all when it repeats the connection's last one (repeated-head.ts). What a
// parser owns is made when first needed: a keep-alive connection whose
// requests each arrive whole and repeat its first head owns that head's copy,
// and no buffer or string table.
import { BodyBlocks } from './body-blocks.js';
import { HttpError, type Limits } from './limits.js';
import { ParserInput } from './parser-input.js';
import { latin1, RecentStrings } from './recent-strings.js';
import { CR, LF, RepeatedHead, type HeadFields, type RequestHead } from './repeated-head.js';

/** One request as the parser hands it over: head fields, flat headers, and the body. */
export interface ParsedRequest extends RequestHead {
  /** The client sent `Expect: 100-continue` and waits for a 100 before the body. */
  expectContinue: boolean;
  /** The decoded body; null when the request has none. */
  body: Buffer | null;
}

const SP = 32;
const HT = 9;
const COLON = 58;
const SEMI = 59;

/** tchar (RFC 9110 5.6.2): the bytes of a method or a header name. */
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 48; c <= 57; c++) TOKEN[c] = 1;
for (let c = 65; c <= 90; c++) TOKEN[c] = 1;
for (let c = 97; c <= 122; c++) TOKEN[c] = 1;

/** field-vchar, SP, HTAB and obs-text: the bytes allowed in a header value. */
const VALUE = new Uint8Array(256).fill(1);
for (let c = 0; c < 32; c++) VALUE[c] = 0;
VALUE[HT] = 1;
VALUE[127] = 0;

/** Hex digit values, -1 for anything else. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) HEX[65 + c] = HEX[97 + c] = 10 + c;

const enum State {
  Head,
  Length,
  ChunkSize,
  ChunkExtension,
  ChunkSizeLf,
  ChunkData,
  ChunkDataCr,
  ChunkDataLf,
  Trailer,
}

/** Strings made afresh every time: a connection's first head, before it is worth remembering any. Holds no state. */
const FRESH_VALUES = new RecentStrings(0, 0, false);
const FRESH_NAMES = new RecentStrings(0, 0, true);

/** A chunk-size line longer than this (leading zeros, extensions) is refused. */
const MAX_CHUNK_LINE = 1024;
/** The least a block of a chunked body is made with (its chunks' sizes say little about what follows). */
const CHUNKED_BLOCK = 16 * 1024;

/** A strict, incremental HTTP/1.1 request parser: push() bytes in, next() whole requests out; violations throw HttpError. */
export class RequestParser extends ParserInput {
  private state = State.Head;
  /** The request whose body is being read. */
  private current: ParsedRequest | null = null;
  /** The body's parts so far (handed-out blocks) and their total length (what is still in `blocks` included). */
  private parts: Buffer[] = [];
  private total = 0;
  /** The body's bytes, copied into blocks (body-blocks.ts). */
  private readonly blocks = new BodyBlocks();
  /** Length: body bytes still to come. ChunkSize/ChunkData: bytes of the chunk. ChunkSize: characters of its line. */
  private chunkLeft = 0;
  private lineBytes = 0;
  private digits = 0;
  /** The trailer lines of the last chunked body, as flat name/value pairs (names lowercased); null when it had none. */
  private trailerLines: string[] | null = null;
  /** Last head's target and header values (place 0: the target; then one per header line), and its header names; made by the second head parsed. */
  private values: RecentStrings | null = null;
  private names: RecentStrings | null = null;
  /** The last head, to answer one that repeats it without parsing it again; made by the first. */
  private repeated: RepeatedHead | null = null;

  constructor(private readonly limits: Limits) {
    super();
  }

  /** True when no part of a request is buffered: the connection is between requests. */
  get idle(): boolean {
    return this.state === State.Head && this.start === this.end;
  }

  /** True while a request's head is incomplete (the slow-header timeout runs). */
  get inHead(): boolean {
    return this.state === State.Head && this.start < this.end;
  }

  /** The request whose head is parsed and whose body is still coming. */
  get awaitingBody(): ParsedRequest | null {
    return this.current;
  }

  /**
   * Forgets every byte pushed and the request in progress, keeping no view
   * of a pushed chunk: after a refusal, whose chunk may go back to whoever
   * lent it while the connection is still closing.
   */
  discard(): void {
    this.buf = this.own;
    this.borrowed = false;
    this.start = this.end = this.scanned = this.lineStart = 0;
    this.state = State.Head;
    this.current = null;
    this.parts.length = 0;
    this.total = 0;
    this.blocks.clear();
  }

  /**
   * As a new parser, for the server's next connection (connection-pool.ts):
   * no byte, request, body part or trailer of the last connection is kept,
   * and nothing it parsed is remembered (its strings and its last head: a
   * head answered faster because another client sent it would let a client
   * time what others send). The tables' storage is kept, to be filled again.
   */
  reset(): void {
    this.clearInput();
    this.state = State.Head;
    this.current = null;
    this.parts = [];
    this.blocks.clear();
    this.total = this.chunkLeft = this.lineBytes = this.digits = 0;
    this.trailerLines = null;
    this.values?.forget();
    this.names?.forget();
    this.repeated?.forget();
  }

  /**
   * The next complete request, or null when more bytes are needed. Throws an
   * HttpError (400, 413, 431, 501, 505) for a request that must be refused;
   * the parser is unusable after that, as is the connection, and may still
   * hold the pushed chunk where it lies: discard() lets go of it.
   */
  next(): ParsedRequest | null {
    const request = this.parse();
    // Needing more bytes: keep what is left, since the chunk goes back to the kernel.
    if (request === null && this.borrowed) this.letGo();
    return request;
  }

  /**
   * Streaming bodies (node:http's IncomingMessage): the next request as soon
   * as its head is parsed. Its `body` is null when it has none; otherwise an
   * empty placeholder, and the bytes come from takeBody() until it says done.
   */
  nextHead(): ParsedRequest | null {
    const request = this.parseHead();
    if (request === null && this.borrowed) this.letGo();
    return request;
  }

  /**
   * Streaming bodies: appends the body bytes decoded so far (copies, in
   * blocks of up to 64 KiB) to `into`; true once the body (and any
   * trailers) is complete, after which nextHead() reads the next request.
   * Until then, bytes of a block not yet full may stay behind (bodyPending):
   * flushBody() hands them out.
   */
  takeBody(into: Buffer[]): boolean {
    let done = false;
    for (;;) {
      if (this.state === State.Length) done = this.readLength();
      else if (this.state === State.Trailer) done = this.readTrailers();
      else if (this.readChunked()) continue; // the last chunk: its trailers follow
      break;
    }
    if (done) this.blocks.end(this.parts);
    for (const part of this.parts) into.push(part);
    this.parts.length = 0;
    if (done) {
      this.current = null;
      this.state = State.Head;
    } else if (this.borrowed) {
      this.unborrow();
    }
    return done;
  }

  /** Streaming bodies: body bytes copied that takeBody() has not handed out yet (a block not yet full). */
  get bodyPending(): number {
    return this.blocks.pending;
  }

  /** Streaming bodies: appends what bodyPending counts to `into`, as one Buffer. */
  flushBody(into: Buffer[]): void {
    this.blocks.flush(into);
  }

  /** Streaming bodies: the trailers of the body takeBody() just completed (flat pairs, names lowercased), once; null when none. */
  takeTrailers(): string[] | null {
    const lines = this.trailerLines;
    this.trailerLines = null;
    return lines;
  }

  /** The bytes pushed but not parsed (a copy): what follows an upgrade's head. */
  remaining(): Buffer {
    return Buffer.from(this.buf.subarray(this.start, this.end));
  }

  private parse(): ParsedRequest | null {
    for (;;) {
      switch (this.state) {
        case State.Head: {
          const head = this.parseHead();
          if (head === null) return null;
          if (head.body === null) return head;
          break; // a body follows: head.body was a marker, cleared by startBody
        }
        case State.Length:
          if (!this.readLength()) return null;
          return this.finish();
        case State.Trailer:
          if (!this.readTrailers()) return null;
          return this.finish();
        default:
          if (!this.readChunked()) return null;
      }
    }
  }

  private finish(): ParsedRequest {
    const request = this.current!;
    this.blocks.end(this.parts);
    request.body = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.total);
    this.trailerLines = null; // whole-request parsing checks trailers and drops them
    this.current = null;
    this.parts = [];
    this.state = State.Head;
    return request;
  }

  // ---- the head ----------------------------------------------------------

  /** Finds the end of the head; parses it when it is all there. */
  private parseHead(): ParsedRequest | null {
    const buf = this.buf;
    // After a body the scan starts afresh where the next request does.
    if (this.scanned < this.start) this.scanned = this.lineStart = this.start;
    // A head that repeats the last one, all there: no search for its end either (its bytes passed every check before).
    const repeated = this.repeated;
    if (repeated !== null) {
      const blank = repeated.matchWhole(buf, this.start, this.end);
      if (blank >= 0) {
        const request = this.startRequest(repeated.fields!, true);
        this.start = this.scanned = this.lineStart = blank + 2;
        return request;
      }
    }
    let from = this.scanned;
    // Nothing new to look at (the batch's last request was complete): no call into indexOf.
    const search = from < this.end ? this.searchable() : buf;
    while (from < this.end) {
      const lf = search.indexOf(LF, from);
      if (lf < 0) break;
      if (lf === this.lineStart || buf[lf - 1] !== CR) throw new HttpError(400, 'bare LF in the request head');
      if (lf - 1 === this.lineStart && this.lineStart === this.start) {
        // RFC 9112 2.2: empty lines before a request line are ignored.
        this.start = this.scanned = this.lineStart = from = lf + 1;
        continue;
      }
      if (lf - 1 === this.lineStart) {
        if (lf + 1 - this.start > this.limits.maxHeaderBytes) throw new HttpError(431, 'request head too large');
        const request = this.parseHeadBytes(this.start, this.lineStart);
        this.start = lf + 1;
        this.scanned = this.lineStart = this.start;
        return request;
      }
      this.lineStart = from = lf + 1;
    }
    this.scanned = this.end;
    if (this.end - this.start > this.limits.maxHeaderBytes) throw new HttpError(431, 'request head too large');
    return null;
  }

  /**
   * The request of the head in buf[start, blank), where `blank` is the start
   * of the empty line; sets up its body. (A head that repeats the last one
   * never comes here: parseHead matched it first.)
   */
  private parseHeadBytes(start: number, blank: number): ParsedRequest {
    const fields = this.parseFields(start, blank);
    (this.repeated ??= new RepeatedHead()).keep(this.buf, start, blank, fields);
    return this.startRequest(fields, false);
  }

  /** The request of a parsed head (`kept`: the repeated head's fields, whose headers it must not share); sets up its body. */
  private startRequest(fields: Readonly<HeadFields>, kept: boolean): ParsedRequest {
    const { chunked, contentLength, asksContinue } = fields;
    const request: ParsedRequest = {
      method: fields.method,
      target: fields.target,
      minor: fields.minor,
      headers: kept ? fields.headers.slice() : fields.headers,
      keepAlive: fields.keepAlive,
      expectContinue: false,
      body: null,
    };
    if (chunked) {
      this.startBody(request, asksContinue);
      this.state = State.ChunkSize;
      this.chunkLeft = this.lineBytes = this.digits = this.total = 0;
    } else if (contentLength > 0) {
      this.startBody(request, asksContinue);
      this.state = State.Length;
      this.chunkLeft = contentLength;
      this.total = 0;
    }
    return request;
  }

  /** Parses and checks the head in buf[start, blank); throws HttpError for one that must be refused. */
  private parseFields(start: number, blank: number): HeadFields {
    const buf = this.buf;
    // Request line: method SP target SP HTTP/1.x CRLF
    let i = start;
    while (TOKEN[buf[i]!] === 1) i++;
    if (i === start || buf[i] !== SP) throw new HttpError(400, 'malformed method');
    const method = methodName(buf, start, i);
    const targetStart = ++i;
    while (buf[i]! > SP && buf[i]! < 127) i++;
    if (i === targetStart || buf[i] !== SP) throw new HttpError(400, 'malformed request target');
    // A connection's first head has nothing to repeat: its strings are made afresh (reset() forgets the last connection's).
    const first = this.repeated === null || this.repeated.fields === null;
    const values = first ? FRESH_VALUES : (this.values ??= new RecentStrings(17, 96, false));
    const names = first ? FRESH_NAMES : (this.names ??= new RecentStrings(16, 32, true));
    const target = values.get(buf, targetStart, i, 0);
    i++;
    if (buf[i] !== 72 || buf[i + 1] !== 84 || buf[i + 2] !== 84 || buf[i + 3] !== 80 || buf[i + 4] !== 47) throw new HttpError(400, 'malformed HTTP version');
    const major = buf[i + 5]! - 48;
    const minor = buf[i + 7]! - 48;
    if (major < 0 || major > 9 || buf[i + 6] !== 46 || minor < 0 || minor > 9 || buf[i + 8] !== CR || buf[i + 9] !== LF)
      throw new HttpError(400, 'malformed HTTP version');
    if (major !== 1 || minor > 1) throw new HttpError(505, `HTTP/${major}.${minor} is not supported`);
    i += 10;

    const headers: string[] = [];
    let contentLength = -1;
    let chunked = false;
    let transferEncodings = 0;
    let hosts = 0;
    let close = false;
    let keepAliveToken = false;
    let expectContinue = false;
    while (i < blank) {
      if (buf[i] === SP || buf[i] === HT) throw new HttpError(400, 'obsolete line folding');
      const nameStart = i;
      while (TOKEN[buf[i]!] === 1) i++;
      if (i === nameStart || buf[i] !== COLON) throw new HttpError(400, 'malformed header name');
      const line = headers.length >> 1;
      const name = names.get(buf, nameStart, i, line);
      i++;
      while (buf[i] === SP || buf[i] === HT) i++;
      const valueStart = i;
      while (VALUE[buf[i]!] === 1) i++;
      if (buf[i] !== CR || buf[i + 1] !== LF) throw new HttpError(400, 'invalid character in a header value');
      let valueEnd = i;
      while (valueEnd > valueStart && (buf[valueEnd - 1] === SP || buf[valueEnd - 1] === HT)) valueEnd--;
      const value = values.get(buf, valueStart, valueEnd, line + 1);
      i += 2;
      if (headers.length >= this.limits.maxHeaderCount * 2) throw new HttpError(431, 'too many headers');
      headers.push(name, value);

      switch (name) {
        case 'host':
          hosts++;
          break;
        case 'content-length': {
          const n = parseLength(value);
          if (contentLength >= 0 && n !== contentLength) throw new HttpError(400, 'conflicting Content-Length headers');
          contentLength = n;
          break;
        }
        case 'transfer-encoding':
          transferEncodings++;
          chunked = value.toLowerCase() === 'chunked';
          if (!chunked) {
            const last = value
              .slice(value.lastIndexOf(',') + 1)
              .trim()
              .toLowerCase();
            // A coding we do not implement, framed by chunked, is 501; chunked not last cannot be framed at all: 400.
            throw last === 'chunked' ? new HttpError(501, `unsupported transfer coding: ${value}`) : new HttpError(400, `invalid Transfer-Encoding: ${value}`);
          }
          break;
        case 'connection':
          for (const token of value.toLowerCase().split(',')) {
            const t = token.trim();
            if (t === 'close') close = true;
            else if (t === 'keep-alive') keepAliveToken = true;
          }
          break;
        case 'expect':
          // RFC 9110 10.1.1: a 100 is never sent to an HTTP/1.0 client.
          if (minor === 1 && value.toLowerCase() === '100-continue') expectContinue = true;
          break;
      }
    }

    if (transferEncodings > 1) throw new HttpError(400, 'more than one Transfer-Encoding header');
    if (chunked && contentLength >= 0) throw new HttpError(400, 'both Content-Length and Transfer-Encoding');
    if (chunked && minor === 0) throw new HttpError(400, 'Transfer-Encoding in an HTTP/1.0 request');
    if (minor === 1 && hosts !== 1) throw new HttpError(400, hosts === 0 ? 'missing Host header' : 'more than one Host header');
    if (contentLength > this.limits.maxBodyBytes) throw new HttpError(413, 'request body too large');

    const keepAlive = !close && (minor === 1 || keepAliveToken);
    return { method, target, minor, headers, keepAlive, asksContinue: expectContinue, chunked, contentLength };
  }

  private startBody(request: ParsedRequest, expectContinue: boolean): void {
    request.expectContinue = expectContinue;
    // A non-null marker tells next() that a body follows; finish() puts the real one.
    request.body = EMPTY;
    this.current = request;
  }

  // ---- bodies ------------------------------------------------------------

  /**
   * Content-Length: copies what is there into the body's parts; true when it
   * is complete. Memory follows the bytes received (a block of at most 64
   * KiB ahead of them), not the length announced.
   */
  private readLength(): boolean {
    const n = Math.min(this.chunkLeft, this.end - this.start);
    if (n > 0) this.blocks.add(this.buf, this.start, this.start + n, this.chunkLeft, this.parts);
    this.total += n;
    this.chunkLeft -= n;
    this.start += n;
    return this.chunkLeft === 0;
  }

  /** Chunked: runs the chunk state machine over what is there; true when the last chunk is read. */
  private readChunked(): boolean {
    const buf = this.buf;
    while (this.start < this.end) {
      const c = buf[this.start]!;
      switch (this.state) {
        case State.ChunkSize: {
          const digit = HEX[c]!;
          if (digit >= 0) {
            this.chunkLeft = this.chunkLeft * 16 + digit;
            this.digits++;
            if (this.total + this.chunkLeft > this.limits.maxBodyBytes) throw new HttpError(413, 'request body too large');
          } else if (this.digits === 0) {
            throw new HttpError(400, 'malformed chunk size');
          } else if (c === SEMI) {
            this.state = State.ChunkExtension;
          } else if (c === CR) {
            this.state = State.ChunkSizeLf;
          } else {
            throw new HttpError(400, 'malformed chunk size');
          }
          break;
        }
        case State.ChunkExtension:
          // Extensions are ignored, but must not hide a line break.
          if (c === CR) this.state = State.ChunkSizeLf;
          else if (VALUE[c] !== 1) throw new HttpError(400, 'invalid character in a chunk extension');
          break;
        case State.ChunkSizeLf:
          if (c !== LF) throw new HttpError(400, 'bare CR after a chunk size');
          this.lineBytes = this.digits = 0;
          if (this.chunkLeft === 0) {
            this.state = State.Trailer;
            this.start++;
            this.scanned = this.lineStart = this.start;
            this.lineBytes = 0;
            return true;
          }
          this.state = State.ChunkData;
          break;
        case State.ChunkData: {
          const n = Math.min(this.chunkLeft, this.end - this.start);
          this.blocks.add(buf, this.start, this.start + n, Math.max(this.chunkLeft, CHUNKED_BLOCK), this.parts);
          this.total += n;
          this.chunkLeft -= n;
          this.start += n;
          if (this.chunkLeft === 0) this.state = State.ChunkDataCr;
          continue;
        }
        case State.ChunkDataCr:
          if (c !== CR) throw new HttpError(400, 'chunk data longer than its size');
          this.state = State.ChunkDataLf;
          break;
        case State.ChunkDataLf:
          if (c !== LF) throw new HttpError(400, 'bare CR after chunk data');
          this.state = State.ChunkSize;
          break;
      }
      this.start++;
      if ((this.state === State.ChunkSize || this.state === State.ChunkExtension) && ++this.lineBytes > MAX_CHUNK_LINE) {
        throw new HttpError(400, 'chunk size line too long');
      }
    }
    return false;
  }

  /** The trailer section after the last chunk: lines until an empty one. Checked, counted, dropped. */
  private readTrailers(): boolean {
    const buf = this.buf;
    const search = this.searchable();
    let from = this.scanned;
    for (;;) {
      const lf = search.indexOf(LF, from);
      if (lf < 0) break;
      if (lf === this.lineStart || buf[lf - 1] !== CR) throw new HttpError(400, 'bare LF in the trailers');
      const empty = lf - 1 === this.lineStart;
      if (!empty) {
        // A trailer line is a header line: name ":" value, no folding, no controls.
        let i = this.lineStart;
        while (TOKEN[buf[i]!] === 1) i++;
        const colon = i;
        if (i === this.lineStart || buf[i] !== COLON) throw new HttpError(400, 'malformed trailer');
        for (i++; i < lf - 1; i++) if (VALUE[buf[i]!] !== 1) throw new HttpError(400, 'invalid character in a trailer');
        this.keepTrailer(colon, lf - 1);
      }
      this.lineBytes += lf + 1 - this.lineStart;
      if (this.lineBytes > this.limits.maxHeaderBytes) throw new HttpError(431, 'trailers too large');
      this.start = this.scanned = this.lineStart = from = lf + 1;
      if (empty) return true;
    }
    this.scanned = this.end;
    if (this.lineBytes + this.end - this.lineStart > this.limits.maxHeaderBytes) throw new HttpError(431, 'trailers too large');
    return false;
  }

  /** Keeps the trailer line at lineStart (its colon and CR given), value trimmed as a header's (rare: no string cache). */
  private keepTrailer(colon: number, cr: number): void {
    const buf = this.buf;
    let from = colon + 1;
    let to = cr;
    while (from < to && (buf[from] === SP || buf[from] === HT)) from++;
    while (to > from && (buf[to - 1] === SP || buf[to - 1] === HT)) to--;
    const name = latin1(buf, this.lineStart, colon).toLowerCase();
    // Framing after the body (RFC 9110 6.5.1): meaningless here, and a smuggled length to whoever merges trailers into the head.
    if (name === 'content-length' || name === 'transfer-encoding') throw new HttpError(400, `${name} in the trailers`);
    (this.trailerLines ??= []).push(name, latin1(buf, from, to));
  }
}

const EMPTY = Buffer.alloc(0);

/** Content-Length: 1*DIGIT, nothing else (no sign, no spaces inside, no list). */
function parseLength(value: string): number {
  if (value.length === 0) throw new HttpError(400, 'empty Content-Length');
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw new HttpError(400, `invalid Content-Length: ${value}`);
    n = n * 10 + d;
  }
  // Past 2^53 the digits no longer compare exactly; far past any body limit anyway.
  if (n > Number.MAX_SAFE_INTEGER) throw new HttpError(413, 'request body too large');
  return n;
}

/** The method as a string; the common ones without an allocation. */
function methodName(buf: Buffer, start: number, end: number): string {
  const length = end - start;
  const c = buf[start];
  if (length === 3 && c === 71 && buf[start + 1] === 69 && buf[start + 2] === 84) return 'GET';
  if (length === 4 && c === 72 && buf[start + 1] === 69 && buf[start + 2] === 65 && buf[start + 3] === 68) return 'HEAD';
  if (length === 4 && c === 80 && buf[start + 1] === 79 && buf[start + 2] === 83 && buf[start + 3] === 84) return 'POST';
  return latin1(buf, start, end);
}
