// A cancel that misses an op still in flight is sent again until the op is
// gone. IORING_OP_ASYNC_CANCEL finds a request only where the kernel has it
// listed (io_uring/cancel.c io_try_cancel): queued for io-wq, a worker's
// cur_work, a poll, a timeout. A link of a chain that io-wq runs is on no list
// between the end of the link before it and the start of its own run: the
// worker clears cur_work after do_work(), takes the next link from
// free_work(), and sets cur_work to it only in io_assign_current_work(), after
// task work and a cond_resched() (io_uring/io-wq.c io_worker_handle_work). A
// cancel that lands there answers -ENOENT, and the link then runs as if never
// cancelled. A multishot op between two shots is on no list either. Ringcore
// settles an aborted op only at its CQE, so that the kernel never writes
// memory it has handed back: a missed cancel of an op that blocks (a SPLICE
// into a pipe nobody reads) would hang the abort for ever. So, like the
// kernel's own IORING_REGISTER_SYNC_CANCEL (which tries again each time a CQE
// is posted), a missed cancel (-ENOENT, -EALREADY) is sent again while its op
// holds its slot: at the op's next CQE (a multishot op), or after a short wait
// that doubles each time. A JS timer drives it on the event loop;
// Submitter.flush() and waitAndFlush() drive it when the driver blocks in the
// kernel instead.
import type { Request } from './request.js';

/** The wait before a missed cancel is first sent again: a worker moves between links within microseconds. */
export const CANCEL_RETRY_FIRST_MS = 1;
/** The longest wait between two tries: an op that cannot be interrupted (a read in a worker) is asked ~16 times a second. */
const CANCEL_RETRY_MAX_MS = 64;

interface Pending {
  /** When to send the cancel again, on performance.now()'s clock. */
  readonly dueAt: number;
  /** The wait this try was armed with (the next is twice as long). */
  readonly ms: number;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** The ops whose cancel missed while they were still in flight, each with its next try. */
export class CancelRetries {
  private readonly pending = new Map<Request, Pending>();

  /** `resend(target, ms)` sends the cancel again; `ms` is the wait to arm if that one misses too. */
  constructor(private readonly resend: (target: Request, ms: number) => void) {}

  get size(): number {
    return this.pending.size;
  }

  /** `target`'s cancel missed: try again in `ms`, or at its next CQE if that comes first. */
  arm(target: Request, ms: number): void {
    if (this.pending.has(target)) return;
    target.cancelAgain = true;
    const timer = setTimeout(() => this.fire(target), ms);
    // The op in flight keeps the process alive; its retry alone must not.
    (timer as { unref?: () => void }).unref?.();
    this.pending.set(target, { dueAt: performance.now() + ms, ms, timer });
  }

  /** Forgets `target`'s retry (it completed, or its cancel goes now); returns the wait for the try after this one. */
  take(target: Request): number {
    target.cancelAgain = false;
    const entry = this.pending.get(target);
    if (entry === undefined) return CANCEL_RETRY_FIRST_MS;
    clearTimeout(entry.timer);
    this.pending.delete(target);
    return Math.min(entry.ms * 2, CANCEL_RETRY_MAX_MS);
  }

  /** Sends every retry that is due (for when no timer could run: the driver blocked in the kernel). */
  fireOverdue(): void {
    const now = performance.now();
    for (const [target, entry] of this.pending) if (entry.dueAt <= now) this.fire(target);
  }

  /** Milliseconds until the first retry is due (Infinity without one). */
  nearest(): number {
    let due = Infinity;
    for (const entry of this.pending.values()) due = Math.min(due, entry.dueAt);
    return Math.max(0, due - performance.now());
  }

  private fire(target: Request): void {
    if (!this.pending.has(target)) return;
    this.resend(target, this.take(target));
  }
}
