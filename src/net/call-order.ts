// A stream's writes (and its write-side shutdown) start one at a time, in the
// order they were called, and so do its reads. The kernel keeps no order
// between two ops in flight on one socket: each SEND that finds the socket
// full waits for room on its own, the kernel retries the one that waited
// last first, and their bytes interleave; a SHUTDOWN placed behind a waiting
// SEND overtakes it, so the peer reads EOF before the data (and the SEND
// fails with EPIPE); of two RECVs waiting, the later gets the first bytes.
// node:net queues a socket's writes the same way. A call that finds nothing
// ahead of it starts at once, so awaited calls pay one promise reaction, and
// nothing else is made for it (no closure, no queue).
import { AbortError } from '../sys/errors.js';
import { abortedBy, type OpOptions } from '../op/op.js';

/** A call that waits for the one ahead of it. */
interface Waiting {
  start: () => Promise<unknown>;
  resolve: (result: Promise<unknown>) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** What the caller marked the call with (run()'s `tag`), for tail. */
  tag: unknown;
}

export class CallOrder {
  /** Whether a call has started and not yet settled. */
  private busy = false;
  /** The calls that wait, oldest first: made by the first that has to (most streams never overlap two calls). */
  private waiting: Waiting[] | null = null;
  private readonly release = (): void => {
    this.busy = false;
    this.startNext();
  };

  /** Whether a call has started and not settled, or waits. */
  get active(): boolean {
    return this.busy || this.waiting !== null;
  }

  /**
   * Whether a call made now starts at once: then the caller starts it and
   * hands it to started(), and makes no closure for a start that waits.
   */
  get idle(): boolean {
    return !this.busy && this.waiting === null;
  }

  /** A call started at once (idle was true): the calls made after it wait for it to settle. */
  started<T>(call: Promise<T>): Promise<T> {
    this.busy = true;
    call.then(this.release, this.release);
    return call;
  }

  /** The tag of the last call that waits (see run()), or undefined when none waits. */
  get tail(): unknown {
    const waiting = this.waiting;
    return waiting === null ? undefined : waiting[waiting.length - 1]!.tag;
  }

  /**
   * Runs `start` now if no call is in progress, else once every call made
   * before it has settled. Bad options throw now either way; an abort while
   * it waits rejects it at once, and it never starts. `tag` marks a call that
   * waits, for tail: a caller can add to the last call rather than queue one more.
   */
  run<T>(start: () => Promise<T>, options: OpOptions | undefined, tag?: unknown): Promise<T> {
    // Checked before a call that starts at once too: a start that sends nothing (an empty writev) never checks them.
    const aborted = abortedBy(options);
    if (aborted !== null) return Promise.reject(aborted);
    const signal = options?.signal;
    if (this.idle) return this.started(start());
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = { start, resolve: resolve as Waiting['resolve'], reject, signal, onAbort: undefined, tag };
      if (signal !== undefined) {
        entry.onAbort = () => {
          const waiting = this.waiting;
          const at = waiting === null ? -1 : waiting.indexOf(entry);
          if (at >= 0) waiting!.splice(at, 1);
          if (waiting?.length === 0) this.waiting = null;
          reject(new AbortError(undefined, { cause: signal.reason }));
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      (this.waiting ??= []).push(entry);
    });
  }

  private startNext(): void {
    const waiting = this.waiting;
    if (waiting === null) return;
    const entry = waiting.shift()!;
    if (waiting.length === 0) this.waiting = null;
    if (entry.onAbort !== undefined) entry.signal!.removeEventListener('abort', entry.onAbort);
    try {
      entry.resolve(this.started(entry.start()));
    } catch (error) {
      entry.reject(error);
      this.startNext();
    }
  }
}
