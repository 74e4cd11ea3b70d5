// open(): IORING_OP_OPENAT, Node's flags (always with O_CLOEXEC), a FileHandle.
// `{ fixed: true }` also registers the handle (FileHandle.register()).
import { usesNode } from '../backend/backend.js';
import { nodeFs } from '../fallback/load-fs.js';
import { invalidArgType } from '../sys/errors.js';
import { FileHandle } from './file-handle.js';
import { toMode, toOpenFlags, type OpenFlags } from './flags.js';
import { openSpec } from './ops.js';
import { checkOptions, ringOf, type FsOptions } from './options.js';
import { toCPath, type PathLike } from './path.js';

/** open()'s options: the common fs options (ring, signal) and `fixed`. */
export interface OpenOptions extends FsOptions {
  /**
   * Register the fd with the ring (IORING_REGISTER_FILES) so that the
   * handle's ops use IOSQE_FIXED_FILE; a handle that cannot be registered
   * (no table, table full) works on its fd, as without this option.
   */
  fixed?: boolean;
}

/**
 * Opens `path` with IORING_OP_OPENAT (Node's flags, always O_CLOEXEC; mode default 0o666)
 * and resolves with a FileHandle; `{ fixed: true }` also registers it with the ring.
 */
export async function open(path: PathLike, flags: OpenFlags = 'r', mode: number | string = 0o666, options?: OpenOptions): Promise<FileHandle> {
  const p = toCPath(path);
  const f = toOpenFlags(flags);
  const m = toMode(mode, 0o666);
  const o = checkOptions<OpenOptions>(options);
  if (o.fixed !== undefined && typeof o.fixed !== 'boolean') throw invalidArgType('options.fixed', 'of type boolean', o.fixed);
  if (usesNode()) return (await nodeFs()).open(path, flags, m, o);
  const ring = ringOf(o);
  const fd = await ring.submit(openSpec(p.bytes, p.text, f, m), { signal: o.signal });
  const handle = new FileHandle(fd, ring, p.text);
  if (o.fixed === true) handle.register();
  return handle;
}

/** Opens `path` and returns the fd (for the module functions, which close it themselves). */
export function openFd(path: { bytes: Buffer; text: string }, flags: number, mode: number, options: FsOptions): Promise<number> {
  return ringOf(options).submit(openSpec(path.bytes, path.text, flags, mode), { signal: options.signal });
}
