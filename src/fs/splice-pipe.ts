// A file into a small pipe by splice(2) on a thread of libuv's pool (the
// native shim's spliceToPipe), for spliceTransfer(). A splice into a pipe
// moves at most what the pipe has room for (64 KiB by default) and returns,
// so 100 MB go in as about 1526 splices whatever asks for them. As io_uring
// SPLICE requests each one ran in an io-wq worker and was freed by task work
// that woke the JavaScript thread; as READ/WRITE chains (pipe-chain.ts) the
// bytes were copied twice, as a read/write loop copies them. On one thread
// the splices are plain syscalls: the pages go into the pipe by reference and
// only the reader copies them (docs/performance.md, "Session 15: cat to a
// pipe"). io_uring has no op that waits through more than one pipe-full.
import { AbortError, errnoException, type ErrorContext } from '../sys/errors.js';
import { native, type Native } from '../sys/native.js';

/** Whether this binary has spliceToPipe (a prebuilt binary may be older than the JavaScript: then the chains copy). */
export function canSpliceToPipe(binding: Pick<Native, 'spliceToPipe'> = native): boolean {
  return typeof binding.spliceToPipe === 'function';
}

/**
 * Splices bytes [0, size) of the file `fromFd` (Infinity: until it ends; its offset does not move) into the pipe
 * `toFd` at its position, off the JS thread; resolves with the bytes copied. Rejects with the splice's error
 * (syscall 'splice', the source's path), or an AbortError once `signal` aborts. When it settles the pool thread is
 * done with both fds.
 */
export async function spliceIntoPipe(fromFd: number, toFd: number, size: number, signal: AbortSignal | undefined, context?: ErrorContext): Promise<number> {
  const flags = new Int32Array([signal?.aborted ? 1 : 0]);
  const abort = () => {
    Atomics.store(flags, 0, 1);
  };
  signal?.addEventListener('abort', abort, { once: true });
  const length = size === Infinity ? Number.MAX_SAFE_INTEGER : size;
  const [copied, status] = await new Promise<[number, number]>((resolve) => {
    native.spliceToPipe!(fromFd, toFd, length, flags, (copied, status) => {
      signal?.removeEventListener('abort', abort);
      resolve([copied, status]);
    });
  });
  if (status === 0) return copied;
  if (status === 1) throw new AbortError(undefined, { cause: signal?.reason });
  throw errnoException(status, 'splice', context);
}
