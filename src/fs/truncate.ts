// truncate(path, len): OPENAT 'r+', FileHandle.truncate (FTRUNCATE), CLOSE.
import { checkInteger } from './args.js';
import { open } from './open.js';
import { checkOptions, type FsOptions } from './options.js';
import type { PathLike } from './path.js';

/** Truncates (or extends with zeros) the file at `path` to `len` bytes: open 'r+', FTRUNCATE, close. */
export async function truncate(path: PathLike, len = 0, options?: FsOptions): Promise<void> {
  checkInteger(len, 'len', 0, Number.MAX_SAFE_INTEGER);
  const o = checkOptions<FsOptions>(options);
  const handle = await open(path, 'r+', 0o666, o);
  try {
    await handle.truncate(len, o);
  } finally {
    await handle.close();
  }
}
