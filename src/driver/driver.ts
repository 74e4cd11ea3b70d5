// Layer 3: who calls io_uring_enter, and when. A driver is told when SQEs are
// waiting (wake) and decides how to wait for completions: in Node's event loop
// (EventLoopDriver, the default) or blocked in io_uring_enter (ExecutorDriver,
// used by run()). Both flush the same way: one enter per turn for everything
// queued, and a reap right after it, so inline completions need no wait at all.
export interface Driver {
  /** Requests are waiting to be submitted: arrange a flush soon, once per batch. */
  wake(): void;
  /** Let go of whatever the driver holds in Node's event loop. */
  dispose(): void;
}

/**
 * Work done without a turn of the event loop before the next flush is deferred
 * to it: a flush counts as the completions it reaped, and at least 1.
 */
const MAX_BURST = 256;

/**
 * Batches every SQE queued in one turn into one io_uring_enter. A nextTick
 * scheduled from a microtask runs once the microtask queue is empty, so ops
 * started by any number of promise continuations share the same enter,
 * without a trip through the event loop. `flush` is the driver's: it
 * submits and reaps, does what the driver needs around that, and gives the
 * number of completions reaped.
 */
export class Batcher {
  private scheduled = false;
  /** Work (completions, or flushes that reaped none) since the driver last saw the event loop turn. */
  private burst = 0;

  constructor(private readonly flush: () => number) {}

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Ops that complete inside the enter resume their callers as microtasks,
    // so a loop of them would never give Node's loop a turn: its timers and
    // sockets would starve. After a burst, take the next flush through
    // setImmediate, which lets the loop run first. Completions count, not only
    // flushes: one flush of a flooded stream reaps dozens of chunks.
    if (this.burst >= MAX_BURST) {
      this.burst = 0;
      setImmediate(this.run);
    } else {
      process.nextTick(this.run);
    }
  }

  /**
   * The driver saw the event loop turn (a poll callback, a step): the burst
   * starts again. Told by the driver rather than learnt from a setImmediate of
   * our own, which would cost a non-blocking epoll_wait on every turn.
   */
  loopTurned(): void {
    this.burst = 0;
  }

  private readonly run = (): void => {
    this.scheduled = false;
    this.burst += Math.max(1, this.flush());
  };
}
