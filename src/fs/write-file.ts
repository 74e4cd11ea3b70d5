// writeFile and appendFile: OPENAT, writes until every byte is acknowledged
// (a short write is resubmitted for the rest), an FSYNC with `flush`, CLOSE.
// On ENOSPC the bytes written before stay in the file and the error is
// reported with the path. An iterable's chunks are written as they come.
import { usesNode } from '../backend/backend.js';
import { nodeFs } from '../fallback/load-fs.js';
import { FileHandle, type WriteFileOptions } from './file-handle.js';
import { isAppend, toMode, toOpenFlags } from './flags.js';
import { closeAfter } from './close-fd.js';
import { openFd } from './open.js';
import { checkOptions, ringOf, throwIfAborted } from './options.js';
import { toCPath, type PathLike } from './path.js';
import { fsyncSpec } from './ops.js';
import { checkWriteFile, type WriteData, writeEach } from './write-data.js';
import { writeAll } from './write-all.js';

/** writeFile()/appendFile() options: encoding, flush, ring, signal, and the open's mode and flag. */
export interface WriteFileModuleOptions extends WriteFileOptions {
  /** Mode for a file that is created. Default 0o666. */
  mode?: number | string;
  /** Open flags. Default 'w' for writeFile, 'a' for appendFile. */
  flag?: string | number;
}

/**
 * Writes `data` to `path` (open, write until every byte is acknowledged, close), replacing
 * the file by default; given a FileHandle, writes through it and leaves it open.
 */
export async function writeFile(path: PathLike | FileHandle, data: WriteData, options?: WriteFileModuleOptions | BufferEncoding): Promise<void> {
  const opts = typeof options === 'string' ? { encoding: options } : checkOptions<WriteFileModuleOptions>(options);
  if (path instanceof FileHandle) return path.writeFile(data, opts);
  if (usesNode()) return (await nodeFs()).writeFile(path, data as never, opts);
  const p = toCPath(path);
  const checked = checkWriteFile(data, opts);
  const flags = toOpenFlags(opts.flag ?? 'w', 'options.flag');
  const mode = toMode(opts.mode, 0o666, 'options.mode');
  throwIfAborted(opts.signal);
  const ring = ringOf(opts);
  const fd = await openFd(p, flags, mode, opts);
  const context = { path: p.text };
  await closeAfter(ring, fd, context, async () => {
    // From offset 0 as Node does ('w' truncated the file); O_APPEND files take the current position (-1).
    let position = isAppend(flags) ? -1 : 0;
    const write = async (view: ArrayBufferView) => {
      const n = await writeAll(ring, fd, view, 0, view.byteLength, position, opts.signal, context);
      if (position >= 0) position += n;
    };
    await writeEach(data, checked, opts.signal, write);
    if (checked.flush) await ring.submit(fsyncSpec(fd, false, context), { signal: opts.signal });
  });
}

/** writeFile() with flag 'a' by default: appends `data`, creating the file if needed. */
export async function appendFile(path: PathLike | FileHandle, data: WriteData, options?: WriteFileModuleOptions | BufferEncoding): Promise<void> {
  const opts = typeof options === 'string' ? { encoding: options } : checkOptions<WriteFileModuleOptions>(options);
  return writeFile(path, data, { ...opts, flag: opts.flag ?? 'a' });
}
