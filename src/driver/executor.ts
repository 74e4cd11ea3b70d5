// The standalone executor: the ring is the event loop. Each
// step submits what is queued, then blocks in io_uring_enter(min_complete=1)
// until the kernel completes something, reaps, and lets the promise
// continuations run before the next step. Lowest latency for programs that do
// all their I/O through ringcore; while it blocks, Node's own timers and
// sockets wait (use the default driver for programs that mix the two).
//
// It drives one ring. Blocking on it while another ring of this thread has
// ops in flight (the socket ring ringcore/net uses, say) would leave those
// undriven until our ring completes something: an HTTP server inside run()
// answered nothing. So the executor refuses to block then: run() rejects with
// ERR_RINGCORE_UNSUPPORTED, naming the other ring, and hands the ring back to
// the event-loop driver, which drives every ring.
//
// Each wait is bounded (WAIT_SLICE_MS): Worker.terminate() asks V8 to stop
// running JS and the worker's loop to stop, which cannot reach a thread parked
// in a syscall, so a worker blocked on an op that never completes could not be
// terminated. Between waits the thread is back in JS, where the termination
// takes effect (and the ring's teardown then cancels what is in flight).
import { RingcoreError } from '../sys/errors.js';
import type { Submitter } from '../op/submitter.js';
import { Batcher, type Driver } from './driver.js';

/** The longest a step blocks in io_uring_enter: how late a worker's terminate() may take effect. */
const WAIT_SLICE_MS = 100;

export class ExecutorDriver implements Driver {
  private readonly batcher: Batcher;
  private stepScheduled = false;
  private mainSettled = false;
  private disposed = false;
  private finished = false;

  constructor(
    private readonly submitter: Submitter,
    /** Called once main has settled and nothing is in flight, or with the error that ended the run early. */
    private readonly onDone: (error?: RingcoreError) => void,
    /** Another ring of this thread with ops in flight (its id), or null. */
    private readonly busyOtherRing: () => number | null,
  ) {
    this.batcher = new Batcher(() => {
      const completions = submitter.flush();
      this.scheduleStep();
      return completions;
    });
    submitter.wake = () => this.batcher.schedule();
  }

  wake(): void {
    this.batcher.schedule();
  }

  /** main() has settled: finish once the last op in flight has completed. */
  settle(): void {
    this.mainSettled = true;
    if (this.disposed) this.finish();
    else this.scheduleStep();
  }

  // setImmediate runs after the tick and microtask queues are empty, so the
  // step never blocks while a continuation could still queue work.
  private scheduleStep(): void {
    if (this.stepScheduled || this.disposed) return;
    this.stepScheduled = true;
    setImmediate(this.step);
  }

  private readonly step = (): void => {
    this.stepScheduled = false;
    this.batcher.loopTurned();
    if (this.disposed) {
      // Ring.close() disposed the driver under a running main: nothing is in
      // flight any more, so finish once main has settled (or run() would hang).
      if (this.mainSettled) this.finish();
      return;
    }
    this.submitter.flush();
    if (this.submitter.inFlight > 0) {
      const other = this.busyOtherRing();
      if (other !== null) {
        this.finished = true;
        this.onDone(
          new RingcoreError(
            'ERR_RINGCORE_UNSUPPORTED',
            `run() blocks in io_uring_enter on ring ${this.submitter.uring.id}, and ring ${other} of this thread has ops in flight that nothing would drive meanwhile ` +
              '(ringcore/net and ringcore/http use their own ring, netRing()). Do all I/O on the ring given to run(), or use the default event-loop driver, which drives every ring.',
          ),
        );
        return;
      }
      this.submitter.waitAndFlush(WAIT_SLICE_MS);
      this.scheduleStep();
    } else if (this.mainSettled) {
      this.finish();
    }
    // Otherwise main waits on something outside the ring; wake() restarts the steps.
  };

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onDone();
  }

  dispose(): void {
    this.disposed = true;
  }
}
