// Layer 1: one io_uring instance, with no promises. It maps the rings, hands
// out SQEs, fills them (prep*), submits them with io_uring_enter, and reads
// CQEs back. Results are numbers and negative errnos, as in liburing; errors
// are thrown only for misuse and for a ring that cannot be set up.
import * as C from '../sys/constants.js';
import { CQE, CQRING_OFFSETS, FILES_UPDATE, GETEVENTS_ARG, PARAMS, PROBE, PROBE_OP, RSRC_REGISTER, SQE, SQRING_OFFSETS, TIMESPEC } from '../sys/layout.js';
import { addressOf, storeU64 } from '../sys/memory.js';
import { iovecs } from '../sys/iovec.js';
import { native } from '../sys/native.js';
import { SYS_io_uring_enter, SYS_io_uring_register } from '../sys/syscalls.js';
import { invalidArgType, outOfRange, ringClosedError } from '../sys/errors.js';
import { setupError } from '../sys/setup-error.js';
import { ownRing } from './teardown.js';
import { requireIoUring } from '../backend/backend.js';
import { attachTrace, detachTrace, traceHook, type TraceEvent } from './trace-hook.js';
import { EINVAL, ETIME } from '../sys/errno.js';

/** How to set up a ring; every field has a default. */
export interface IoUringOptions {
  /** SQ size; rounded up to a power of two by the kernel. Default 256, at most 32768. */
  entries?: number;
  /** CQ size. Default: twice `entries`. */
  cqEntries?: number;
  /** Start a kernel thread that polls the SQ (IORING_SETUP_SQPOLL). */
  sqPoll?:
    | boolean
    | {
        /** ms without SQEs before the polling thread sleeps (sq_thread_idle). Default 1000. */
        idleMs?: number;
        /** Pin the polling thread to this CPU (IORING_SETUP_SQ_AFF). */
        cpu?: number;
      };
  /** Extra IORING_SETUP_* flags. */
  flags?: number;
  /** IORING_SETUP_* flags wanted where the kernel has them: dropped (all together, first) if it refuses them. */
  preferFlags?: number;
}

export type { TraceEvent } from './trace-hook.js';

/**
 * Checks a ring's sizes and preferFlags, before any setup; on the node backend too (new Ring()), so that
 * a wrong argument fails the same way wherever the program runs.
 */
export function checkIoUringOptions(options: IoUringOptions): { entries: number; cqEntries: number | undefined; prefer: number } {
  const entries = options.entries ?? 256;
  // Wrong types are TypeErrors, as in Node's own argument checks; wrong numbers RangeErrors.
  if (typeof entries !== 'number') throw invalidArgType('entries', 'of type number', entries);
  if (!Number.isInteger(entries) || entries < 1 || entries > MAX_ENTRIES) {
    throw outOfRange('entries', `an integer from 1 to ${MAX_ENTRIES}`, entries);
  }
  const cqEntries = options.cqEntries;
  if (cqEntries !== undefined && typeof cqEntries !== 'number') throw invalidArgType('cqEntries', 'of type number', cqEntries);
  if (cqEntries !== undefined && (!Number.isInteger(cqEntries) || cqEntries < entries || cqEntries > 2 * MAX_ENTRIES)) {
    throw outOfRange('cqEntries', `an integer from entries (${entries}) to ${2 * MAX_ENTRIES}`, cqEntries);
  }
  const prefer = options.preferFlags ?? 0;
  if (typeof prefer !== 'number') throw invalidArgType('preferFlags', 'of type number', prefer);
  if (!Number.isInteger(prefer) || prefer < 0 || prefer > 0xffffffff) throw outOfRange('preferFlags', 'a 32-bit flag mask', prefer);
  return { entries, cqEntries, prefer };
}

/** The words of SQE and CQE fields, as indexes into Uint32Array/Uint16Array views. */
const W = {
  off: SQE.off >> 2,
  addr: SQE.addr >> 2,
  len: SQE.len >> 2,
  opFlags: SQE.op_flags >> 2,
  userData: SQE.user_data >> 2,
  fileIndex: SQE.file_index >> 2,
  addr3: SQE.addr3 >> 2,
  fd: SQE.fd >> 2,
} as const;
const H = { ioprio: SQE.ioprio >> 1, bufIndex: SQE.buf_index >> 1, personality: SQE.personality >> 1 } as const;
const SQE_WORDS = SQE.size >> 2;
const MAX_ENTRIES = 32768;
/**
 * SQPOLL: how long waitForSqRoom() blocks, at most, for the kernel thread to take
 * SQEs from an SQ that is not full (it usually takes them within microseconds).
 */
const SQ_TAKE_WAIT_MS = 0.5;
// Setup flags that help when the kernel has them, dropped one by one, newest
// first, when it does not. COOP_TASKRUN: a completion that needs our task's
// context (a socket recv, say) waits for our next syscall instead of kicking
// the CPU with an interrupt while JS runs; TASKRUN_FLAG says when such work
// is waiting (see IoUring.taskRunPending). SQPOLL rings refuse both.
const OPTIONAL_FLAGS = [C.IORING_SETUP_COOP_TASKRUN | C.IORING_SETUP_TASKRUN_FLAG, C.IORING_SETUP_SUBMIT_ALL, C.IORING_SETUP_CLAMP] as const;
const SQPOLL_REFUSES = C.IORING_SETUP_COOP_TASKRUN | C.IORING_SETUP_TASKRUN_FLAG;

let nextRingId = 1;

// Sixteen stores: measurably cheaper per op than TypedArray.prototype.fill.
function zeroSqe(w: Uint32Array, at: number): void {
  w[at] = 0;
  w[at + 1] = 0;
  w[at + 2] = 0;
  w[at + 3] = 0;
  w[at + 4] = 0;
  w[at + 5] = 0;
  w[at + 6] = 0;
  w[at + 7] = 0;
  w[at + 8] = 0;
  w[at + 9] = 0;
  w[at + 10] = 0;
  w[at + 11] = 0;
  w[at + 12] = 0;
  w[at + 13] = 0;
  w[at + 14] = 0;
  w[at + 15] = 0;
}

/** One io_uring instance: its fd, its three mappings and the code that reads and writes them. No promises. */
export class IoUring {
  /** The ring's fd. -1 once closed. */
  fd: number;
  /** A small number naming this ring in traces. */
  readonly id = nextRingId++;
  /** SQ entries, as the kernel sized them (a power of two). */
  readonly sqEntries: number;
  /** CQ entries, as the kernel sized them. */
  readonly cqEntries: number;
  /** IORING_FEAT_* bits the kernel reported. */
  readonly features: number;
  /** waitFor()'s timespec, then its io_uring_getevents_arg (zeroed: no sigmask). */
  private readonly waitWords = new Uint32Array((TIMESPEC.size + GETEVENTS_ARG.size) / 4);
  /** The IORING_SETUP_* flags the ring was created with. */
  readonly setupFlags: number;
  /** True when a kernel thread polls the SQ (IORING_SETUP_SQPOLL). */
  readonly sqPoll: boolean;
  /** Called for every SQE submitted, CQE reaped and enter made, when set (see trace-hook.ts). */
  trace: ((event: TraceEvent) => void) | null = null;

  // SQE array, viewed four ways.
  /** The SQE array as bytes (opcode, flags, ...). */
  readonly sqeU8: Uint8Array;
  /** The SQE array as 16-bit words (ioprio, buf_index, ...). */
  readonly sqeU16: Uint16Array;
  /** The SQE array as 32-bit words (len, op flags, addresses in halves, ...). */
  readonly sqeU32: Uint32Array;
  /** The SQE array as signed 32-bit words (fd, file_index). */
  readonly sqeI32: Int32Array;
  // Ring memory as 32-bit words; the *At fields are word indexes into it.
  private readonly sq: Uint32Array;
  private readonly cq: Uint32Array;
  private readonly cqI32: Int32Array;
  private readonly sqHeadAt: number;
  private readonly sqTailAt: number;
  private readonly sqFlagsAt: number;
  private readonly sqMask: number;
  private readonly cqHeadAt: number;
  private readonly cqTailAt: number;
  private readonly cqFlagsAt: number;
  private readonly cqMask: number;
  private readonly cqesAt: number;
  private readonly cqeWords: number;
  private readonly maps: ArrayBuffer[];
  /** SQEs handed out by getSqe(); published to the kernel by submit(). */
  private sqeTail = 0;
  /** The SQ tail as last published. */
  private sqPublished = 0;
  /**
   * The SQ head as last read: read again only when it shows too little room.
   * The kernel only moves it forward, so an old value counts too few free
   * SQEs, never too many.
   */
  private sqHeadSeen = 0;
  /**
   * The CQ head: advanced here as each CQE is read, and published to the
   * kernel (a release store, as dear as a load) once per reap() rather than
   * per CQE.
   */
  private cqHead = 0;
  private probeOps: Uint8Array | null = null;
  private registeredBuffers: ArrayBufferView[] | null = null;

  constructor(options: IoUringOptions = {}) {
    requireIoUring('IoUring');
    const { entries, cqEntries, prefer } = checkIoUringOptions(options);
    let flags = (options.flags ?? 0) >>> 0;
    const params = new Uint32Array(PARAMS.size / 4);
    if (cqEntries !== undefined) {
      flags |= C.IORING_SETUP_CQSIZE;
      params[PARAMS.cq_entries / 4] = cqEntries;
    }
    if (options.sqPoll) {
      flags |= C.IORING_SETUP_SQPOLL;
      const sq = typeof options.sqPoll === 'object' ? options.sqPoll : {};
      params[PARAMS.sq_thread_idle / 4] = sq.idleMs ?? 1000;
      if (sq.cpu !== undefined) {
        flags |= C.IORING_SETUP_SQ_AFF;
        params[PARAMS.sq_thread_cpu / 4] = sq.cpu;
      }
    }

    const droppable = [prefer >>> 0, ...OPTIONAL_FLAGS];
    let fd = -1;
    let optional = droppable.reduce((all, flag) => all | flag, 0);
    if (flags & C.IORING_SETUP_SQPOLL) optional &= ~SQPOLL_REFUSES;
    for (;;) {
      params[PARAMS.flags / 4] = flags | optional;
      // The fd is the thread's teardown's from the start (native/ringcore.c): a worker terminated before
      // ownRing() below, which gives it the ring's memory too, does not leak it.
      fd = native.setupRing(entries, addressOf(params));
      if (fd !== -EINVAL || optional === 0) break;
      // An older kernel rejects flags it does not know: drop the optional ones, newest first.
      const drop = droppable.find((flag) => (optional & flag) !== 0)!;
      optional &= ~drop;
    }
    if (fd < 0) throw setupError(fd, entries);

    this.fd = fd;
    this.sqEntries = params[PARAMS.sq_entries / 4]!;
    this.cqEntries = params[PARAMS.cq_entries / 4]!;
    this.features = params[PARAMS.features / 4]!;
    this.setupFlags = params[PARAMS.flags / 4]!;
    this.sqPoll = (this.setupFlags & C.IORING_SETUP_SQPOLL) !== 0;
    const sqOff = (field: number) => params[(PARAMS.sq_off + field) / 4]!;
    const cqOff = (field: number) => params[(PARAMS.cq_off + field) / 4]!;
    const cqeSize = this.setupFlags & C.IORING_SETUP_CQE32 ? CQE.size * 2 : CQE.size;
    const sqeSize = this.setupFlags & C.IORING_SETUP_SQE128 ? SQE.size * 2 : SQE.size;
    const sqRingSize = sqOff(SQRING_OFFSETS.array) + this.sqEntries * 4;
    const cqRingSize = cqOff(CQRING_OFFSETS.cqes) + this.cqEntries * cqeSize;

    this.maps = [];
    try {
      const singleMmap = (this.features & C.IORING_FEAT_SINGLE_MMAP) !== 0;
      const sqRing = this.map(C.IORING_OFF_SQ_RING, singleMmap ? Math.max(sqRingSize, cqRingSize) : sqRingSize);
      const cqRing = singleMmap ? sqRing : this.map(C.IORING_OFF_CQ_RING, cqRingSize);
      const sqes = this.map(C.IORING_OFF_SQES, this.sqEntries * sqeSize);
      this.sq = new Uint32Array(sqRing);
      this.cq = new Uint32Array(cqRing);
      this.cqI32 = new Int32Array(cqRing);
      this.sqeU8 = new Uint8Array(sqes);
      this.sqeU16 = new Uint16Array(sqes);
      this.sqeU32 = new Uint32Array(sqes);
      this.sqeI32 = new Int32Array(sqes);
    } catch (error) {
      this.close();
      throw error;
    }
    this.sqHeadAt = sqOff(SQRING_OFFSETS.head) / 4;
    this.sqTailAt = sqOff(SQRING_OFFSETS.tail) / 4;
    this.sqFlagsAt = sqOff(SQRING_OFFSETS.flags) / 4;
    // The offsets say where the mask lives, not what it is (a classic mistake).
    this.sqMask = this.sq[sqOff(SQRING_OFFSETS.ring_mask) / 4]!;
    this.cqHeadAt = cqOff(CQRING_OFFSETS.head) / 4;
    this.cqTailAt = cqOff(CQRING_OFFSETS.tail) / 4;
    this.cqFlagsAt = cqOff(CQRING_OFFSETS.flags) / 4;
    this.cqMask = this.cq[cqOff(CQRING_OFFSETS.ring_mask) / 4]!;
    this.cqesAt = cqOff(CQRING_OFFSETS.cqes) / 4;
    this.cqeWords = cqeSize / 4;
    // SQE i always sits in SQ slot i, so the indirection array is written once.
    const arrayAt = sqOff(SQRING_OFFSETS.array) / 4;
    for (let i = 0; i < this.sqEntries; i++) this.sq[arrayAt + i] = i;
    this.sqeTail = this.sqPublished = Atomics.load(this.sq, this.sqTailAt);
    this.sqHeadSeen = this.readSqHead();
    this.cqHead = Atomics.load(this.cq, this.cqHeadAt);
    ownRing(this, {
      sqRing: this.sq.buffer as ArrayBuffer,
      cqRing: this.cq.buffer as ArrayBuffer,
      sqes: this.sqeU8.buffer as ArrayBuffer,
      sqOff,
      cqOff,
      sqeSize,
      cqeSize,
    });
    attachTrace(this);
  }

  private map(offset: number, length: number): ArrayBuffer {
    const mapped = native.mmap(this.fd, offset, length);
    if (typeof mapped === 'number') throw setupError(mapped, this.sqEntries, 'mmap');
    this.maps.push(mapped);
    return mapped;
  }

  /** True once close() ran: the fd is closed and the mappings gone. */
  get closed(): boolean {
    return this.fd < 0;
  }

  // ---- submission queue ---------------------------------------------------

  /**
   * The kernel's SQ head. Without SQPOLL the kernel moves it only inside our
   * own io_uring_enter, so a plain load is enough (as liburing does); with
   * SQPOLL its thread moves it at any time: an acquire load. Atomics.load is
   * a call into V8's runtime here, about 10 ns, too dear for every SQE.
   */
  private readSqHead(): number {
    return this.sqPoll ? Atomics.load(this.sq, this.sqHeadAt) : this.sq[this.sqHeadAt]!;
  }

  /** SQEs free to be handed out now. */
  sqSpace(): number {
    this.sqHeadSeen = this.readSqHead();
    return this.sqEntries - ((this.sqeTail - this.sqHeadSeen) >>> 0);
  }

  /** Whether `count` SQEs can be handed out now: sqSpace() >= count, reading the kernel's head only when needed. */
  hasSqRoom(count: number): boolean {
    return this.sqEntries - ((this.sqeTail - this.sqHeadSeen) >>> 0) >= count || this.sqSpace() >= count;
  }

  /** SQEs handed out and not yet consumed by the kernel. */
  sqPending(): number {
    this.sqHeadSeen = this.readSqHead();
    return (this.sqeTail - this.sqHeadSeen) >>> 0;
  }

  /**
   * The index of a free SQE, zeroed, or null when the SQ is full. The SQE is
   * the kernel's at the next submit(); fill it with a prep* call before that.
   */
  getSqe(): number | null {
    if (this.fd < 0) throw ringClosedError();
    if ((this.sqeTail - this.sqHeadSeen) >>> 0 >= this.sqEntries && this.sqSpace() === 0) return null;
    const index = this.sqeTail & this.sqMask;
    this.sqeTail = (this.sqeTail + 1) >>> 0;
    zeroSqe(this.sqeU32, index * SQE_WORDS);
    return index;
  }

  /**
   * Publishes the SQEs handed out so far and tells the kernel. Returns how many
   * the kernel consumed, or -errno (EINTR, EAGAIN, EBUSY: try again later).
   * With SQPOLL, the kernel thread consumes them; the enter only wakes it.
   */
  submit(): number {
    return this.submitAndWait(0);
  }

  /** submit(), then wait until at least `waitNr` CQEs are ready. */
  submitAndWait(waitNr: number): number {
    if (this.sqPoll) {
      // The thread consumes SQEs on its own time: what is new is what this call submits
      // (as liburing counts), not what the thread has yet to take, or a caller waiting
      // for room would take "submitted" for progress and spin.
      const published = (this.sqeTail - this.sqPublished) >>> 0;
      this.publish();
      let flags = 0;
      if (Atomics.load(this.sq, this.sqFlagsAt) & C.IORING_SQ_NEED_WAKEUP) flags |= C.IORING_ENTER_SQ_WAKEUP;
      if (waitNr > 0) flags |= C.IORING_ENTER_GETEVENTS;
      if (flags === 0) return published;
      const ret = this.enter(published, waitNr, flags);
      return ret < 0 ? ret : published;
    }
    const toSubmit = this.publish();
    if (toSubmit === 0 && waitNr === 0) return 0;
    return this.enter(toSubmit, waitNr, waitNr > 0 || this.setupFlags & C.IORING_SETUP_DEFER_TASKRUN ? C.IORING_ENTER_GETEVENTS : 0);
  }

  /**
   * SQPOLL: blocks while the kernel thread takes SQEs it has not taken yet (waking
   * it if it sleeps). A full SQ is waited for until the thread has taken some
   * (IORING_ENTER_SQ_WAIT). That wait returns at once on an SQ that is not full,
   * though a chain may need more room than is left: then the wait is for a CQE or
   * SQ_TAKE_WAIT_MS, the CPU left to the thread meanwhile. Returns 0 or -errno.
   */
  waitForSqRoom(): number {
    const wakeup = Atomics.load(this.sq, this.sqFlagsAt) & C.IORING_SQ_NEED_WAKEUP ? C.IORING_ENTER_SQ_WAKEUP : 0;
    // Kernels before 5.11 (no EXT_ARG, where SQPOLL needs root) have no bounded wait: SQ_WAIT only.
    if (this.sqSpace() === 0 || (this.features & C.IORING_FEAT_EXT_ARG) === 0) return Math.min(this.enter(0, 0, C.IORING_ENTER_SQ_WAIT | wakeup), 0);
    const ret = this.waitFor(1, SQ_TAKE_WAIT_MS, wakeup);
    return ret === -ETIME ? 0 : Math.min(ret, 0);
  }

  /** Makes the SQEs handed out visible to the kernel; returns how many are pending. */
  private publish(): number {
    const trace = traceHook(this);
    if (trace !== null) this.traceSqes(trace);
    this.sqPublished = this.sqeTail;
    Atomics.store(this.sq, this.sqTailAt, this.sqeTail);
    return this.sqPending();
  }

  /** Takes back the last `count` SQEs handed out; none of them may have been submitted. */
  ungetSqes(count: number): void {
    const unsubmitted = (this.sqeTail - this.sqPublished) >>> 0;
    if (count > unsubmitted) throw outOfRange('count', `at most the ${unsubmitted} SQEs the kernel has not seen`, count);
    this.sqeTail = (this.sqeTail - count) >>> 0;
  }

  /** True when `sqe` is the last SQE handed out and the kernel has not seen it yet. */
  isLastUnsubmitted(sqe: number): boolean {
    return this.sqPublished !== this.sqeTail && ((this.sqeTail - 1) & this.sqMask) === sqe;
  }

  /** The raw io_uring_enter syscall (`arg`, `argSize`: IORING_ENTER_EXT_ARG's argument). */
  enter(toSubmit: number, minComplete: number, flags: number, arg = 0, argSize = 0): number {
    // A reap handler that enters (a nested flush) gives the kernel the CQEs read so far first.
    if (this.cq[this.cqHeadAt] !== this.cqHead) this.publishCqHead();
    const ret = native.syscall(SYS_io_uring_enter, this.fd, toSubmit, minComplete, flags, arg, argSize);
    traceHook(this)?.({ type: 'enter', ring: this.id, toSubmit, minComplete, flags, ret });
    return ret;
  }

  /**
   * Waits for `minComplete` CQEs, at most `ms` milliseconds (IORING_ENTER_EXT_ARG;
   * -ETIME when the time passes first). Kernels without IORING_FEAT_EXT_ARG
   * (before 5.11) wait with no limit.
   */
  waitFor(minComplete: number, ms: number, flags = 0): number {
    if ((this.features & C.IORING_FEAT_EXT_ARG) === 0) return this.enter(0, minComplete, C.IORING_ENTER_GETEVENTS | flags);
    const seconds = Math.floor(ms / 1000);
    storeU64(this.waitWords, TIMESPEC.tv_sec / 4, seconds);
    storeU64(this.waitWords, TIMESPEC.tv_nsec / 4, Math.round((ms - seconds * 1000) * 1e6));
    const arg = this.waitWords.subarray(TIMESPEC.size / 4);
    storeU64(arg, GETEVENTS_ARG.ts / 4, addressOf(this.waitWords));
    return this.enter(0, minComplete, C.IORING_ENTER_GETEVENTS | C.IORING_ENTER_EXT_ARG | flags, addressOf(arg), GETEVENTS_ARG.size);
  }

  /** The SQ ring flags (IORING_SQ_NEED_WAKEUP, IORING_SQ_CQ_OVERFLOW, IORING_SQ_TASKRUN). */
  sqFlags(): number {
    return Atomics.load(this.sq, this.sqFlagsAt);
  }

  /** Whether the kernel signals a registered eventfd when it posts completions (IORING_CQ_EVENTFD_DISABLED clear). */
  set eventfdEnabled(enabled: boolean) {
    if (enabled) Atomics.and(this.cq, this.cqFlagsAt, ~C.IORING_CQ_EVENTFD_DISABLED);
    else Atomics.or(this.cq, this.cqFlagsAt, C.IORING_CQ_EVENTFD_DISABLED);
  }

  /** True when completions wait for task work that only an enter (or any syscall) runs: see COOP_TASKRUN. */
  taskRunPending(): boolean {
    return (Atomics.load(this.sq, this.sqFlagsAt) & C.IORING_SQ_TASKRUN) !== 0;
  }

  /** True when the kernel holds completions that did not fit in the CQ; enter with GETEVENTS flushes them. */
  cqOverflowed(): boolean {
    return (Atomics.load(this.sq, this.sqFlagsAt) & C.IORING_SQ_CQ_OVERFLOW) !== 0;
  }

  // ---- completion queue -----------------------------------------------------

  /** CQEs ready to be reaped. */
  cqReady(): number {
    return (Atomics.load(this.cq, this.cqTailAt) - this.cqHead) >>> 0;
  }

  /**
   * Calls `handle(slot, generation, res, flags)` for each ready CQE (at most
   * `max`), then gives the entries back to the kernel. `slot` and `generation`
   * are the low and high words of user_data. Returns how many were reaped.
   */
  reap(handle: (slot: number, generation: number, res: number, flags: number) => void, max = Infinity): number {
    const cq = this.cq;
    const tail = Atomics.load(cq, this.cqTailAt);
    if (tail === this.cqHead) return 0;
    let count = 0;
    const trace = traceHook(this);
    try {
      // this.cqHead, not a local: a handler may reap again (a nested flush), past the CQEs read here,
      // and perhaps past `tail`.
      while (count < max && ((tail - this.cqHead) | 0) > 0) {
        const head = this.cqHead;
        const at = this.cqesAt + (head & this.cqMask) * this.cqeWords;
        const slot = cq[at]!;
        const generation = cq[at + 1]!;
        const res = this.cqI32[at + 2]!;
        const flags = cq[at + 3]!;
        // Taken before the handler runs: it may submit and reap again.
        this.cqHead = (head + 1) >>> 0;
        count++;
        if (trace !== null) {
          trace({ type: 'cqe', ring: this.id, res, flags, userData: slot + generation * 0x1_0000_0000, slot, generation });
        }
        handle(slot, generation, res, flags);
      }
    } finally {
      this.publishCqHead();
    }
    return count;
  }

  /** Gives the CQEs read so far back to the kernel: a release store, after every read of them. */
  private publishCqHead(): void {
    Atomics.store(this.cq, this.cqHeadAt, this.cqHead);
  }

  // ---- prep helpers: named after liburing's io_uring_prep_* ---------------

  /** The common shape of most SQEs (liburing's io_uring_prep_rw). */
  prepRw(sqe: number, opcode: number, fd: number, addr: number, len: number, offset: number): void {
    const w = sqe * SQE_WORDS;
    this.sqeU8[sqe * SQE.size + SQE.opcode] = opcode;
    this.sqeI32[w + W.fd] = fd;
    storeU64(this.sqeU32, w + W.off, offset);
    storeU64(this.sqeU32, w + W.addr, addr);
    this.sqeU32[w + W.len] = len;
  }

  /** Writes user_data as two 32-bit words: the slot (low) and its generation (high), which every CQE carries back. */
  setUserData(sqe: number, slot: number, generation: number): void {
    const w = sqe * SQE_WORDS + W.userData;
    this.sqeU32[w] = slot;
    this.sqeU32[w + 1] = generation;
  }

  /** ORs IOSQE_* flags into the SQE. */
  addFlags(sqe: number, flags: number): void {
    this.sqeU8[sqe * SQE.size + SQE.flags] |= flags;
  }

  /** Sets sqe->ioprio, which some opcodes read as flags (IORING_ACCEPT_MULTISHOT, IORING_RECVSEND_POLL_FIRST…). */
  setIoprio(sqe: number, ioprio: number): void {
    this.sqeU16[sqe * (SQE.size >> 1) + H.ioprio] = ioprio;
  }

  /** Sets the opcode's own flags word (open_flags, msg_flags, timeout_flags… share one union in the SQE). */
  setOpFlags(sqe: number, flags: number): void {
    this.sqeU32[sqe * SQE_WORDS + W.opFlags] = flags;
  }

  /** Sets sqe->buf_index: a registered buffer (READ_FIXED) or a provided buffer group (IOSQE_BUFFER_SELECT). */
  setBufIndex(sqe: number, index: number): void {
    this.sqeU16[sqe * (SQE.size >> 1) + H.bufIndex] = index;
  }

  /** Sets sqe->file_index: a slot of the registered file table to fill (direct descriptors). */
  setFileIndex(sqe: number, index: number): void {
    this.sqeU32[sqe * SQE_WORDS + W.fileIndex] = index;
  }

  /** Sets sqe->addr3, a third address some opcodes read (see SQE.addr3 in sys/layout.ts). */
  setAddr3(sqe: number, addr: number): void {
    storeU64(this.sqeU32, sqe * SQE_WORDS + W.addr3, addr);
  }

  /** IORING_OP_NOP: completes with 0; the cost of one trip through the ring. */
  prepNop(sqe: number): void {
    this.prepRw(sqe, C.IORING_OP_NOP, -1, 0, 0, 0);
  }

  /** read(fd, addr, len) at `offset` (-1: the file position). */
  prepRead(sqe: number, fd: number, addr: number, len: number, offset: number): void {
    this.prepRw(sqe, C.IORING_OP_READ, fd, addr, len, offset);
  }

  /** write(fd, addr, len) at `offset` (-1: the file position). */
  prepWrite(sqe: number, fd: number, addr: number, len: number, offset: number): void {
    this.prepRw(sqe, C.IORING_OP_WRITE, fd, addr, len, offset);
  }

  /** readv(fd) into `count` iovecs at `iovecs`, at `offset` (-1: the file position). */
  prepReadv(sqe: number, fd: number, iovecs: number, count: number, offset: number): void {
    this.prepRw(sqe, C.IORING_OP_READV, fd, iovecs, count, offset);
  }

  /** writev(fd) from `count` iovecs at `iovecs`, at `offset` (-1: the file position). */
  prepWritev(sqe: number, fd: number, iovecs: number, count: number, offset: number): void {
    this.prepRw(sqe, C.IORING_OP_WRITEV, fd, iovecs, count, offset);
  }

  /** A read into registered buffer `bufIndex` (`addr` must lie inside it): no page pinning per op. */
  prepReadFixed(sqe: number, fd: number, addr: number, len: number, offset: number, bufIndex: number): void {
    this.prepRw(sqe, C.IORING_OP_READ_FIXED, fd, addr, len, offset);
    this.setBufIndex(sqe, bufIndex);
  }

  /** A write from registered buffer `bufIndex` (`addr` must lie inside it). */
  prepWriteFixed(sqe: number, fd: number, addr: number, len: number, offset: number, bufIndex: number): void {
    this.prepRw(sqe, C.IORING_OP_WRITE_FIXED, fd, addr, len, offset);
    this.setBufIndex(sqe, bufIndex);
  }

  /** fsync(fd), or fdatasync with IORING_FSYNC_DATASYNC. */
  prepFsync(sqe: number, fd: number, fsyncFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_FSYNC, fd, 0, 0, 0);
    this.setOpFlags(sqe, fsyncFlags);
  }

  /**
   * A timeout: completes with -ETIME when the timespec at `ts` passes, or with 0
   * after `count` other completions (0: time only).
   */
  prepTimeout(sqe: number, ts: number, count: number, timeoutFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_TIMEOUT, -1, ts, 1, count);
    this.setOpFlags(sqe, timeoutFlags);
  }

  /** Removes the timeout whose user_data is (slot, generation). */
  prepTimeoutRemove(sqe: number, slot: number, generation: number, timeoutFlags: number): void {
    this.prepAimedAt(sqe, C.IORING_OP_TIMEOUT_REMOVE, slot, generation, timeoutFlags);
  }

  /** A deadline for the SQE before it, which must carry IOSQE_IO_LINK. */
  prepLinkTimeout(sqe: number, ts: number, timeoutFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_LINK_TIMEOUT, -1, ts, 1, 0);
    this.setOpFlags(sqe, timeoutFlags);
  }

  /** Cancels the op whose user_data is (slot, generation). */
  prepCancel(sqe: number, slot: number, generation: number, cancelFlags: number): void {
    this.prepAimedAt(sqe, C.IORING_OP_ASYNC_CANCEL, slot, generation, cancelFlags);
  }

  /** Cancels ops on fd (all of them with IORING_ASYNC_CANCEL_ALL). */
  prepCancelFd(sqe: number, fd: number, cancelFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_ASYNC_CANCEL, fd, 0, 0, 0);
    this.setOpFlags(sqe, cancelFlags | C.IORING_ASYNC_CANCEL_FD);
  }

  /** An op on another op, named by its user_data (slot, generation) in sqe->addr. */
  private prepAimedAt(sqe: number, opcode: number, slot: number, generation: number, opFlags: number): void {
    this.prepRw(sqe, opcode, -1, 0, 0, 0);
    const w = sqe * SQE_WORDS + W.addr;
    this.sqeU32[w] = slot;
    this.sqeU32[w + 1] = generation;
    this.setOpFlags(sqe, opFlags);
  }

  /** openat(dirfd, path, flags, mode); `path` is the address of a NUL-terminated string. Completes with the new fd. */
  prepOpenat(sqe: number, dirfd: number, path: number, openFlags: number, mode: number): void {
    this.prepRw(sqe, C.IORING_OP_OPENAT, dirfd, path, mode, 0);
    this.setOpFlags(sqe, openFlags);
  }

  /** close(fd). */
  prepClose(sqe: number, fd: number): void {
    this.prepRw(sqe, C.IORING_OP_CLOSE, fd, 0, 0, 0);
  }

  /** statx(dirfd, path, flags, mask) into the struct statx at `statxbuf`. */
  prepStatx(sqe: number, dirfd: number, path: number, statxFlags: number, mask: number, statxbuf: number): void {
    this.prepRw(sqe, C.IORING_OP_STATX, dirfd, path, mask, statxbuf);
    this.setOpFlags(sqe, statxFlags);
  }

  /** fallocate(fd, mode, offset, len) (the kernel reads len from addr and mode from len). */
  prepFallocate(sqe: number, fd: number, mode: number, offset: number, len: number): void {
    this.prepRw(sqe, C.IORING_OP_FALLOCATE, fd, len, mode, offset);
  }

  /** accept4(fd, addr, addrlen, flags): one connection; completes with its fd. */
  prepAccept(sqe: number, fd: number, addr: number, addrlen: number, acceptFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_ACCEPT, fd, addr, 0, addrlen);
    this.setOpFlags(sqe, acceptFlags);
  }

  /** One SQE, a CQE per connection (IORING_ACCEPT_MULTISHOT goes in ioprio, not accept_flags). */
  prepMultishotAccept(sqe: number, fd: number, addr: number, addrlen: number, acceptFlags: number): void {
    this.prepAccept(sqe, fd, addr, addrlen, acceptFlags);
    this.setIoprio(sqe, C.IORING_ACCEPT_MULTISHOT);
  }

  /** connect(fd, addr, addrlen). */
  prepConnect(sqe: number, fd: number, addr: number, addrlen: number): void {
    this.prepRw(sqe, C.IORING_OP_CONNECT, fd, addr, 0, addrlen);
  }

  /** send(fd, addr, len, flags): completes with the bytes sent, which may be fewer than len. */
  prepSend(sqe: number, fd: number, addr: number, len: number, msgFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_SEND, fd, addr, len, 0);
    this.setOpFlags(sqe, msgFlags);
  }

  /** recv(fd, addr, len, flags): completes with the bytes received, 0 at end of stream. */
  prepRecv(sqe: number, fd: number, addr: number, len: number, msgFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_RECV, fd, addr, len, 0);
    this.setOpFlags(sqe, msgFlags);
  }

  /** sendmsg(fd, msghdr, flags). */
  prepSendmsg(sqe: number, fd: number, msghdr: number, msgFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_SENDMSG, fd, msghdr, 1, 0);
    this.setOpFlags(sqe, msgFlags);
  }

  /** recvmsg(fd, msghdr, flags). */
  prepRecvmsg(sqe: number, fd: number, msghdr: number, msgFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_RECVMSG, fd, msghdr, 1, 0);
    this.setOpFlags(sqe, msgFlags);
  }

  /** shutdown(fd, how). */
  prepShutdown(sqe: number, fd: number, how: number): void {
    this.prepRw(sqe, C.IORING_OP_SHUTDOWN, fd, 0, how, 0);
  }

  /** socket(domain, type, protocol): completes with the new fd (Linux 5.19+). */
  prepSocket(sqe: number, domain: number, type: number, protocol: number, socketFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_SOCKET, domain, 0, protocol, type);
    this.setOpFlags(sqe, socketFlags);
  }

  /** splice(fdIn, offIn, fdOut, offOut, len, flags); an offset of -1 means the fd's position (one side must be a pipe). */
  prepSplice(sqe: number, fdIn: number, offIn: number, fdOut: number, offOut: number, len: number, spliceFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_SPLICE, fdOut, offIn, len, offOut);
    this.sqeI32[sqe * SQE_WORDS + W.fileIndex] = fdIn;
    this.setOpFlags(sqe, spliceFlags);
  }

  /** renameat2(oldDirfd, oldPath, newDirfd, newPath, flags). */
  prepRenameat(sqe: number, oldDirfd: number, oldPath: number, newDirfd: number, newPath: number, renameFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_RENAMEAT, oldDirfd, oldPath, newDirfd, newPath);
    this.setOpFlags(sqe, renameFlags);
  }

  /** unlinkat(dirfd, path, flags): AT_REMOVEDIR removes a directory. */
  prepUnlinkat(sqe: number, dirfd: number, path: number, unlinkFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_UNLINKAT, dirfd, path, 0, 0);
    this.setOpFlags(sqe, unlinkFlags);
  }

  /** mkdirat(dirfd, path, mode). */
  prepMkdirat(sqe: number, dirfd: number, path: number, mode: number): void {
    this.prepRw(sqe, C.IORING_OP_MKDIRAT, dirfd, path, mode, 0);
  }

  /** symlinkat(target, newDirfd, linkpath). */
  prepSymlinkat(sqe: number, target: number, newDirfd: number, linkpath: number): void {
    this.prepRw(sqe, C.IORING_OP_SYMLINKAT, newDirfd, target, 0, linkpath);
  }

  /** linkat(oldDirfd, oldPath, newDirfd, newPath, flags). */
  prepLinkat(sqe: number, oldDirfd: number, oldPath: number, newDirfd: number, newPath: number, linkFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_LINKAT, oldDirfd, oldPath, newDirfd, newPath);
    this.setOpFlags(sqe, linkFlags);
  }

  /** Completes once fd has one of the poll(2) events in `pollMask`; with IORING_POLL_ADD_MULTI, once per event. */
  prepPollAdd(sqe: number, fd: number, pollMask: number): void {
    this.prepRw(sqe, C.IORING_OP_POLL_ADD, fd, 0, 0, 0);
    this.setOpFlags(sqe, pollMask);
  }

  /** ftruncate(fd, len) (Linux 6.9+). */
  prepFtruncate(sqe: number, fd: number, len: number): void {
    this.prepRw(sqe, C.IORING_OP_FTRUNCATE, fd, 0, 0, len);
  }

  /** bind(fd, addr, addrlen) (Linux 6.11). */
  prepBind(sqe: number, fd: number, addr: number, addrlen: number): void {
    this.prepRw(sqe, C.IORING_OP_BIND, fd, addr, 0, addrlen);
  }

  /** listen(fd, backlog) (Linux 6.11). */
  prepListen(sqe: number, fd: number, backlog: number): void {
    this.prepRw(sqe, C.IORING_OP_LISTEN, fd, 0, backlog, 0);
  }

  /**
   * Multishot recv (IORING_RECV_MULTISHOT in ioprio): a CQE per chunk, as
   * liburing's io_uring_prep_recv_multishot. The kernel requires a provided
   * buffer (selectBuffer()); `addr`/`len` are then 0, or cap one chunk's size.
   */
  prepRecvMultishot(sqe: number, fd: number, addr: number, len: number, msgFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_RECV, fd, addr, len, 0);
    this.setOpFlags(sqe, msgFlags);
    this.setIoprio(sqe, C.IORING_RECV_MULTISHOT);
  }

  /** Multishot recvmsg: a CQE per datagram, as liburing's io_uring_prep_recvmsg_multishot (needs selectBuffer()). */
  prepRecvmsgMultishot(sqe: number, fd: number, msghdr: number, msgFlags: number): void {
    this.prepRecvmsg(sqe, fd, msghdr, msgFlags);
    this.setIoprio(sqe, C.IORING_RECV_MULTISHOT);
  }

  /**
   * The kernel picks the op's buffer from provided-buffer group `group`
   * (IOSQE_BUFFER_SELECT) and names it in cqe->flags >> IORING_CQE_BUFFER_SHIFT.
   */
  selectBuffer(sqe: number, group: number): void {
    this.addFlags(sqe, C.IOSQE_BUFFER_SELECT);
    this.setBufIndex(sqe, group);
  }

  /**
   * Zero-copy send: two CQEs, the result (with IORING_CQE_F_MORE) and then a
   * notification (IORING_CQE_F_NOTIF) when the kernel no longer reads the buffer.
   */
  prepSendZc(sqe: number, fd: number, addr: number, len: number, msgFlags: number, zcFlags: number): void {
    this.prepRw(sqe, C.IORING_OP_SEND_ZC, fd, addr, len, 0);
    this.setOpFlags(sqe, msgFlags);
    this.setIoprio(sqe, zcFlags);
  }

  // ---- register ------------------------------------------------------------

  /** The raw io_uring_register syscall. Returns the result or -errno. */
  register(opcode: number, arg: ArrayBufferView | null, nrArgs: number): number {
    if (this.fd < 0) throw ringClosedError();
    return native.syscall(SYS_io_uring_register, this.fd, opcode, arg === null ? 0 : addressOf(arg), nrArgs);
  }

  /** Whether the running kernel supports `opcode` (IORING_REGISTER_PROBE, asked once). */
  supports(opcode: number): boolean {
    if (this.probeOps === null) {
      const probe = new Uint8Array(PROBE.size + 256 * PROBE_OP.size);
      const ret = this.register(C.IORING_REGISTER_PROBE, probe, 256);
      // Kernels before 5.6 have no probe: only the 5.5 opcodes can be assumed.
      this.probeOps = new Uint8Array(256);
      if (ret < 0) {
        for (let op = 0; op <= C.IORING_OP_CONNECT; op++) this.probeOps[op] = 1;
      } else {
        const count = probe[PROBE.ops_len]!;
        const flags = new Uint16Array(probe.buffer);
        for (let i = 0; i < count; i++) {
          const at = PROBE.ops + i * PROBE_OP.size;
          this.probeOps[probe[at + PROBE_OP.op]!] = flags[(at + PROBE_OP.flags) >> 1]! & C.IO_URING_OP_SUPPORTED;
        }
      }
    }
    return this.probeOps[opcode] === 1;
  }

  /**
   * Registers buffers for READ_FIXED/WRITE_FIXED (index = position in the
   * array). The ring keeps them alive until unregisterBuffers() or close().
   */
  registerBuffers(buffers: ArrayBufferView[]): number {
    const ret = this.register(C.IORING_REGISTER_BUFFERS, iovecs(buffers), buffers.length);
    if (ret >= 0) this.registeredBuffers = buffers.slice();
    return ret;
  }

  /** IORING_UNREGISTER_BUFFERS; 0 or -errno. */
  unregisterBuffers(): number {
    const ret = this.register(C.IORING_UNREGISTER_BUFFERS, null, 0);
    if (ret >= 0) this.registeredBuffers = null;
    return ret;
  }

  /** Registers fds for IOSQE_FIXED_FILE (index = position in the array; -1 = empty slot). */
  registerFiles(fds: number[]): number {
    return this.register(C.IORING_REGISTER_FILES, Int32Array.from(fds), fds.length);
  }

  /** IORING_UNREGISTER_FILES; 0 or -errno. */
  unregisterFiles(): number {
    return this.register(C.IORING_UNREGISTER_FILES, null, 0);
  }

  /**
   * Registers an empty file table of `count` slots: IORING_REGISTER_FILES2
   * with IORING_RSRC_REGISTER_SPARSE (5.19+), or on older kernels
   * IORING_REGISTER_FILES with every entry -1. Returns 0 or -errno.
   */
  registerFilesSparse(count: number): number {
    const arg = new Uint32Array(RSRC_REGISTER.size / 4);
    arg[RSRC_REGISTER.nr / 4] = count;
    arg[RSRC_REGISTER.flags / 4] = C.IORING_RSRC_REGISTER_SPARSE;
    const ret = this.register(C.IORING_REGISTER_FILES2, arg, RSRC_REGISTER.size);
    if (ret !== -EINVAL) return ret;
    return this.registerFiles(new Array<number>(count).fill(-1));
  }

  /**
   * IORING_REGISTER_FILES_UPDATE: slots `offset`, `offset + 1`... take `fds`
   * (-1 empties a slot). Returns how many slots were updated, or -errno. An op
   * already issued keeps the file it looked up: the kernel holds a reference.
   */
  updateFiles(offset: number, fds: readonly number[]): number {
    const list = Int32Array.from(fds);
    const arg = new Uint32Array(FILES_UPDATE.size / 4);
    arg[FILES_UPDATE.offset / 4] = offset;
    storeU64(arg, FILES_UPDATE.fds / 4, addressOf(list));
    return this.register(C.IORING_REGISTER_FILES_UPDATE, arg, fds.length);
  }

  /** The buffers registered with registerBuffers(), if any. */
  get buffers(): readonly ArrayBufferView[] | null {
    return this.registeredBuffers;
  }

  // ---- teardown ------------------------------------------------------------

  /**
   * Unmaps the rings and closes the fd. Idempotent. The kernel cancels what is
   * still in flight; callers that own buffers must wait for their CQEs first
   * (the op layer's Ring.close() does). Until then the ring belongs to the
   * native teardown too (teardown.ts), which closes it if the thread goes
   * away first; native.close() takes it back from there.
   */
  close(): void {
    if (this.fd < 0) return;
    // The fd first: native.close() takes the ring back from the teardown, which would otherwise,
    // in a worker terminated between two of the unmaps, quiesce a ring whose memory is gone.
    native.close(this.fd);
    for (const mapping of this.maps) native.unmap(mapping);
    this.maps.length = 0;
    this.fd = -1;
    detachTrace(this);
    this.registeredBuffers = null;
  }

  private traceSqes(trace: (event: TraceEvent) => void): void {
    for (let tail = this.sqPublished; tail !== this.sqeTail; tail = (tail + 1) >>> 0) {
      const sqe = tail & this.sqMask;
      const w = sqe * SQE_WORDS;
      const slot = this.sqeU32[w + W.userData]!;
      const generation = this.sqeU32[w + W.userData + 1]!;
      trace({
        type: 'sqe',
        ring: this.id,
        opcode: this.sqeU8[sqe * SQE.size + SQE.opcode]!,
        flags: this.sqeU8[sqe * SQE.size + SQE.flags]!,
        fd: this.sqeI32[w + W.fd]!,
        len: this.sqeU32[w + W.len]!,
        off: this.sqeI32[w + W.off + 1] === -1 ? -1 : this.sqeU32[w + W.off]! + this.sqeU32[w + W.off + 1]! * 0x1_0000_0000,
        userData: slot + generation * 0x1_0000_0000,
        slot,
        generation,
      });
    }
  }
}
