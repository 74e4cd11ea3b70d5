// Layer 3: who calls io_uring_enter, and when. A driver is told when SQEs are
// waiting (wake) and decides how to wait for completions: in Node's event loop
// (EventLoopDriver, the default) or blocked in io_uring_enter (ExecutorDriver,
// used by run()). Both flush the same way: one enter per turn for everything
// queued, and a reap right after it, so inline completions need no wait at all.
import type { Submitter } from '../op/submitter.js';

export interface Driver {
  /** Requests are waiting to be submitted: arrange a flush soon, once per batch. */
  wake(): void;
  /** Let go of whatever the driver holds in Node's event loop. */
  dispose(): void;
}

/**
 * Batches every SQE queued in one turn into one io_uring_enter. A nextTick
 * scheduled from a microtask runs once the microtask queue is empty, so ops
 * started by any number of promise continuations share the same enter,
 * without a trip through the event loop.
 */
export class Batcher {
  private scheduled = false;

  constructor(
    private readonly submitter: Submitter,
    private readonly afterFlush: () => void,
  ) {}

  schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(this.run);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    this.submitter.flush();
    this.afterFlush();
  };
}
