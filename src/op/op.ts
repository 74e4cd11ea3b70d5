// An operation in flight: one request whose final CQE settles a promise, or
// calls a callback (Submitter.submitWith: no promise, for servers' sends).
// Most ops post one CQE. Some post more: SEND_ZC posts its result, then a
// notification once the kernel has let go of the buffer. The first CQE holds
// the result; the op keeps its slot, and with it every pin, until the CQE
// without IORING_CQE_F_MORE, and settles only then (spec.update sees the rest).
import { IORING_CQE_F_MORE } from '../sys/constants.js';
import {
  AbortError,
  errnoException,
  invalidArgType,
  linkBrokenException,
  outOfRange,
  rejectAtCaller,
  reusableOpInFlightError,
  ringClosedInFlightError,
  stackless,
  throwLater,
  timedOutException,
  userErrno,
  type ErrorContext,
} from '../sys/errors.js';
import { watchAbort } from './abort-watch.js';
import { LinkTimeout } from './link-timeout.js';
import { FIRST_FREE_BIT, Request, type RequestSpec } from './request.js';
import { ECANCELED, EINTR } from '../sys/errno.js';

/** What the op layer needs from whoever places requests. */
export interface OpHost {
  /** Submits an ASYNC_CANCEL for a request that has its SQE. */
  cancel(target: Request): void;
  /** Drops a request that is still queued for room (and its chain). */
  dequeue(target: Request): void;
  /** Writes a timespec of `ms` into the slot's scratch memory; returns its address. */
  timespec(slot: number, ms: number): number;
  /** Calls `refresh` just before the next submit (a timer's timespec is rewritten with the time left then). */
  beforeSubmit(refresh: () => void): void;
}

/** What an op is: its SQE, what it pins, and how its result reads. */
export interface OpSpec<T = number> extends RequestSpec {
  /** path/dest/address/port for errors. */
  context?: ErrorContext;
  /** Turns a successful res into the promised value. Default: res itself. */
  map?: (res: number, flags: number) => T;
  /** A negative res that is not an error (a timer's -ETIME). */
  expect?: number;
  /**
   * For ops whose result is a resource (an fd from open or accept): called
   * with a result that nobody will receive because the caller aborted.
   */
  release?: (res: number) => void;
  /**
   * For ops that post more than one CQE: called with each CQE after the
   * first (the result), such as SEND_ZC's notification (IORING_CQE_F_NOTIF).
   * The op settles on the CQE without IORING_CQE_F_MORE, with the first's res.
   */
  update?: (res: number, flags: number) => void;
  /**
   * Called once when the op settles, fulfilled or rejected, before any
   * reaction to its promise runs: lets a handle count its ops in flight
   * without a promise of its own per op.
   */
  settled?: () => void;
}

/** Options for one op: an abort signal and a deadline. */
export interface OpOptions {
  /** Aborting cancels the op in the kernel (IORING_OP_ASYNC_CANCEL). */
  signal?: AbortSignal | undefined;
  /**
   * A deadline in ms from the call, time spent waiting for room in the ring
   * included: enforced by the kernel with IORING_OP_LINK_TIMEOUT (given the
   * time left) once the op has its SQE, and by a timer before that.
   */
  timeout?: number | undefined;
}

/** Checks an op's options (TypeError/RangeError) and gives their signal. */
export function checkOptions(options: OpOptions | undefined): AbortSignal | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'an object', options);
  const { signal, timeout } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  if (timeout !== undefined) {
    if (typeof timeout !== 'number') throw invalidArgType('options.timeout', 'of type number', timeout);
    if (!(timeout >= 0) || !Number.isFinite(timeout)) throw outOfRange('options.timeout', 'a finite number >= 0', timeout);
  }
  return signal;
}

/**
 * checkOptions() for a call that may start no op (an empty read or write, or
 * one that waits its turn): the AbortError it rejects with now, else null.
 */
export function abortedBy(options: OpOptions | undefined): AbortError | null {
  const signal = checkOptions(options);
  return signal?.aborted === true ? new AbortError(undefined, { cause: signal.reason }) : null;
}

/**
 * How an op settled by callback reports, once: (null, value), or (error)
 * with the same Node-style error its promise would reject with. Called from
 * the reap of its CQE (or, for an op that never got an SQE, in a microtask
 * after it was dropped: never before submitWith returns); it must not throw
 * (an exception is reported as uncaught).
 */
export type OpCallback<T> = (error: Error | null, value?: T) => void;

/** The key under which an OpPromise holds its Op. */
export const kOp = Symbol('ringcore.op');

/** A promise for an op; `[kOp]` reaches the op behind it. */
export type OpPromise<T> = Promise<T> & {
  /** The op behind the promise. */
  [kOp]?: Op<T>;
};

// The promise executors, shared by every op: a closure per op would cost an allocation.
// An op keeps only its resolve (failures go through it too: see fail()).
let capturedResolve: (value: never) => void = () => {};
let capturedReject: (error: unknown) => void = () => {};
function captureResolve(resolve: (value: never) => void): void {
  capturedResolve = resolve;
}
function captureReject(_: unknown, reject: (error: unknown) => void): void {
  capturedReject = reject;
}

// Op.bits, above Request's.
/** The promise has settled. */
const SETTLED = FIRST_FREE_BIT;
/** The caller aborted; the op settles once the kernel gives it back. */
const ABORTED = FIRST_FREE_BIT << 1;
/** Not the first op of its chain: an ECANCELED means an earlier link failed. */
const LINKED_AFTER = FIRST_FREE_BIT << 2;
/** The first of its own CQEs (the result) came. */
const RESULT_SEEN = FIRST_FREE_BIT << 3;
/** Its own final CQE came. */
const OWN_DONE = FIRST_FREE_BIT << 4;
/** Its deadline's CQE came. */
const DEADLINE_DONE = FIRST_FREE_BIT << 5;
/** Made by Submitter.reusableWith: started again, once settled, by Submitter.startAgain. */
const REUSABLE = FIRST_FREE_BIT << 6;

/** A one-shot op: one SQE whose CQE settles `promise` (or calls `callback`) with the spec's mapped result, or an errno error. */
export class Op<T = number> extends Request {
  declare readonly spec: OpSpec<T>;
  /** Settles with the op's result once the kernel gives it back; null for an op settled by callback. */
  readonly promise: OpPromise<T> | null = null;
  private readonly resolve: ((value: T) => void) | null = null;
  private res = 0;
  private flags = 0;
  /** The op's IORING_OP_LINK_TIMEOUT, when it was given a timeout. */
  deadline: LinkTimeout | null = null;
  /** Set by expire(): the ms after which a timer (not a link timeout) cancelled the op. */
  private expiredAfter = -1;
  /** How to stop watching the caller's signal and, once aborted, its reason: only ops given a signal have one. */
  private abortLink: { unwatch: () => void; reason: unknown } | null = null;

  constructor(
    private readonly host: OpHost,
    /** What the op does: its syscall name, SQE prep, pinned memory and result mapping. */
    spec: OpSpec<T>,
    signal: AbortSignal | undefined,
    /** Settles the op instead of a promise: none is made. */
    private readonly callback: OpCallback<T> | null = null,
  ) {
    super(spec);
    if (callback === null) {
      this.promise = new Promise<T>(captureResolve);
      this.resolve = capturedResolve as (value: T) => void;
      this.promise[kOp] = this;
    }
    // Out of line: the constructor is inlined into every op's start, and V8 inlines a bounded amount of bytecode per function.
    if (signal !== undefined) this.watch(signal);
  }

  /** Watches the caller's signal: aborting it aborts the op. */
  private watch(signal: AbortSignal): void {
    this.abortLink = { unwatch: watchAbort(signal, () => this.abort(signal.reason)), reason: undefined };
  }

  /** Whether `promise` has settled. */
  get settled(): boolean {
    return (this.bits & SETTLED) !== 0;
  }

  /** Set when the caller aborted; the op settles once the kernel gives it back. */
  get aborted(): boolean {
    return (this.bits & ABORTED) !== 0;
  }

  /** Not the first op of its chain: an ECANCELED means an earlier link failed. */
  get linkedAfter(): boolean {
    return (this.bits & LINKED_AFTER) !== 0;
  }
  /** @internal */
  set linkedAfter(on: boolean) {
    this.setBit(LINKED_AFTER, on);
  }

  /**
   * @internal Makes a callback op without signal or deadline reusable
   * (Submitter.reusableWith): it starts out settled, that is idle.
   */
  makeReusable(): void {
    this.bits |= REUSABLE | SETTLED;
  }

  /**
   * @internal Readies a reusable op to be placed again: its state is that of
   * a new op. Throws unless it is reusable and settled (not queued, holding no
   * slot it will be called back for). Its slot and generation are the next
   * placing's own, so a late CQE for an earlier start is stale.
   */
  rearm(): void {
    if ((this.bits & (REUSABLE | SETTLED)) !== (REUSABLE | SETTLED)) throw reusableOpInFlightError(this.spec.syscall);
    // res and flags need no reset: the first CQE of the start writes them before anything reads them.
    this.bits = REUSABLE;
  }

  /** The caller gave up: cancel in the kernel, or drop if not yet placed. */
  abort(reason: unknown): void {
    if (this.settled || this.aborted) return;
    this.bits |= ABORTED;
    if (this.abortLink !== null) this.abortLink.reason = reason;
    if (this.queued) this.host.dequeue(this);
    else this.cancelInKernel();
  }

  /** A deadline passed: cancel the op; it rejects with ETIMEDOUT unless it completed first. */
  expire(ms: number): void {
    if (this.settled || this.aborted || this.expiredAfter >= 0) return;
    this.expiredAfter = ms;
    if (this.queued) {
      this.host.dequeue(this);
    } else {
      this.cancelInKernel();
    }
  }

  /**
   * An ASYNC_CANCEL, unless the result came already: an Op has one result (a multishot op is a Multishot),
   * so it then waits only for a later CQE (SEND_ZC's notification, when the peer has taken the bytes),
   * which no cancel brings sooner. Each would miss (-ENOENT) and be sent again while the op holds its
   * slot, for as long as the peer does not read.
   */
  private cancelInKernel(): void {
    if ((this.bits & RESULT_SEEN) === 0) this.host.cancel(this);
  }

  /** Adds a kernel-enforced deadline; the op must not be placed yet. */
  withDeadline(ms: number): void {
    this.deadline = new LinkTimeout(this, this.host, ms);
    this.deadline.linkNext = this.linkNext;
    this.linkNext = this.deadline;
  }

  complete(res: number, flags: number): boolean {
    if ((this.bits & RESULT_SEEN) === 0) {
      this.bits |= RESULT_SEEN;
      this.res = res;
      this.flags = flags;
    } else {
      this.spec.update?.(res, flags);
    }
    // More CQEs will come to this slot: keep it, and what the op pins, until the last.
    if ((flags & IORING_CQE_F_MORE) !== 0) return false;
    this.bits |= OWN_DONE;
    if (this.deadline === null || (this.bits & DEADLINE_DONE) !== 0) this.settle();
    return true;
  }

  /** The deadline's CQE: -ETIME when it fired and cancelled the op. */
  deadlineDone(): void {
    this.bits |= DEADLINE_DONE;
    if ((this.bits & OWN_DONE) !== 0) this.settle();
  }

  discard(error: Error | null): void {
    if (this.settled) return;
    this.finish();
    if (error === null && this.expiredAfter >= 0) error = timedOutException(this.spec.syscall, this.expiredAfter, this.spec.context);
    const failure = error ?? this.abortError();
    // Dropped where it was started (a closed ring, a prep that threw): a callback must not
    // run inside submitWith, whose caller has not yet set up for it (a promise never would).
    if (this.callback !== null) queueMicrotask(() => this.call(failure));
    else this.fail(failure);
  }

  private finish(): void {
    this.bits |= SETTLED;
    this.abortLink?.unwatch();
    this.spec.settled?.();
  }

  private settle(): void {
    if (this.settled) return;
    this.finish();
    const { res, spec } = this;
    if (res >= 0 || (res === spec.expect && res !== -ECANCELED)) {
      if (this.aborted && spec.release !== undefined && res >= 0) {
        // Nobody will take this fd: give it back rather than leak it.
        spec.release(res);
        this.fail(this.abortError());
        return;
      }
      // Even when aborted: the op completed first, and its result is not thrown away.
      let value: T;
      try {
        value = spec.map === undefined ? (res as T) : spec.map(res, this.flags);
      } catch (error) {
        this.fail(error);
        return;
      }
      if (this.resolve !== null) this.resolve(value);
      else this.call(null, value);
      return;
    }
    // A promise's rejection takes its stack at the caller (fail()); a callback's where it is made.
    this.fail(this.callback === null ? stackless(() => this.failure(res, spec)) : this.failure(res, spec));
  }

  /** Calls the callback of an op settled by one; what it throws cannot interrupt the reap. */
  private call(error: Error | null, value?: T): void {
    try {
      this.callback!(error, value);
    } catch (thrown) {
      throwLater(thrown);
    }
  }

  /** The error a failed CQE (res < 0) becomes. */
  private failure(kernelRes: number, spec: OpSpec<T>): Error {
    const res = userErrno(kernelRes);
    if ((res === -ECANCELED || res === -EINTR) && this.aborted) return this.abortError();
    if (this.closedUnder) return ringClosedInFlightError(spec.syscall, errnoException(res, spec.syscall, spec.context));
    if (res === -ECANCELED && this.deadline?.fired) return timedOutException(spec.syscall, this.deadline.ms, spec.context);
    if ((res === -ECANCELED || res === -EINTR) && this.expiredAfter >= 0) return timedOutException(spec.syscall, this.expiredAfter, spec.context);
    if (res === -ECANCELED && this.linkedAfter) return linkBrokenException(spec.syscall, spec.context);
    return errnoException(res, spec.syscall, spec.context);
  }

  /**
   * Rejects the op's promise with `error`, whose stack is taken on the way:
   * the promise is resolved with `later.then(undefined, rejectAtCaller)`, and
   * `later` rejected only then, so that when rejectAtCaller runs, V8 can
   * follow the chain from it through this promise to the async functions
   * awaiting it (`at async <caller>`), as Node's fs/promises errors show.
   * A success pays nothing for this.
   */
  private fail(error: unknown): void {
    if (this.resolve === null) {
      this.call(error as Error);
      return;
    }
    const later = new Promise<never>(captureReject);
    const rejectLater = capturedReject;
    this.resolve(later.then(undefined, rejectAtCaller) as unknown as T);
    rejectLater(error);
  }

  private abortError(): AbortError {
    return new AbortError(undefined, { cause: this.abortLink?.reason });
  }
}
