// Waiting for room in a non-blocking destination (an O_NONBLOCK pipe or
// socket), for the copies that write to one by splice(2) or by WRITE ops
// whose EAGAIN io_uring hands back: they wait for POLLOUT and go on from
// where the copy got to.
import type { Ring } from '../driver/ring.js';
import { POLLOUT } from '../sys/constants.js';
import { noProgressError, type ErrorContext } from '../sys/errors.js';
import type { OpSpec } from '../op/op.js';

/**
 * Whether an op failed for want of room in a non-blocking destination (an
 * O_NONBLOCK pipe or socket, or any end opened O_NONBLOCK: splice(2) then
 * takes SPLICE_F_NONBLOCK for both). The copy waits for room and goes on,
 * as a write to such a pipe through io_uring does (io_uring polls for it).
 */
export function wantsRoom(result: PromiseSettledResult<number>): boolean {
  return result.status === 'rejected' && (result.reason as { code?: unknown }).code === 'EAGAIN';
}

/** Resolves when `fd` has room to write (IORING_OP_POLL_ADD for POLLOUT; POLLERR and POLLHUP end it too, and the next op says why). */
export async function roomIn(ring: Ring, fd: number, signal: AbortSignal | undefined, context?: ErrorContext): Promise<void> {
  await ring.submit({ syscall: 'poll', prep: (uring, sqe) => uring.prepPollAdd(sqe, fd, POLLOUT), context }, { signal });
}

/**
 * Submits `write(done)` until `length` bytes are out, waiting for room in `to`
 * whenever it is full. `what` names the copy when a write makes no progress.
 */
export async function writeWithRoom(
  ring: Ring,
  to: { fd: number; context?: ErrorContext },
  done: number,
  length: number,
  write: (done: number) => OpSpec<number>,
  what: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  while (done < length) {
    const [result] = await Promise.allSettled([ring.submit(write(done), { signal })]);
    if (wantsRoom(result!)) {
      await roomIn(ring, to.fd, signal, to.context);
      continue;
    }
    if (result!.status === 'rejected') throw result!.reason;
    if (result!.value === 0) throw noProgressError(what, length - done);
    done += result!.value;
  }
}
