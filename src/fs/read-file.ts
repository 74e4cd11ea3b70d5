// readFile(path): OPENAT, a first READ that gets a small file whole (and a
// READ of 0 to confirm its end), or for a bigger one STATX of the fd and
// reads straight into a result buffer of its size (DEPTH chunks in flight),
// then CLOSE. A file whose size is not known (a pipe, /proc) is read until a
// READ returns 0.
// On an error or an abort, every op has settled before the fd is closed and
// the promise rejects: nothing is leaked and no read lands after the return.
import { usesNode } from '../backend/backend.js';
import { nodeFs } from '../fallback/load-fs.js';
import type { Ring } from '../driver/ring.js';
import { readSpec } from './ops.js';
import { closeAfter } from './close-fd.js';
import { fileTooLargeError, type ErrorContext } from '../sys/errors.js';
import { checkEncoding, MAX_IO } from './args.js';
import { FileHandle, type ReadFileOptions } from './file-handle.js';
import { toOpenFlags } from './flags.js';
import { openFd } from './open.js';
import { checkOptions, ringOf, throwIfAborted } from './options.js';
import { toCPath, type PathLike } from './path.js';
import { readRange, readToEnd } from './read-all.js';
import { fstatSpec } from './stat.js';

/** readFile()'s options: encoding, signal, ring, and the open flag. */
export interface ReadFileModuleOptions extends ReadFileOptions {
  /** Open flags. Default 'r'. */
  flag?: string | number;
}

/** The content as a Buffer, or as a string when an encoding is given (as Node's). */
export async function readFile(path: PathLike | FileHandle, options?: (ReadFileModuleOptions & { encoding?: null }) | null): Promise<Buffer>;
export async function readFile(path: PathLike | FileHandle, options: (ReadFileModuleOptions & { encoding: BufferEncoding }) | BufferEncoding): Promise<string>;
export async function readFile(path: PathLike | FileHandle, options?: ReadFileModuleOptions | BufferEncoding | null): Promise<Buffer | string>;
export async function readFile(path: PathLike | FileHandle, options?: ReadFileModuleOptions | BufferEncoding | null): Promise<Buffer | string> {
  const opts = typeof options === 'string' ? { encoding: options } : checkOptions<ReadFileModuleOptions>(options);
  if (opts.encoding != null) checkEncoding(opts.encoding);
  if (path instanceof FileHandle) return path.readFile(opts);
  if (usesNode()) return (await nodeFs()).readFile(path, opts);
  const p = toCPath(path);
  const flags = toOpenFlags(opts.flag ?? 'r', 'options.flag');
  throwIfAborted(opts.signal);
  const ring = ringOf(opts);
  const fd = await openFd(p, flags, 0o666, opts);
  const context = { path: p.text };
  const data = await closeAfter(ring, fd, context, () => readOpen(ring, fd, opts.signal, context));
  return opts.encoding == null ? data : data.toString(opts.encoding);
}

/** Bytes of the first READ of readFile: files smaller than this need no STATX. */
const PROBE = 16 * 1024;

/**
 * The whole content of an open fd, from its start. The first READ (PROBE
 * bytes, at the current position: 0 on a fresh fd) usually gets a small file
 * whole; a second READ returning 0 confirms the end. That spares small files
 * the STATX, which io_uring always hands to a worker thread, where READs of
 * cached pages complete inline. A file that fills the probe is STATXed: a
 * regular one is then read into a buffer of its size, DEPTH chunks in flight;
 * anything else (a pipe, /proc) is read until a READ returns 0.
 */
async function readOpen(ring: Ring, fd: number, signal: AbortSignal | undefined, context: ErrorContext): Promise<Buffer> {
  const probe = Buffer.allocUnsafe(PROBE);
  const n = await ring.submit(readSpec(fd, probe, 0, PROBE, -1, context), { signal });
  if (n < PROBE) {
    const more = n === 0 ? 0 : await ring.submit(readSpec(fd, probe, n, PROBE - n, -1, context), { signal });
    if (more === 0) return Buffer.from(probe.subarray(0, n)); // an exact-size copy: the probe is not kept
    return readToEnd(ring, fd, signal, context, probe.subarray(0, n + more));
  }
  const stats = await ring.submit(fstatSpec(fd, context.path), { signal });
  if (stats.size > MAX_IO) {
    throw fileTooLargeError(stats.size);
  }
  if (stats.isFile() && stats.size > PROBE) return readRange(ring, fd, stats.size, signal, context, probe);
  return readToEnd(ring, fd, signal, context, probe);
}
