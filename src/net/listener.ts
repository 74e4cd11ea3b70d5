// What TCP and Unix listeners share: accept() (one IORING_OP_ACCEPT), and
// `for await (const conn of listener)`, backed by ONE multishot accept
// (IORING_ACCEPT_MULTISHOT in sqe->ioprio): one SQE, a CQE per connection.
// When the kernel ends it (a CQE without IORING_CQE_F_MORE), it is armed
// again; after a resource error (EMFILE, ENFILE, ENOBUFS, ENOMEM) only after
// a pause, so that a process out of fds keeps serving the connections it has
// and starts accepting again when fds free up.
import { constants } from 'node:os';
import type { Ring } from '../driver/ring.js';
import type { Multishot, MultishotSink } from '../op/multishot.js';
import { handleClosedError } from '../sys/errors.js';
import { SOCK_CLOEXEC } from '../sys/socket-constants.js';
import { closeFdNow } from './socket.js';

const { EMFILE, ENFILE, ENOBUFS, ENOMEM, ECONNABORTED, EINTR, EAGAIN, EPERM, EPROTO } = constants.errno;
/** Errors after which accepting can succeed later: pause and re-arm. */
const TRANSIENT = new Set([-EMFILE, -ENFILE, -ENOBUFS, -ENOMEM]);
/** Errors about one connection only (it went away before it was accepted): re-arm at once. */
const SKIP = new Set([-ECONNABORTED, -EINTR, -EAGAIN, -EPERM, -EPROTO]);

/** Options for accept() and connections(). */
export interface AcceptOptions {
  /** Aborting it cancels the accept (or ends the connections() loop). */
  signal?: AbortSignal | undefined;
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

/**
 * A listening socket (TCP or Unix): accept() one connection, or iterate it for
 * connections from a multishot accept. close() stops accepting and closes the socket.
 */
export abstract class Listener<S> implements AsyncIterable<S> {
  private closing: Promise<void> | null = null;
  private readonly stop = new AbortController();
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
    return this.closing !== null;
  }

  private signalFor(signal: AbortSignal | undefined): AbortSignal {
    return signal === undefined ? this.stop.signal : AbortSignal.any([signal, this.stop.signal]);
  }

  /** Accepts one connection (IORING_OP_ACCEPT with SOCK_CLOEXEC). */
  async accept(options?: AcceptOptions): Promise<S> {
    if (this.closing !== null) throw handleClosedError('accept', 'listener');
    const fd = this.fd;
    const connFd = await this.ring.submit(
      {
        syscall: 'accept',
        prep: (uring, sqe) => uring.prepAccept(sqe, fd, 0, 0, SOCK_CLOEXEC),
        release: closeFdNow,
      },
      { signal: this.signalFor(options?.signal) },
    );
    this.stats.accepted++;
    return this.wrap(connFd);
  }

  /** Connections as they come, from one multishot accept re-armed as needed. */
  connections(options?: AcceptOptions): AsyncIterableIterator<S> {
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
    stats.arms++;
    return this.ring.multishot(
      {
        syscall: 'accept',
        prep: (uring, sqe) => uring.prepMultishotAccept(sqe, fd, 0, 0, SOCK_CLOEXEC),
        map: (res) => {
          stats.cqes++;
          return res;
        },
        // A final CQE that still carried a connection: carry on at once.
        rearm: (res) => res >= 0,
        release: closeFdNow,
      },
      { signal },
    );
  }

  /** Stops accepting (cancelling accepts in flight) and closes the socket. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.stop.abort();
      this.closing = this.afterClose();
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

const DONE: IteratorResult<never> = Object.freeze({ value: undefined, done: true });
const noop = (): void => {};

/**
 * connections(): a multishot accept read one connection at a time, re-armed
 * when the kernel ends it (at once after an error about one connection, after
 * a pause after a resource error). Written as an iterator rather than an
 * async generator: a generator's `yield` awaits the value and resumes the
 * generator through promises of its own: 3 promises (an async_hooks count) and two
 * resumptions per connection. It reads the op by callback (Multishot.read), so a
 * connection costs the one promise next() must return. Like a generator, it
 * serves overlapping next() calls one after the other.
 */
class AcceptLoop<S> implements AsyncIterableIterator<S>, MultishotSink<number> {
  private op: Multishot<number> | null = null;
  private finished = false;
  /** The next() being served (or the pause after a resource error): a next() meanwhile waits for it. */
  private busy: Promise<IteratorResult<S>> | null = null;
  /** Settle the next() being served. */
  private resolve: (result: IteratorResult<S> | Promise<IteratorResult<S>>) => void = noop;
  private reject: (error: unknown) => void = noop;
  /** The next pause after a resource error, in ms. */
  private pause = 5;

  constructor(
    private readonly listener: Listener<S>,
    private readonly signal: AbortSignal,
    private readonly arm: () => Multishot<number>,
    private readonly wrap: (fd: number) => S,
  ) {}

  next(): Promise<IteratorResult<S>> {
    if (this.busy !== null) {
      const after = (): Promise<IteratorResult<S>> => this.next();
      return this.busy.then(after, after);
    }
    if (this.finished) return Promise.resolve(DONE);
    const op = (this.op ??= this.arm());
    const step = new Promise<IteratorResult<S>>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.busy = step;
    op.read(this);
    return step;
  }

  /** A connection (MultishotSink): wraps it for the next() being served. */
  value(fd: number): void {
    const { resolve, reject } = this;
    this.busy = null;
    this.pause = 5;
    this.listener.stats.accepted++;
    try {
      resolve({ value: this.wrap(fd), done: false });
    } catch (error) {
      reject(error);
    }
  }

  /** The op ended (MultishotSink): done when cancelled or closed, else arm again, pause, or fail. */
  end(error: unknown): void {
    // Taken first: failed() may start the next step, which replaces them.
    const { resolve, reject } = this;
    this.busy = null;
    if (error === null) {
      resolve(this.finish());
      return;
    }
    // A rejection is the op's end: the next step arms a new one.
    this.op = null;
    try {
      resolve(this.failed(error as NodeJS.ErrnoException));
    } catch (thrown) {
      reject(thrown);
    }
  }

  private failed(error: NodeJS.ErrnoException): IteratorResult<S> | Promise<IteratorResult<S>> {
    const { listener } = this;
    listener.stats.cqes++;
    const errno = error.errno ?? 0;
    if (listener.closed) return this.finish();
    if (this.signal.aborted || !(SKIP.has(errno) || TRANSIENT.has(errno))) {
      this.finish();
      throw error;
    }
    if (SKIP.has(errno)) return this.next();
    listener.stats.paused++;
    listener.onPause?.(error);
    const pause = this.pause;
    this.pause = Math.min(pause * 2, 200);
    const resumed = new Promise((resolve) => setTimeout(resolve, pause)).then(() => {
      this.busy = null;
      return this.next();
    });
    this.busy = resumed;
    return resumed;
  }

  /** Stops accepting: the multishot accept is cancelled; a connection it still brings is closed. */
  return(): Promise<IteratorResult<S>> {
    this.finish();
    return Promise.resolve(DONE);
  }

  private finish(): IteratorResult<S> {
    this.finished = true;
    const op = this.op;
    this.op = null;
    if (op !== null) void op.return();
    return DONE;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
