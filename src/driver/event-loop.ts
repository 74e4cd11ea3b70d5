// The default driver: it lives inside Node's event loop, beside timers,
// node:fs and node:net. Submission is batched per turn (Batcher); completions
// that were not ready at the enter are picked up by watching the ring fd with
// uv_poll, which is readable while the CQ holds entries.
import { native, type Watch } from '../sys/native.js';
import type { Submitter } from '../op/submitter.js';
import { Batcher, type Driver } from './driver.js';

export class EventLoopDriver implements Driver {
  private readonly batcher: Batcher;
  private watch: Watch | null = null;
  /** Whether the watch keeps the process alive: only while something is in flight. */
  private referenced = false;

  constructor(private readonly submitter: Submitter) {
    this.batcher = new Batcher(submitter, this.syncRef);
    submitter.wake = () => this.batcher.schedule();
  }

  wake(): void {
    this.batcher.schedule();
  }

  private readonly onReadable = (): void => {
    this.submitter.flush();
    this.syncRef();
  };

  /**
   * Ref the loop while ops are in flight, unref when none are, so that an idle
   * program exits. Checked after each flush, not per op: ops that complete
   * inline never touch the watch.
   */
  private readonly syncRef = (): void => {
    const wanted = this.submitter.inFlight > 0;
    if (wanted === this.referenced) return;
    this.referenced = wanted;
    if (wanted) {
      this.watch ??= native.watch(this.submitter.uring.fd, this.onReadable);
      this.watch.ref();
    } else {
      this.watch?.unref();
    }
  };

  dispose(): void {
    this.watch?.close();
    this.watch = null;
    this.referenced = false;
  }
}
