// Writes that finish: a write(2) may write less than asked (a full disk, a
// pipe, a signal), so these loops resubmit the rest until every byte is
// acknowledged or an error says why not. Nothing is written twice.
import type { Ring } from '../driver/ring.js';
import { noProgressError, type ErrorContext } from '../sys/errors.js';
import { writeSpec } from './ops.js';

/**
 * Writes `length` bytes of `buffer` from `offset`, at file position `position`
 * (-1: the current position, as for pipes and O_APPEND files). Resolves with
 * the byte count; rejects with the first error (the bytes before it stay written).
 * `fixed`: `fd` is a slot of the ring's registered file table.
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
): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await ring.submit(writeSpec(fd, buffer, offset + done, length - done, position < 0 ? -1 : position + done, context, fixed), { signal });
    // A regular file never returns 0 for a non-empty write; guard anyway rather than spin.
    if (n === 0) throw noProgressError('write', length - done);
    done += n;
  }
  return done;
}
