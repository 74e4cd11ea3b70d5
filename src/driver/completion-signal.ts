// What the event loop watches to learn that the kernel has work for us.
//
// Usually the ring fd itself: it polls readable while the CQ holds entries.
// A ring made with IORING_SETUP_DEFER_TASKRUN posts completions only when we
// enter it, so its fd never turns readable on its own; the kernel signals a
// registered eventfd instead when work is queued, and we read it to re-arm.
import * as C from '../sys/constants.js';
import { errnoException } from '../sys/errors.js';
import { addressOf } from '../sys/memory.js';
import { native } from '../sys/native.js';
import { SYS_close, SYS_eventfd2, SYS_read } from '../sys/syscalls.js';
import type { IoUring } from '../ring/io-uring.js';

export class CompletionSignal {
  /** The fd to poll for readability. */
  readonly fd: number;
  private readonly eventfd: number;
  private readonly counter = new BigUint64Array(1);

  constructor(private readonly uring: IoUring) {
    if ((uring.setupFlags & C.IORING_SETUP_DEFER_TASKRUN) === 0) {
      this.fd = uring.fd;
      this.eventfd = -1;
      return;
    }
    const fd = native.syscall(SYS_eventfd2, 0, C.EFD_CLOEXEC | C.EFD_NONBLOCK);
    if (fd < 0) throw errnoException(fd, 'eventfd2');
    const ret = uring.register(C.IORING_REGISTER_EVENTFD, Int32Array.of(fd), 1);
    if (ret < 0) {
      native.syscall(SYS_close, fd);
      throw errnoException(ret, 'io_uring_register');
    }
    this.fd = this.eventfd = fd;
  }

  /** Resets the eventfd, so that the next poll waits for new work. */
  clear(): void {
    if (this.eventfd >= 0) native.syscall(SYS_read, this.eventfd, addressOf(this.counter), 8);
  }

  dispose(): void {
    if (this.eventfd < 0) return;
    // A ring takes one eventfd: let the next driver (after run(), say) register its own.
    if (!this.uring.closed) this.uring.register(C.IORING_UNREGISTER_EVENTFD, null, 0);
    native.syscall(SYS_close, this.eventfd);
  }
}
