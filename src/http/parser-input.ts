// The request parser's input: the bytes pushed and not yet consumed, kept
// across chunks. A chunk from the network is parsed where it lies (borrowed,
// no copy) while it holds whole requests; only the part of a request that a
// chunk ends in the middle of is copied into storage of the parser's own, and
// the next chunk is appended to it there. Its own file because that keeping
// and joining (borrow, let go, compact, grow) is apart from HTTP's syntax;
// RequestParser extends it so that its hot path reads these fields directly.

/** What `own` holds until bytes must outlive a chunk: nothing. */
const NONE = Buffer.alloc(0);
/** The parser's own storage when first made. */
const OWN_BYTES = 4096;

/** Bytes pushed into a parser and not yet consumed: a borrowed chunk, or the parser's own copy of what chunks left. */
export abstract class ParserInput {
  /** The parser's own storage, for bytes that must outlive the chunk they came in (NONE until then). */
  protected own: Buffer = NONE;
  /** What is being parsed: `own`, or a pushed chunk parsed where it is (borrowed). */
  protected buf: Buffer = NONE;
  protected borrowed = false;
  /** The first byte not yet consumed, and the end of the bytes pushed. */
  protected start = 0;
  protected end = 0;
  /** Head: where the search for the blank line resumes, and where the current line starts. */
  protected scanned = 0;
  protected lineStart = 0;

  /**
   * Appends bytes from the network. The chunk may be parsed where it is: it
   * must stay unchanged until next() returns null (by then whatever the
   * parser still needs of it has been copied). When nothing is pending, as
   * when each chunk holds whole requests, no byte is copied at all.
   */
  push(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.pushIn(bytes, 0, bytes.length);
  }

  /**
   * push() of bytes [start, end) of `memory`, where they lie (a server's
   * receive buffers: no view made per chunk). The same terms: those bytes
   * must stay unchanged until next() returns null. The rest of `memory` is
   * never read.
   */
  pushIn(memory: Buffer, start: number, end: number): void {
    if (this.borrowed) this.unborrow();
    if (this.start === this.end) {
      this.buf = memory;
      this.borrowed = true;
      this.start = this.scanned = this.lineStart = start;
      this.end = end;
      return;
    }
    const length = end - start;
    if (this.end + length > this.buf.length) this.makeRoom(length);
    memory.copy(this.buf, this.end, start, end);
    this.end += length;
  }

  /**
   * Forgets every byte pushed (a pooled parser, before its next connection).
   * Storage grown past its first size is dropped, so that a pool does not
   * keep one large request's memory.
   */
  protected clearInput(): void {
    if (this.own.length > OWN_BYTES) this.own = NONE;
    this.buf = this.own;
    this.borrowed = false;
    this.start = this.end = this.scanned = this.lineStart = 0;
  }

  /**
   * buf, ending at `end`, for indexOf: it searches to the end of its buffer,
   * and past `end` lie bytes that are not ours (the rest of the kernel's
   * buffers, when a chunk was pushed in place). A view only when needed.
   */
  protected searchable(): Buffer {
    const buf = this.buf;
    return buf.length === this.end ? buf : buf.subarray(0, this.end);
  }

  /**
   * Done with a borrowed chunk: lets go of it, keeping a copy of what is
   * left of it, if anything. Nothing is, when chunks hold whole requests:
   * that case is kept small, so that V8 inlines it into the connection's
   * loop and leaves unborrow(), and its budget, to the rare one.
   */
  protected letGo(): void {
    if (this.start !== this.end) {
      this.unborrow();
      return;
    }
    this.buf = this.own;
    this.borrowed = false;
    this.start = this.end = this.scanned = this.lineStart = 0;
  }

  /** Stops using the chunk pushed last: what is left of it is copied, and it may change from now on. */
  detach(): void {
    if (this.borrowed) this.unborrow();
  }

  /** Copies what is left of a borrowed chunk into the parser's own storage. */
  protected unborrow(): void {
    const live = this.end - this.start;
    if (live > this.own.length) this.own = Buffer.allocUnsafe(Math.max(live, OWN_BYTES, this.own.length * 2));
    if (live > 0) this.buf.copy(this.own, 0, this.start, this.end);
    this.scanned -= this.start;
    this.lineStart -= this.start;
    this.start = 0;
    this.end = live;
    this.buf = this.own;
    this.borrowed = false;
  }
  private makeRoom(length: number): void {
    const live = this.end - this.start;
    if (live + length <= this.buf.length && this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
    } else {
      let size = Math.max(OWN_BYTES, this.buf.length * 2);
      while (size < live + length) size *= 2;
      const grown = Buffer.allocUnsafe(size);
      this.buf.copy(grown, 0, this.start, this.end);
      this.own = this.buf = grown;
    }
    this.scanned -= this.start;
    this.lineStart -= this.start;
    this.end = live;
    this.start = 0;
  }
}
