// The pipelined copy behind copyFile's READ/WRITE path and the cat example:
// DEPTH workers (2), each with its own page-aligned buffer of CHUNK bytes
// (1 MiB), read consecutive chunks of the source and write them out. Reads
// of a file are full (short reads are completed), writes are complete (short
// writes resubmitted).
// When every write has an offset of its own (a file at the chunk's offset, or
// a "stream" that is a regular file or /dev/null, from its offset at the
// start, moved past the copy at the end: file-position.ts, since the kernel
// loses the offset after a write cut short), the order of the writes does not
// matter, and a worker links CHAIN_PAIRS READ/WRITE pairs into one chain
// (IOSQE_IO_LINK) that reuses its one buffer: the kernel runs them back to
// back, and only the chain's last op posts a CQE when all succeed
// (IOSQE_CQE_SKIP_SUCCESS): one trip through JavaScript per 4 MiB instead of
// two per MiB (docs/performance.md, "Session 11: pipelined READ"). A short read
// (the end of the file) or a short write breaks the link; the rest of that
// pair is finished with plain ops and the next chain starts after it.
// A source that grows while it is copied (size: Infinity): a worker may read
// past the end another one found, what was appended in between; the bytes
// between are then filled in at the end, so the output never has a hole. If
// the source shrinks again before they are, the output is cut back to what
// was filled (a file that the copy's writes reached the end of), and to a
// pipe no chunk is written past the end an earlier chunk found.
// To a pipe, a socket or a terminal (`position: -1`), and from a sequential
// source, every op goes through JavaScript: a read of the next chunk overlaps
// the write of this one, and the writes are made one after the other, in
// chunk order.
// A source that is not a regular file (a pipe, a socket, a terminal) is read
// sequentially whatever the options say: reads side by side would take its
// bytes in whatever order the kernel wakes them. Its short read is written at
// once (a file's is completed): those bytes have left the pipe, and waiting
// for a full chunk would delay them while it pauses and lose them to an abort.
// Until the end (`size: Infinity`) from a file read at offsets, reads running
// side by side past the end could see the file grow between them and leave a
// hole in the output, so chunks are taken by several workers only below the
// source's size, and past it by one worker at a time. The size is the one
// copyEnds() read with a plain statx(2) before the copy where the file is on a
// local filesystem: a STATX op always goes to an io-wq worker, a thread woken
// per copy (docs/performance.md, "Session 20: pipelined READ's fixed costs").
// From a regular file to a regular file (the default options: no method,
// registered buffers, chunk or depth asked for), the bytes are copied in the kernel
// instead, by copy_file_range on a libuv pool thread (copy-range.ts), at the
// same offsets as the READ/WRITE copy would write them; where it cannot copy
// these fds (EXDEV, EINVAL...: copyRangeUnsupported in copy-range.ts) the
// copy goes on as below from the bytes it copied; its other errors (ENOSPC,
// EIO) reject (docs/performance.md, "Session 13: cat to a file").
// Registered buffers (READ_FIXED/WRITE_FIXED) are used when `registered` is set
// and the ring's BufferPool has room; on page-cache reads they measured no
// faster than plain buffers (both page-aligned), so nothing sets it by default
// (docs/fs.md).
import type { Ring } from '../driver/ring.js';
import { noProgressError, type ErrorContext } from '../sys/errors.js';
import { rangeTransfer } from './range-transfer.js';
import { copyEnds, isRegularFile, type CopyEnds } from './regular-file.js';
import { alignedBuffer } from '../sys/aligned-buffer.js';
import { poolFor, type PoolBuffer } from './buffer-pool.js';
import { FilePosition } from './file-position.js';
import { fstatFd } from './stat.js';
import { truncateFd } from './truncate-fd.js';
import { readFixedSpec, readSpec, writeFixedSpec, writeSpec } from './ops.js';
import type { OpSpec } from '../op/op.js';
import { chainError } from './chain-error.js';

/**
 * Bytes per read, and reads in flight. Cached pages are copied inline in the
 * enter, so what depth buys is batching; past that, every op costs JavaScript
 * (about 2 µs) that a readSync loop does not pay: 1 MiB x 2 tied the readSync
 * loop on cat of 100 MB, 256 KiB x 4 was 1.2x slower (docs/fs.md).
 */
const CHUNK = 1024 * 1024;
const DEPTH = 2;
/**
 * READ/WRITE pairs per linked chain, where the writes have offsets of their
 * own. The kernel runs a chain of cached reads inside one enter, so the
 * workers' chains are also how long the thread is away from its event loop:
 * 2 x 4 MiB, about 1 ms of copying on a quiet VM here.
 */
const CHAIN_PAIRS = 4;
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
  /**
   * Bytes to copy from offset 0 of the source; Infinity: until a read returns 0
   * (no stat needed first: the source's size is asked for alongside the first reads),
   * or into the source's own file, its size at the start.
   */
  size: number;
  /** true: write at the chunk's offset (a file); false: at the current position, in order (a stream). */
  positional: boolean;
  /**
   * The source is read at the current position, one read at a time, each read's bytes written as they come
   * (a source that is not a regular file, a pipe or stdin, is read so whatever this says).
   */
  sequentialSource?: boolean;
  /**
   * Unset (default): between two regular files, copy_file_range on a pool thread where it can copy,
   * READ/WRITE otherwise; 'readwrite': always READ/WRITE through user buffers.
   */
  method?: 'readwrite';
  /** Use the ring's registered buffers. */
  registered?: boolean;
  /** Bytes per read. Default 1 MiB. */
  chunk?: number;
  /** Reads in flight at once. Default 2 (1 for a sequential source). */
  depth?: number;
  /** Aborting cancels the ops in flight and rejects with an AbortError. */
  signal?: AbortSignal | undefined;
}

/** transfer() (lazy-copy.ts) on its own fds: the duplicates withHeldEnds() made. */
export async function transferHeld(ring: Ring, from: TransferEnd, to: TransferEnd, givenOptions: TransferOptions): Promise<number> {
  const ends = await copyEnds(ring, from.fd, to.fd, from.context?.path, givenOptions.signal);
  const options = boundedToItself(ends, givenOptions);
  if (!inKernel(options)) return pipelined(ring, from, to, options, 0, ends);
  const range = ends.regular ? await rangeTransfer(from.fd, to.fd, options, from.context, to.context) : null;
  if (range === null) return pipelined(ring, from, to, options, 0, ends);
  if (range.done) return range.copied;
  // copy_file_range cannot copy these fds from some point on: the rest by READ/WRITE (a stream's offset is past what it copied).
  return range.copied + (await pipelined(ring, from, to, options, range.copied, ends));
}

/**
 * The options of a copy until the source ends, with its size set to the source's now when the destination is the
 * source's own file (copyEnds()): each byte written there would grow the source by as much, and the copy never ended.
 */
export function boundedToItself<T extends { size: number }>(ends: CopyEnds, options: T): T {
  return options.size === Infinity && ends.ownSize >= 0 ? { ...options, size: ends.ownSize } : options;
}

/** Whether the options leave the choice of copy to transfer(): none of the READ/WRITE copy's own asked for. */
function inKernel(options: TransferOptions): boolean {
  const { method, sequentialSource, registered, chunk, depth } = options;
  return method === undefined && !sequentialSource && !registered && chunk === undefined && depth === undefined;
}

/**
 * The READ/WRITE copy (the comment at the top), of the source from offset `start` on; resolves with the bytes it copied.
 * Also spliceTransfer()'s into an O_APPEND file, which splice(2) refuses. `source`: what copyEnds() found of the source.
 */
export async function pipelined(
  ring: Ring,
  from: TransferEnd,
  to: TransferEnd,
  options: TransferOptions,
  start: number,
  source: Pick<CopyEnds, 'fromRegular' | 'fromSize'>,
): Promise<number> {
  const chunk = options.chunk ?? CHUNK;
  const sequential = options.sequentialSource === true || !source.fromRegular;
  const depth = sequential ? 1 : (options.depth ?? DEPTH);
  const { signal, positional } = options;
  const pool = options.registered && chunk <= CHUNK ? poolFor(ring, DEPTH * 2, CHUNK) : null;
  let end = options.size;
  let next = start;
  // Chunks below `known` are there to read, and are taken by any worker; at
  // and past it, by the `tail` worker only, one run after the other.
  // Until the end of a file read by several workers: its size (0 for /proc files, whose reads all go through the tail).
  const known = end === Infinity && depth > 1 ? source.fromSize : end;
  let tail = false;
  let copied = 0;
  // Just past the furthest byte of the source written out, and where the output's byte for source offset 0 is (chained runs).
  let high = start;
  let base = 0;
  let failure: { error: unknown } | null = null;
  // The tail of the chain of ordered writes (stream output only).
  let lastWrite: Promise<void> = Promise.resolve();
  // Where ordered writes go (stream output only): -1 for a pipe or terminal.
  const output = positional ? null : new FilePosition(to.fd);
  // Every write has an offset of its own: their order does not matter, so reads and writes are chained.
  const chained = !sequential && (output === null || output.seekable());
  // A chain must fit in the ring with room to spare, next to the other workers' chains.
  const pairs = Math.max(1, Math.min(CHAIN_PAIRS, (ring.uring.sqEntries >> 2) - 1));

  /** READ of `length` bytes at buf[got], from `position` (-1: the source's own). */
  const readOp = (buf: Buffer, fixed: PoolBuffer | null, got: number, length: number, position: number): OpSpec<number> =>
    fixed !== null
      ? readFixedSpec(from.fd, buf.subarray(got), length, position, fixed.index, from.context)
      : readSpec(from.fd, buf.subarray(got), 0, length, position, from.context);

  /** WRITE of buf[done, done + length) at `position` (-1: the kernel's). */
  const writeOp = (buf: Buffer, fixed: PoolBuffer | null, done: number, length: number, position: number): OpSpec<number> =>
    fixed !== null ? writeFixedSpec(to.fd, buf, done, length, position, fixed.index, to.context) : writeSpec(to.fd, buf, done, length, position, to.context);

  /**
   * Reads buf[got, length) from `start` on: until full or the source's end (a sequential source: until a read
   * brings something, or the end); resolves with the bytes in buf.
   */
  const readRest = async (buf: Buffer, fixed: PoolBuffer | null, start: number, got: number, length: number): Promise<number> => {
    while (got < length) {
      const n = await ring.submit(readOp(buf, fixed, got, length - got, sequential ? -1 : start + got), { signal });
      if (n === 0) break;
      got += n;
      if (sequential) break;
    }
    return got;
  };

  /**
   * A read that completed as the copy was aborted keeps its bytes (op.ts); from a source that cannot
   * be read again (a pipe, a socket) they have left it, and a write refused for the abort lost them.
   * They are written whatever the abort, to a regular file, whose write waits for no reader; to a
   * pipe or socket the abort still ends the write, which a reader that stopped would hold for ever.
   */
  const takenAborts = !sequential || !isRegularFile(to.fd);

  /** Writes buf[done, length) to `at` on (-1: the kernel's position). */
  const writeRest = async (buf: Buffer, fixed: PoolBuffer | null, at: number, done: number, length: number, aborts = true): Promise<void> => {
    while (done < length) {
      const n = await ring.submit(writeOp(buf, fixed, done, length - done, at < 0 ? -1 : at + done), { signal: aborts ? signal : undefined });
      if (n === 0) throw noProgressError('write', length - done);
      done += n;
    }
  };

  const writeChunk = async (buf: Buffer, fixed: PoolBuffer | null, start: number, length: number): Promise<void> => {
    // Stream output: taken in chunk order (the caller waited for its turn).
    const at = output === null ? start : output.take(length);
    let done = 0;
    try {
      await writeRest(buf, fixed, at, 0, length, takenAborts);
      done = length;
    } finally {
      output?.settle(at, length, done);
    }
    copied += length;
  };

  /** One chunk through JavaScript: read it, wait for its turn (stream output), write it. */
  const copyChunk = async (buf: Buffer, fixed: PoolBuffer | null, limit: number): Promise<void> => {
    const start = next;
    const length = Math.min(chunk, limit - start);
    next += length;
    const myTurn = lastWrite;
    let done!: () => void;
    if (!positional) {
      lastWrite = new Promise<void>((resolve) => (done = resolve));
    }
    try {
      const got = await readRest(buf, fixed, start, 0, length);
      // A sequential source (one worker) ends at a read of 0 bytes only; the next chunk starts where this one stopped.
      if (sequential) next = start + got;
      if (got < length && (got === 0 || !sequential)) end = Math.min(end, start + got);
      if (!positional) await myTurn;
      // An earlier chunk found the end below this one's start (the source was cut, then regrew before this read): written, these bytes would follow that chunk's with the ones between missing.
      if (failure === null && got > 0 && start < end) await writeChunk(buf, fixed, start, got);
    } finally {
      if (!positional) done();
    }
  };

  /**
   * Up to `pairs` chunks from `next` on, each a READ into buf linked to its
   * WRITE, in chains; a pair the kernel cut short (which broke its chain) is
   * finished with plain ops, and the next chain starts after it.
   */
  const copyRun = async (buf: Buffer, fixed: PoolBuffer | null, limit: number): Promise<void> => {
    const start = next;
    const lengths: number[] = [];
    let total = 0;
    while (lengths.length < pairs && start + total < limit) {
      const length = Math.min(chunk, limit - start - total);
      lengths.push(length);
      total += length;
    }
    next = start + total;
    // Where the run's writes go: the chunk's own offset, or a range of the output's taken in chunk order.
    const at = output === null ? start : output.take(total);
    base = at - start;
    let offset = 0;
    try {
      for (let p = 0; p < lengths.length && start + offset < end; ) {
        const specs: OpSpec<number>[] = [];
        for (let q = p, o = offset; q < lengths.length; o += lengths[q]!, q++) {
          const length = lengths[q]!;
          specs.push({ ...readOp(buf, fixed, 0, length, start + o), skipSuccess: length }, { ...writeOp(buf, fixed, 0, length, at + o), skipSuccess: length });
        }
        const results = await Promise.allSettled(ring.link(specs, { signal }) as Promise<number>[]);
        for (let i = 0; p < lengths.length; i += 2) {
          const length = lengths[p++]!;
          const [read, write] = [results[i]!, results[i + 1]!];
          if (read.status === 'rejected') throw chainError(results, i);
          let written: number;
          if (write.status === 'fulfilled') written = write.value;
          else if (read.value === length)
            throw chainError(results, i + 1); // the write failed by itself (ENOSPC, EPIPE...)
          else written = 0; // a short read broke the link
          const got = read.value < length ? await readRest(buf, fixed, start + offset, read.value, length) : length;
          await writeRest(buf, fixed, at + offset, written, got);
          offset += got;
          copied += got;
          // Past the last byte written: a read at or past the end (got 0) wrote nothing, and leaves no gap to fill.
          if (got > 0) high = Math.max(high, start + offset);
          if (got < length) {
            end = Math.min(end, start + offset);
            return;
          }
          // Anything short broke the link: the rest of the chain was cancelled, and the next one starts here.
          if (read.value < length || written < length) break;
        }
      }
    } finally {
      output?.settle(at, total, offset);
    }
  };

  /**
   * Copies [from, to) of the source, one chunk at a time, and resolves with
   * where the copy ends. A worker wrote past the end another one found: the
   * source grew between their reads (a writer appending while it is copied),
   * and the bytes between were never written. Filled in, the output is a copy
   * of the source's first bytes, with no hole of zeros in it.
   */
  const fillGap = async (from: number, to: number): Promise<number> => {
    const buf = chunk === CHUNK ? (spares.pop() ?? alignedBuffer(chunk)) : alignedBuffer(chunk);
    try {
      while (from < to) {
        const got = await readRest(buf, null, from, 0, Math.min(chunk, to - from));
        if (got === 0) break; // the source shrank too: nothing to fill with
        await writeRest(buf, null, from + base, 0, got);
        from += got;
      }
      return Math.min(from, to);
    } finally {
      if (buf.length === CHUNK && spares.length < DEPTH) spares.push(buf);
    }
  };

  const worker = async (): Promise<void> => {
    const fixed = pool?.acquire() ?? null;
    const spare = fixed === null && chunk === CHUNK ? spares.pop() : undefined;
    const buf = fixed !== null ? fixed.buffer.subarray(0, chunk) : (spare ?? alignedBuffer(chunk));
    try {
      while (failure === null && next < end) {
        // Below the known size: a run up to it. Past it: the tail's, up to the end, unless another worker has the tail.
        const below = next < known;
        if (!below && tail) break; // the tail's worker goes on alone
        if (!below) tail = true;
        try {
          await (chained ? copyRun(buf, fixed, below ? known : end) : copyChunk(buf, fixed, below ? known : end));
        } catch (error) {
          failure ??= { error };
        } finally {
          if (!below) tail = false;
        }
      }
    } finally {
      // Every op of this worker has settled: the kernel no longer uses the buffer.
      if (fixed !== null) pool!.release(fixed);
      else if (buf.length === CHUNK && spares.length < DEPTH) spares.push(buf); // idle now: the next transfer may have it
    }
  };

  const workers: Promise<void>[] = [];
  for (let i = 0; i < depth && i * chunk < Math.max(end - start, 1); i++) workers.push(worker());
  await Promise.all(workers);
  if (failure === null && high > end) {
    try {
      const filled = await fillGap(end, high);
      // The source shrank again before the gap was filled: past `filled` the output has bytes of no one state of the source, and a gap.
      if (filled < high) {
        await cutBack(ring, to, filled + base, high + base, signal);
        output?.cutBack(filled + base);
      }
      copied = filled - start;
    } catch (error) {
      failure = { error };
    }
  }
  // Whoever writes to the fd next (the shell's next command) continues after the copy.
  output?.release();
  if (failure !== null) throw (failure as { error: unknown }).error;
  return copied;
}

/**
 * Cuts the output file back to `length` bytes when the copy's writes reached
 * its end (`reach`): what lies past `length` is the copy's, not the source's.
 * A file longer than that keeps its own bytes there, as any copy shorter than
 * its destination leaves them.
 */
async function cutBack(ring: Ring, to: TransferEnd, length: number, reach: number, signal: AbortSignal | undefined): Promise<void> {
  const stats = await fstatFd(ring, to.fd, to.context?.path, false, signal);
  if (!stats.isFile() || stats.size > reach) return;
  await truncateFd(ring, to.fd, length, { context: to.context, signal });
}
