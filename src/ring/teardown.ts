// Hands a ring to the native shim for the one moment no JS can run: its
// thread's environment being torn down (a worker terminate()d, or exiting
// with ops in flight). The shim then cancels every request, waits until the
// kernel has posted them all, and only then unmaps the ring and closes its fd
// (native/ringcore.c, "what a thread owns"): the kernel must be done with
// every buffer before the isolate frees its memory.
//
// The shim keeps no io_uring layout of its own: it gets here where each ring
// field lives (src/sys/layout.ts) and two SQEs written now by our prep helpers.
import * as C from '../sys/constants.js';
import { CQE, CQRING_OFFSETS, SQE, SQRING_OFFSETS } from '../sys/layout.js';
import { native } from '../sys/native.js';

/** What the tear-down uses of a ring (an IoUring): declared here, as io-uring.ts imports this file. */
interface OwnedRing {
  readonly fd: number;
  readonly sqPoll: boolean;
  readonly setupFlags: number;
  readonly sqEntries: number;
  readonly sqeU8: Uint8Array;
  getSqe(): number | null;
  ungetSqes(count: number): void;
  setUserData(sqe: number, slot: number, generation: number): void;
  addFlags(sqe: number, flags: number): void;
  prepNop(sqe: number): void;
  prepCancel(sqe: number, slot: number, generation: number, cancelFlags: number): void;
}

/** @internal The order of the layout words: the enum in native/ringcore.c (test/ring/teardown-layout checks it). */
export const FIELDS = [
  'sqHead',
  'sqTail',
  'sqMask',
  'sqEntries',
  'sqArray',
  'sqeSize',
  'sqeUserData',
  'cqHead',
  'cqTail',
  'cqMask',
  'cqes',
  'cqeSize',
  'cqeUserData',
  'cqeRes',
  'submitFlags',
  'roomFlags',
  'waitFlags',
  'sqPoll',
] as const;

/** @internal The SQ ring has no indirection array (IORING_SETUP_NO_SQARRAY): native/ringcore.c's NO_SQ_ARRAY. */
export const NO_SQ_ARRAY = 0xffffffff;
/** user_data slots no op can have (slots are below the CQ size): the teardown's own two SQEs. */
const CANCEL_TAG = 0xfffffffe;
const DRAIN_TAG = 0xffffffff;

export interface RingMemory {
  sqRing: ArrayBuffer;
  cqRing: ArrayBuffer;
  sqes: ArrayBuffer;
  /** Byte offset of a field in its ring mapping (io_uring_params' sq_off/cq_off). */
  sqOff: (field: number) => number;
  cqOff: (field: number) => number;
  sqeSize: number;
  cqeSize: number;
}

/** Registers `uring` to be quiesced and closed with this thread's environment. */
export function ownRing(uring: OwnedRing, memory: RingMemory): void {
  const { sqOff, cqOff } = memory;
  const sq = new Uint32Array(memory.sqRing);
  const cq = new Uint32Array(memory.cqRing);
  const sqPoll = uring.sqPoll;
  const defer = (uring.setupFlags & C.IORING_SETUP_DEFER_TASKRUN) !== 0;
  const wake = sqPoll ? C.IORING_ENTER_SQ_WAKEUP : 0;
  const values: Record<(typeof FIELDS)[number], number> = {
    sqHead: sqOff(SQRING_OFFSETS.head),
    sqTail: sqOff(SQRING_OFFSETS.tail),
    sqMask: sq[sqOff(SQRING_OFFSETS.ring_mask) / 4]!,
    sqEntries: uring.sqEntries,
    sqArray: uring.setupFlags & C.IORING_SETUP_NO_SQARRAY ? NO_SQ_ARRAY : sqOff(SQRING_OFFSETS.array),
    sqeSize: memory.sqeSize,
    sqeUserData: SQE.user_data,
    cqHead: cqOff(CQRING_OFFSETS.head),
    cqTail: cqOff(CQRING_OFFSETS.tail),
    cqMask: cq[cqOff(CQRING_OFFSETS.ring_mask) / 4]!,
    cqes: cqOff(CQRING_OFFSETS.cqes),
    cqeSize: memory.cqeSize,
    cqeUserData: CQE.user_data,
    cqeRes: CQE.res,
    // A DEFER_TASKRUN ring runs its completions only in an enter with GETEVENTS.
    submitFlags: wake | (defer ? C.IORING_ENTER_GETEVENTS : 0),
    roomFlags: sqPoll ? wake | C.IORING_ENTER_SQ_WAIT : defer ? C.IORING_ENTER_GETEVENTS : 0,
    waitFlags: wake | C.IORING_ENTER_GETEVENTS,
    sqPoll: sqPoll ? 1 : 0,
  };
  const layout = Uint32Array.from(FIELDS, (field) => values[field]);
  const cancel = template(uring, memory.sqeSize, (sqe) => uring.prepCancel(sqe, 0, 0, C.IORING_ASYNC_CANCEL_ANY), CANCEL_TAG);
  const drain = template(
    uring,
    memory.sqeSize,
    (sqe) => {
      uring.prepNop(sqe);
      uring.addFlags(sqe, C.IOSQE_IO_DRAIN);
    },
    DRAIN_TAG,
  );
  native.own(uring.fd, layout, memory.sqRing, memory.cqRing, memory.sqes, cancel, drain);
}

/** Writes one SQE with the ring's own helpers, in its next free entry, copies it out and gives the entry back. */
function template(uring: OwnedRing, size: number, prep: (sqe: number) => void, tag: number): Uint8Array {
  const sqe = uring.getSqe()!;
  prep(sqe);
  uring.setUserData(sqe, tag, 0xffffffff);
  const copy = uring.sqeU8.slice(sqe * size, (sqe + 1) * size);
  uring.ungetSqes(1);
  return copy;
}
