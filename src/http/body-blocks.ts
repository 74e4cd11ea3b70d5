// A request body's bytes as the parser hands them out: copied out of the
// receive buffers into blocks of up to 64 KiB, not into a Buffer per chunk
// received. The drop-in server's receive buffers are 4 KiB (sized for
// heads), so a body came as a 'data' event, and a malloc, per 4 KiB; node:http
// reads up to 64 KiB at a time and gives that as one 'data'. A block is
// handed out when it is full, when the body ends, or when the caller flushes
// what it has (createServer, once the completions reaped together are in).
//
// A block is zero-filled when made and only ever written forward: the
// Buffers handed out are views of it that nothing writes again, and what
// their `.buffer` shows beyond them is zeros or later bytes of the same body,
// never memory the runtime reuses or another request's bytes. A full-sized
// block comes from the addon's pool (src/sys/pooled-block.ts): zeroed when
// handed out, and reused only once nothing shows it any more.
import { POOLED_BLOCK, pooledBlock } from '../sys/pooled-block.js';

/** The largest block: node:http's read size, and a pooled block's. */
const BODY_BLOCK = POOLED_BLOCK;

const NONE = Buffer.alloc(0);

/** The body bytes copied so far, in blocks; full blocks go out as they fill. */
export class BodyBlocks {
  private block: Buffer = NONE;
  /** The first byte of the block not yet handed out, and the end of what is written. */
  private from = 0;
  private fill = 0;

  /** Bytes copied and not yet handed out. */
  get pending(): number {
    return this.fill - this.from;
  }

  /**
   * Copies bytes [start, end) of `src`; `size` is the size a new block is
   * made with (the body bytes known to be coming, these included), up to
   * BODY_BLOCK. Each block that fills goes to `out` at once.
   */
  add(src: Buffer, start: number, end: number, size: number, out: Buffer[]): void {
    while (start < end) {
      let block = this.block;
      if (this.fill === block.length) {
        const want = Math.max(size, end - start);
        block = this.block = want >= BODY_BLOCK ? pooledBlock() : Buffer.alloc(want);
        this.from = this.fill = 0;
      }
      const n = Math.min(end - start, block.length - this.fill);
      src.copy(block, this.fill, start, start + n);
      this.fill += n;
      start += n;
      size -= n;
      if (this.fill === block.length) this.flush(out);
    }
  }

  /** Hands out what is copied and not yet handed out (a view of the block), if anything. */
  flush(out: Buffer[]): void {
    if (this.fill === this.from) return;
    out.push(this.block.subarray(this.from, this.fill));
    this.from = this.fill;
  }

  /**
   * The body has ended: hands out what is left, and lets go of the block, so
   * that the next body's bytes never land in memory a Buffer of this one shows.
   */
  end(out: Buffer[]): void {
    this.flush(out);
    this.clear();
  }

  /** Forgets the bytes not handed out, and the block. */
  clear(): void {
    this.block = NONE;
    this.from = this.fill = 0;
  }
}
