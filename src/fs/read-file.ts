// readFile(path): OPENAT, a first READ that gets a small file whole (and a
// READ of 0 to confirm its end), or for a bigger one STATX of the fd and
// reads straight into a result buffer of its size (DEPTH chunks in flight),
// then CLOSE. A file whose size is not known (a pipe, /proc) is read until a
// READ returns 0.
// On an error or an abort, every op has settled before the fd is closed and
// the promise rejects: nothing is leaked and no read lands after the return.
import { usesNode } from '../backend/backend.js';
import { nodeFs } from '../fallback/load-fs.js';
import { closeAfter } from './close-fd.js';
import { checkEncoding } from './args.js';
import { FileHandle, type ReadFileOptions } from './file-handle.js';
import { toOpenFlags } from './flags.js';
import { openFd } from './open.js';
import { checkOptions, ringOf, throwIfAborted } from './options.js';
import { toCPath, type PathLike } from './path.js';
import { readWhole } from './read-all.js';

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
  const data = await closeAfter(ring, fd, context, () => readWhole(ring, fd, -1, opts.signal, context));
  return opts.encoding == null ? data : data.toString(opts.encoding);
}
