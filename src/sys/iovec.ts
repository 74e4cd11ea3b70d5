// iovec arrays, and the kernel's cap on their length. readv(2)/writev(2) and
// their io_uring ops refuse more than IOV_MAX entries with EINVAL, so every
// vectored op walks its buffers in batches of at most IOV_MAX (IovecCursor),
// resuming after a partial completion at the exact byte it stopped at.
import { IOVEC } from './layout.js';
import { addressOf, storeU64 } from './memory.js';

/** UIO_MAXIOV: the most iovecs one readv/writev (or READV/WRITEV SQE) may carry. */
export const IOV_MAX = 1024;

/** An iovec array for `buffers` (the op must pin it, and the buffers, until its final CQE). */
export function iovecs(buffers: readonly ArrayBufferView[]): Uint32Array {
  const words = new Uint32Array((buffers.length * IOVEC.size) / 4);
  for (let i = 0; i < buffers.length; i++) setIovec(words, i, buffers[i]!, 0);
  return words;
}

function setIovec(words: Uint32Array, i: number, buffer: ArrayBufferView, skip: number): void {
  const length = buffer.byteLength - skip;
  storeU64(words, (i * IOVEC.size + IOVEC.iov_base) / 4, length === 0 ? 0 : addressOf(buffer) + skip);
  storeU64(words, (i * IOVEC.size + IOVEC.iov_len) / 4, length);
}

/** One batch for one READV/WRITEV: its iovec array (pin it with `buffers`), entry count and bytes. */
export interface IovecBatch {
  array: Uint32Array;
  count: number;
  bytes: number;
}

/**
 * Where a vectored transfer over `buffers` stands: which buffer, and how far
 * into it. batch() makes the iovecs for the next op (at most IOV_MAX, the
 * first one starting past what was already transferred); advance(n) moves
 * on by the n bytes the op reported.
 */
export class IovecCursor {
  private index = 0;
  private skip = 0;
  /** Bytes transferred so far. */
  done = 0;
  readonly total: number;

  constructor(readonly buffers: readonly ArrayBufferView[]) {
    let total = 0;
    for (const b of buffers) total += b.byteLength;
    this.total = total;
    this.skipEmpty();
  }

  get finished(): boolean {
    return this.done >= this.total;
  }

  batch(): IovecBatch {
    const count = Math.min(IOV_MAX, this.buffers.length - this.index);
    const array = new Uint32Array((count * IOVEC.size) / 4);
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const buffer = this.buffers[this.index + i]!;
      const skip = i === 0 ? this.skip : 0;
      setIovec(array, i, buffer, skip);
      bytes += buffer.byteLength - skip;
    }
    return { array, count, bytes };
  }

  advance(n: number): void {
    this.done += n;
    while (n > 0) {
      const left = this.buffers[this.index]!.byteLength - this.skip;
      if (n < left) {
        this.skip += n;
        return;
      }
      n -= left;
      this.index++;
      this.skip = 0;
    }
    this.skipEmpty();
  }

  /** Empty buffers carry no bytes: stepping over them keeps batches from being all zero-length. */
  private skipEmpty(): void {
    while (this.index < this.buffers.length && this.buffers[this.index]!.byteLength - this.skip === 0) {
      this.index++;
      this.skip = 0;
    }
  }
}
