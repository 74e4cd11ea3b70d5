// A provided-buffer ring (IORING_REGISTER_PBUF_RING, Linux 5.19): buffers the
// kernel picks from when a recv carries IOSQE_BUFFER_SELECT, so a multishot
// recv needs no buffer of its own while it waits. One ring of buffers per
// Ring, shared by every stream on it: memory follows the data in flight, not
// the number of connections.
//
// The ring is an array of struct io_uring_buf in page-aligned memory the
// kernel reads; the application hands a buffer (back) by writing an entry at
// `tail` and publishing tail + 1. The kernel reports the buffer it used in
// cqe->flags >> IORING_CQE_BUFFER_SHIFT.
//
// Buffers of HANDOFF_SIZE and more are allocations of their own rather than
// parts of one slab, so that one the kernel filled can be handed to the reader
// for good (handOff) and a fresh one put in its place: a large chunk then
// costs an allocation, as a read(2) into a new Buffer does, instead of an
// allocation and a copy. Smaller buffers (many, for many connections) stay
// in one slab, where a Buffer of their own would cost more than their bytes.
//
// Incrementally consumed (IOU_PBUF_RING_INC, Linux 6.12; BufferRingOptions.
// incremental): each recv takes only the bytes it needs from the buffer at the
// ring's head, which may so hold chunks of many recvs and many sockets, one
// after the other; the CQE says IORING_CQE_F_BUF_MORE while the kernel keeps
// writing on into that buffer. Large buffers then cost no memory per small
// chunk, and a large chunk arrives in one completion. The kernel does not say
// where in the buffer a chunk starts: it follows the last one's end, which is
// counted here per buffer. A buffer goes back to the ring once the kernel is
// done with it (a CQE without F_BUF_MORE) and every chunk in it is recycled.
import { constants as bufferConstants } from 'node:buffer';
import { requireIoUring } from '../backend/backend.js';
import type { Ring } from '../driver/ring.js';
import * as C from '../sys/constants.js';
import { errnoException, invalidArgType, outOfRange, providedBufferMismatchError } from '../sys/errors.js';
import { IO_URING_BUF, IO_URING_BUF_REG, IO_URING_BUF_RING } from '../sys/layout.js';
import { alignedBuffer, CACHE_LINE, PAGE } from '../sys/aligned-buffer.js';
import { addressOf, storeU64 } from '../sys/memory.js';
import { native } from '../sys/native.js';

/** The buffer group ringcore/net registers on each ring (sqe->buf_group). */
export const NET_BUFFER_GROUP = 0x6e74;
/**
 * The kernel's limit on a buffer ring's entries (IORING_MAX_... for
 * io_uring_buf_reg.ring_entries, a power of two); buffer ids are u16.
 */
const MAX_BUFFERS = 32768;
/**
 * The largest buffer: io_uring_buf.len is a u32, but a recv's CQE res is an
 * s32 (bytes or -errno), so a longer buffer could report a length the CQE
 * cannot carry.
 */
const MAX_BUFFER_SIZE = 0x7fffffff;
/**
 * A chunk in a buffer of its own allocation travels as one number: bid * PACK + length. PACK is 2^31
 * (above any length, see MAX_BUFFER_SIZE), and bid < 2^15, so the product
 * stays below 2^46: exact in a double. Only taken() makes such numbers.
 */
const PACK = 0x80000000;
/**
 * In a slab, a chunk travels as where it starts in the slab * SLAB_PACK +
 * length: a buffer may hold several chunks. Lengths stay below SLAB_PACK
 * (MAX_INCREMENTAL_SIZE) and a slab within SLAB_BYTES, so the product stays
 * below 2^53.
 */
const SLAB_PACK = 0x200000;
const SLAB_BYTES = 2 ** 32;
/** The largest incrementally consumed buffer (it is always part of a slab: see SLAB_PACK). */
const MAX_INCREMENTAL_SIZE = 0x100000;
/**
 * A stream's receive buffers by default: each full one is a chunk, and each
 * chunk costs a recv in the kernel and a trip through JavaScript, so fewer,
 * larger chunks cost less CPU per MiB (docs/performance.md, "Receiving a
 * flooded stream"); 256 of them, so that many connections rarely run the
 * ring dry (ENOBUFS). Most of their pages become resident only as the
 * kernel fills them (the first and last of each are touched when it is made).
 */
const DEFAULT_BUFFER_SIZE = 32 * 1024;
/** Buffers from this size on are allocations of their own, and may be handed off (see the header). */
const HANDOFF_SIZE = 8 * 1024;

/** The shape of a provided-buffer ring: how many buffers, and how big. */
export interface BufferRingOptions {
  /** Buffers in the ring, a power of two. Default 256. */
  count?: number;
  /** Bytes per buffer. Default 32 KiB. */
  size?: number;
  /**
   * The shape to use instead where the kernel consumes buffers incrementally
   * (Linux 6.12): each recv takes only what it needs of a buffer, so several
   * chunks share one and a large chunk is one completion. Its size at most
   * 1 MiB, count × size at most 4 GiB. Elsewhere `count` and `size` apply.
   */
  incremental?: BufferShape;
}

/** A number of buffers and their size. */
export interface BufferShape {
  count: number;
  size: number;
}

/** A checked shape, and the one for incrementally consumed buffers if asked. */
interface Shape extends BufferShape {
  incremental?: BufferShape | undefined;
}

/**
 * A provided-buffer ring (IORING_REGISTER_PBUF_RING): buffers the kernel picks from
 * for recvs with IOSQE_BUFFER_SELECT, handed back to it once read.
 */
export class BufferRing {
  /** Buffers in the ring (a power of two). */
  readonly count: number;
  /** Bytes per buffer. */
  readonly size: number;
  /** The buffer group id recvs name in sqe->buf_group. */
  readonly group: number;
  /** Buffers are consumed incrementally (IOU_PBUF_RING_INC): a buffer may hold several chunks. */
  readonly incremental: boolean;
  /** Buffers the kernel holds (may pick) right now. */
  available: number;
  private readonly entries: Uint32Array;
  private readonly entries16: Uint16Array;
  private readonly tailWord: Uint16Array;
  private tail = 0;
  private readonly mask: number;
  /** What a chunk's number is divided by: PACK (by buffer id), or SLAB_PACK (by place in the slab). */
  private readonly pack: number;
  /** Incremental: per buffer, the bytes the kernel has filled so far (where its next chunk starts). */
  private readonly filled: Uint32Array | null;
  /** Incremental: per buffer, its chunks not yet recycled, plus one while the kernel may still write into it. */
  private readonly users: Uint32Array | null;
  /** The buffers in one slab (size < HANDOFF_SIZE), else null. */
  private readonly memory: Buffer | null;
  /** The slab's ArrayBuffer and where the slab starts in it: bytes() makes its views from them. */
  private readonly slab: ArrayBuffer | null;
  private readonly slabOffset: number;
  private readonly base: number;
  /** The buffers by id when each is an allocation of its own (size >= HANDOFF_SIZE), else null. */
  private readonly buffers: Buffer[] | null;
  private readonly addresses: number[];
  /**
   * Handed-off buffers given back (reuse()), for renew() to take before
   * allocating: at most `count`, as one burst of a flooded stream can hand off
   * every buffer of the ring at once (an idle ring may so hold twice its memory).
   */
  private readonly spares: Buffer[] = [];
  private waiters: (() => void)[] = [];
  // Kept alive as long as the ring: the kernel reads this memory.
  private readonly ringMemory: ArrayBuffer;

  /**
   * Registers `options.incremental`'s shape, incrementally consumed, if given
   * (the kernel's EINVAL before Linux 6.12: see recvBuffers() for the fallback),
   * else `count` × `size`.
   */
  constructor(ring: Ring, group: number, options: BufferRingOptions = {}) {
    const checked = checkBufferRingOptions(options, 'options');
    const { count, size } = checked.incremental ?? checked;
    this.count = count;
    this.size = size;
    this.group = group;
    this.incremental = checked.incremental !== undefined;
    this.mask = this.count - 1;
    this.filled = this.incremental ? new Uint32Array(count) : null;
    this.users = this.incremental ? new Uint32Array(count) : null;
    // The kernel wants the ring page-aligned: over-allocate and start at the first page boundary.
    const bytes = this.count * IO_URING_BUF.size;
    this.ringMemory = new ArrayBuffer(bytes + PAGE);
    const start = addressOf(new Uint8Array(this.ringMemory));
    const offset = (PAGE - (start % PAGE)) % PAGE;
    this.entries = new Uint32Array(this.ringMemory, offset, bytes / 4);
    this.entries16 = new Uint16Array(this.ringMemory, offset, bytes / 2);
    this.tailWord = new Uint16Array(this.ringMemory, offset + IO_URING_BUF_RING.tail, 1);
    if (size >= HANDOFF_SIZE && !this.incremental) {
      this.pack = PACK;
      this.memory = null;
      this.slab = null;
      this.slabOffset = 0;
      this.base = 0;
      this.buffers = [];
      this.addresses = [];
      for (let bid = 0; bid < count; bid++) this.renew(bid);
    } else {
      this.pack = SLAB_PACK;
      // Page-aligned, so that each buffer whose size is a multiple of 64 starts on a cache line (aligned-buffer.ts).
      this.memory = alignedBuffer(this.count * this.size);
      this.slab = this.memory.buffer as ArrayBuffer;
      this.slabOffset = this.memory.byteOffset;
      this.base = addressOf(this.memory);
      this.buffers = null;
      this.addresses = [];
    }

    const reg = new Uint32Array(IO_URING_BUF_REG.size / 4);
    storeU64(reg, IO_URING_BUF_REG.ring_addr / 4, start + offset);
    reg[IO_URING_BUF_REG.ring_entries / 4] = this.count;
    const reg16 = new Uint16Array(reg.buffer);
    reg16[IO_URING_BUF_REG.bgid / 2] = group;
    if (this.incremental) reg16[IO_URING_BUF_REG.flags / 2] = C.IOU_PBUF_RING_INC;
    const ret = ring.uring.register(C.IORING_REGISTER_PBUF_RING, reg, 1);
    if (ret < 0) throw errnoException(ret, 'io_uring_register');
    for (let bid = 0; bid < this.count; bid++) this.put(bid);
    this.publish();
    this.available = this.count;
  }

  /** Writes buffer `bid` at the local tail (not yet visible to the kernel). */
  private put(bid: number): void {
    if (this.users !== null) {
      // The kernel's: held until a CQE without F_BUF_MORE, and its first chunk goes at its start.
      this.users[bid] = 1;
      this.filled![bid] = 0;
    }
    const w = ((this.tail & this.mask) * IO_URING_BUF.size) / 4;
    storeU64(this.entries, w + IO_URING_BUF.addr / 4, this.buffers === null ? this.base + bid * this.size : this.addresses[bid]!);
    this.entries[w + IO_URING_BUF.len / 4] = this.size;
    // bid is the low half of the word whose high half is entry 0's tail: write it as 16 bits.
    this.entries16[w * 2 + IO_URING_BUF.bid / 2] = bid;
    this.tail = (this.tail + 1) & 0xffff;
  }

  private publish(): void {
    Atomics.store(this.tailWord, 0, this.tail);
  }

  /**
   * The kernel filled a buffer: a CQE with IORING_CQE_F_BUFFER, `res` bytes.
   * Returns the buffer id and the length as one number (see PACK), after
   * checking both against this ring, so that no other code decodes flags.
   */
  taken(res: number, flags: number): number {
    const bid = flags >>> C.IORING_CQE_BUFFER_SHIFT;
    const users = this.users;
    // Incremental: the chunk follows the buffer's last one, in a buffer the kernel holds (users > 0).
    const start = users === null || bid >= this.count || users[bid] === 0 ? 0 : this.filled![bid]!;
    if (bid >= this.count || !(res >= 0 && start + res <= this.size) || users?.[bid] === 0) {
      throw providedBufferMismatchError(bid, res, this.count, this.size);
    }
    if (users === null) {
      this.available--;
      return this.buffers === null ? bid * this.size * SLAB_PACK + res : bid * PACK + res;
    }
    this.filled![bid] = start + res;
    users[bid]!++;
    // Without F_BUF_MORE the kernel has moved on from this buffer: it goes back once its chunks are
    // recycled. Not after an empty chunk: until a fix of 2026 (liburing issue 1553) the kernel left out
    // F_BUF_MORE for a zero-length transfer although the buffer stays at the ring's head.
    if ((flags & C.IORING_CQE_F_BUF_MORE) === 0 && res > 0) {
      this.available--;
      this.leave(bid);
    }
    return (bid * this.size + start) * SLAB_PACK + res;
  }

  /** One user of incremental buffer `bid` is done with it (the kernel, or a chunk's reader): back to the ring after the last. */
  private leave(bid: number): void {
    if (--this.users![bid]! === 0) this.giveToKernel(bid);
  }

  /** The bytes a number taken() returned stands for: a view valid until recycle(). */
  bytes(packed: number): Buffer {
    const slot = Math.floor(packed / this.pack);
    if (this.buffers !== null) return this.buffers[slot]!.subarray(0, packed % PACK);
    // Buffer.from(arrayBuffer, offset, length), not subarray(): a Buffer's subarray goes through
    // the species constructor (Buffer, then FastBuffer), about a quarter dearer per view.
    return Buffer.from(this.slab!, this.slabOffset + slot, packed % SLAB_PACK);
  }

  /** The memory the bytes of `packed` lie in (the slab, or the buffer's own allocation): bytes() without a view, with startOf() and lengthOf(). */
  memoryOf(packed: number): Buffer {
    return this.buffers === null ? this.memory! : this.buffers[Math.floor(packed / PACK)]!;
  }

  /** Where in memoryOf(packed) its bytes start. */
  startOf(packed: number): number {
    return this.buffers === null ? Math.floor(packed / SLAB_PACK) : 0;
  }

  /** How many bytes `packed` holds. */
  lengthOf(packed: number): number {
    return packed % this.pack;
  }

  /** Gives bid a new allocation of its own (not yet visible to the kernel). */
  private renew(bid: number): void {
    // On a cache line: the kernel's copy into a buffer at 16 modulo 32 costs up to twice the CPU (aligned-buffer.ts).
    // A spare first: memory in use already, where a fresh allocation's pages fault in again once malloc has
    // given them back to the system (docs/performance.md, "Receiving a flooded stream", session 20).
    const buffer = this.spares.pop() ?? alignedBuffer(this.size, CACHE_LINE);
    this.buffers![bid] = buffer;
    // Not addressOf(): its cache would hold an entry for every buffer ever handed off.
    this.addresses[bid] = native.address(buffer);
  }

  /**
   * The bytes of `packed` (a number taken() returned) as memory the caller
   * owns for good, with a new buffer given to the kernel in its place; or
   * null, and nothing done, when the buffer is part of the slab or not full
   * (or no replacement could be allocated).
   * Only a full one: its ArrayBuffer then holds these bytes and zeroed slack
   * (a part-filled one would show, past the chunk, whatever malloc left there).
   */
  handOff(packed: number): Buffer | null {
    if (this.buffers === null || packed % PACK !== this.size) return null;
    const bid = Math.floor(packed / PACK);
    const bytes = this.buffers[bid]!;
    try {
      this.renew(bid);
    } catch {
      // No memory for a replacement: not handed off. The caller copies instead, and gives this
      // buffer back even if that fails too; leaving it out of the ring would lose its id for good.
      return null;
    }
    this.recycle(packed);
    return bytes;
  }

  /**
   * Takes back a buffer handOff() gave out, once whoever it was lent to is
   * done with it (a borrower moved on): the next hand-off puts it in the ring
   * instead of a new allocation. Anything else (a copy, a view the caller
   * made, a full spare list) is left to the garbage collector.
   */
  reuse(buffer: Buffer): void {
    // A hand-off is a whole alignedBuffer() of this size: `size` bytes, CACHE_LINE bytes of slack in its ArrayBuffer.
    if (this.buffers === null || buffer.length !== this.size || buffer.buffer.byteLength !== this.size + CACHE_LINE) return;
    if (this.spares.length < this.count) this.spares.push(buffer);
  }

  /** Done with the chunk of `packed` (a number taken() returned): its buffer goes back to the kernel (incremental: after its last chunk). */
  recycle(packed: number): void {
    const slot = Math.floor(packed / this.pack);
    const bid = this.buffers === null ? Math.floor(slot / this.size) : slot;
    if (this.users !== null) this.leave(bid);
    else this.giveToKernel(bid);
  }

  private giveToKernel(bid: number): void {
    this.put(bid);
    this.publish();
    this.available++;
    if (this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }

  /**
   * Takes the group away from the kernel (IORING_UNREGISTER_PBUF_RING), so
   * its id may be used again. Ops still armed on the group then fail with
   * ENOBUFS; whoever made them keeps this object (its memory) pinned until
   * their final CQE.
   */
  unregister(ring: Ring): void {
    if (ring.closed) return; // the ring's buffer groups went with it
    const reg = new Uint32Array(IO_URING_BUF_REG.size / 4);
    new Uint16Array(reg.buffer)[IO_URING_BUF_REG.bgid / 2] = this.group;
    ring.uring.register(C.IORING_UNREGISTER_PBUF_RING, reg, 1);
  }

  /** Calls `wake` once a buffer is back (at once if one is). */
  whenAvailable(wake: () => void): void {
    if (this.available > 0) wake();
    else this.waiters.push(wake);
  }
}

const rings = new WeakMap<Ring, BufferRing | null>();
const settings = new WeakMap<Ring, BufferRingOptions>();

/**
 * Checks a buffer ring's shape against what the kernel can represent: a
 * power-of-two count up to MAX_BUFFERS, a size up to MAX_BUFFER_SIZE, and
 * count × size within one Buffer; an incremental shape's size up to
 * MAX_INCREMENTAL_SIZE, count × size up to SLAB_BYTES. Returns it with
 * defaults filled in.
 */
export function checkBufferRingOptions(options: BufferRingOptions | undefined, name: string): Shape {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) throw invalidArgType(name, 'an object', options);
  const { count, size } = checkShape(options.count ?? 256, options.size ?? DEFAULT_BUFFER_SIZE, MAX_BUFFER_SIZE, name);
  const incremental = options.incremental;
  if (incremental === undefined) return { count, size };
  if (typeof incremental !== 'object' || incremental === null) throw invalidArgType(`${name}.incremental`, 'an object', incremental);
  const inc = checkShape(incremental.count, incremental.size, MAX_INCREMENTAL_SIZE, `${name}.incremental`);
  if (inc.count * inc.size > SLAB_BYTES) {
    throw outOfRange(`${name}.incremental.count * ${name}.incremental.size`, `at most ${SLAB_BYTES} bytes`, inc.count * inc.size);
  }
  return { count, size, incremental: inc };
}

function checkShape(count: unknown, size: unknown, maxSize: number, name: string): BufferShape {
  if (typeof count !== 'number') throw invalidArgType(`${name}.count`, 'of type number', count);
  if (typeof size !== 'number') throw invalidArgType(`${name}.size`, 'of type number', size);
  if (!Number.isInteger(count) || count < 1 || count > MAX_BUFFERS || (count & (count - 1)) !== 0) {
    throw outOfRange(`${name}.count`, `a power of two from 1 to ${MAX_BUFFERS}`, count);
  }
  if (!Number.isInteger(size) || size < 1 || size > maxSize) {
    throw outOfRange(`${name}.size`, `an integer from 1 to ${maxSize}`, size);
  }
  if (count * size > bufferConstants.MAX_LENGTH) {
    throw outOfRange(`${name}.count * ${name}.size`, `at most ${bufferConstants.MAX_LENGTH} bytes (one Buffer)`, count * size);
  }
  return { count, size };
}

/** Sets the size of `ring`'s receive buffers, before the first stream iterates. */
export function configureRecvBuffers(ring: Ring, options: BufferRingOptions): void {
  requireIoUring('configureRecvBuffers() (provided buffer rings)');
  settings.set(ring, checkBufferRingOptions(options, 'options'));
}

/** @internal For tests on a newer kernel: `ring`'s streams read as on one without buffer rings (before 5.19). */
export function useNoRecvBuffers(ring: Ring): void {
  // Before any stream of `ring` registered its buffers (a test's first call on a new ring).
  rings.set(ring, null);
}

/**
 * Registers `options`' incremental shape where the kernel takes it, else
 * (EINVAL before Linux 6.12) its plain one; null without buffer rings.
 */
function register(ring: Ring, options: BufferRingOptions | undefined): BufferRing | null {
  if (options?.incremental !== undefined) {
    try {
      return new BufferRing(ring, NET_BUFFER_GROUP, options);
    } catch {
      options = { count: options.count, size: options.size };
    }
  }
  try {
    return new BufferRing(ring, NET_BUFFER_GROUP, options);
  } catch {
    return null;
  }
}

/** `ring`'s shared receive buffers, registered on first use; null when the kernel has no buffer rings. */
export function recvBuffers(ring: Ring): BufferRing | null {
  let pool = rings.get(ring);
  if (pool === undefined) {
    pool = register(ring, settings.get(ring));
    rings.set(ring, pool);
  }
  return pool;
}
