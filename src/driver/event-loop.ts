// The default driver: it lives inside Node's event loop, beside timers,
// node:fs and node:net. Submission is batched per turn (Batcher); completions
// that were not ready at the enter are picked up by watching, with uv_poll,
// an fd that turns readable when the kernel has something for us (see
// CompletionSignal).
import type { Watch } from '../sys/native.js';
import type { Submitter } from '../op/submitter.js';
import { Batcher, type Driver } from './driver.js';
import { CompletionSignal } from './completion-signal.js';
import { completionDriver, watchCompletions } from './completion-watch.js';

export class EventLoopDriver implements Driver {
  private readonly batcher: Batcher;
  private readonly signal: CompletionSignal;
  private watch: Watch | null = null;
  /** Whether the watch keeps the process alive: only while something is in flight. */
  private referenced = false;
  /** Replaced (run() swapped drivers) or the ring closed: a flush scheduled before then does nothing. */
  private disposed = false;
  /** Inside onReadable, before its flush: a request placed now goes out with that flush. */
  private waking = false;

  constructor(private readonly submitter: Submitter) {
    this.signal = new CompletionSignal(submitter);
    this.batcher = new Batcher(this.flush);
    submitter.wake = () => {
      if (!this.waking) this.batcher.schedule();
    };
    // A thread driver's watch holds fds of its own (an epoll fd, an eventfd to
    // stop its thread): made with the ring, they live exactly as long as it does.
    if (completionDriver() === 'thread' && !submitter.uring.closed) this.watch = watchCompletions(this.signal.fd, this.onReadable);
  }

  wake(): void {
    this.batcher.schedule();
  }

  private readonly onReadable = (): void => {
    if (this.disposed) return;
    // The flush below submits what woke() queues: no flush of its own at the end of the turn.
    this.waking = true;
    try {
      this.signal.woke();
    } finally {
      this.waking = false;
    }
    this.batcher.loopTurned();
    this.flush();
  };

  /** Submits and reaps with the completion signal off: our own enters need not wake the loop. */
  private readonly flush = (): number => {
    // The next driver, woken when it took over, flushes what this one left.
    if (this.disposed) return 0;
    this.signal.quiet();
    try {
      const completions = this.submitter.flush();
      this.syncRef();
      return completions;
    } finally {
      // Never left off: a throw here (a trace hook, an enter error) must not silence the ring.
      this.signal.listen();
    }
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
      this.watch ??= watchCompletions(this.signal.fd, this.onReadable);
      this.watch.ref();
    } else {
      this.watch?.unref();
    }
  };

  dispose(): void {
    this.disposed = true;
    this.watch?.close();
    this.watch = null;
    this.referenced = false;
    this.signal.dispose();
  }
}
