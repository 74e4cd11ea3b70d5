// BufferPool: buffers registered with the kernel (IORING_REGISTER_BUFFERS),
// used with READ_FIXED/WRITE_FIXED so that the kernel does not map and pin
// the pages of the buffer on every op. One pool per ring (a ring holds one
// buffer table); if the ring's table is taken, or registration fails (memlock),
// there is no pool and callers use plain buffers.
import { requireIoUring } from '../backend/backend.js';
import type { Ring } from '../driver/ring.js';
import { alignedBuffer } from '../sys/aligned-buffer.js';

/** One buffer of a BufferPool. */
export interface PoolBuffer {
  /** The registered memory. */
  readonly buffer: Buffer;
  /** Its index in the ring's buffer table (the SQE's buf_index). */
  readonly index: number;
}

/** Buffers registered with a ring (IORING_REGISTER_BUFFERS) for READ_FIXED/WRITE_FIXED; one pool per ring. */
export class BufferPool {
  readonly #free: PoolBuffer[] = [];
  /** Buffers in the pool, and the size of each. */
  readonly count: number;
  /** Bytes per buffer. */
  readonly size: number;

  private constructor(buffers: Buffer[]) {
    this.count = buffers.length;
    this.size = buffers[0]!.byteLength;
    buffers.forEach((buffer, index) => this.#free.push({ buffer, index }));
  }

  /**
   * Registers `count` buffers of `size` bytes with `ring`. Returns null when
   * the kernel refuses (the ring already has buffers, or RLIMIT_MEMLOCK).
   * Throws ERR_RINGCORE_IO_URING_REQUIRED on the node backend.
   */
  static register(ring: Ring, count: number, size: number): BufferPool | null {
    requireIoUring('registered buffers (BufferPool.register())');
    if (ring.uring.buffers !== null) return null;
    const memory = alignedBuffer(count * size);
    const buffers: Buffer[] = [];
    for (let i = 0; i < count; i++) buffers.push(memory.subarray(i * size, (i + 1) * size));
    if (ring.uring.registerBuffers(buffers) < 0) return null;
    return new BufferPool(buffers);
  }

  /** A free buffer, or null when all are in use. */
  acquire(): PoolBuffer | null {
    return this.#free.pop() ?? null;
  }

  /** Gives a buffer back. Only once no op that points into it is in flight. */
  release(buffer: PoolBuffer): void {
    this.#free.push(buffer);
  }

  /** Buffers free right now. */
  get available(): number {
    return this.#free.length;
  }
}

const pools = new WeakMap<Ring, BufferPool | null>();

/** The pool of ringcore/fs's pipelined paths on `ring`, registered on first use (null: none). */
export function poolFor(ring: Ring, count: number, size: number): BufferPool | null {
  let pool = pools.get(ring);
  if (pool === undefined) {
    pool = BufferPool.register(ring, count, size);
    pools.set(ring, pool);
  }
  return pool;
}
