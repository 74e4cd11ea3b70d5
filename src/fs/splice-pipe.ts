// A file into a small pipe by splice(2) on a thread of libuv's pool (the
// native shim's spliceToPipe), for spliceTransfer(). A splice into a pipe
// moves at most what the pipe has room for (64 KiB by default) and returns,
// so 100 MB go in as about 1526 splices whatever asks for them. As io_uring
// SPLICE requests each one ran in an io-wq worker and was freed by task work
// that woke the JavaScript thread; as READ/WRITE chains (docs/performance.md, "Session 14: cat") the
// bytes were copied twice, as a read/write loop copies them. On one thread
// the splices are plain syscalls: the pages go into the pipe by reference and
// only the reader copies them (docs/performance.md, "Session 15: cat to a
// pipe"). io_uring has no op that waits through more than one pipe-full.
// The pool thread waits for the reader a few ms at most: libuv's pool is 4
// threads shared with Node's fs, dns.lookup, zlib and crypto, so a pipe that
// stays full gives the thread back, and the wait for room goes on the ring (a
// POLL_ADD, which an abort cancels at once) before the next call.
import type { Ring } from '../driver/ring.js';
import { AbortError, errnoException, type ErrorContext } from '../sys/errors.js';
import { native } from '../sys/native.js';
import { roomIn } from './room.js';

/** spliceToPipe's status: stopped by the abort flag (native/ringcore.c's SPLICE_ABORTED; test/fs/bulk-copy.test.ts holds them equal). */
export const SPLICE_ABORTED = 1;
/**
 * spliceToPipe's status: the pipe stayed full for SPLICE_ROOM_MS, or the call ran POOL_SLICE_MS (a worker's or the
 * process's end waits for the pool's jobs, when nothing can set the abort flag); wait for room, then call again.
 */
export const SPLICE_PIPE_FULL = 2;

/** One native call: splices [start, end) until done, aborted, failed, or the pipe stays full. */
function spliceOnce(fromFd: number, toFd: number, start: number, end: number, flags: Int32Array): Promise<[number, number]> {
  return new Promise((resolve) => {
    native.spliceToPipe(fromFd, toFd, start, end, flags, (copied, status) => {
      resolve([copied, status]);
    });
  });
}

/**
 * Splices bytes [0, size) of the file `fromFd` (Infinity: until it ends; its offset does not move) into the pipe
 * `toFd` at its position, off the JS thread; resolves with the bytes copied. While the pipe stays full no pool
 * thread waits: the wait for room is a POLL_ADD on `ring`. Rejects with the splice's error (syscall 'splice', the
 * source's path), or an AbortError once `signal` aborts. When it settles the pool thread is done with both fds.
 */
export async function spliceIntoPipe(
  ring: Ring,
  fromFd: number,
  toFd: number,
  size: number,
  signal: AbortSignal | undefined,
  context?: ErrorContext,
): Promise<number> {
  const flags = new Int32Array([signal?.aborted ? 1 : 0]);
  const abort = () => {
    Atomics.store(flags, 0, 1);
  };
  signal?.addEventListener('abort', abort, { once: true });
  const end = size === Infinity ? Number.MAX_SAFE_INTEGER : size;
  let done = 0;
  try {
    for (;;) {
      const [copied, status] = await spliceOnce(fromFd, toFd, done, end, flags);
      done += copied;
      if (status === 0) return done;
      if (status === SPLICE_ABORTED) throw new AbortError(undefined, { cause: signal?.reason });
      if (status !== SPLICE_PIPE_FULL) throw errnoException(status, 'splice', context);
      // The reader is slow or gone: wait on the ring, not on a pool thread (POLLERR, no reader, ends it too: the next splice says EPIPE).
      await roomIn(ring, toFd, signal, context);
    }
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
