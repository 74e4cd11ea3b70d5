// `for await (const chunk of stream)`: one multishot recv (IORING_RECV_MULTISHOT)
// drawing from the ring's provided buffers. Each CQE is a chunk in one of
// those buffers; the chunk is handed out as a view of it and the buffer goes
// back to the kernel when the loop asks for the next chunk (or stops). When
// the kernel runs out of buffers the recv ends with ENOBUFS: it is started
// again once a buffer is back. Kernels without buffer rings get a loop of
// plain recvs into a buffer of the iterator's own.
import { constants } from 'node:os';
import type { Ring } from '../driver/ring.js';
import type { Multishot } from '../op/multishot.js';
import * as C from '../sys/constants.js';
import { recvBuffers, type BufferRing } from './buffer-ring.js';

const { ENOBUFS } = constants.errno;
const LENGTH = 0x100000; // 2^20: a CQE's bytes and its buffer id packed into one number

export interface ChunkOptions {
  signal?: AbortSignal | undefined;
}

/** What a chunk iterator needs from its stream. */
export interface ChunkSource {
  readonly ring: Ring;
  readonly fd: number;
  /** A single recv into `buf`, for kernels without buffer rings. */
  read(buf: Uint8Array, options?: ChunkOptions): Promise<number>;
}

export class ChunkIterator implements AsyncIterableIterator<Buffer> {
  private readonly pool: BufferRing | null;
  private op: Multishot<number> | null = null;
  /** The buffer of the chunk last handed out, returned on the next call. */
  private held = -1;
  private done = false;
  private fallback: Buffer | null = null;
  /** Multishot recvs started (1 plus re-arms after ENOBUFS). */
  arms = 0;

  constructor(
    private readonly source: ChunkSource,
    private readonly options: ChunkOptions = {},
  ) {
    this.pool = recvBuffers(source.ring);
  }

  private start(): Multishot<number> {
    const pool = this.pool!;
    const fd = this.source.fd;
    this.arms++;
    return this.source.ring.multishot(
      {
        syscall: 'read',
        prep: (uring, sqe) => uring.prepRecvMultishot(sqe, fd, pool.group, 0),
        map: (res, flags) => {
          if ((flags & C.IORING_CQE_F_BUFFER) === 0) return -1; // EOF: no buffer used
          pool.taken();
          return (flags >>> C.IORING_CQE_BUFFER_SHIFT) * LENGTH + res;
        },
        // Ended with data delivered (e.g. the CQ was full): carry on at once.
        rearm: (res) => res > 0,
        release: (value) => {
          if (value >= 0) pool.recycle(Math.floor(value / LENGTH));
        },
      },
      { signal: this.options.signal },
    );
  }

  next(): Promise<IteratorResult<Buffer>> {
    if (this.held >= 0) {
      this.pool!.recycle(this.held);
      this.held = -1;
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    if (this.pool === null) return this.nextFallback();
    this.op ??= this.start();
    return this.op.next().then(
      (result) => this.deliver(result),
      (error: NodeJS.ErrnoException) => {
        if (error.errno !== -ENOBUFS || this.done) {
          this.done = true;
          throw error;
        }
        // Out of buffers: start again when one is back.
        this.op = null;
        return new Promise<IteratorResult<Buffer>>((resolve) => this.pool!.whenAvailable(() => resolve(this.next())));
      },
    );
  }

  private deliver(result: IteratorResult<number>): IteratorResult<Buffer> {
    if (result.done || result.value < 0) return this.finish();
    const bid = Math.floor(result.value / LENGTH);
    this.held = bid;
    return { value: this.pool!.view(bid, result.value % LENGTH), done: false };
  }

  private finish(): IteratorResult<Buffer> {
    this.done = true;
    if (this.op !== null) void this.op.return();
    this.op = null;
    return { value: undefined, done: true };
  }

  private async nextFallback(): Promise<IteratorResult<Buffer>> {
    this.fallback ??= Buffer.allocUnsafeSlow(64 * 1024);
    const n = await this.source.read(this.fallback, this.options);
    if (n === 0) return this.finish();
    return { value: this.fallback.subarray(0, n), done: false };
  }

  return(): Promise<IteratorResult<Buffer>> {
    if (this.held >= 0) {
      this.pool!.recycle(this.held);
      this.held = -1;
    }
    this.done = true;
    const op = this.op;
    this.op = null;
    if (op !== null) void op.return();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** True while a multishot recv may be in the kernel. */
  get active(): boolean {
    return this.op !== null;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
