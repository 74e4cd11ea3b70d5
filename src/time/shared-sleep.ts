// Sleeps due in the same millisecond share one kernel timer.
//
// A TIMEOUT per sleep made 1000 sleeps started together 1000 kernel hrtimers,
// each expiring on its own: a wake-up, a CQE and a trip through JS each (62 ms
// and 12.5 ms of CPU against Node's 5.5 ms and 0.7 ms, which shares one timer
// among timers of the same duration). Here a ring keeps one group per due
// millisecond (the ceiling of performance.now() + ms): one IORING_OP_TIMEOUT,
// due when the first of them is or at the end of the millisecond, that
// resolves every sleep still waiting in it. No sleep ends early.

import { AbortError, timedOutException } from '../sys/errors.js';
import { ETIME } from '../sys/errno.js';
import { watchAbort } from '../op/abort-watch.js';
import type { Op } from '../op/op.js';
import type { Ring } from '../driver/ring.js';

/** One sleep waiting in a group, at `index`; `unwatch` stops watching its signal, if it gave one. */
interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
  unwatch: (() => void) | null;
  group: Group;
  index: number;
}

/** On a sleep's promise, its waiter: timeout() ends that sleep alone when its deadline passes. */
export const kSleep = Symbol('ringcore.sleep');

/** A promise from sharedSleep(). */
export type SleepPromise = Promise<void> & { [kSleep]?: Waiter };

/** timeout()'s deadline passed: the sleep rejects with ETIMEDOUT, and its timer is cancelled if no sleep is left on it. */
export function expireSleep(waiter: Waiter, ms: number): void {
  waiter.group.drop(waiter.index, timedOutException('timeout', ms));
}

/** The sleeps due in one millisecond on one ring, and the kernel timer for them all. */
class Group {
  /** Null where a waiter was aborted or timed out; emptied once the group is done. */
  waiters: (Waiter | null)[] = [];
  /** Waiters still waiting: 0 once the group is done, or emptied by aborts. */
  live = 0;
  op: Op<void> | null = null;

  constructor(
    readonly groups: Map<number, Group>,
    /** The millisecond it is filed under in `groups`: the ceiling of its sleeps' due times. */
    readonly due: number,
    /** When its timer fires (performance.now() time): no sleep due later may join. */
    readonly at: number,
  ) {}

  /** The kernel timer's callback: it fired (null) or was cancelled, or the ring closed. */
  readonly done = (error: Error | null): void => {
    if (this.groups.get(this.due) === this) this.groups.delete(this.due);
    // Emptied by aborts, its timer cancelled: nobody to tell.
    if (this.live === 0) return;
    this.live = 0;
    const waiters = this.waiters;
    // Let go of the waiters at once: kept, they (and each sleep's promise and callers) lived on
    // through the young-generation GCs, and a batch of 1000 sleeps cost 2-3x the CPU in GC.
    this.waiters = [];
    for (const waiter of waiters) {
      if (waiter === null) continue;
      waiter.unwatch?.();
      if (error === null) waiter.resolve();
      else waiter.reject(error);
    }
  };

  /** Waiter `index` was aborted or timed out: reject it alone; the last one gone cancels the timer. */
  drop(index: number, error: Error): void {
    if (this.live === 0) return;
    const waiter = this.waiters[index];
    if (waiter === null || waiter === undefined) return;
    this.waiters[index] = null;
    waiter.unwatch?.();
    waiter.reject(error);
    if (--this.live > 0) return;
    if (this.groups.get(this.due) === this) this.groups.delete(this.due);
    this.waiters = [];
    this.op!.abort(undefined);
  }
}

/** Each ring's groups, by due millisecond. */
const ringGroups = new WeakMap<Ring, Map<number, Group>>();

/** sleep() on io_uring, its arguments checked and its signal not yet aborted. */
export function sharedSleep(ring: Ring, ms: number, signal: AbortSignal | undefined): Promise<void> {
  const due = performance.now() + ms;
  const key = Math.ceil(due);
  let groups = ringGroups.get(ring);
  if (groups === undefined) {
    groups = new Map();
    ringGroups.set(ring, groups);
  }
  let group: Group | undefined = groups.get(key);
  const starts = group === undefined || due > group.at;
  if (starts) {
    // The first sleep of a millisecond gets a timer at its own due time (a lone sleep(1) is not
    // made later); one due later in that millisecond starts a group at its end, which the rest join.
    group = new Group(groups, key, group === undefined ? due : key);
    groups.set(key, group);
  }
  const joined = group!;
  const index = joined.waiters.length;
  joined.live++;
  let waiter: Waiter;
  const promise: SleepPromise = new Promise<void>((resolve, reject) => {
    waiter = { resolve, reject, unwatch: null, group: joined, index };
    joined.waiters.push(waiter);
    if (signal !== undefined) waiter.unwatch = watchAbort(signal, () => joined.drop(index, new AbortError(undefined, { cause: signal.reason })));
  });
  promise[kSleep] = waiter!;
  // Started once its first waiter is in: a closed ring may call back at once.
  if (starts) {
    const submitter = ring.submitter;
    // Its own op, cancelled by op.abort() when every waiter has gone: an AbortController per group would cost more.
    joined.op = submitter.reusableWith<void>(
      {
        syscall: 'timeout',
        // The time left at the submit: a timer that waited for room in a full ring, or for a turn of
        // synchronous code to end, is given only that.
        prep: (uring, sqe, slot) => {
          uring.prepTimeout(sqe, submitter.timespec(slot, Math.max(0, joined.at - performance.now())), 0, 0);
          submitter.beforeSubmit(() => submitter.timespec(slot, Math.max(0, joined.at - performance.now())));
        },
        expect: -ETIME,
        map: () => undefined,
      },
      joined.done,
    );
    submitter.startAgain(joined.op);
  }
  return promise;
}
