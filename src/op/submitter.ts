// Places requests into SQEs, submits them, and routes CQEs back. This is
// where "never lose, never spin" lives:
//  - a request that finds no free SQE or slot waits in a FIFO queue and is
//    placed as soon as completions make room (the driver keeps entering);
//  - slots are capped at the CQ size, so single-shot completions cannot
//    overflow the CQ, and an overflow (multishot) is flushed back with GETEVENTS;
//  - EINTR from io_uring_enter is retried, EAGAIN/EBUSY wait for completions;
//  - a deadline keeps running while its op waits for room: a JS timer (and a
//    check on every flush, and a bounded wait in waitAndFlush) drops an op
//    whose deadline passed in the queue, before it ever gets an SQE;
//  - the first ops of a linked chain may skip their success CQE
//    (IOSQE_CQE_SKIP_SUCCESS): they keep their slots until a later op of the
//    chain posts one, which says they succeeded (completeSkipping).
// When io_uring_enter is called is the driver's business (layer 3): it sets
// `wake` and calls flush().
import * as C from '../sys/constants.js';
import { AbortError, errnoException, linkBrokenException, RingcoreError, invalidArgType, outOfRange, ringClosedError } from '../sys/errors.js';
import type { IoUring } from '../ring/io-uring.js';
import { LinkTimeout } from './link-timeout.js';
import { Op, checkOptions, kOp, type OpCallback, type OpHost, type OpOptions, type OpPromise, type OpSpec } from './op.js';
import { InternalRequest, type Request } from './request.js';
import { CancelRetries, CANCEL_RETRY_FIRST_MS } from './cancel-retry.js';
import { Scratch } from './scratch.js';
import { SlotTable } from './slots.js';
import { EAGAIN, EALREADY, EBUSY, ECANCELED, EINTR, ENOENT, ETIME } from '../sys/errno.js';

/** A submitter's running counts, as Ring.stats gives them. */
export interface SubmitterStats {
  /** io_uring_enter calls made to submit. */
  enters: number;
  /** SQEs the kernel consumed. */
  submitted: number;
  /** CQEs reaped. */
  completed: number;
  /** CQEs dropped because their slot had moved on (a late CQE for a reused slot). */
  stale: number;
}

export class Submitter implements OpHost {
  readonly slots: SlotTable<Request>;
  /** Called when requests are waiting to be submitted; the driver arranges a flush(). */
  wake: () => void = () => {};
  readonly stats: SubmitterStats = { enters: 0, submitted: 0, completed: 0, stale: 0 };
  /**
   * Whether chained ops with a `skipSuccess` skip their success CQE: where the
   * kernel can (IORING_FEAT_CQE_SKIP, Linux 5.17). Off, every op posts its CQE,
   * as on older kernels (tests turn it off to run that path).
   */
  skipCqes: boolean;
  /** Slots held back for cancellations, so that an abort never waits behind a full table. */
  private readonly reserved: number;
  private queue: Request[] = [];
  private queueHead = 0;
  /** Queue entries dropped (aborted) while queued, still in the queue until drain() passes them. */
  private dropped = 0;
  private urgent: Request[] = [];
  private readonly scratch = new Scratch();
  /** Deadlines of queued ops, each with its timer armed. */
  private readonly queuedDeadlines = new Set<LinkTimeout>();
  /** Ops whose cancel missed while they were still in flight, each with its next try (cancel-retry.ts). */
  private readonly cancelRetries = new CancelRetries((target, ms) => this.resendCancel(target, ms));
  private closing = false;
  private idle: (() => void) | null = null;
  /** Called once, just before the next submit: see beforeSubmit(). */
  private refreshers: (() => void)[] = [];

  constructor(readonly uring: IoUring) {
    this.slots = new SlotTable(uring.cqEntries);
    // Never all of them: a 1-entry CQ reserving its only slot could place nothing.
    this.reserved = Math.min(Math.max(1, Math.min(8, uring.cqEntries >> 3)), uring.cqEntries - 1);
    this.skipCqes = (uring.features & C.IORING_FEAT_CQE_SKIP) !== 0;
  }

  /** Requests holding a slot: placed, and not yet given back by their final CQE. */
  get inFlight(): number {
    return this.slots.used;
  }

  /** The longest chain that can ever be placed: it must fit in the SQ and in the slots ops may take. */
  private get maxChain(): number {
    return Math.min(this.uring.sqEntries, this.slots.size - this.reserved);
  }

  /** Requests waiting for a free SQE or slot. */
  get waiting(): number {
    return this.queue.length - this.queueHead - this.dropped + this.urgent.length;
  }

  get closed(): boolean {
    return this.closing;
  }

  // ---- starting ops --------------------------------------------------------

  /** Starts one op: validates options, then places it now or queues it. */
  submit<T>(spec: OpSpec<T>, options?: OpOptions): OpPromise<T> {
    if (options === undefined) {
      // The common case, without the checks options need.
      const op = new Op<T>(this, spec, undefined);
      this.start(op);
      return op.promise!;
    }
    const signal = checkOptions(options);
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    return this.startWith(spec, options, signal, null).promise!;
  }

  /**
   * submit() settled by callback instead of a promise: `done` is called
   * once, from the reap of the op's CQE, with (null, value) or the error the
   * promise would have rejected with. Bad options throw here; an
   * already-aborted signal, a closed ring or a prep that throws calls `done`
   * in a microtask, never before submitWith returns.
   */
  submitWith<T>(spec: OpSpec<T>, done: OpCallback<T>, options?: OpOptions): void {
    if (typeof done !== 'function') throw invalidArgType('done', 'a function', done);
    if (options === undefined) {
      this.start(new Op<T>(this, spec, undefined, done));
      return;
    }
    const signal = checkOptions(options);
    if (signal?.aborted) {
      const error = new AbortError(undefined, { cause: signal.reason });
      queueMicrotask(() => done(error));
      return;
    }
    this.startWith(spec, options, signal, done);
  }

  /**
   * submitWith() for an owner that runs one op of a kind at a time (a
   * socket's sends): makes the op once, idle; each startAgain(op) starts it,
   * and once `done` has been called (or from inside `done`) it may be
   * started again. Per start that saves making an Op; everything else is a
   * new op's: a slot and generation of its own per placing (a late CQE for
   * an earlier start is stale), the wait for room in a full ring, the
   * close. It takes no signal and no deadline, so the only cancel it meets
   * is the ring's close, which also makes every later start call back with
   * the close's error: no cancel can reach a later start.
   */
  reusableWith<T>(spec: OpSpec<T>, done: OpCallback<T>): Op<T> {
    if (typeof done !== 'function') throw invalidArgType('done', 'a function', done);
    const op = new Op<T>(this, spec, undefined, done);
    op.makeReusable();
    return op;
  }

  /** Starts an op made by reusableWith(); throws if it is still queued or in flight. */
  startAgain<T>(op: Op<T>): void {
    op.rearm();
    this.start(op);
  }

  /** Makes and starts an op with its options (checked): its deadline, its signal. */
  private startWith<T>(spec: OpSpec<T>, options: OpOptions, signal: AbortSignal | undefined, done: OpCallback<T> | null): Op<T> {
    // The op and its LINK_TIMEOUT are placed together: a chain that can never fit would wait forever.
    if (options.timeout !== undefined && this.maxChain < 2) {
      throw new RingcoreError('ERR_RINGCORE_UNSUPPORTED', `a deadline (options.timeout) needs room for 2 linked ops; this ring has room for ${this.maxChain}`);
    }
    const op = new Op<T>(this, spec, signal, done);
    if (options.timeout !== undefined) op.withDeadline(options.timeout);
    this.start(op);
    return op;
  }

  /**
   * Starts ops linked with IOSQE_IO_LINK: each runs only after the one before
   * it succeeded. All go into the same submit. If one fails, the rest reject
   * with ECANCELED errors that say so.
   */
  submitLinked(specs: OpSpec<unknown>[], options?: OpOptions): OpPromise<unknown>[] {
    const signal = checkOptions(options);
    if (specs.length === 0) return [];
    // The whole chain (its link timeout included) is placed at once, so it must fit.
    const room = this.maxChain - (options?.timeout !== undefined ? 1 : 0);
    if (specs.length > room) {
      throw outOfRange(
        'specs.length',
        `at most ${room} (the ops this ring can place in one submit${options?.timeout !== undefined ? ', less one for the timeout' : ''})`,
        specs.length,
      );
    }
    specs.forEach(checkSkipSuccess);
    if (signal?.aborted) return specs.map(() => Promise.reject(new AbortError(undefined, { cause: signal.reason })));
    const ops = specs.map((spec) => new Op(this, spec, signal));
    for (let i = 1; i < ops.length; i++) {
      ops[i - 1]!.linkNext = ops[i]!;
      ops[i]!.linkedAfter = true;
      ops[i]!.head = ops[0]!;
    }
    if (options?.timeout !== undefined) ops[ops.length - 1]!.withDeadline(options.timeout);
    this.start(ops[0]!);
    return ops.map((op) => op.promise!);
  }

  /** Places `head` (and its chain) now if there is room and nobody is ahead of it; otherwise queues it. */
  start(head: Request): void {
    if (this.closing) {
      for (let r: Request | null = head; r !== null; r = r.linkNext) r.discard(ringClosedError());
      return;
    }
    // Ops started directly keep the reserve free too, or a table filled by them
    // would leave an abort waiting for one of them to complete.
    if (this.queueHead === this.queue.length && this.place(head, this.reserved)) {
      this.wake();
      return;
    }
    for (let r: Request | null = head; r !== null; r = r.linkNext) {
      r.queued = true;
      if (r instanceof LinkTimeout) this.armQueued(r);
    }
    this.queue.push(head);
    this.wake();
  }

  /** The op behind `deadline` waits for room: expire it there if the deadline passes first. */
  private armQueued(deadline: LinkTimeout): void {
    if (deadline.queueTimer !== null) return;
    deadline.queueTimer = setTimeout(() => deadline.op.expire(deadline.ms), deadline.left);
    this.queuedDeadlines.add(deadline);
  }

  /** `r` left the queue (placed, dropped): its deadline's timer, if any, is no longer needed. */
  private disarm(r: Request): void {
    if (!(r instanceof LinkTimeout) || r.queueTimer === null) return;
    clearTimeout(r.queueTimer);
    r.queueTimer = null;
    this.queuedDeadlines.delete(r);
  }

  /** Drops every queued op whose deadline has passed (for when no timer could run: run() blocks in the kernel). */
  private expireOverdue(): void {
    const now = performance.now();
    for (const deadline of this.queuedDeadlines) {
      if (deadline.dueAt <= now) deadline.op.expire(deadline.ms);
    }
  }

  /**
   * Gives `head` and its chain SQEs and slots, all or none. `reserve` slots
   * are left free (for cancellations) unless it is 0. The chain's first
   * requests skip their success CQE while each has a `skipSuccess` and an op
   * (not its own link timeout) after it whose CQE will vouch for it; only a
   * prefix, so that a CQE from one of them always means that one failed.
   */
  private place(head: Request, reserve: number): boolean {
    const n = head.linkNext === null ? 1 : head.chainLength;
    // Requests that wait indefinitely (multishot) are outside the CQ bound: see slots.ts.
    if ((!head.unbounded && this.slots.available - reserve < n) || !this.uring.hasSqRoom(n)) return false;
    const uring = this.uring;
    let skipping = this.skipCqes && head.linkNext !== null;
    for (let r: Request | null = head; r !== null; r = r.linkNext) {
      const slot = this.slots.acquire(r, r.unbounded);
      const sqe = uring.getSqe()!;
      r.slot = slot;
      r.generation = this.slots.generation(slot);
      r.sqe = sqe;
      if (r.queued) {
        r.queued = false;
        this.disarm(r);
      }
      try {
        r.spec.prep(uring, sqe, slot);
      } catch (error) {
        this.unplace(head, r, error as Error);
        return true;
      }
      uring.setUserData(sqe, slot, r.generation);
      if (r.linkNext !== null) skipping = this.link(r, skipping);
    }
    return true;
  }

  /**
   * Links `r` to the next request of its chain; returns whether the chain still
   * skips success CQEs after it. Out of line: place() is inlined into every
   * op's start, and V8 inlines a bounded amount of bytecode per function.
   */
  private link(r: Request, skipping: boolean): boolean {
    skipping &&= r.spec.skipSuccess !== undefined && !(r.linkNext instanceof LinkTimeout);
    r.skipsSuccess = skipping;
    this.uring.addFlags(r.sqe, skipping ? C.IOSQE_IO_LINK | C.IOSQE_CQE_SKIP_SUCCESS : C.IOSQE_IO_LINK);
    return skipping;
  }

  /**
   * A prep threw: takes back the SQEs and slots given to the chain up to
   * `failed` (the kernel has seen none of them; a half-filled SQE must never
   * reach it) and rejects the whole chain with the error. Throwing instead
   * would leak the slot, and crash the process when the chain was placed from
   * the queue inside a flush.
   */
  private unplace(head: Request, failed: Request, error: Error): void {
    let taken = 0;
    for (let r: Request | null = head; r !== null; r = r.linkNext) {
      this.slots.release(r.slot);
      taken++;
      if (r === failed) break;
    }
    this.uring.ungetSqes(taken);
    for (let r: Request | null = head; r !== null; r = r.linkNext) {
      r.queued = false;
      this.disarm(r);
      r.discard(error);
    }
  }

  /** Places queued requests, oldest first, while there is room. Returns how many chains were placed. */
  private drain(): number {
    let placed = 0;
    while (this.urgent.length > 0 && this.place(this.urgent[0]!, 0)) {
      this.urgent.shift();
      placed++;
    }
    const queue = this.queue;
    while (this.queueHead < queue.length) {
      const head = queue[this.queueHead]!;
      if (head.queued) {
        if (!this.place(head, this.reserved)) break;
        placed++;
      } else {
        this.dropped--;
      }
      queue[this.queueHead++] = undefined as unknown as Request;
    }
    if (this.queueHead === queue.length) {
      queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > queue.length) {
      this.queue = queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    return placed;
  }

  // ---- OpHost --------------------------------------------------------------

  cancel(target: Request): void {
    this.sendCancel(target, CANCEL_RETRY_FIRST_MS);
  }

  /** An ASYNC_CANCEL for `target`; if it misses while `target` is still in flight, it is sent again in `retryMs`. */
  private sendCancel(target: Request, retryMs: number): void {
    const cancel = new InternalRequest({ syscall: 'async_cancel', prep: (uring, sqe) => uring.prepCancel(sqe, target.slot, target.generation, 0) }, (res) => {
      // Running (-EALREADY: signalled, which a link finishing just then passes on
      // to nothing), or on none of the kernel's lists (-ENOENT: an io-wq link
      // between two, a multishot op between two shots): see cancel-retry.ts.
      if ((res === -EALREADY || res === -ENOENT) && this.slots.lookup(target.slot, target.generation) === target) this.cancelRetries.arm(target, retryMs);
    });
    if (!this.place(cancel, 0)) this.urgent.push(cancel);
    this.wake();
  }

  /** A missed cancel's retry is due: send it while `target` still holds its slot. */
  private resendCancel(target: Request, retryMs: number): void {
    if (this.uring.closed || this.slots.lookup(target.slot, target.generation) !== target) return;
    this.sendCancel(target, retryMs);
  }

  dequeue(target: Request): void {
    if (target.head.queued) this.dropped++;
    for (let r: Request | null = target.head; r !== null; r = r.linkNext) {
      if (!r.queued) continue;
      r.queued = false;
      this.disarm(r);
      r.discard(r === target ? null : linkBrokenException(r.syscall));
    }
    // Requests queued behind it may fit where it did not (a chain needs more room than one op),
    // and no CQE may come to say so: drain the queue again.
    if (this.waiting > 0) this.wake();
  }

  timespec(slot: number, ms: number): number {
    return this.scratch.timespec(slot, ms);
  }

  /**
   * Calls `refresh` once, just before the next submit hands the SQEs placed
   * so far to the kernel. A TIMEOUT's timespec is relative, and the kernel
   * reads it at the submit, which may come long after the prep (a turn of
   * synchronous code in between): a timer's prep calls this to rewrite it
   * then with the time left, so that the wait counts from the call, not
   * from the submit. `refresh` may touch only memory of a request placed
   * before it was called (its slot is still held: the request cannot
   * complete before its SQE is submitted).
   */
  beforeSubmit(refresh: () => void): void {
    this.refreshers.push(refresh);
  }

  /**
   * Gives an op that already has its SQE a kernel deadline, if that SQE is the
   * last one handed out and not yet submitted (a LINK_TIMEOUT must follow its
   * op directly, in the same submit). Returns false when it is too late.
   */
  attachDeadline(promise: Promise<unknown>, ms: number): boolean {
    const op = (promise as OpPromise<unknown>)[kOp];
    if (op === undefined || op.settled || op.deadline !== null || op.linkNext !== null) return false;
    if (op.queued) {
      // The deadline joins the op's chain: one too long to place would hold the queue until it expired.
      if (op.head.chainLength >= this.maxChain) return false;
      op.withDeadline(ms);
      op.deadline!.queued = true;
      this.armQueued(op.deadline!);
      return true;
    }
    // The op must be this ring's: another ring's SQE index means nothing here.
    if (this.slots.lookup(op.slot, op.generation) !== op) return false;
    if (!this.uring.isLastUnsubmitted(op.sqe) || this.slots.available < 1 || this.uring.sqSpace() < 1) return false;
    op.withDeadline(ms);
    this.uring.addFlags(op.sqe, C.IOSQE_IO_LINK);
    op.linkNext = null;
    return this.place(op.deadline!, 0);
  }

  // ---- submitting and reaping ----------------------------------------------

  /**
   * Submits what is queued and reaps what completed, repeating while that
   * makes progress for waiting requests. Never blocks. Gives the number of
   * CQEs reaped.
   */
  flush(): number {
    if (this.uring.closed) return 0;
    let completions = 0;
    if (this.queuedDeadlines.size > 0) this.expireOverdue();
    if (this.cancelRetries.size > 0) this.cancelRetries.fireOverdue();
    for (;;) {
      // SQPOLL: whether the thread had taken every SQE when drain() looked for room.
      const sqEmpty = this.uring.sqPoll && this.uring.sqPending() === 0;
      const placed = this.waiting > 0 ? this.drain() : 0;
      // A submit frees SQEs, so it is progress for waiting requests too (a full
      // SQ would otherwise hold them, cancellations included, until some CQE).
      // reapAll() may submit as well.
      const submittedBefore = this.stats.submitted;
      if (this.uring.sqPending() > 0) this.enterSubmit();
      const reaped = this.reapAll();
      completions += reaped;
      if (this.waiting === 0) break;
      if (placed === 0 && this.stats.submitted === submittedBefore && reaped === 0) {
        // SQPOLL with SQEs the thread had not taken: requests may wait for the room they hold
        // (a full SQ, or less room than a chain needs), and no CQE will say when it is free.
        // Wait for the thread in the kernel (unless it has taken them since drain(): then go
        // round again). Retrying at once would spin against it for the CPU, and returning
        // would leave the requests waiting for an unrelated CQE, perhaps for ever.
        if (!this.uring.sqPoll || sqEmpty) break;
        if (this.uring.sqPending() === 0) continue;
        const ret = this.uring.waitForSqRoom();
        if (ret < 0 && ret !== -EINTR && ret !== -EAGAIN && ret !== -EBUSY) throw errnoException(ret, 'io_uring_enter');
      }
    }
    if (this.closing && this.slots.used === 0 && this.idle !== null) {
      this.idle();
      this.idle = null;
    }
    return completions;
  }

  /**
   * Blocks in io_uring_enter until at least one CQE is ready, the first
   * deadline of a queued op passes, a missed cancel is due to be sent again,
   * or `maxMs` pass, then flushes.
   */
  waitAndFlush(maxMs = Infinity): void {
    if (this.uring.closed) return;
    for (;;) {
      let ms = Math.min(maxMs, this.queuedDeadlines.size > 0 ? this.nearestDeadline() : Infinity);
      if (this.cancelRetries.size > 0) ms = Math.min(ms, this.cancelRetries.nearest());
      const ret = ms < Infinity ? this.uring.waitFor(1, ms) : this.uring.enter(0, 1, C.IORING_ENTER_GETEVENTS);
      if (ret >= 0 || ret === -EAGAIN || ret === -EBUSY || ret === -ETIME) break;
      if (ret !== -EINTR) throw errnoException(ret, 'io_uring_enter');
    }
    this.flush();
  }

  /** Milliseconds until the first deadline of a queued op. */
  private nearestDeadline(): number {
    let due = Infinity;
    for (const deadline of this.queuedDeadlines) due = Math.min(due, deadline.dueAt);
    return Math.max(0, due - performance.now());
  }

  /** Submits the pending SQEs; returns how many the kernel consumed. */
  private enterSubmit(): number {
    if (this.refreshers.length > 0) this.refresh();
    for (;;) {
      const ret = this.uring.submit();
      if (ret >= 0) {
        this.stats.enters++;
        this.stats.submitted += ret;
        return ret;
      }
      if (ret === -EINTR) continue;
      // The kernel is short of room for completions: reap first; the next flush resubmits.
      if (ret === -EAGAIN || ret === -EBUSY) return 0;
      throw errnoException(ret, 'io_uring_enter');
    }
  }

  /** Runs (and forgets) the beforeSubmit() callbacks. */
  private refresh(): void {
    const refreshers = this.refreshers;
    this.refreshers = [];
    for (const refresh of refreshers) refresh();
  }

  /** Reaps every ready CQE, including those the kernel kept aside when the CQ overflowed. */
  reapAll(): number {
    let total = 0;
    // Completions held back: by a full CQ (overflow: drained to the end), or by
    // task work that COOP_TASKRUN left for our next syscall (run once here, so
    // that a steady stream of it cannot keep the caller from its continuations).
    // A DEFER_TASKRUN ring runs a bounded batch of task work per enter (40
    // pipe reads in test/driver/submit-between-task-runs.test.ts on Linux
    // 6.18) and leaves the rest: the enter that runs the rest
    // also submits what the completions reaped so far placed (a server's
    // responses), which would otherwise wait until those of the rest had been
    // handled too. The same enter either way; the responses just leave in two
    // bursts instead of one (docs/performance.md, "Session 10: the tail at c=256").
    let taskRun = true;
    for (;;) {
      total += this.uring.reap(this.dispatch);
      // One read of the SQ flags for both questions: each read is a call into V8's runtime.
      const sqFlags = this.uring.sqFlags();
      if ((sqFlags & C.IORING_SQ_CQ_OVERFLOW) !== 0) {
        this.uring.enter(0, 0, C.IORING_ENTER_GETEVENTS);
      } else if (taskRun && (sqFlags & C.IORING_SQ_TASKRUN) !== 0) {
        taskRun = false;
        if (this.uring.sqPending() > 0) this.enterSubmit();
        else this.uring.enter(0, 0, C.IORING_ENTER_GETEVENTS);
      } else {
        break;
      }
    }
    this.stats.completed += total;
    return total;
  }

  private readonly dispatch = (slot: number, generation: number, res: number, flags: number): void => {
    const request = this.slots.lookup(slot, generation);
    if (request === undefined) {
      this.stats.stale++;
      return;
    }
    if (request.head.skipsSuccess) this.completeSkipping(request, res, flags);
    else this.complete(request, slot, res, flags);
  };

  /** Hands `request` a CQE for `slot`; `request.slot` may have moved on by the return (a multishot op that re-armed). */
  private complete(request: Request, slot: number, res: number, flags: number): void {
    if (request.complete(res, flags)) {
      this.slots.release(slot);
      if (request.cancelAgain) this.cancelRetries.take(request);
    } else if (request.cancelAgain) {
      // A multishot op posted again: its missed cancel goes now rather than at its timer.
      this.sendCancel(request, this.cancelRetries.take(request));
    }
  }

  /**
   * A CQE from a chain whose first requests skip their success CQE. Those
   * before `request` succeeded: one that failed would have posted its CQE, and
   * the kernel would have posted none for the rest of the chain
   * (REQ_F_SKIP_LINK_CQES). So they complete first, in order, with the res of
   * a success. If `request` is one of them, its CQE says it failed (a short
   * SPLICE included), and the requests after it, which the kernel fails
   * without running them or posting their CQEs, complete here as cancelled.
   */
  private completeSkipping(request: Request, res: number, flags: number): void {
    for (let r = request.head; r !== request && r.skipsSuccess; r = r.linkNext!) {
      if (this.slots.lookup(r.slot, r.generation) === r) this.complete(r, r.slot, r.spec.skipSuccess!, 0);
    }
    this.complete(request, request.slot, res, flags);
    if (!request.skipsSuccess) return;
    for (let r = request.linkNext; r !== null; r = r.linkNext) {
      if (this.slots.lookup(r.slot, r.generation) === r) this.complete(r, r.slot, -ECANCELED, 0);
    }
  }

  // ---- closing ---------------------------------------------------------------

  /**
   * Stops accepting ops, drops queued ones, cancels those in flight and
   * resolves when the kernel has given every slot back: only then may the
   * memory they pin be released and the ring be unmapped.
   */
  drainForClose(): Promise<void> {
    this.closing = true;
    const error = ringClosedError();
    const queued = this.queue.slice(this.queueHead);
    this.queue = [];
    this.queueHead = 0;
    this.dropped = 0;
    for (const head of queued) {
      for (let r: Request | null = head; r !== null; r = r.linkNext) {
        if (r.queued) {
          r.queued = false;
          this.disarm(r);
          r.discard(error);
        }
      }
    }
    for (const request of this.slots.entries()) {
      if (request instanceof InternalRequest) continue;
      request.closedUnder = true;
      this.cancel(request);
    }
    return new Promise<void>((resolve) => {
      this.idle = resolve;
      this.flush();
    });
  }
}

/** A spec's skipSuccess must be a res a CQE can carry for a success. */
function checkSkipSuccess(spec: OpSpec<unknown>, index: number): void {
  const skip = spec.skipSuccess;
  if (skip === undefined) return;
  if (typeof skip !== 'number') throw invalidArgType(`specs[${index}].skipSuccess`, 'of type number', skip);
  if (!Number.isInteger(skip) || skip < 0 || skip > 0x7fffffff) throw outOfRange(`specs[${index}].skipSuccess`, 'an integer from 0 to 2 ** 31 - 1', skip);
}
