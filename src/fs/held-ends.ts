// The two fds of a transfer(), held for as long as it copies. Its copy is
// many requests and pool-thread calls (a READ/WRITE chain per 4 MiB, a
// copy_file_range call per 50 ms slice), each naming the fd by its number,
// with JavaScript run between them. An fd the caller closed meanwhile (a
// FileHandle closed, or a raw fd closed, while its transfer still ran) was
// free for the next open(), and the copy's next request then read from or
// wrote into that unrelated file. A copy of each fd (fcntl F_DUPFD_CLOEXEC,
// taken before the first request) names the same open file for the copy's
// whole life, whatever happens to the caller's number; it is closed when
// the copy settles, or, when the copy never settles because its thread ends
// first (worker.terminate(), process.exit()), at the teardown of the thread's
// environment (the shim's own()): a pipe's write end held past it kept its
// reader from ever seeing the end. To stop a copy, abort its signal: closing
// its fd no longer does.
import { native } from '../sys/native.js';
import { F_DUPFD_CLOEXEC } from '../sys/constants.js';
import { SYS_fcntl } from '../sys/syscalls.js';

/**
 * Runs `copy` on the ends with their fds duplicated (the same fd once when both are one), and closes
 * the duplicates once it has settled. Call it before the copy's first request. An fd that cannot be
 * duplicated (EBADF: not open; EMFILE: no fd left) is used as it is: its requests then fail, or run, as they did.
 */
export async function withHeldEnds<T extends { fd: number }, R>(from: T, to: T, copy: (from: T, to: T) => Promise<R>): Promise<R> {
  const fromFd = duplicate(from.fd);
  let toFd = fromFd;
  try {
    if (to.fd !== from.fd) toFd = duplicate(to.fd);
    return await copy(fromFd === from.fd ? from : { ...from, fd: fromFd }, toFd === to.fd ? to : { ...to, fd: toFd });
  } finally {
    if (fromFd !== from.fd) native.close(fromFd);
    if (toFd !== to.fd && toFd !== fromFd) native.close(toFd);
  }
}

/** A duplicate of `fd` that the thread's teardown closes unless withHeldEnds() did (native.close() forgets it); `fd` itself when it cannot be made. */
function duplicate(fd: number): number {
  const copy = native.syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return fd;
  try {
    native.own(copy);
  } catch (error) {
    native.close(copy); // own() out of memory: not this copy's leak too
    throw error;
  }
  return copy;
}
