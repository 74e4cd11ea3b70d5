// What TCP and Unix listeners share: accept() (one IORING_OP_ACCEPT), and
// `for await (const conn of listener)`, backed by ONE multishot accept (its loop:
// accept-loop.ts; IORING_ACCEPT_MULTISHOT in sqe->ioprio): one SQE, a CQE per connection.
// When the kernel ends it (a CQE without IORING_CQE_F_MORE), it is armed
// again; after a resource error (EMFILE, ENFILE, ENOBUFS, ENOMEM) only after
// a pause, so that a process out of fds keeps serving the connections it has
// and starts accepting again when fds free up. An error about one connection
// is skipped; any other error ends the loop with it (as node:net emits it),
// since accepting again would fail the same way, at once, for ever. A kernel
// before 5.19 refuses the multishot flag (EINVAL): the loop is then a single
// ACCEPT re-armed after each connection.
import type { Ring } from '../driver/ring.js';
import type { Multishot } from '../op/multishot.js';
import { checkOptions } from '../op/op.js';
import { EINVAL } from '../sys/errno.js';
import { handleClosedError } from '../sys/errors.js';
import { SOCK_CLOEXEC } from '../sys/socket-constants.js';
import { AcceptLoop, type AcceptingListener, type AcceptStats } from './accept-loop.js';
import { closeFdNow } from './socket.js';

/** Rings whose kernel refused a multishot accept (before Linux 5.19): their accept loops use single accepts. */
const singleAccepts = new WeakSet<Ring>();

/** @internal For tests on a newer kernel: `ring`'s accept loops use single accepts, as after a refusal. */
export function useSingleAccepts(ring: Ring): void {
  singleAccepts.add(ring);
}

/** Options for accept() and connections(). */
export interface AcceptOptions {
  /** Aborting it cancels the accept (or ends the connections() loop). */
  signal?: AbortSignal | undefined;
}

/**
 * A listening socket (TCP or Unix): accept() one connection, or iterate it for
 * connections from a multishot accept. close() stops accepting and closes the socket.
 */
export abstract class Listener<S> implements AsyncIterable<S>, AcceptingListener {
  private closing: Promise<void> | null = null;
  private readonly stop = new AbortController();
  /**
   * Connections accepted and never handed out (a loop that ended early, an
   * aborted accept), oldest first: accept() and the next loop take them
   * first.
   */
  private readonly kept: number[] = [];
  /** Until the final CQE of every multishot accept a loop that ended early cancelled: what they still bring is kept. */
  private ending: Promise<void> | null = null;
  /** The accept loop's counters (arms, CQEs, accepted, paused), read live. */
  readonly stats: AcceptStats = { arms: 0, cqes: 0, accepted: 0, paused: 0 };
  /** Called when a resource error (EMFILE...) pauses accepting, before the pause: a server's place to say so. */
  onPause: ((error: NodeJS.ErrnoException) => void) | null = null;

  constructor(
    /** The listening socket's fd. */
    readonly fd: number,
    /** The ring its accepts run on. */
    readonly ring: Ring,
  ) {}

  /** Wraps an accepted fd. */
  protected abstract wrap(fd: number): S;

  /** Whether close() has been called. */
  get closed(): boolean {
    // Aborted first thing in close(): already true for what that abort runs at once (an accept loop whose
    // accept had not reached the kernel is told it ended, and must end, not fail with an AbortError).
    return this.stop.signal.aborted;
  }

  private signalFor(signal: AbortSignal | undefined): AbortSignal {
    return signal === undefined ? this.stop.signal : AbortSignal.any([signal, this.stop.signal]);
  }

  /** Accepts one connection (IORING_OP_ACCEPT with SOCK_CLOEXEC). */
  async accept(options?: AcceptOptions): Promise<S> {
    if (this.closing !== null) throw handleClosedError('accept', 'listener');
    checkOptions(options);
    // An ACCEPT placed while a cancelled multishot accept still runs could take a connection after one it brings.
    while (this.kept.length === 0 && this.ending !== null) {
      await this.ending;
      if (this.closing !== null) throw handleClosedError('accept', 'listener');
    }
    const kept = this.takeKept();
    const fd = this.fd;
    const connFd =
      kept >= 0
        ? kept
        : await this.ring.submit(
            {
              syscall: 'accept',
              prep: (uring, sqe) => uring.prepAccept(sqe, fd, 0, 0, SOCK_CLOEXEC),
              release: this.keep,
            },
            { signal: this.signalFor(options?.signal) },
          );
    this.stats.accepted++;
    return this.wrap(connFd);
  }

  /** @internal A connection accepted and not handed out: kept for the next accept, or closed once the listener is. */
  readonly keep = (fd: number): void => {
    if (this.closing !== null) closeFdNow(fd);
    else this.kept.push(fd);
  };

  /** @internal The oldest kept connection's fd, or -1. */
  takeKept(): number {
    return this.kept.length > 0 ? this.kept.shift()! : -1;
  }

  /** @internal Until `op` (a loop's multishot accept, cancelled) has ended, accepts wait for it: see `ending`. */
  endingUntil(op: Multishot<number>): void {
    const settled = op.settled();
    const ending: Promise<void> = Promise.all([this.ending, settled]).then(() => {
      if (this.ending === ending) this.ending = null;
    });
    this.ending = ending;
  }

  /** @internal What a new loop waits for before arming its accept (null: nothing). */
  get endingAccepts(): Promise<void> | null {
    return this.ending;
  }

  /** Connections as they come, from one multishot accept re-armed as needed. */
  connections(options?: AcceptOptions): AsyncIterableIterator<S> {
    checkOptions(options);
    const signal = this.signalFor(options?.signal);
    return new AcceptLoop(
      this,
      signal,
      () => this.arm(signal),
      (fd) => this.wrap(fd),
    );
  }

  /** connections() without options, for `for await (const conn of listener)`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<S> {
    return this.connections();
  }

  private arm(signal: AbortSignal): Multishot<number> {
    const fd = this.fd;
    const stats = this.stats;
    const ring = this.ring;
    stats.arms++;
    // Whether the SQE in the kernel now is a multishot accept (else a single ACCEPT, re-armed after each connection).
    let multishot = !singleAccepts.has(ring);
    let accepted = false;
    return ring.multishot(
      {
        syscall: 'accept',
        prep: (uring, sqe) => {
          if (multishot) uring.prepMultishotAccept(sqe, fd, 0, 0, SOCK_CLOEXEC);
          else uring.prepAccept(sqe, fd, 0, 0, SOCK_CLOEXEC);
        },
        map: (res) => {
          stats.cqes++;
          accepted = true;
          return res;
        },
        rearm: (res) => {
          // Before Linux 5.19 ACCEPT refuses IORING_ACCEPT_MULTISHOT with EINVAL, before any connection:
          // go on with single accepts (on this ring from now on). A socket that does not listen fails
          // the single accept with EINVAL too, and that ends the loop with it.
          if (res === -EINVAL && multishot && !accepted) {
            singleAccepts.add(ring);
            multishot = false;
            stats.cqes++;
            return true;
          }
          // A final CQE that still carried a connection: carry on at once.
          return res >= 0;
        },
        release: this.keep,
      },
      { signal },
    );
  }

  /** Stops accepting (cancelling accepts in flight) and closes the socket. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.stop.abort();
      this.closing = this.afterClose();
      for (const fd of this.kept.splice(0)) closeFdNow(fd);
    }
    return this.closing;
  }

  /** Releases the socket once accepting has stopped; here it closes the fd. */
  protected afterClose(): Promise<void> {
    closeFdNow(this.fd);
    return Promise.resolve();
  }

  /** close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
