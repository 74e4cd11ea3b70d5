// A deadline on one op: IORING_OP_LINK_TIMEOUT, the SQE linked right after
// it, cancelling it when the deadline passes first. The deadline counts from
// when it was set, not from when the op got its SQE or from its submit: the
// kernel is given only the time left, written again just before the submit
// (a turn of synchronous code may run in between: Submitter.beforeSubmit),
// and while the op waits for room a JS timer (armed by the Submitter)
// expires it there.
import { Request } from './request.js';
import { ETIME } from '../sys/errno.js';

/** The op a deadline is on (an Op): told when the deadline's CQE came, or expired while queued. */
export interface DeadlineTarget {
  deadlineDone(): void;
  expire(ms: number): void;
}

/** Writes a timespec of `ms` into the slot's scratch memory and returns its address; runs a callback just before the submit (OpHost). */
interface TimespecHost {
  timespec(slot: number, ms: number): number;
  beforeSubmit(refresh: () => void): void;
}

/** IORING_OP_LINK_TIMEOUT for the op before it in its chain. */
export class LinkTimeout extends Request {
  fired = false;
  /** While the op is queued: the timer that expires it in the queue. */
  queueTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly op: DeadlineTarget,
    host: TimespecHost,
    readonly ms: number,
    /** When the deadline passes, on performance.now()'s clock. */
    readonly dueAt: number = performance.now() + ms,
  ) {
    super({
      syscall: 'link_timeout',
      prep: (uring, sqe, slot) => {
        uring.prepLinkTimeout(sqe, host.timespec(slot, timeLeft(dueAt)), 0);
        host.beforeSubmit(() => host.timespec(slot, timeLeft(dueAt)));
      },
    });
  }

  /** Milliseconds until the deadline (0 once it passed). */
  get left(): number {
    return timeLeft(this.dueAt);
  }

  complete(res: number): boolean {
    this.fired = res === -ETIME;
    this.op.deadlineDone();
    return true;
  }

  discard(): void {}
}

function timeLeft(dueAt: number): number {
  return Math.max(0, dueAt - performance.now());
}
