// closeFd(): how every fd ringcore/fs opened is closed, after its ops; and
// closeAfter(), for a call that opens an fd, uses it and closes it.
import type { Ring } from '../driver/ring.js';
import { errnoException, type ErrorContext } from '../sys/errors.js';
import { native } from '../sys/native.js';
import { SYS_close } from '../sys/syscalls.js';
import { closeSpec } from './ops.js';

/**
 * IORING_OP_CLOSE of `fd` (the caller waited for its ops); on a ring already
 * closed, close(2) at once. The ring refuses new ops then, and the fd of a
 * handle (or of a readFile) whose ring was closed first was never closed: a
 * leak for the life of the process.
 */
export function closeFd(ring: Ring, fd: number, context?: ErrorContext): Promise<void> {
  if (!ring.closed) return ring.submit(closeSpec(fd, context));
  const ret = native.syscall(SYS_close, fd);
  return ret < 0 ? Promise.reject(errnoException(ret, 'close', context)) : Promise.resolve();
}

/**
 * Runs `use` (the ops on `fd`) and waits for it, then closes `fd`, after a failure
 * too: then the close's own error is dropped and `use`'s is the one that rejects.
 */
export async function closeAfter<T>(ring: Ring, fd: number, context: ErrorContext, use: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await use();
  } catch (error) {
    await closeFd(ring, fd, context).catch(() => {});
    throw error;
  }
  await closeFd(ring, fd, context);
  return result;
}
