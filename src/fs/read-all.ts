// Reads that finish: a read(2) may return fewer bytes than asked before the
// end of the file, so these loops read on until the range is full or a read
// returns 0 (the end). readRange pipelines: several chunks in flight at once.
import type { Ring } from '../driver/ring.js';
import { fileTooLargeError, type ErrorContext } from '../sys/errors.js';
import { alignedBuffer } from '../sys/aligned-buffer.js';
import { MAX_IO } from './args.js';
import { readSpec } from './ops.js';
import { fstatFd } from './stat.js';

/** Bytes per read of the pipelined paths (readFile, copyFile, cat): measured, see docs/fs.md. */
const CHUNK = 256 * 1024;
/** Reads in flight at once on those paths. */
const DEPTH = 4;

/**
 * Reads bytes `[base + at, base + at + length)` of the file into `[at, at + length)`
 * of `buffer`, until it is full or the file ends. Resolves with the bytes read.
 */
async function readFull(
  ring: Ring,
  fd: number,
  buffer: ArrayBufferView,
  at: number,
  length: number,
  signal: AbortSignal | undefined,
  context: ErrorContext | undefined,
  base: number,
  fixed: boolean,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await ring.submit(readSpec(fd, buffer, at + done, length - done, base + at + done, context, fixed), { signal });
    if (n === 0) break;
    done += n;
  }
  return done;
}

/**
 * Allocates one byte of ArrayBuffer memory right after a big result buffer,
 * so that V8's young-GC check (made before each ArrayBuffer allocation, once
 * the young buffers pass twice the semi-space, 32 MiB) runs while that buffer
 * is alive. Left to the next call's first allocation, it found every earlier
 * result garbage, the newest on top of malloc's heap: glibc gave the top back
 * to the kernel, and the next ~30 results of 1 MiB were fresh pages, each
 * faulted in by its READ (docs/performance.md, session 19).
 */
function checkGcAfter(): void {
  // Not `new ArrayBuffer(1)`: the bundler (rollup) takes that for pure and drops it when unused.
  Reflect.construct(ArrayBuffer, [1]);
}

/**
 * Reads `size` bytes of the file from offset `base` (default 0) into one
 * buffer, DEPTH chunks in flight. If the file turns out shorter, the result
 * is cut at its end. Every read has settled (the kernel is done with the
 * buffer) before this resolves or rejects. `fixed`: fd is a registered slot.
 */
async function readRange(
  ring: Ring,
  fd: number,
  size: number,
  signal: AbortSignal | undefined,
  context?: ErrorContext,
  prefix?: Buffer,
  base = 0,
  fixed = false,
): Promise<Buffer> {
  // Big reads land page-aligned (aligned-buffer.ts); the 4 KiB extra is noise from 64 KiB on.
  const big = size >= 64 * 1024;
  const buffer = big ? alignedBuffer(size) : Buffer.allocUnsafe(size);
  if (big) checkGcAfter();
  // Bytes already read (the probe of readFile) are copied, not read again.
  let next = prefix === undefined ? 0 : prefix.copy(buffer, 0, 0, Math.min(prefix.length, size));
  let end = size;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < end) {
      const start = next;
      const length = Math.min(CHUNK, end - start);
      next += length;
      try {
        const got = await readFull(ring, fd, buffer, start, length, signal, context, base, fixed);
        if (got < length) end = Math.min(end, start + got);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < DEPTH && next + i * CHUNK < size; i++) workers.push(worker());
  await Promise.all(workers);
  if (failure !== null) throw (failure as { error: unknown }).error;
  return end === size ? buffer : buffer.subarray(0, end);
}

/**
 * Reads to the end from `position` (-1: the kernel's current position), for
 * files whose size is not known (pipes, /proc). `fixed`: fd is a registered slot.
 */
export async function readToEnd(
  ring: Ring,
  fd: number,
  signal: AbortSignal | undefined,
  context?: ErrorContext,
  prefix?: Buffer,
  fixed = false,
  position = -1,
): Promise<Buffer> {
  const chunks: Buffer[] = prefix === undefined ? [] : [prefix];
  let total = prefix?.length ?? 0;
  let read = 0;
  for (let size = 64 * 1024; ; size = Math.min(size * 2, CHUNK)) {
    const chunk = Buffer.allocUnsafe(size);
    const n = await ring.submit(readSpec(fd, chunk, 0, size, position < 0 ? -1 : position + read, context, fixed), { signal });
    if (n === 0) break;
    chunks.push(n === size ? chunk : chunk.subarray(0, n));
    total += n;
    read += n;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** Bytes of the first READ of readWhole: files smaller than this need no STATX. */
const PROBE = 16 * 1024;

/**
 * The content of an open fd from offset `at` (a FileHandle's own position;
 * -1: the kernel's position of a fresh fd, 0, which readFile(path) reads at)
 * to its end. The first READ (PROBE bytes) usually gets a small file whole; a
 * second READ returning 0 confirms the end. That spares small files the
 * STATX, which io_uring always hands to a worker thread, where READs of cached
 * pages complete inline. A file that fills the probe is stat'ed (statx(2) on
 * this thread on a local filesystem, else a STATX op): a regular one
 * is then read up to that size into one buffer, DEPTH chunks in flight (what
 * it grows by after the STATX is left for the next read, as Node's readFile;
 * what it shrinks by cuts the result); anything else (a pipe, /proc's files of
 * size 0) is read until a READ returns 0. `target` is what READs name (fd, or
 * its registered slot when `fixed`); the STATX takes the real fd.
 */
export async function readWhole(
  ring: Ring,
  fd: number,
  at: number,
  signal: AbortSignal | undefined,
  context: ErrorContext | undefined,
  target = fd,
  fixed = false,
): Promise<Buffer> {
  const start = Math.max(at, 0);
  const probe = Buffer.allocUnsafe(PROBE);
  const n = await ring.submit(readSpec(target, probe, 0, PROBE, at, context, fixed), { signal });
  if (n < PROBE) {
    const more = n === 0 ? 0 : await ring.submit(readSpec(target, probe, n, PROBE - n, at < 0 ? -1 : at + n, context, fixed), { signal });
    if (more === 0) return Buffer.from(probe.subarray(0, n)); // an exact-size copy: the probe is not kept
    return readToEnd(ring, target, signal, context, probe.subarray(0, n + more), fixed, at < 0 ? -1 : at + n + more);
  }
  const stats = await fstatFd(ring, fd, context?.path, false, signal);
  if (stats.size > MAX_IO) {
    throw fileTooLargeError(stats.size);
  }
  if (stats.isFile() && stats.size > start + PROBE) return readRange(ring, target, stats.size - start, signal, context, probe, start, fixed);
  return readToEnd(ring, target, signal, context, probe, fixed, at < 0 ? -1 : at + PROBE);
}
