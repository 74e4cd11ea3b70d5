// transfer() and spliceTransfer() as ringcore/fs exports them, and copyFile()'s
// SPLICE and READ/WRITE copies: the copying code (copying.ts) is loaded by the
// first copy, not by the import, and kept (import() itself costs microseconds
// per call). What the call did at once before still does: the arguments are
// checked (a bad one rejects) and the fds held (held-ends.ts) before the load,
// so that an fd closed just after the call cannot send the copy to another file.
import type { Ring } from '../driver/ring.js';
import { checkInteger } from './args.js';
import { withHeldEnds } from './held-ends.js';
import type { SpliceOptions } from './splice.js';
import type { TransferEnd, TransferOptions } from './transfer.js';

type Copying = typeof import('./copying.js');

let copying: Copying | undefined;

/** copying.ts, loaded on the first call. */
const loadCopying = async (): Promise<Copying> => (copying ??= await import('./copying.js'));

/**
 * Copies; resolves with the bytes copied. Every op has settled when it resolves or rejects. The copy holds
 * both fds' open files (duplicates of the fds) until then: closing an fd meanwhile does not stop it, nor
 * send its bytes anywhere else (abort `signal` to stop it).
 */
export async function transfer(ring: Ring, from: TransferEnd, to: TransferEnd, options: TransferOptions): Promise<number> {
  checkCopy(from, to, options);
  // The fds closed by the caller mid-copy must not let it reach another file (held-ends.ts): held before the load.
  return withHeldEnds(from, to, async (heldFrom, heldTo) => (copying ?? (await loadCopying())).transferHeld(ring, heldFrom, heldTo, options));
}

/**
 * Copies `from` (a file) to `to` in the kernel; resolves with the bytes copied. Every op has settled when it settles.
 * Between two regular files, copy_file_range on a libuv pool thread (range-transfer.ts, as transfer()):
 * ext4 copies it as SPLICE does (through a pipe of its own, one copy), minus a request, an io-wq hand-off and
 * a wake-up of the event loop per MiB (docs/performance.md, "Session 16: cat to a file"). Where it cannot
 * copy these fds (copyRangeUnsupported: EXDEV, a destination that is not a regular file...), SPLICE, from
 * the bytes it copied; into an O_APPEND file, which splice(2) refuses (EINVAL) as copy_file_range does
 * (EBADF), the READ/WRITE copy, which appends as a write loop does; so does a source that is not a regular
 * file, or one of size 0 (a /proc file, which SPLICE refuses). copy_file_range's other errors (ENOSPC, EIO)
 * reject with its syscall, as transfer()'s.
 */
export async function spliceTransfer(ring: Ring, from: TransferEnd, to: TransferEnd, options: SpliceOptions): Promise<number> {
  checkCopy(from, to, options);
  return withHeldEnds(from, to, async (heldFrom, heldTo) => (copying ?? (await loadCopying())).spliceHeld(ring, heldFrom, heldTo, options));
}

/** copyFile()'s SPLICE copy (splice.ts's spliceCopy), on the fds copyFile() opened. */
export async function spliceCopy(ring: Ring, from: TransferEnd, to: TransferEnd, options: SpliceOptions): Promise<number> {
  return (copying ?? (await loadCopying())).spliceCopy(ring, from, to, options);
}

/**
 * Throws (rejects) on fds and sizes no copy takes, before anything is asked of the kernel: an fd that is
 * not a number went to the kernel as 0 (`{ fd: undefined }` copied stdin), a negative or fractional size
 * failed with EINVAL from a READ, or a RangeError naming an internal field.
 */
function checkCopy(from: TransferEnd, to: TransferEnd, options: { size: number }): void {
  checkInteger(from.fd, 'from.fd', 0, 0x7fffffff);
  checkInteger(to.fd, 'to.fd', 0, 0x7fffffff);
  if (options.size !== Infinity) checkInteger(options.size, 'options.size', 0, Number.MAX_SAFE_INTEGER);
}
