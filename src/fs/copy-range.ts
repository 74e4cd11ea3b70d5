// A whole-file copy in the kernel with copy_file_range(2) (after FICLONE when
// asked), run by the native shim on a thread of libuv's pool, as Node's own
// copyFile runs it. io_uring has no copy op; its SPLICE pairs copy the same
// bytes through a pipe of our own, and measured slower here than one
// copy_file_range loop on one thread (docs/performance.md, "Session 13").
// An abort sets a flag the native loop reads between its 16 MiB calls. Each
// native call gives its pool thread back after 50 ms (COPY_AGAIN) and is
// called again from where it got to: a worker's or the process's end waits
// for the pool's jobs, when no JavaScript can set the flag any more.
import { native } from '../sys/native.js';
import { EBADF, EINVAL, ENOSYS, EOPNOTSUPP, EXDEV } from '../sys/errno.js';

/** copyFileRange's status when its call has run its slice of time with bytes left: call again from where it stopped (native/ringcore.c). */
const COPY_AGAIN = 2;

/** What copyRange() did: bytes copied, and 0, -errno, or 1 (aborted). */
export interface CopyRangeResult {
  copied: number;
  status: number;
  /** 1: cloned (a reflink), -1: the clone failed (status is its error), 0: not tried or not used. */
  cloned: number;
  /** 1: the destination was truncated and its mode set as asked, -1: that failed (status is its error), 0: not asked. */
  prepared: number;
}

/** What copyRange() does to the destination before it copies: copyFile's cut to 0 bytes, and its mode (-1: left as it is). */
export interface CopyRangePrepare {
  truncate: boolean;
  mode: number;
}

const UNPREPARED: CopyRangePrepare = { truncate: false, mode: -1 };

/**
 * Copies bytes [0, length) of srcFd to the same offsets of destFd (or from `destOffset` on) off the JS thread,
 * one native call per slice of time; the source's end stops it earlier. Neither fd's file offset moves.
 * clone: 0 copy, 1 FICLONE then copy, 2 FICLONE only. `prepare`: what is done to the destination first,
 * on the same pool thread (libuv's copyfile order: ftruncate, fchmod, FICLONE, copy), so that copyFile
 * over an existing file costs one trip to another thread, as Node's. Never rejects: errors are in the
 * result. When it settles the pool thread is done with both fds.
 */
export async function copyRange(
  srcFd: number,
  destFd: number,
  length: number,
  clone: 0 | 1 | 2,
  signal: AbortSignal | undefined,
  destOffset = 0,
  prepare: CopyRangePrepare = UNPREPARED,
): Promise<CopyRangeResult> {
  // Aborted while the opens or the fchmod were on their way: the native loop stops before copying.
  const flags = new Int32Array(1);
  if (signal?.aborted === true) flags[0] = 1;
  const abort = () => {
    Atomics.store(flags, 0, 1);
  };
  signal?.addEventListener('abort', abort, { once: true });
  try {
    const first = await copyCall(srcFd, destFd, length, clone, flags, destOffset, 0, prepare);
    let { copied, status } = first;
    // The slice is over: on from where it got to (no clone: a clone is all or nothing, and was tried), the abort flag kept.
    while (status === COPY_AGAIN) {
      const next = await copyCall(srcFd, destFd, length - copied, 0, flags, destOffset + copied, copied, UNPREPARED);
      copied += next.copied;
      status = next.status;
    }
    return { copied, status, cloned: first.cloned, prepared: first.prepared };
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

/** One native call: one slice of the copy on a pool thread. */
function copyCall(
  srcFd: number,
  destFd: number,
  length: number,
  clone: 0 | 1 | 2,
  flags: Int32Array,
  destOffset: number,
  srcOffset: number,
  prepare: CopyRangePrepare,
): Promise<CopyRangeResult> {
  return new Promise((resolve) => {
    native.copyFileRange(
      srcFd,
      destFd,
      length,
      clone,
      flags,
      (copied, status, cloned, prepared) => resolve({ copied, status, cloned, prepared }),
      destOffset,
      srcOffset,
      prepare.truncate ? 1 : 0,
      prepare.mode,
    );
  });
}

/**
 * Whether copy_file_range's error means it cannot copy between these two fds,
 * so another copy may (transfer()'s READ/WRITE, from where it stopped; copyFile's SPLICE): between
 * filesystems (EXDEV), files or ranges it does not take (EINVAL), a kernel or
 * filesystem without it (ENOSYS, EOPNOTSUPP), an fd it refuses (EBADF: an
 * O_APPEND destination, which a WRITE appends to, or an fd open the wrong
 * way, whose READ or WRITE then fails with its own syscall and path). Any
 * other error (ENOSPC, EIO, EFBIG...) is the copy's: the one place this is
 * decided, for copyFile and transfer() both.
 */
export function copyRangeUnsupported(status: number): boolean {
  return status === -EXDEV || status === -EINVAL || status === -ENOSYS || status === -EOPNOTSUPP || status === -EBADF;
}
