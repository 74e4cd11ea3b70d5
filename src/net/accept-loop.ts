// connections()'s loop over one multishot accept (IORING_ACCEPT_MULTISHOT):
// what a listener hands out to `for await (const conn of listener)`. Its own
// file because its course after each end of the op (re-arm at once, pause and
// retry after a resource error, or end) is a concept of its own, apart from
// the listening socket and its one-shot accept() (listener.ts).
import { watchAbort } from '../op/abort-watch.js';
import type { Multishot, MultishotSink } from '../op/multishot.js';
import { AbortError } from '../sys/errors.js';
import { EAGAIN, ECONNABORTED, EINTR, EMFILE, ENFILE, ENOBUFS, ENOMEM, EPROTO } from '../sys/errno.js';

/** Errors after which accepting can succeed later: pause and re-arm. */
const TRANSIENT = new Set([-EMFILE, -ENFILE, -ENOBUFS, -ENOMEM]);
/**
 * Errors about one connection only (it went away before it was accepted, or
 * the wait for it was interrupted): re-arm at once. Not EPERM: on Linux it
 * comes from an LSM (SELinux, AppArmor, BPF) judging the listening socket and
 * the process, before any connection is taken, so it would come back at once
 * on every re-arm: a spin.
 */
const SKIP = new Set([-ECONNABORTED, -EINTR, -EAGAIN, -EPROTO]);

/** What the accept loop does after an accept failed with `errno` (negative): skip it, pause and retry, or end with it. */
export function acceptErrorCourse(errno: number): 'skip' | 'pause' | 'end' {
  return SKIP.has(errno) ? 'skip' : TRANSIENT.has(errno) ? 'pause' : 'end';
}

/** Counts for tools and examples: how many SQEs the accept loop used, and the CQEs they gave. */
export interface AcceptStats {
  /** Multishot accepts armed (1 + re-arms). */
  arms: number;
  /** CQEs received, one per accepted connection (plus the final one of each arm). */
  cqes: number;
  /** Connections accepted. */
  accepted: number;
  /** Resource errors (EMFILE...) that paused accepting. */
  paused: number;
}

/** What the loop uses of its listener (Listener, listener.ts): connections kept, accepts still ending, the counters. */
export interface AcceptingListener {
  /** Whether the listener's close() has been called. */
  readonly closed: boolean;
  readonly stats: AcceptStats;
  onPause: ((error: NodeJS.ErrnoException) => void) | null;
  /** The oldest kept connection's fd, or -1. */
  takeKept(): number;
  /** What a new loop waits for before arming its accept (null: nothing). */
  readonly endingAccepts: Promise<void> | null;
  /** A connection accepted and not handed out: kept for the next accept, or closed once the listener is. */
  keep(fd: number): void;
  /** Until `op` (a loop's multishot accept, cancelled) has ended, accepts wait for it. */
  endingUntil(op: Multishot<number>): void;
}

const DONE: IteratorResult<never> = Object.freeze({ value: undefined, done: true });

/** A next() not yet answered. */
interface Waiter<S> {
  resolve(result: IteratorResult<S>): void;
  reject(error: unknown): void;
}

/**
 * connections(): a multishot accept read one connection at a time, re-armed
 * when the kernel ends it (at once after an error about one connection, after
 * a pause after a resource error). Written as an iterator rather than an
 * async generator: a generator's `yield` awaits the value and resumes the
 * generator through promises of its own: 3 promises (an async_hooks count) and two
 * resumptions per connection. It reads the op by callback (Multishot.read), so a
 * connection costs the one promise next() must return. Like a generator, it
 * answers overlapping next() calls in the order they were made.
 */
export class AcceptLoop<S> implements AsyncIterableIterator<S>, MultishotSink<number> {
  private op: Multishot<number> | null = null;
  private finished = false;
  /** The next() calls not yet answered, oldest first; the first is being served. */
  private readonly waiting: Waiter<S>[] = [];
  /** The op holds this sink (a read is pending). */
  private reading = false;
  /** The pause after a resource error, while it runs. */
  private paused: NodeJS.Timeout | null = null;
  /** Stops watching the signal for a close() or an abort during the pause (the listener closed: done; else an AbortError, as the op ends with). */
  private unwatchPause: (() => void) | null = null;
  /** The next pause after a resource error, in ms. */
  private pause = 5;

  constructor(
    private readonly listener: AcceptingListener,
    private readonly signal: AbortSignal,
    private readonly arm: () => Multishot<number>,
    private readonly wrap: (fd: number) => S,
  ) {}

  next(): Promise<IteratorResult<S>> {
    if (this.finished) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (this.waiting.length === 1) this.serve();
    });
  }

  /** Reads the next connection for the oldest waiting next(): one a loop before this one left first. */
  private serve(): void {
    this.reading = true;
    if (this.op === null) {
      const { listener } = this;
      const kept = listener.takeKept();
      if (kept >= 0) {
        this.value(kept);
        return;
      }
      const ending = listener.endingAccepts;
      if (ending !== null && !listener.closed) {
        void ending.then(() => {
          this.reading = false;
          if (this.finished) this.stop(null);
          else this.serve();
        });
        return;
      }
    }
    (this.op ??= this.arm()).read(this);
  }

  /** A connection (MultishotSink): wraps it for the oldest waiting next(), then serves the next one. */
  value(fd: number): void {
    this.reading = false;
    const waiter = this.waiting.shift();
    if (waiter === undefined) {
      // Brought after the loop ended (return()): the next accept takes it.
      this.listener.keep(fd);
      return;
    }
    this.pause = 5;
    this.listener.stats.accepted++;
    try {
      waiter.resolve({ value: this.wrap(fd), done: false });
    } catch (error) {
      waiter.reject(error);
    }
    if (this.waiting.length > 0 && !this.finished) this.serve();
  }

  /** The op ended (MultishotSink): done when cancelled or closed, else arm again, pause, or fail. */
  end(error: unknown): void {
    this.reading = false;
    const { listener } = this;
    // A rejection is the op's end: the next read arms a new one.
    if (error !== null) {
      this.op = null;
      listener.stats.cqes++;
    }
    if (error === null || listener.closed || this.finished) {
      this.stop(null);
      return;
    }
    const course = this.signal.aborted ? 'end' : acceptErrorCourse((error as NodeJS.ErrnoException).errno ?? 0);
    if (course === 'end') this.stop(error);
    else if (course === 'skip') this.serve();
    else this.pauseAfter(error as NodeJS.ErrnoException);
  }

  /** A resource error (EMFILE...): says so, and reads again after a pause that doubles each time, up to 200 ms. */
  private pauseAfter(error: NodeJS.ErrnoException): void {
    const { listener } = this;
    listener.stats.paused++;
    listener.onPause?.(error);
    const pause = this.pause;
    this.pause = Math.min(pause * 2, 200);
    this.paused = setTimeout(() => {
      this.endPause();
      this.serve();
    }, pause);
    // No op in the kernel meanwhile to tell the waiting next() calls: close() or an abort ends them here.
    this.unwatchPause = watchAbort(this.signal, () => {
      if (this.endPause()) this.stop(this.listener.closed ? null : new AbortError(undefined, { cause: this.signal.reason }));
    });
  }

  /** Ends the pause, if one runs; false if none did. */
  private endPause(): boolean {
    if (this.paused === null) return false;
    clearTimeout(this.paused);
    this.paused = null;
    this.unwatchPause?.();
    this.unwatchPause = null;
    return true;
  }

  /** Stops accepting: the multishot accept is cancelled; a connection it still brings is closed. */
  return(): Promise<IteratorResult<S>> {
    this.finish();
    // Waiting in a pause, or with no read pending: nothing will end them but this. Else the op's end will.
    if (this.endPause() || !this.reading) this.stop(null);
    return Promise.resolve(DONE);
  }

  /** Ends the loop: the oldest waiting next() rejects with `error` (if any), the others are done. */
  private stop(error: unknown): void {
    this.finish();
    const waiting = this.waiting.splice(0);
    for (let i = 0; i < waiting.length; i++) {
      if (i === 0 && error !== null) waiting[i]!.reject(error);
      else waiting[i]!.resolve(DONE);
    }
  }

  private finish(): void {
    this.finished = true;
    const op = this.op;
    this.op = null;
    if (op !== null) {
      void op.return();
      this.listener.endingUntil(op);
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
