// Reads that finish: a read(2) may return fewer bytes than asked before the
// end of the file, so these loops read on until the range is full or a read
// returns 0 (the end). readRange pipelines: several chunks in flight at once.
import type { Ring } from '../driver/ring.js';
import type { ErrorContext } from '../sys/errors.js';
import { alignedBuffer } from '../sys/aligned-buffer.js';
import { readSpec } from './ops.js';

/** Bytes per read of the pipelined paths (readFile, copyFile, cat): measured, see docs/fs.md. */
export const CHUNK = 256 * 1024;
/** Reads in flight at once on those paths. */
export const DEPTH = 4;

/**
 * Reads bytes `[at, at + length)` of the file into the same range of `buffer`,
 * until it is full or the file ends. Resolves with the bytes read.
 */
async function readFull(
  ring: Ring,
  fd: number,
  buffer: ArrayBufferView,
  at: number,
  length: number,
  signal: AbortSignal | undefined,
  context: ErrorContext | undefined,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await ring.submit(readSpec(fd, buffer, at + done, length - done, at + done, context), { signal });
    if (n === 0) break;
    done += n;
  }
  return done;
}

/**
 * Allocates one byte of ArrayBuffer memory right after a big result buffer,
 * so that V8's check for a young GC runs while that buffer is alive. V8 makes
 * the check on every ArrayBuffer allocation, before it allocates: once the
 * young generation's buffers pass 2 × its semi-space (32 MiB), it collects
 * them first. Without this, the check ran at the next call's first
 * allocation (readFile's probe or STATX buffer), when every earlier result,
 * the newest (the top of malloc's heap) among them, was garbage: glibc then
 * freed them into the top and gave it back to the kernel (its trim threshold
 * is twice the 1 MiB mmap threshold), so the next ~30 results of 1 MiB were
 * fresh pages, each faulted in by the READ's copy (docs/performance.md,
 * session 19). Node's readFile allocates small ArrayBuffers after its result
 * (each request's stats array), so its GCs ran with the new result on top.
 */
function checkGcAfter(): void {
  // Not `new ArrayBuffer(1)`: the bundler (rollup) takes that for pure and drops it when unused.
  Reflect.construct(ArrayBuffer, [1]);
}

/**
 * Reads the first `size` bytes of the file into one buffer, DEPTH chunks in
 * flight. If the file turns out shorter, the result is cut at its end.
 * Every read has settled (the kernel is done with the buffer) before this
 * resolves or rejects.
 */
export async function readRange(
  ring: Ring,
  fd: number,
  size: number,
  signal: AbortSignal | undefined,
  context?: ErrorContext,
  prefix?: Buffer,
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
        const got = await readFull(ring, fd, buffer, start, length, signal, context);
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
