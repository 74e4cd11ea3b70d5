// A multishot op: one SQE, many CQEs, read as an async iterator, or by
// callback (read(sink): no promise per value, for servers). Its life
// (and its slot, and what it pins) ends at the first CQE without
// IORING_CQE_F_MORE; `rearm` may then start it again (multishot accept and
// recv stop when the kernel runs short of something and must be re-armed).
//
// Values the reader has not asked for yet wait in a queue. With `highWater`
// that queue is bounded: once it holds that many values the op is cancelled
// in the kernel (what the kernel has not delivered stays there: a socket's
// receive queue fills and TCP's window closes on the sender), and it is armed
// again when the reader has taken the queue down to half. A reader that stops
// reading therefore holds a bounded amount of memory, and of anything the
// values hold (provided buffers), whatever its peer sends.
import * as C from '../sys/constants.js';
import { AbortError, concurrentReadError, errnoException, ringClosedInFlightError, throwLater, type ErrorContext } from '../sys/errors.js';
import { watchAbort } from './abort-watch.js';
import type { OpHost } from './op.js';
import { FIRST_FREE_BIT, Request, type RequestSpec } from './request.js';
import { ECANCELED } from '../sys/errno.js';

/** What a multishot op does, as Ring.multishot() takes it; `prep` sets the opcode's multishot flag. */
export interface MultishotSpec<T> extends RequestSpec {
  /** Where the op was pointed at, for its errors. */
  context?: ErrorContext;
  /** A negative res that is a value, not an error (a repeating timer's -ETIME). */
  expect?: number;
  /** Turns one successful CQE into a value. */
  map: (res: number, flags: number) => T;
  /**
   * Called with the res of a final CQE (one without F_MORE) that was not
   * asked for. Return true to start the op again instead of ending.
   */
  rearm?: (res: number) => boolean;
  /** Called with values that were produced but will never be read (after return() or an abort). */
  release?: (value: T) => void;
  /** Unread values at which the op is paused (cancelled, re-armed once half are read). Default: no bound. */
  highWater?: number;
}

// Multishot's yes/no states, as bits of Request.bits above Request's own, not
// fields: every idle connection holds a Multishot.
/** read() is handing queued values over: a read() from inside a sink only registers. */
const DELIVERING = FIRST_FREE_BIT;
/** The kernel posted the final CQE and nothing re-armed it. */
const ENDED = FIRST_FREE_BIT << 1;
/** The reader stopped (return(), break, abort): cancel and discard. */
const STOPPED = FIRST_FREE_BIT << 2;
/** The caller's signal aborted it: it ends with an AbortError. */
const ABORTED = FIRST_FREE_BIT << 3;
/** The op holds an SQE or slot right now. */
const ACTIVE = FIRST_FREE_BIT << 4;
/** The queue reached highWater: a cancel is on its way to the kernel. */
const PAUSING = FIRST_FREE_BIT << 5;
/** Paused: the kernel ended the op; arm() again once the reader catches up. */
const PAUSED = FIRST_FREE_BIT << 6;

/**
 * A reader that takes the values by callback (Multishot.read): no promise per
 * value. Called synchronously, from inside the reap of the CQE when the value
 * was not yet there. Neither method may throw: an exception is reported as
 * uncaught, since no caller of it could handle it.
 */
export interface MultishotSink<T> {
  /** The next value. It may call read() again before returning (the next queued value comes after it returns). */
  value(value: T): void;
  /** The op has ended: null when it simply ended (or was stopped), else its error. */
  end(error: unknown): void;
}

const DONE: IteratorResult<never> = Object.freeze({ value: undefined, done: true });

/** Gives a sink its value; what it throws is reported as uncaught (nobody here could handle it), and the caller goes on. */
function handValue<T>(sink: MultishotSink<T>, value: T): void {
  try {
    sink.value(value);
  } catch (error) {
    throwLater(error);
  }
}

/** Tells a sink the op has ended; what it throws is reported as uncaught, as in handValue. */
function handEnd(sink: MultishotSink<unknown>, error: unknown): void {
  try {
    sink.end(error);
  } catch (thrown) {
    throwLater(thrown);
  }
}

export interface MultishotHost extends OpHost {
  start(head: Request): void;
}

/**
 * Callers of settled(), by op: kept off the instance because every idle TCP
 * connection holds a Multishot (docs/net.md counts its bytes) and few ask.
 */
const settleWaiters = new WeakMap<Request, (() => void)[]>();

/**
 * next() and return() calls made while a next() was still waiting, by op, in
 * the order made: each starts when the one before it has settled, as an async
 * generator (Node's timers/promises setInterval) queues them. Off the
 * instance, as settleWaiters.
 */
const queuedCalls = new WeakMap<Request, (() => void)[]>();
/** next()'s sinks: a call is queued behind one of them, never behind a read() sink (which takes every value: refused). */
const nextSinks = new WeakSet<MultishotSink<unknown>>();

/** A multishot op: one SQE, many CQEs, each mapped to a value read with `for await`; ends at the final CQE. */
export class Multishot<T> extends Request implements AsyncIterableIterator<T> {
  /** What the op does. */
  declare readonly spec: MultishotSpec<T>;
  /** The values not yet read, from valuesHead on; made by the first value that has to wait (an idle connection has none). */
  private values: T[] | null = null;
  private valuesHead = 0;
  /** The reader waiting for a value (next()'s promise, or read()'s sink). */
  private reader: MultishotSink<T> | null = null;
  private error: unknown = null;
  private abortReason: unknown;
  /** Stops watching the caller's signal (none without one). */
  private readonly unwatch: (() => void) | undefined;
  /** Times the op was paused because its reader fell behind. */
  pauses = 0;
  /** Start-ups, the first one included: a count for examples and tests. */
  arms = 0;
  /** CQEs received over the op's life. */
  cqes = 0;

  constructor(
    private readonly host: MultishotHost,
    /** What the op does. */
    spec: MultishotSpec<T>,
    signal: AbortSignal | undefined,
  ) {
    super(spec);
    // It may wait for ever (an idle connection's recv): outside the CQ bound, or idle connections would fill it.
    this.unbounded = true;
    if (signal?.aborted) {
      // No 'abort' event will come: take the reason now, for the AbortError's cause.
      this.setBit(ABORTED, true);
      this.abortReason = signal.reason;
    } else if (signal !== undefined) {
      this.unwatch = watchAbort(signal, () => {
        this.setBit(ABORTED, true);
        this.abortReason = signal.reason;
        this.stop();
      });
    }
  }

  /** Places the op (called once by whoever creates it). */
  arm(): void {
    this.arms++;
    this.setBit(ACTIVE, true);
    this.host.start(this);
  }

  complete(res: number, flags: number): boolean {
    this.cqes++;
    const ok = res >= 0 || res === this.spec.expect;
    const more = (flags & C.IORING_CQE_F_MORE) !== 0;
    // Off before the value goes out: a reader that stops on the last value (EOF) must not cancel an op the kernel has ended.
    if (!more) this.setBit(ACTIVE, false);
    if (ok) this.push(this.spec.map(res, flags));
    if (more) return false;
    // Not stopped and not closed, a cancel can only be a pause's (even one that waited for an
    // SQE until the op had been re-armed, and so hit the new arm): pause, never end.
    const cancelled = res === -ECANCELED;
    const pausing = this.has(PAUSING) || cancelled;
    this.setBit(PAUSING, false);
    if (this.has(STOPPED)) this.end(null);
    else if (this.closedUnder) this.end(ringClosedInFlightError(this.spec.syscall));
    else if (pausing && (cancelled || this.spec.rearm?.(res) === true)) this.pause();
    else if (this.spec.rearm?.(res)) {
      // Its last value may have filled the queue (push() pauses only an op still in the kernel).
      if (this.unread >= (this.spec.highWater ?? Number.POSITIVE_INFINITY)) this.pause();
      else this.arm();
    } else this.end(ok ? null : errnoException(res, this.spec.syscall, this.spec.context));
    return true;
  }

  /** Stopped by its reader (return(), an abort) and not yet ended in the kernel: values may still come (to spec.release). */
  get stopping(): boolean {
    return this.has(STOPPED) && !this.has(ENDED);
  }

  /** Unread values in the queue. */
  get unread(): number {
    return this.values === null ? 0 : this.values.length - this.valuesHead;
  }

  /** Replaces each unread value with what `change` makes of it (a reader taking back what the values lend). */
  mapUnread(change: (value: T) => T): void {
    const values = this.values;
    if (values === null) return;
    for (let i = this.valuesHead; i < values.length; i++) values[i] = change(values[i]!);
  }

  /** The op has ended in the kernel while its reader is behind: wait for it (or carry on if it caught up meanwhile). */
  private pause(): void {
    this.setBit(PAUSED, true);
    this.pauses++;
    this.resumeIfDrained();
  }

  private resumeIfDrained(): void {
    if (this.has(PAUSED) && !this.has(STOPPED) && this.unread <= (this.spec.highWater ?? 0) >> 1) {
      this.setBit(PAUSED, false);
      this.arm();
    }
  }

  discard(error: Error | null): void {
    this.setBit(ACTIVE, false);
    // null: dropped by the caller. end() turns that into an AbortError if it was
    // an abort; after return() (a break) the iterator is simply done.
    this.end(error);
  }

  private push(value: T): void {
    if (this.has(STOPPED)) {
      this.spec.release?.(value);
    } else if (this.reader !== null && !this.has(DELIVERING)) {
      const reader = this.reader;
      this.reader = null;
      handValue(reader, value);
    } else {
      (this.values ??= []).push(value);
      const highWater = this.spec.highWater;
      if (highWater !== undefined && this.has(ACTIVE) && !this.has(PAUSING) && this.unread >= highWater) {
        // The reader fell behind: stop the kernel producing more until it catches up.
        this.setBit(PAUSING, true);
        this.host.cancel(this);
      }
    }
  }

  private end(error: unknown): void {
    if (this.has(ENDED)) return;
    this.setBit(ENDED, true);
    this.unwatch?.();
    const waiters = settleWaiters.get(this);
    if (waiters !== undefined) {
      settleWaiters.delete(this);
      for (const wake of waiters) wake();
    }
    if (this.has(ABORTED)) error = new AbortError(undefined, { cause: this.abortReason });
    this.error = error;
    if (this.reader !== null && !this.has(DELIVERING)) {
      const reader = this.reader;
      this.reader = null;
      this.error = null;
      handEnd(reader, error);
    }
  }

  /** Stops the op: cancels it in the kernel, or drops it if still queued. */
  private stop(): void {
    if (this.has(STOPPED)) return;
    this.setBit(STOPPED, true);
    const values = this.values;
    if (values !== null) {
      for (let i = this.valuesHead; i < values.length; i++) this.spec.release?.(values[i]!);
      values.length = 0;
    }
    this.valuesHead = 0;
    if (!this.has(ACTIVE)) this.end(null);
    else if (this.queued) this.host.dequeue(this);
    else this.host.cancel(this);
  }

  /**
   * The next value, or done once the op has ended; rejects with the op's
   * error. Calls made while one waits are answered after it, in order, as an
   * async generator answers them: each its own value; after an error or the
   * end, done.
   */
  next(): Promise<IteratorResult<T>> {
    return new Promise((resolve, reject) => {
      const sink: MultishotSink<T> = {
        value: (value) => {
          resolve({ value, done: false });
          this.startQueued();
        },
        end: (error) => {
          if (error === null) resolve(DONE);
          else reject(error);
          this.startQueued();
        },
      };
      nextSinks.add(sink);
      this.whenFree(() => this.read(sink));
    });
  }

  /** Runs `call` now, or, while a read is pending, after the calls queued before it. */
  private whenFree(call: () => void): void {
    const queue = queuedCalls.get(this);
    // Free, or behind a read() sink: at once (a read refuses a second reader).
    if (queue === undefined && (this.reader === null || !nextSinks.has(this.reader))) {
      call();
      return;
    }
    if (queue === undefined) queuedCalls.set(this, [call]);
    else queue.push(call);
  }

  /** A read has been answered: start the call queued next. */
  private startQueued(): void {
    const queue = queuedCalls.get(this);
    if (queue === undefined) return;
    const call = queue.shift()!;
    if (queue.length === 0) queuedCalls.delete(this);
    call();
  }

  /**
   * Hands the next value to `sink` (at once if one is queued, else when its
   * CQE is reaped), or the op's end. One read at a time: throws if a read is
   * pending. What next() does, with a callback instead of a promise.
   */
  read(sink: MultishotSink<T>): void {
    if (this.reader !== null) throw concurrentReadError();
    this.reader = sink;
    // Called from a sink below: the loop there hands over what is queued, without recursion.
    if (this.has(DELIVERING)) return;
    this.setBit(DELIVERING, true);
    try {
      for (let reader: MultishotSink<T> | null = sink; reader !== null; reader = this.reader) {
        const values = this.values;
        if (values !== null && this.valuesHead < values.length) {
          const value = values[this.valuesHead++]!;
          if (this.valuesHead === values.length) {
            values.length = 0;
            this.valuesHead = 0;
          }
          if (this.has(PAUSED)) this.resumeIfDrained();
          this.reader = null;
          // Caught, as in push(): a throw must not leave values queued behind a reader that registered (the next CQE would pass them).
          handValue(reader, value);
        } else if (this.has(ENDED) || (this.has(STOPPED) && !this.has(ABORTED))) {
          const error = this.error;
          this.error = null;
          this.reader = null;
          handEnd(reader, error);
        } else {
          break;
        }
      }
    } finally {
      this.setBit(DELIVERING, false);
    }
  }

  /**
   * Stops reading and cancels the op in the kernel; called by `break` in a
   * `for await`. Made while next() calls wait, it comes after them, as an
   * async generator's return() does (they get their values first); an abort
   * ends them all at once.
   */
  return(): Promise<IteratorResult<T>> {
    return new Promise((resolve) => {
      this.whenFree(() => {
        this.stop();
        resolve(DONE);
        this.startQueued();
      });
    });
  }

  /**
   * return() without its promise, for a reader by read() (ProvidedRecv):
   * stops the op now, unless next() calls wait (then as return(), after
   * them). True when the op has ended for good (settled() would resolve at
   * once): a recv stopped at its final CQE (EOF, an error), so its reader
   * forgets it now rather than through promises (one connection's close
   * made four, and their closures).
   */
  stopNow(): boolean {
    if (queuedCalls.has(this) || (this.reader !== null && nextSinks.has(this.reader))) void this.return();
    else this.stop();
    return this.has(ENDED);
  }

  /**
   * Resolves once the op has ended for good: its final CQE came (or it was
   * dropped before its SQE), so the kernel no longer uses what it pins, such
   * as a buffer group its owner wants to unregister. return() resolves sooner.
   */
  settled(): Promise<void> {
    if (this.has(ENDED)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = settleWaiters.get(this);
      if (waiters === undefined) settleWaiters.set(this, [resolve]);
      else waiters.push(resolve);
    });
  }

  /** The op itself. */
  [Symbol.asyncIterator](): this {
    return this;
  }
}
