// transfer() between two regular files: copy_file_range on a libuv pool
// thread (copy-range.ts), as copyFile copies, instead of READ/WRITE through
// user buffers. The bytes land where the READ/WRITE copy puts them (the
// source from offset 0, to the same offsets of a positional destination, or
// from a stream's current position on) and both fds' offsets are left as it
// leaves them. Where copy_file_range cannot copy these two fds
// (copyRangeUnsupported: EXDEV across filesystems, EINVAL, an O_APPEND
// destination's EBADF...), the READ/WRITE copy goes on from the bytes it
// copied; any other error (ENOSPC, EIO, EFBIG) is the copy's, and rejects as
// copy_file_range's: run again another way it would only fail again, after
// writing the same bytes a second time (docs/performance.md, "Session 13: cat
// to a file"). spliceTransfer() between two regular files copies this way too
// since session 16 (its SPLICE pairs cost a request and a wake-up per MiB).
import { AbortError, errnoException, type ErrorContext } from '../sys/errors.js';
import { copyRange, copyRangeUnsupported } from './copy-range.js';
import { FilePosition } from './file-position.js';

/** What rangeTransfer() copies: transfer()'s options. */
export interface RangeOptions {
  /** Bytes from offset 0 of the source; Infinity: until its end. */
  size: number;
  /** true: to the same offsets; false: from the destination's current position on. */
  positional: boolean;
  signal?: AbortSignal | undefined;
}

/** How far rangeTransfer() got: all of it (`done`), or `copied` bytes before copy_file_range found it cannot copy these fds. */
export interface RangeResult {
  copied: number;
  done: boolean;
}

/**
 * Copies with copy_file_range between two fds that the caller found open on regular
 * files (copyEnds()); resolves with what it copied, or null where it did not start
 * (an O_APPEND destination at its position). Where it stopped because
 * copy_file_range cannot copy these fds (`done: false`), the source's bytes
 * from `copied` on are still to be copied, and a stream destination's offset
 * is just past what was. Rejects with an AbortError, or with copy_file_range's
 * error (path: the source's, dest: the destination's), once the pool thread
 * is done with both fds.
 */
export async function rangeTransfer(fromFd: number, toFd: number, options: RangeOptions, from?: ErrorContext, to?: ErrorContext): Promise<RangeResult | null> {
  // A size the native call cannot take (negative, fractional, NaN) is the READ/WRITE copy's to handle, as before.
  const { size } = options;
  if (!(size === Infinity || (Number.isSafeInteger(size) && size >= 0))) return null;
  const output = options.positional ? null : new FilePosition(toFd);
  // O_APPEND: copy_file_range refuses the fd (EBADF).
  if (output !== null && !output.seekable()) return null;
  const at = output === null ? 0 : output.take(0);
  // Until the end: copy_file_range stops there (returns 0), as a READ does.
  const length = size === Infinity ? Number.MAX_SAFE_INTEGER : size;
  const { copied, status } = await copyRange(fromFd, toFd, length, 0, options.signal, at);
  // The stream's position: just past what was copied (settle() of a range of 0 that moved `copied`), whatever came after.
  output?.settle(at, 0, copied);
  output?.release();
  if (status === 0) return { copied, done: true };
  if (status === 1) throw new AbortError(undefined, { cause: options.signal?.reason });
  if (copyRangeUnsupported(status)) return { copied, done: false };
  const dest = to?.dest ?? to?.path;
  throw errnoException(status, 'copy_file_range', {
    ...(from?.path !== undefined ? { path: from.path } : {}),
    ...(dest !== undefined ? { dest } : {}),
  });
}
