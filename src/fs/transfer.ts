// The pipelined copy behind copyFile and the cat example: DEPTH workers (2),
// each with its own page-aligned buffer of CHUNK bytes (1 MiB), read consecutive chunks of the source and write them
// out. Reads are full (short reads are completed), writes are complete
// (short writes resubmitted). To a file the writes go at the chunk's own
// offset, in any order; to a stream (a pipe, a terminal: `position: null`)
// they are made one after the other, in chunk order. A "stream" that is a
// regular file (stdout redirected to a file) still gets explicit offsets,
// from its offset at the start, which is moved past the copy at the end
// (file-position.ts: the kernel loses the offset after a write cut short).
// Registered buffers (READ_FIXED/WRITE_FIXED) are used when `registered` is set
// and the ring's BufferPool has room; on page-cache reads they measured no
// faster than plain buffers (both page-aligned), so nothing sets it by default
// (docs/fs.md).
import type { Ring } from '../driver/ring.js';
import { noProgressError, type ErrorContext } from '../sys/errors.js';
import { alignedBuffer } from '../sys/aligned-buffer.js';
import { poolFor, type PoolBuffer } from './buffer-pool.js';
import { FilePosition } from './file-position.js';
import { readFixedSpec, readSpec, writeFixedSpec, writeSpec } from './ops.js';

/**
 * Bytes per read, and reads in flight. Cached pages are copied inline in the
 * enter, so what depth buys is batching; past that, every op costs JavaScript
 * (about 2 µs) that a readSync loop does not pay: 1 MiB x 2 tied the readSync
 * loop on cat of 100 MB, 256 KiB x 4 was 1.2x slower (docs/fs.md).
 */
const CHUNK = 1024 * 1024;
const DEPTH = 2;
/**
 * Chunk buffers kept for the next transfer of this thread (at most DEPTH, 2 MiB):
 * a fresh 1 MiB buffer costs 256 page faults and their zeroing, about 1 ms per cat.
 */
const spares: Buffer[] = [];

/** One end of a copy: an open fd, and how its errors name it. */
export interface TransferEnd {
  /** The open fd. */
  fd: number;
  /** Path (or other context) its errors carry. */
  context?: ErrorContext;
}

/** What transfer() copies, and how. */
export interface TransferOptions {
  /** Bytes to copy from offset 0 of the source; Infinity: until a read returns 0. */
  size: number;
  /** true: write at the chunk's offset (a file); false: at the current position, in order (a stream). */
  positional: boolean;
  /** The source is read at the current position (a pipe or stdin), one read at a time. */
  sequentialSource?: boolean;
  /** Use the ring's registered buffers. */
  registered?: boolean;
  /** Bytes per read. Default 1 MiB. */
  chunk?: number;
  /** Reads in flight at once. Default 2 (1 for a sequential source). */
  depth?: number;
  /** Aborting cancels the ops in flight and rejects with an AbortError. */
  signal?: AbortSignal | undefined;
}

/** Copies; resolves with the bytes copied. Every op has settled when it resolves or rejects. */
export async function transfer(ring: Ring, from: TransferEnd, to: TransferEnd, options: TransferOptions): Promise<number> {
  const chunk = options.chunk ?? CHUNK;
  const depth = options.sequentialSource ? 1 : (options.depth ?? DEPTH);
  const { signal, positional } = options;
  const pool = options.registered && chunk <= CHUNK ? poolFor(ring, DEPTH * 2, CHUNK) : null;
  let end = options.size;
  let next = 0;
  let copied = 0;
  let failure: { error: unknown } | null = null;
  // The tail of the chain of ordered writes (stream output only).
  let lastWrite: Promise<void> = Promise.resolve();
  // Where ordered writes go (stream output only): -1 for a pipe or terminal.
  const output = positional ? null : new FilePosition(to.fd);

  const readChunk = async (buf: Buffer, fixed: PoolBuffer | null, start: number, length: number): Promise<number> => {
    let got = 0;
    while (got < length) {
      const position = options.sequentialSource ? -1 : start + got;
      const target = buf.subarray(got);
      const spec =
        fixed !== null
          ? readFixedSpec(from.fd, target, length - got, position, fixed.index, from.context)
          : readSpec(from.fd, target, 0, length - got, position, from.context);
      const n = await ring.submit(spec, { signal });
      if (n === 0) break;
      got += n;
    }
    return got;
  };

  const writeChunk = async (buf: Buffer, fixed: PoolBuffer | null, start: number, length: number): Promise<void> => {
    // Stream output: taken in chunk order (the caller waited for its turn).
    const at = output === null ? start : output.take(length);
    let done = 0;
    try {
      while (done < length) {
        const position = at < 0 ? -1 : at + done;
        const spec =
          fixed !== null
            ? writeFixedSpec(to.fd, buf, done, length - done, position, fixed.index, to.context)
            : writeSpec(to.fd, buf, done, length - done, position, to.context);
        const n = await ring.submit(spec, { signal });
        if (n === 0) throw noProgressError('write', length - done);
        done += n;
      }
    } finally {
      output?.settle(at, length, done);
    }
    copied += length;
  };

  const worker = async (): Promise<void> => {
    const fixed = pool?.acquire() ?? null;
    const spare = fixed === null && chunk === CHUNK ? spares.pop() : undefined;
    const buf = fixed !== null ? fixed.buffer.subarray(0, chunk) : (spare ?? alignedBuffer(chunk));
    try {
      while (failure === null && next < end) {
        const start = next;
        const length = Math.min(chunk, end - start);
        next += length;
        const myTurn = lastWrite;
        let done!: () => void;
        if (!positional) {
          lastWrite = new Promise<void>((resolve) => (done = resolve));
        }
        try {
          const got = await readChunk(buf, fixed, start, length);
          if (got < length) end = Math.min(end, start + got);
          if (!positional) await myTurn;
          if (failure === null && got > 0) await writeChunk(buf, fixed, start, got);
        } catch (error) {
          failure ??= { error };
        } finally {
          if (!positional) done();
        }
      }
    } finally {
      // Every op of this worker has settled: the kernel no longer uses the buffer.
      if (fixed !== null) pool!.release(fixed);
      else if (buf.length === CHUNK && spares.length < DEPTH) spares.push(buf); // idle now: the next transfer may have it
    }
  };

  const workers: Promise<void>[] = [];
  for (let i = 0; i < depth && i * chunk < Math.max(end, 1); i++) workers.push(worker());
  await Promise.all(workers);
  // Whoever writes to the fd next (the shell's next command) continues after the copy.
  output?.release();
  if (failure !== null) throw (failure as { error: unknown }).error;
  return copied;
}
