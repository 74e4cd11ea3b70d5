// open(): IORING_OP_OPENAT, Node's flags (always with O_CLOEXEC), a FileHandle.
import { FileHandle } from './file-handle.js';
import { toMode, toOpenFlags, type OpenFlags } from './flags.js';
import { openSpec } from './ops.js';
import { checkOptions, ringOf, type FsOptions } from './options.js';
import { toCPath, type PathLike } from './path.js';

export async function open(path: PathLike, flags: OpenFlags = 'r', mode: number | string = 0o666, options?: FsOptions): Promise<FileHandle> {
  const p = toCPath(path);
  const f = toOpenFlags(flags);
  const m = toMode(mode, 0o666);
  const o = checkOptions<FsOptions>(options);
  const ring = ringOf(o);
  const fd = await ring.submit(openSpec(p.bytes, p.text, f, m), { signal: o.signal });
  return new FileHandle(fd, ring, p.text);
}

/** Opens `path` and returns the fd (for the module functions, which close it themselves). */
export function openFd(path: { bytes: Buffer; text: string }, flags: number, mode: number, options: FsOptions): Promise<number> {
  return ringOf(options).submit(openSpec(path.bytes, path.text, flags, mode), { signal: options.signal });
}
