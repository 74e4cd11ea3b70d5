// What the event loop watches to learn that the kernel has work for us.
//
// Usually the ring fd itself: it polls readable while the CQ holds entries.
// A ring made with IORING_SETUP_DEFER_TASKRUN posts completions only when we
// enter it, so its fd never turns readable on its own; the kernel signals a
// registered eventfd instead when work is queued.
//
// The kernel also signals that eventfd for every CQE it posts, our own
// enters' included, and each signal is a wake-up of the loop. So the signal
// is off while we enter the ring ourselves (quiet/listen), and the eventfd is
// reset by a READ in the same enter that runs the queued work, rather than
// by a read(2) of its own.
import * as C from '../sys/constants.js';
import { errnoException } from '../sys/errors.js';
import { addressOf } from '../sys/memory.js';
import { native } from '../sys/native.js';
import { SYS_eventfd2, SYS_read, SYS_write } from '../sys/syscalls.js';
import { InternalRequest } from '../op/request.js';
import type { Submitter } from '../op/submitter.js';

/** What listen() adds to the eventfd's count to wake the loop. */
const ONE = BigUint64Array.of(1n);

export class CompletionSignal {
  /** The fd to poll for readability. */
  readonly fd: number;
  /** -1 without one, and once disposed. */
  private eventfd: number;
  /** Where a reset (a read of the eventfd) puts the count, which nobody needs. */
  private readonly counter = new BigUint64Array(1);
  /**
   * The reset READ, made once and placed again after each completion: the
   * runtime's own request, with no promise to settle (one wake-up, one SQE).
   */
  private reset: InternalRequest | null = null;
  /** A reset READ is queued or in flight: one is enough. */
  private resetting = false;

  constructor(private readonly submitter: Submitter) {
    const uring = submitter.uring;
    if ((uring.setupFlags & C.IORING_SETUP_DEFER_TASKRUN) === 0) {
      this.fd = uring.fd;
      this.eventfd = -1;
      return;
    }
    const fd = native.syscall(SYS_eventfd2, 0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
    if (fd < 0) throw errnoException(fd, 'eventfd2');
    const ret = uring.register(C.IORING_REGISTER_EVENTFD, Int32Array.of(fd), 1);
    if (ret < 0) {
      native.close(fd);
      throw errnoException(ret, 'io_uring_register');
    }
    // Closed with the thread's environment if the ring outlives it (a terminated worker).
    native.own(fd);
    this.fd = this.eventfd = fd;
    const counter = this.counter;
    // O_NONBLOCK: should the count already be 0, the READ ends at once with EAGAIN.
    this.reset = new InternalRequest({ syscall: 'read', prep: (u, sqe) => u.prepRead(sqe, fd, addressOf(counter), 8, -1), pin: counter }, () => {
      this.resetting = false;
    });
  }

  /**
   * The loop woke on our fd: queue the eventfd's reset for the flush that
   * follows. If the READ cannot have a slot now (the table is full), reset
   * with read(2) instead: the watch is level-triggered, and an eventfd left
   * set would wake the loop again at once, for ever.
   */
  woke(): void {
    if (this.reset === null) return;
    if (!this.resetting) {
      this.resetting = true;
      this.submitter.start(this.reset);
      if (this.submitter.waiting === 0) return;
    }
    native.syscall(SYS_read, this.eventfd, addressOf(this.counter), 8);
  }

  /** Stops the eventfd signal while we enter the ring ourselves. */
  quiet(): void {
    if (this.eventfd >= 0 && !this.submitter.uring.closed) this.submitter.uring.eventfdEnabled = false;
  }

  /**
   * Turns the eventfd signal back on before the loop sleeps. Work queued
   * while it was off did not signal (and, the kernel signalling only when
   * its queue was empty, later work would not either): signal it ourselves,
   * so that the loop wakes for it. Checked after turning the signal on, so
   * nothing falls in between.
   */
  listen(): void {
    const uring = this.submitter.uring;
    if (this.eventfd < 0 || uring.closed) return;
    uring.eventfdEnabled = true;
    if (uring.taskRunPending() || uring.cqReady() > 0) native.syscall(SYS_write, this.eventfd, addressOf(ONE), 8);
  }

  dispose(): void {
    if (this.eventfd < 0) return;
    // A reset still waiting for a slot would READ the fd number after it is closed below,
    // from whatever file reuses it (8 bytes of a pipe, or the next driver's eventfd).
    if (this.reset?.queued) this.submitter.dequeue(this.reset);
    // A ring takes one eventfd: let the next driver (after run(), say) register its own.
    const uring = this.submitter.uring;
    if (!uring.closed) uring.register(C.IORING_UNREGISTER_EVENTFD, null, 0);
    native.close(this.eventfd);
    this.eventfd = -1;
    this.reset = null;
  }
}
