// ringcore/time: timers that live in the kernel (IORING_OP_TIMEOUT).
import * as C from '../sys/constants.js';
import { AbortError, invalidArgType, outOfRange, timedOutException } from '../sys/errors.js';
import { defaultRing } from '../driver/default-ring.js';
import { Ring } from '../driver/ring.js';
import { kOp, type OpPromise } from '../op/op.js';
import { usesNode } from '../backend/backend.js';
import * as nodeTime from '../fallback/time.js';
import type { Multishot } from '../op/multishot.js';
import { EINVAL, ETIME } from '../sys/errno.js';
import { expireSleep, kSleep, sharedSleep, type SleepPromise } from './shared-sleep.js';

/** Options for sleep() and interval(). */
export interface TimerOptions {
  /** Aborting removes the timer from the kernel and rejects with an AbortError. */
  signal?: AbortSignal;
  /** The ring to use; this thread's default ring if not given. */
  ring?: Ring;
}

/**
 * The longest delay: a timespec made of a bigger one wrapped around (1e300 ms
 * fired at once, 1e22 ms failed with EINVAL), and past 2^53 a delay of ms is
 * not exact anyway. About 285,000 years.
 */
const MAX_MS = Number.MAX_SAFE_INTEGER;

function checkMs(ms: unknown, name = 'ms'): number {
  if (typeof ms !== 'number') throw invalidArgType(name, 'of type number', ms);
  if (!(ms >= 0 && ms <= MAX_MS)) throw outOfRange(name, `a finite number >= 0 && <= ${MAX_MS}`, ms);
  return ms;
}

/**
 * A TypeError for options that are not an object (Node's timers/promises
 * refuses them; they were ignored, a `signal` in them never seen) or a `ring`
 * that is not a Ring (it failed deep inside, with no code).
 */
function checkOptions(options: unknown): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'of type object', options);
  const { ring } = options as TimerOptions;
  if (ring !== undefined && !(ring instanceof Ring)) throw invalidArgType('options.ring', 'an instance of Ring', ring);
}

/**
 * Resolves after `ms` milliseconds from the call, never sooner and at most
 * about 1 ms later (Node's timers have the same 1 ms grain). Sleeps on one
 * ring due within a millisecond share one IORING_OP_TIMEOUT: 1000 sleeps
 * started together are one kernel timer, one wake-up and one CQE, not 1000
 * of each. An aborted sleep rejects at once, and so does one whose timeout()
 * passes (ETIMEDOUT); a timer left with no sleep is cancelled.
 */
export function sleep(ms: number, options?: TimerOptions): Promise<void> {
  checkMs(ms);
  checkOptions(options);
  const signal = options?.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  if (usesNode()) return nodeTime.sleep(ms, signal);
  if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  return sharedSleep(options?.ring ?? defaultRing(), ms, signal);
}

/**
 * A timer of its own, an op promise (timeout() needs kOp and `.queued`):
 * an IORING_OP_TIMEOUT, whose expiry (-ETIME) is its normal completion, not
 * an error. The time counts from the call: a timer that waited for room in a
 * full ring, or for synchronous code to end, is given only what is left.
 */
function ownTimer(ring: Ring, ms: number, signal: AbortSignal): OpPromise<void> {
  const submitter = ring.submitter;
  const dueAt = performance.now() + ms;
  return ring.submit<void>(
    {
      syscall: 'timeout',
      // The time left at the submit (see Submitter.beforeSubmit).
      prep: (uring, sqe, slot) => {
        uring.prepTimeout(sqe, submitter.timespec(slot, Math.max(0, dueAt - performance.now())), 0, 0);
        submitter.beforeSubmit(() => submitter.timespec(slot, Math.max(0, dueAt - performance.now())));
      },
      expect: -ETIME,
      map: () => undefined,
    },
    { signal },
  );
}

/**
 * Settles like `work`, or rejects with an ETIMEDOUT error if `ms` pass first.
 * When `work` is a ringcore op whose SQE has not been submitted yet (call
 * timeout() right where the op is started), the deadline is a kernel link
 * timeout (IORING_OP_LINK_TIMEOUT); if it is still waiting for room in the
 * ring when `ms` pass, it is dropped from the queue. For an op already
 * submitted, a kernel timer cancels it when it fires (and a JS timer, if the
 * ring is too full to take that timer at once). Either way the op keeps its
 * memory until the kernel gives it back, and an op that completed first
 * resolves with its result. Other promises cannot be cancelled: they are only
 * raced against the timer.
 */
export function timeout<T>(work: Promise<T>, ms: number, options?: { ring?: Ring }): Promise<T> {
  if (!(work instanceof Promise)) throw invalidArgType('work', 'a Promise', work);
  checkMs(ms);
  checkOptions(options);
  if (usesNode()) return nodeTime.timeout(work, ms);
  const ring = options?.ring ?? defaultRing();
  if (ring.submitter.attachDeadline(work, ms)) return work;
  const op = (work as OpPromise<T>)[kOp];
  // A sleep is no op of its own (it may share its timer), but it can be ended alone.
  const sleeping = (work as SleepPromise)[kSleep];
  const stop = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const expire = (): void => {
      if (op !== undefined) op.expire(ms);
      else if (sleeping !== undefined) expireSleep(sleeping, ms);
      else reject(timedOutException('timeout', ms));
    };
    const timer = ownTimer(ring, ms, stop.signal);
    timer.then(expire, () => {});
    // No room for the kernel timer yet: a JS timer keeps the deadline meanwhile.
    const fallback = timer[kOp]?.queued === true ? setTimeout(expire, ms) : undefined;
    const done = (): void => {
      stop.abort();
      clearTimeout(fallback);
    };
    work.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}

/** interval()'s options: the timer options and a tick count. */
export interface IntervalOptions extends TimerOptions {
  /** Stop after this many ticks (0: never). */
  count?: number;
}

/**
 * Ticks every `ms` milliseconds from one SQE (a multishot IORING_OP_TIMEOUT,
 * Linux 6.4+; older kernels get one TIMEOUT per tick), the first `ms` after
 * the call (synchronous code after it does not make it later). Yields the
 * tick number, from 1. Break out of the loop to stop.
 * next() calls made while one waits are queued, as Node's timers/promises
 * setInterval queues them: each gets a tick of its own, in order; a return()
 * made meanwhile comes after them; an abort rejects the first with an
 * AbortError and ends the others.
 */
export function interval(ms: number, options?: IntervalOptions): Multishot<number> {
  checkMs(ms);
  checkOptions(options);
  const count = options?.count ?? 0;
  if (!Number.isInteger(count) || count < 0 || count > 0xffffffff) throw outOfRange('options.count', 'an integer >= 0', count);
  if (usesNode()) return nodeTime.interval(ms, count, options?.signal) as unknown as Multishot<number>;
  const ring = options?.ring ?? defaultRing();
  const submitter = ring.submitter;
  let ticks = 0;
  // Whether the timeout in the kernel is a multishot one (else one tick per SQE, re-armed after each).
  let multishot = !singleTimeouts.has(ring);
  // Whether the current arm went to the kernel as a multishot timeout, and whether one ever ticked.
  let armedMultishot = false;
  let multishotTicked = false;
  // The first tick is due `ms` from the call; a re-armed one, `ms` from its re-arm.
  const firstDue = performance.now() + ms;
  return ring.multishot(
    {
      syscall: 'timeout',
      // After a re-arm, only the ticks still owed.
      prep: (uring, sqe, slot) => {
        const due = ticks === 0 ? firstDue : performance.now() + ms;
        armedMultishot = multishot;
        if (multishot) uring.prepTimeout(sqe, submitter.timespec(slot, ms), count === 0 ? 0 : count - ticks, C.IORING_TIMEOUT_MULTISHOT);
        else uring.prepTimeout(sqe, submitter.timespec(slot, timeLeft(due)), 0, 0);
        // The kernel reads the timespec at the submit, perhaps a turn of synchronous code later (see
        // Submitter.beforeSubmit). A multishot timeout's first expiry is its period: one submitted
        // late by LATE_ARM_MS or more is sent as a single timeout of the time left, for this tick
        // alone; the ticks after it re-arm the multishot timeout (rearm below).
        submitter.beforeSubmit(() => {
          const left = timeLeft(due);
          if (!armedMultishot) submitter.timespec(slot, left);
          else if (ms - left >= LATE_ARM_MS) {
            armedMultishot = false;
            uring.prepTimeout(sqe, submitter.timespec(slot, left), 0, 0);
          }
        });
      },
      expect: -ETIME,
      map: () => {
        if (armedMultishot) multishotTicked = true;
        return ++ticks;
      },
      rearm: (res) => {
        // Before Linux 6.4 TIMEOUT refuses IORING_TIMEOUT_MULTISHOT with EINVAL (the
        // arguments were checked above): tick with one timeout per tick, on this ring from now on.
        if (res === -EINVAL && armedMultishot && !multishotTicked) {
          singleTimeouts.add(ring);
          multishot = false;
          return true;
        }
        // The kernel ends a multishot op early, with a final tick, rather than
        // let its CQEs overflow a full CQ, and a late first arm was a single
        // timeout: start it again for the ticks to come.
        return res === -ETIME && (count === 0 || ticks < count);
      },
    },
    { signal: options?.signal },
  );
}

/**
 * How late a multishot interval's first arm may reach the kernel and stay one
 * SQE (its first tick that much late): about a scheduling delay on a loaded
 * machine, which would otherwise cost most intervals a second SQE.
 */
const LATE_ARM_MS = 5;

/** Milliseconds until `dueAt` (0 once it passed), on performance.now()'s clock. */
function timeLeft(dueAt: number): number {
  return Math.max(0, dueAt - performance.now());
}

/** Rings whose kernel refused a multishot timeout (before Linux 6.4): their intervals re-arm one timeout per tick. */
const singleTimeouts = new WeakSet<Ring>();
