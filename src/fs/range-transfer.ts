// transfer() between two regular files: copy_file_range on a libuv pool
// thread (copy-range.ts), as copyFile copies, instead of READ/WRITE through
// user buffers. The bytes land where the READ/WRITE copy puts them (the
// source from offset 0, to the same offsets of a positional destination, or
// from a stream's current position on) and both fds' offsets are left as it
// leaves them. Where copy_file_range fails
// (EXDEV across filesystems, EINVAL, EBADF, ENOSPC...: it does not say which
// end failed), the READ/WRITE copy does it all again and reports the error
// with its syscall and path (docs/performance.md, "Session 13: cat to a file";
// spliceTransfer() measured no faster this way there, and keeps SPLICE).
import { AbortError } from '../sys/errors.js';
import { canCopyRange, copyRange } from './copy-range.js';
import { FilePosition } from './file-position.js';
import { isRegularFile } from './regular-file.js';

/** What rangeTransfer() copies: transfer()'s options. */
export interface RangeOptions {
  /** Bytes from offset 0 of the source; Infinity: until its end. */
  size: number;
  /** true: to the same offsets; false: from the destination's current position on. */
  positional: boolean;
  signal?: AbortSignal | undefined;
}

/**
 * Copies with copy_file_range when both fds are regular files; resolves with
 * the bytes copied, or null where it did not copy (not two regular files, an
 * O_APPEND destination at its position, or a failed copy_file_range). Rejects
 * only with an AbortError, once the pool thread is done with both fds.
 */
export async function rangeTransfer(fromFd: number, toFd: number, options: RangeOptions): Promise<number | null> {
  // A size the native call cannot take (negative, fractional, NaN) is the READ/WRITE copy's to handle, as before.
  const { size } = options;
  if (!(size === Infinity || (Number.isSafeInteger(size) && size >= 0))) return null;
  if (!canCopyRange() || !isRegularFile(fromFd) || !isRegularFile(toFd)) return null;
  const output = options.positional ? null : new FilePosition(toFd);
  // O_APPEND: copy_file_range refuses the fd (EBADF).
  if (output !== null && !output.seekable()) return null;
  const at = output === null ? 0 : output.take(0);
  // Until the end: copy_file_range stops there (returns 0), as a READ does.
  const length = size === Infinity ? Number.MAX_SAFE_INTEGER : size;
  const { copied, status } = await copyRange(fromFd, toFd, length, 0, options.signal, at);
  if (status !== 0 && status !== 1) return null;
  // The stream's position: just past what was copied (settle() of a range of 0 that moved `copied`).
  output?.settle(at, 0, copied);
  output?.release();
  if (status === 1) throw new AbortError(undefined, { cause: options.signal?.reason });
  return copied;
}
