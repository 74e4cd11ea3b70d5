// The default driver: it lives inside Node's event loop, beside timers,
// node:fs and node:net. Submission is batched per turn (Batcher); completions
// that were not ready at the enter are picked up by watching, with uv_poll,
// an fd that turns readable when the kernel has something for us (see
// CompletionSignal).
import { native, type Watch } from '../sys/native.js';
import type { Submitter } from '../op/submitter.js';
import { Batcher, type Driver } from './driver.js';
import { CompletionSignal } from './completion-signal.js';

export class EventLoopDriver implements Driver {
  private readonly batcher: Batcher;
  private readonly signal: CompletionSignal;
  private watch: Watch | null = null;
  /** Whether the watch keeps the process alive: only while something is in flight. */
  private referenced = false;

  constructor(private readonly submitter: Submitter) {
    this.signal = new CompletionSignal(submitter);
    this.batcher = new Batcher(this.flush);
    submitter.wake = () => this.batcher.schedule();
  }

  wake(): void {
    this.batcher.schedule();
  }

  private readonly onReadable = (): void => {
    this.signal.woke();
    this.batcher.loopTurned();
    this.flush();
  };

  /** Submits and reaps with the completion signal off: our own enters need not wake the loop. */
  private readonly flush = (): void => {
    this.signal.quiet();
    this.submitter.flush();
    this.syncRef();
    this.signal.listen();
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
      this.watch ??= native.watch(this.signal.fd, this.onReadable);
      this.watch.ref();
    } else {
      this.watch?.unref();
    }
  };

  dispose(): void {
    this.watch?.close();
    this.watch = null;
    this.referenced = false;
    this.signal.dispose();
  }
}
