// A whole-file copy in the kernel with copy_file_range(2) (after FICLONE when
// asked), run by the native shim on a thread of libuv's pool, as Node's own
// copyFile runs it. io_uring has no copy op; its SPLICE pairs copy the same
// bytes through a pipe of our own, and measured slower here than one
// copy_file_range loop on one thread (docs/performance.md, "Session 13").
// An abort sets a flag the native loop reads between its 16 MiB calls.
import { native, type Native } from '../sys/native.js';
import { EBADF, EINVAL, ENOSYS, EOPNOTSUPP, EXDEV } from '../sys/errno.js';

/**
 * The copyFileRange this code calls: version 2 takes the destination's offset
 * (the 7th argument). A binary that reports another number, or none (built
 * before the number, or before the offset, which it would silently ignore),
 * is not used for copying: the SPLICE and READ/WRITE copies are. The C side's
 * COPY_FILE_RANGE_VERSION must be this number (test/fs/copy-file-range.test.ts).
 */
export const COPY_RANGE_VERSION = 2;

/** What copyRange() did: bytes copied, and 0, -errno, or 1 (aborted). */
export interface CopyRangeResult {
  copied: number;
  status: number;
  /** 1: cloned (a reflink), -1: the clone failed (status is its error), 0: not tried or not used. */
  cloned: number;
}

/** Whether this binary has the copyFileRange this code calls (a prebuilt binary may be older than the JavaScript). */
export function canCopyRange(binding: Pick<Native, 'copyFileRange' | 'copyFileRangeVersion'> = native): boolean {
  return binding.copyFileRangeVersion === COPY_RANGE_VERSION && typeof binding.copyFileRange === 'function';
}

/**
 * Copies bytes [0, length) of srcFd to the same offsets of destFd (or from `destOffset` on) off the JS thread;
 * the source's end stops it earlier. Neither fd's file offset moves.
 * clone: 0 copy, 1 FICLONE then copy, 2 FICLONE only. Never rejects: errors are in the
 * result. When it settles the pool thread is done with both fds.
 */
export function copyRange(
  srcFd: number,
  destFd: number,
  length: number,
  clone: 0 | 1 | 2,
  signal: AbortSignal | undefined,
  destOffset = 0,
): Promise<CopyRangeResult> {
  // Aborted while the opens or the fchmod were on their way: the native loop stops before copying.
  const flags = new Int32Array([signal?.aborted ? 1 : 0]);
  const abort = () => {
    Atomics.store(flags, 0, 1);
  };
  signal?.addEventListener('abort', abort, { once: true });
  return new Promise((resolve) => {
    native.copyFileRange!(
      srcFd,
      destFd,
      length,
      clone,
      flags,
      (copied, status, cloned) => {
        signal?.removeEventListener('abort', abort);
        resolve({ copied, status, cloned });
      },
      destOffset,
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
