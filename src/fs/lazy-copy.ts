// copyFile(), transfer() and spliceTransfer() as ringcore/fs exports them: the
// copying code (copying.ts) is loaded by the first copy, not by the import, and
// kept (import() itself costs microseconds per call). All three are async, so
// the load changes no result and no error: a bad argument still rejects.
import type { Ring } from '../driver/ring.js';
import type { CopyFileOptions } from './copy-file.js';
import type { PathLike } from './path.js';
import type { SpliceOptions } from './splice.js';
import type { TransferEnd, TransferOptions } from './transfer.js';

type Copying = typeof import('./copying.js');

let copying: Copying | undefined;

/** copying.ts, loaded on the first call. */
const loadCopying = async (): Promise<Copying> => (copying ??= await import('./copying.js'));

/**
 * Copies `src` to `dest` in the kernel (copy_file_range off the JS thread, SPLICE through
 * a pipe, or READ/WRITE with `method: 'readwrite'`). In `mode`, COPYFILE_EXCL applies,
 * COPYFILE_FICLONE tries a clone (reflink) first and COPYFILE_FICLONE_FORCE only a clone,
 * failing where the filesystem has none (EOPNOTSUPP on ext4, as Node's).
 */
export async function copyFile(src: PathLike, dest: PathLike, mode = 0, options?: CopyFileOptions): Promise<void> {
  return (copying ?? (await loadCopying())).copyFile(src, dest, mode, options);
}

/**
 * Copies; resolves with the bytes copied. Every op has settled when it resolves or rejects. The copy holds
 * both fds' open files (duplicates of the fds) until then: closing an fd meanwhile does not stop it, nor
 * send its bytes anywhere else (abort `signal` to stop it).
 */
export async function transfer(ring: Ring, from: TransferEnd, to: TransferEnd, options: TransferOptions): Promise<number> {
  return (copying ?? (await loadCopying())).transfer(ring, from, to, options);
}

/**
 * Copies `from` (a file) to `to` in the kernel; resolves with the bytes copied. Every op has settled when it settles.
 * Between two regular files, copy_file_range on a libuv pool thread (range-transfer.ts, as transfer()):
 * ext4 copies it as SPLICE does (through a pipe of its own, one copy), minus a request, an io-wq hand-off and
 * a wake-up of the event loop per MiB (docs/performance.md, "Session 16: cat to a file"). Where it cannot
 * copy these fds (copyRangeUnsupported: EXDEV, a destination that is not a regular file...), SPLICE, from
 * the bytes it copied; into an O_APPEND file, which splice(2) refuses (EINVAL) as copy_file_range does
 * (EBADF), the READ/WRITE copy, which appends as a write loop does. copy_file_range's other errors
 * (ENOSPC, EIO) reject with its syscall, as transfer()'s.
 */
export async function spliceTransfer(ring: Ring, from: TransferEnd, to: TransferEnd, options: SpliceOptions): Promise<number> {
  return (copying ?? (await loadCopying())).spliceTransfer(ring, from, to, options);
}
