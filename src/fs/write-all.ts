// Writes that finish: a write(2) may write less than asked (a full disk, a
// pipe, a signal), so these loops resubmit the rest until every byte is
// acknowledged or an error says why not. Nothing is written twice.
import type { Ring } from '../driver/ring.js';
import { noProgressError, type ErrorContext } from '../sys/errors.js';
import { MAX_IO } from './args.js';
import { writeSpec } from './ops.js';

/**
 * Writes `length` bytes of `buffer` from `offset`, at file position `position`
 * (-1: the kernel's current position: for pipes and O_APPEND files only). Resolves with
 * the byte count; rejects with the first error (the bytes before it stay written).
 * `fixed`: `fd` is a slot of the ring's registered file table. `progress.done`
 * counts the bytes acknowledged so far, for callers that need it after an error.
 * Give a regular file an explicit `position` (see file-position.ts): after a
 * write at -1 that was cut short by an error, the kernel's offset is not moved.
 */
export async function writeAll(
  ring: Ring,
  fd: number,
  buffer: ArrayBufferView,
  offset: number,
  length: number,
  position: number,
  signal: AbortSignal | undefined,
  context?: ErrorContext,
  fixed = false,
  progress: { done: number } = { done: 0 },
): Promise<number> {
  while (progress.done < length) {
    const done = progress.done;
    // At most MAX_IO a WRITE (the kernel writes at most that anyway): 4 GiB in the SQE's 32-bit length was 0 bytes.
    const part = Math.min(length - done, MAX_IO);
    const n = await ring.submit(writeSpec(fd, buffer, offset + done, part, position < 0 ? -1 : position + done, context, fixed), { signal });
    // A regular file never returns 0 for a non-empty write; guard anyway rather than spin.
    if (n === 0) throw noProgressError('write', length - done);
    progress.done += n;
  }
  return progress.done;
}
