// `for await (const chunk of stream)`: one multishot recv (IORING_RECV_MULTISHOT)
// drawing from the ring's provided buffers (provided-recv.ts), bounded and
// re-armed as needed. By default each chunk is a Buffer of its own (a full
// buffer handed off and replaced in the ring, else a copy, the buffer going
// straight back), as Node's streams give: it may be kept.
// `chunks({ borrow: true })` yields BorrowedChunks instead: views of the
// kernel's buffer, no copy, valid only until the next next() (or the loop's
// end). Kernels without buffer rings get a loop of
// plain recvs into one Buffer of the iterator's own.
import type { Ring } from '../driver/ring.js';
import type { MultishotSink } from '../op/multishot.js';
import { concurrentReadError, invalidArgType, receivedLostError, unreachableError } from '../sys/errors.js';
import type { IoUring } from '../ring/io-uring.js';
import { recvBuffers, type BufferRing } from './buffer-ring.js';
import { ProvidedRecv, type InPlaceSink, type ProvidedRecvSpec, type UnreadKeeper } from './provided-recv.js';

declare const borrowed: unique symbol;
/**
 * A chunk that is a view of a kernel buffer, lent until the next call to
 * next() (or the end of the loop): then its bytes are overwritten. Copy it
 * (Buffer.from) to keep any of it.
 */
export type BorrowedChunk = Buffer & {
  /** A type-only brand: no such property exists at run time. */
  readonly [borrowed]: true;
};

/**
 * Checks the options of a receive loop, chunks() or datagrams() (`signal`,
 * `borrow`), on either backend, and gives whether values are borrowed.
 */
export function checkLoopOptions(options: unknown): boolean {
  if (options === undefined) return false;
  if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'an object', options);
  const { signal, borrow } = options as ChunkOptions;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  if (borrow !== undefined && typeof borrow !== 'boolean') throw invalidArgType('options.borrow', 'of type boolean', borrow);
  return borrow === true;
}

/** Options for SocketStream.chunks(). */
export interface ChunkOptions {
  /** Aborting it cancels the recv in the kernel. */
  signal?: AbortSignal | undefined;
  /** Yield BorrowedChunks (views, no copy) instead of Buffers of their own. Default false. */
  borrow?: boolean;
}

/** What a chunk iterator needs from its stream; it keeps what a loop that ended early had received. */
export interface ChunkSource extends UnreadKeeper<Buffer> {
  readonly ring: Ring;
  readonly fd: number;
  /** A single recv into `buf`, for kernels without buffer rings. */
  read(buf: Uint8Array, options?: { signal?: AbortSignal | undefined }): Promise<number>;
}

/** The bytes of the fallback read (kernels without buffer rings). */
const FALLBACK_BYTES = 64 * 1024;

const decodeChunk = (bytes: Buffer, own: boolean): Buffer => (own ? Buffer.from(bytes) : bytes);

/**
 * The multishot recv of a chunk loop, as its ProvidedRecv takes it: a class,
 * so that its prep and the rest are methods, not a closure (and its context)
 * per connection, which every idle connection would hold.
 */
class ChunkRecvSpec implements ProvidedRecvSpec<Buffer> {
  constructor(
    readonly ring: Ring,
    readonly pool: BufferRing,
    private readonly fd: number,
    readonly borrow: boolean,
    readonly signal: AbortSignal | undefined,
    /** The stream: it keeps what a loop that ended early received. */
    readonly keeper: UnreadKeeper<Buffer>,
  ) {}

  get syscall(): string {
    return 'read';
  }

  prep(uring: IoUring, sqe: number): void {
    uring.prepRecvMultishot(sqe, this.fd, 0, 0, 0);
    uring.selectBuffer(sqe, this.pool.group);
  }

  /** A recv that ended with data delivered (e.g. the CQ was full) carries on at once. */
  rearm(res: number): boolean {
    return res > 0;
  }

  decode(bytes: Buffer, own: boolean): Buffer {
    return decodeChunk(bytes, own);
  }

  /** A full buffer the pool handed off is the chunk itself. */
  adopt(bytes: Buffer): Buffer {
    return bytes;
  }

  /** A borrower is done with a chunk: if the pool handed it off, its memory serves the pool again. */
  reuse(value: Buffer): void {
    this.pool.reuse(value);
  }
}

/**
 * A socket's incoming chunks, from a multishot recv over the ring's provided buffers
 * (or single reads on kernels without buffer rings). Ends at EOF.
 */
export class ChunkIterator<T extends Buffer = Buffer> implements AsyncIterableIterator<T> {
  private readonly reader: ProvidedRecv<Buffer> | null = null;
  private readonly borrow: boolean;
  private done = false;
  private fallback: Buffer | null = null;
  /** True while the fallback loop starts its own source.read(). */
  private ownRead = false;
  /** True while a fallback next() has not settled: a second one is refused, as ProvidedRecv refuses it. */
  private waiting = false;
  /** The fallback's read options (kernels without buffer rings); the multishot recv keeps none. */
  private readonly options: ChunkOptions | null = null;

  constructor(
    private readonly source: ChunkSource,
    options: ChunkOptions = {},
    /** Read with source.read(), not a multishot recv (the source has bytes to hand out first). */
    plain = false,
  ) {
    this.borrow = checkLoopOptions(options);
    const pool = plain ? null : recvBuffers(source.ring);
    if (pool === null) {
      this.options = options;
      return;
    }
    this.reader = new ProvidedRecv<Buffer>(new ChunkRecvSpec(source.ring, pool, source.fd, this.borrow, options.signal, source));
  }

  /** Multishot recvs started (1 plus re-arms after ENOBUFS or a pause). */
  get arms(): number {
    return this.reader?.arms ?? 0;
  }

  /** Times the recv was paused because the loop fell behind (docs/net.md, "Backpressure"). */
  get pauses(): number {
    return this.reader?.pauses ?? 0;
  }

  /** The next chunk, or done at EOF (the peer closed or shut down its write side). */
  next(): Promise<IteratorResult<T>> {
    if (this.reader !== null) return this.reader.next() as Promise<IteratorResult<T>>;
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    // One reader at a time, as on the multishot path (a second read would only queue behind the first).
    if (this.waiting) return Promise.reject(concurrentReadError());
    this.waiting = true;
    return this.nextFallback().finally(() => {
      this.waiting = false;
    });
  }

  /** Whether read() may be used: chunks come from a multishot recv (kernels with buffer rings). */
  get byCallback(): boolean {
    return this.reader !== null;
  }

  /**
   * next() by callback, for servers: `sink.value` gets the next chunk (a
   * borrowed one is valid until the next read), `sink.end` null at EOF or
   * the recv's error. No promise per chunk. Only where byCallback is true.
   */
  read(sink: MultishotSink<T>): void {
    if (this.reader === null) throw unreachableError('read() without a multishot recv (see byCallback)');
    this.reader.read(sink as MultishotSink<Buffer>);
  }

  /**
   * read() for a parser that takes bytes where the kernel put them, for
   * servers: a borrowed chunk comes to `sink.valueIn(memory, start, end)`,
   * no Buffer made for it (only chunks({ borrow: true }) lends them; other
   * chunks still come to `sink.value`). Only where byCallback is true.
   */
  readInPlace(sink: InPlaceSink<T>): void {
    if (this.reader === null) throw unreachableError('readInPlace() without a multishot recv (see byCallback)');
    this.reader.readInPlace(sink as InPlaceSink<Buffer>);
  }

  /** A borrowed chunk read by callback is let go of before the next read: its buffer goes back now. */
  release(): void {
    this.reader?.release();
  }

  private async nextFallback(): Promise<IteratorResult<T>> {
    const buf = (this.fallback ??= Buffer.allocUnsafeSlow(FALLBACK_BYTES));
    // The loop's own read: the only one its stream lets through while it is live.
    this.ownRead = true;
    let reading: Promise<number>;
    try {
      reading = this.source.read(buf, this.options ?? undefined);
    } finally {
      this.ownRead = false;
    }
    let n: number;
    try {
      n = await reading;
    } catch (error) {
      this.done = true;
      throw error;
    }
    if (n === 0) {
      this.done = true;
      return { value: undefined, done: true };
    }
    const bytes = buf.subarray(0, n);
    try {
      return { value: decodeChunk(bytes, !this.borrow) as T, done: false };
    } catch (error) {
      // No memory for the copy: those bytes have left the socket. The stream ends with the error in their
      // place, as the multishot path's does; a RangeError alone let the next read go on past a gap.
      this.done = true;
      throw receivedLostError('read', n, error);
    }
  }

  /** Ends the iteration and cancels the recv; called by `break` in a `for await`. */
  return(): Promise<IteratorResult<T>> {
    this.done = true;
    this.reader?.return();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Stopped, with its multishot recv not yet ended in the kernel: what it still receives goes to source.keepUnread. */
  get stopping(): boolean {
    return this.reader?.stopping ?? false;
  }

  /** Resolves once no recv of this iterator is in the kernel. */
  idle(): Promise<void> {
    return this.reader?.idle() ?? Promise.resolve();
  }

  /**
   * A loop that may still yield (not ended, not left): the stream's own
   * reads would race its recv for the bytes (SocketStream.read()).
   */
  get live(): boolean {
    // Without buffer rings the loop reads with single recvs; another read would take bytes from between its chunks.
    if (this.reader === null) return !this.done && !this.ownRead && this.options?.signal?.aborted !== true;
    return !this.reader.finished;
  }

  /** True while a multishot recv may be in the kernel. */
  get active(): boolean {
    return this.reader?.active ?? false;
  }

  /** The iterator itself. */
  [Symbol.asyncIterator](): this {
    return this;
  }
}
