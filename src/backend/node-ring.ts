// What `new Ring()` is under the node backend: nop(), close(), closed, run()
// and the counters keep their meaning; everything that reaches the ring
// itself (uring, submitter, submit, submitWith, link, multishot) throws
// ERR_RINGCORE_IO_URING_REQUIRED, and supports() is false for every opcode.
// Its prototype chain goes through Ring.prototype (linked on first use, since
// Ring's module imports this one), so `instanceof Ring` holds.
import { AbortError, invalidArgType, RingcoreError } from '../sys/errors.js';
import { ioUringRequired } from './backend.js';

const NO_STATS = Object.freeze({ enters: 0, submitted: 0, completed: 0, stale: 0 });

class NodeRing {
  #closing: Promise<void> | null = null;
  #inFlight = 0;

  get uring(): never {
    throw ioUringRequired('Ring.uring');
  }

  get submitter(): never {
    throw ioUringRequired('Ring.submitter');
  }

  /** Nothing goes through a ring: every count stays 0. */
  get stats(): Readonly<{ enters: number; submitted: number; completed: number; stale: number }> {
    return NO_STATS;
  }

  /** Resolves in a microtask: there is no ring to go through. */
  nop(options?: { signal?: AbortSignal }): Promise<void> {
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
    if (this.#closing !== null) return Promise.reject(new RingcoreError('ERR_RINGCORE_CLOSED', 'the ring is closed'));
    if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
    return Promise.resolve();
  }

  submit(): never {
    throw ioUringRequired('Ring.submit() of a custom op');
  }

  submitWith(): never {
    throw ioUringRequired('Ring.submitWith() of a custom op');
  }

  link(): never {
    throw ioUringRequired('Ring.link()');
  }

  multishot(): never {
    throw ioUringRequired('Ring.multishot()');
  }

  supports(op: unknown): boolean {
    if (typeof op !== 'number' && typeof op !== 'string') throw invalidArgType('op', 'a number or a string', op);
    return false;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get waiting(): number {
    return 0;
  }

  get closed(): boolean {
    return this.#closing !== null;
  }

  /** Runs `main` on Node's own loop (there is no ring to block in). */
  run<T>(main: () => T | Promise<T>): Promise<Awaited<T>> {
    if (typeof main !== 'function') throw invalidArgType('main', 'a function', main);
    if (this.#closing !== null) return Promise.reject(new RingcoreError('ERR_RINGCORE_CLOSED', 'the ring is closed'));
    this.#inFlight++;
    return Promise.resolve()
      .then(main)
      .finally(() => this.#inFlight--) as Promise<Awaited<T>>;
  }

  close(): Promise<void> {
    this.#closing ??= Promise.resolve();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

let linked = false;

/** A NodeRing that is an instance of Ring (`ringPrototype`). */
export function nodeRing<R>(ringPrototype: object): R {
  if (!linked) {
    Object.setPrototypeOf(NodeRing.prototype, ringPrototype);
    linked = true;
  }
  return new NodeRing() as unknown as R;
}
