// Sleeps due within a millisecond of each other share one kernel timer.
//
// A TIMEOUT per sleep made 1000 sleeps started together 1000 kernel hrtimers,
// each expiring on its own: a wake-up, a CQE and a trip through JS each (62 ms
// and 12.5 ms of CPU against Node's 5.5 ms and 0.7 ms, which shares one timer
// among timers of the same duration). Here a ring keeps groups of sleeps, one
// IORING_OP_TIMEOUT each, that resolve every sleep still waiting in them.
// A sleep joins a group that fires no sooner than it is due and in the same
// millisecond; until the group's timer is submitted (its timespec is written
// just before: Submitter.beforeSubmit), a sleep due later (by less than 1 ms
// after the group's first) moves the timer to its own due time instead. So
// 1000 sleeps started in one turn are one timer, due with the last of them.
// No sleep ends early (docs/performance.md, "1000 concurrent `sleep(1)`").

import { AbortError, timedOutException } from '../sys/errors.js';
import { ETIME } from '../sys/errno.js';
import { watchAbort } from '../op/abort-watch.js';
import type { Op } from '../op/op.js';
import type { Submitter } from '../op/submitter.js';
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

/** A ring's groups: by the millisecond of their first sleep's due time, and the last one made. */
interface RingSleeps {
  readonly groups: Map<number, Group>;
  latest: Group | null;
}

/** Sleeps on one ring due within a millisecond of each other, and the kernel timer for them all. */
class Group {
  /** Null where a waiter was aborted or timed out; emptied once the group is done. */
  waiters: (Waiter | null)[] = [];
  /** Waiters still waiting: 0 once the group is done, or emptied by aborts. */
  live = 0;
  op: Op<void> | null = null;
  /** Until its timer is submitted: its timespec is written then (Submitter.beforeSubmit), so `at` may still move. */
  open = true;

  constructor(
    readonly sleeps: RingSleeps,
    readonly submitter: Submitter,
    /** The millisecond it is filed under in `sleeps.groups`: the ceiling of `first`. */
    readonly key: number,
    /** The earliest due time of its sleeps (performance.now() time). */
    public first: number,
    /** When its timer fires: the latest due time of its sleeps. */
    public at: number,
  ) {}

  /**
   * Whether a sleep due at `due` can join: the timer fires no sooner than
   * `due` and in the same millisecond. A timer the kernel has not read yet
   * is moved later, to `due`, so long as that is under 1 ms after the
   * group's first.
   */
  takes(due: number): boolean {
    if (this.live === 0) return false;
    if (due <= this.at) {
      // Due in the millisecond it fires in: at most that late (a sleep(0) is not made to wait for a sleep(1)'s timer).
      if (Math.ceil(due) !== Math.ceil(this.at)) return false;
      if (due < this.first) this.first = due;
      return true;
    }
    if (!this.open || due - this.first >= 1) return false;
    this.at = due;
    return true;
  }

  /** The kernel timer's callback: it fired (null) or was cancelled, or the ring closed. */
  readonly done = (error: Error | null): void => {
    this.forget();
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
    this.forget();
    this.waiters = [];
    this.op!.abort(undefined);
  }

  /** No sleep joins it from now on. */
  private forget(): void {
    if (this.sleeps.groups.get(this.key) === this) this.sleeps.groups.delete(this.key);
    if (this.sleeps.latest === this) this.sleeps.latest = null;
  }
}

/** Each ring's groups. */
const ringSleeps = new WeakMap<Ring, RingSleeps>();

/** sleep() on io_uring, its arguments checked and its signal not yet aborted. */
export function sharedSleep(ring: Ring, ms: number, signal: AbortSignal | undefined): Promise<void> {
  const due = performance.now() + ms;
  let sleeps = ringSleeps.get(ring);
  if (sleeps === undefined) {
    sleeps = { groups: new Map(), latest: null };
    ringSleeps.set(ring, sleeps);
  }
  // The last group made first (sleeps started together), then the one of this millisecond (sleeps of mixed lengths).
  let group: Group | null | undefined = sleeps.latest;
  let starts = false;
  if (group === null || !group.takes(due)) {
    const key = Math.ceil(due);
    group = sleeps.groups.get(key);
    if (group === undefined || !group.takes(due)) {
      group = new Group(sleeps, ring.submitter, key, due, due);
      sleeps.groups.set(key, group);
      sleeps.latest = group;
      starts = true;
    }
  }
  const joined: Group = group;
  const index = joined.waiters.length;
  joined.live++;
  let waiter: Waiter;
  const promise: SleepPromise = new Promise<void>((resolve, reject) => {
    waiter = { resolve, reject, unwatch: null, group: joined, index };
    joined.waiters.push(waiter);
    if (signal !== undefined) waiter.unwatch = watchAbort(signal, () => joined.drop(index, new AbortError(undefined, { cause: signal.reason })));
  });
  promise[kSleep] = waiter!;
  // Started once its first waiter is in: a closed ring calls back (in a microtask) with its error.
  if (starts) startTimer(joined);
  return promise;
}

/** Makes and starts a group's kernel timer. */
function startTimer(group: Group): void {
  const submitter = group.submitter;
  // Its own op, cancelled by op.abort() when every waiter has gone: an AbortController per group would cost more.
  group.op = submitter.reusableWith<void>(
    {
      syscall: 'timeout',
      // The time left at the submit: a timer that waited for room in a full ring, or for a turn of
      // synchronous code to end, is given only that; sleeps that join the group until then may move it.
      prep: (uring, sqe, slot) => {
        uring.prepTimeout(sqe, submitter.timespec(slot, Math.max(0, group.at - performance.now())), 0, 0);
        submitter.beforeSubmit(() => {
          submitter.timespec(slot, Math.max(0, group.at - performance.now()));
          group.open = false;
        });
      },
      expect: -ETIME,
      map: () => undefined,
    },
    group.done,
  );
  submitter.startAgain(group.op);
}
