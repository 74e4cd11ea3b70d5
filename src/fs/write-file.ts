// writeFile and appendFile: OPENAT, writes until every byte is acknowledged
// (a short write is resubmitted for the rest), CLOSE. On ENOSPC the bytes
// written before stay in the file and the error is reported with the path.
import { usesNode } from '../backend/backend.js';
import { nodeFs } from '../fallback/load-fs.js';
import { FileHandle, type WriteFileOptions } from './file-handle.js';
import { isAppend, toMode, toOpenFlags } from './flags.js';
import { closeAfter } from './close-fd.js';
import { openFd } from './open.js';
import { checkOptions, ringOf, throwIfAborted } from './options.js';
import { toCPath, type PathLike } from './path.js';
import { toData, type WriteData } from './write-data.js';
import { writeAll } from './write-all.js';

/** writeFile()/appendFile() options: encoding, ring, signal, and the open's mode and flag. */
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
  const buffer = toData(data, opts.encoding ?? 'utf8');
  const flags = toOpenFlags(opts.flag ?? 'w', 'options.flag');
  const mode = toMode(opts.mode, 0o666, 'options.mode');
  throwIfAborted(opts.signal);
  const ring = ringOf(opts);
  const fd = await openFd(p, flags, mode, opts);
  const context = { path: p.text };
  // From offset 0 as Node does ('w' truncated the file); O_APPEND files take the current position (-1).
  await closeAfter(ring, fd, context, () => writeAll(ring, fd, buffer, 0, buffer.byteLength, isAppend(flags) ? -1 : 0, opts.signal, context));
}

/** writeFile() with flag 'a' by default: appends `data`, creating the file if needed. */
export async function appendFile(path: PathLike | FileHandle, data: WriteData, options?: WriteFileModuleOptions | BufferEncoding): Promise<void> {
  const opts = typeof options === 'string' ? { encoding: options } : checkOptions<WriteFileModuleOptions>(options);
  return writeFile(path, data, { ...opts, flag: opts.flag ?? 'a' });
}
