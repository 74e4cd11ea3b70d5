// Ring: an io_uring instance with ops, promises and a driver. What users hold.
import * as C from '../sys/constants.js';
import { invalidArgType, RingcoreError, ringClosedError } from '../sys/errors.js';
import { IoUring, checkIoUringOptions, type IoUringOptions } from '../ring/io-uring.js';
import type { OpCallback, OpOptions, OpPromise, OpSpec } from '../op/op.js';
import { Multishot, type MultishotSpec } from '../op/multishot.js';
import { Submitter, type SubmitterStats } from '../op/submitter.js';
import { traceFromEnvironment } from '../trace/env.js';
import type { Driver } from './driver.js';
import { EventLoopDriver } from './event-loop.js';
import { ExecutorDriver } from './executor.js';
import { ioUringRequired, usesNode } from '../backend/backend.js';
import { nodeRing } from '../backend/node-ring.js';

/** How to set up a Ring: the IoUring options (entries, cqEntries, sqPoll, flags, preferFlags). */
export type RingOptions = IoUringOptions;

/** This thread's open rings (module state is per isolate): run() must know whether another one is busy. */
const openRings = new Set<Ring>();

const NOP: OpSpec<void> = {
  syscall: 'nop',
  prep: (uring, sqe) => uring.prepNop(sqe),
  map: () => undefined,
};

/**
 * An io_uring ring with its submitter and driver: starts ops and settles their
 * promises from the completions. Close it (or `await using`) to release the ring.
 */
export class Ring {
  /** The io_uring instance (layer 1): raw SQEs, CQEs, register, probe. */
  readonly uring!: IoUring;
  /** Places ops and routes their completions (layer 2). */
  readonly submitter!: Submitter;
  private driver!: Driver;
  private closing: Promise<void> | null = null;
  private running = false;

  constructor(options: RingOptions = {}) {
    if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'an object', options);
    checkIoUringOptions(options);
    if (usesNode()) {
      if (options.sqPoll) throw ioUringRequired('SQPOLL');
      // biome-ignore lint/correctness/noConstructorReturn: the node backend's Ring has no kernel ring behind it (src/backend/node-ring.ts)
      return nodeRing<Ring>(Ring.prototype);
    }
    traceFromEnvironment();
    this.uring = new IoUring(options);
    this.submitter = new Submitter(this.uring);
    this.driver = new EventLoopDriver(this.submitter);
    openRings.add(this);
  }

  /** IORING_OP_NOP: does nothing in the kernel; the cost of one trip through the ring. */
  nop(options?: OpOptions): Promise<void> {
    return this.submitter.submit(NOP, options);
  }

  /** Starts any op: `spec.prep` fills the SQE (see IoUring's prep* helpers). */
  submit<T = number>(spec: OpSpec<T>, options?: OpOptions): OpPromise<T> {
    return this.submitter.submit(spec, options);
  }

  /**
   * submit() settled by callback: `done(null, value)` or `done(error)`,
   * called once from the reap of the op's CQE; no promise is made.
   */
  submitWith<T = number>(spec: OpSpec<T>, done: OpCallback<T>, options?: OpOptions): void {
    this.submitter.submitWith(spec, done, options);
  }

  /**
   * Starts ops chained with IOSQE_IO_LINK, in one submit: each runs after the
   * previous one succeeded; after a failure the rest reject with ECANCELED.
   * `options.timeout` puts a link timeout on the last op.
   */
  link(specs: OpSpec<unknown>[], options?: OpOptions): Promise<unknown>[] {
    if (!Array.isArray(specs)) throw invalidArgType('specs', 'an array', specs);
    return this.submitter.submitLinked(specs, options);
  }

  /** Starts a multishot op, read with `for await`. Breaking out of the loop cancels it. */
  multishot<T>(spec: MultishotSpec<T>, options?: { signal?: AbortSignal }): Multishot<T> {
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
    const op = new Multishot(this.submitter, spec, signal);
    if (signal?.aborted) op.discard(null);
    else op.arm();
    return op;
  }

  /** Whether the running kernel supports an opcode: `IORING_OP_READ` (the number) or its name, 'READ'. */
  supports(op: number | string): boolean {
    if (typeof op === 'string') {
      const value = (C.OPCODES as Record<string, number>)[op.replace(/^IORING_OP_/, '')];
      if (value === undefined) throw invalidArgType('op', `an IORING_OP_* opcode or its name`, op);
      return this.uring.supports(value);
    }
    if (typeof op !== 'number') throw invalidArgType('op', 'a number or a string', op);
    return this.uring.supports(op);
  }

  /** Ops holding a slot (in the kernel, or about to be). */
  get inFlight(): number {
    return this.submitter.inFlight;
  }

  /** Ops waiting for a free SQE or slot. */
  get waiting(): number {
    return this.submitter.waiting;
  }

  /** The submitter's counters: io_uring_enter calls, SQEs submitted, CQEs reaped, stale CQEs. */
  get stats(): Readonly<SubmitterStats> {
    return this.submitter.stats;
  }

  /** Whether close() has been called (true from the call on, before the ring is released). */
  get closed(): boolean {
    return this.closing !== null;
  }

  /**
   * The standalone executor: runs `main` with this ring as the event loop,
   * blocking in io_uring_enter while ops are in flight. Resolves with main's
   * result once it has settled and nothing is in flight.
   */
  run<T>(main: () => T | Promise<T>): Promise<Awaited<T>> {
    if (typeof main !== 'function') throw invalidArgType('main', 'a function', main);
    if (this.closing !== null) return Promise.reject(ringClosedError('run'));
    if (this.running) return Promise.reject(new RingcoreError('ERR_RINGCORE_UNSUPPORTED', 'run() is already running on this ring'));
    this.running = true;
    return new Promise<Awaited<T>>((resolve, reject) => {
      let outcome: { ok: true; value: Awaited<T> } | { ok: false; error: unknown };
      const busyOtherRing = (): number | null => {
        for (const ring of openRings) if (ring !== this && ring.inFlight > 0) return ring.uring.id;
        return null;
      };
      const executor = new ExecutorDriver(
        this.submitter,
        (refused) => {
          this.useDriver(new EventLoopDriver(this.submitter));
          this.running = false;
          if (refused !== undefined) reject(refused);
          else if (outcome.ok) resolve(outcome.value);
          else reject(outcome.error);
        },
        busyOtherRing,
      );
      this.useDriver(executor);
      Promise.resolve()
        .then(main)
        .then(
          (value) => (outcome = { ok: true, value: value as Awaited<T> }),
          (error: unknown) => (outcome = { ok: false, error }),
        )
        .then(() => executor.settle());
    });
  }

  private useDriver(driver: Driver): void {
    this.driver.dispose();
    this.driver = driver;
    driver.wake();
  }

  /**
   * Closes the ring: new ops reject with ERR_RINGCORE_CLOSED, queued ones are
   * dropped, ops in flight are cancelled. Resolves once the kernel has given
   * every op back (so no memory it could still write is released early), then
   * unmaps the rings and closes the fd. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    openRings.delete(this);
    if (this.closing !== null) return this.closing;
    // Kept before the drain starts: it ends readers and reaps at once, and one of them that closes
    // the ring again must get this promise, not start a second drain whose end this one never sees.
    let drained!: (done: Promise<void>) => void;
    this.closing = new Promise<void>((resolve) => (drained = resolve));
    drained(
      this.submitter.drainForClose().then(() => {
        this.driver.dispose();
        this.uring.close();
      }),
    );
    return this.closing;
  }

  /** close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
