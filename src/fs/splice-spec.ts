// The SPLICE op and the pipe that splice.ts copies through: small and
// synchronous, so that ringcore/fs exports spliceSpec() and ringcore/http's
// file bodies use both without loading splice.ts's copying code (loaded on
// the first copy: copying.ts).
import { errnoException, type ErrorContext } from '../sys/errors.js';
import { addressOf } from '../sys/memory.js';
import { native } from '../sys/native.js';
import { SYS_fcntl, SYS_pipe2 } from '../sys/syscalls.js';
import { F_SETPIPE_SZ, O_CLOEXEC } from '../sys/constants.js';
import type { OpSpec } from '../op/op.js';

/** The pipe size asked for: /proc/sys/fs/pipe-max-size's default. */
const PIPE_SIZE = 1024 * 1024;

/** IORING_OP_SPLICE of `length` bytes from fdIn at offIn to fdOut at offOut (-1: the current position, or a pipe). */
export function spliceSpec(fdIn: number, offIn: number, fdOut: number, offOut: number, length: number, context?: ErrorContext): OpSpec<number> {
  return {
    syscall: 'splice',
    prep: (uring, sqe) => uring.prepSplice(sqe, fdIn, offIn, fdOut, offOut, length, 0),
    context,
  };
}

/** A pipe (both ends O_CLOEXEC), grown to PIPE_SIZE when allowed: [read end, write end, its size]. */
export function makePipe(): [number, number, number] {
  const fds = new Int32Array(2);
  const ret = native.syscall(SYS_pipe2, addressOf(fds), O_CLOEXEC);
  if (ret < 0) throw errnoException(ret, 'pipe');
  const size = native.syscall(SYS_fcntl, fds[1]!, F_SETPIPE_SZ, PIPE_SIZE);
  return [fds[0]!, fds[1]!, size > 0 ? size : 64 * 1024];
}
