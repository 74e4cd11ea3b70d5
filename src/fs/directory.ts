// Directories: mkdir (MKDIRAT, with `recursive`), rmdir (UNLINKAT with
// AT_REMOVEDIR), rm (lstat + unlink/rmdir, recursive), and readdir, which has
// no io_uring op (getdents64 is not in io_uring): it uses node:fs/promises'
// readdir, on Node's thread pool. A kernel without MKDIRAT (5.15) or UNLINKAT
// (5.11) gets node:fs's mkdir, rmdir and rm, as the node backend does.
import { usesNode } from '../backend/backend.js';
import { nodeFs } from '../fallback/load-fs.js';
import type * as FsPromises from 'node:fs/promises';
import { lazyBuiltin } from '../sys/builtins.js';
import type { Dirent } from 'node:fs';
import { dirname } from 'node:path';
import * as C from '../sys/constants.js';
import { errnoException, invalidArgType } from '../sys/errors.js';
import { addressOf } from '../sys/memory.js';
import type { Ring } from '../driver/ring.js';
import type { OpSpec } from '../op/op.js';
import { toMode } from './flags.js';
import { unlinkSpec } from './names.js';
import { checkOptions, ringOf, throwIfAborted, type FsOptions } from './options.js';
import { toCPath, type PathLike } from './path.js';
import { statPath } from './stat.js';
import { EEXIST, EISDIR, ENOENT } from '../sys/errno.js';

const fsPromises = lazyBuiltin<typeof FsPromises>('node:fs/promises');

/** mkdir()'s options. */
export interface MkdirOptions extends FsOptions {
  /** Create missing parents too, and accept an existing directory. Default false. */
  recursive?: boolean;
  /** Mode of the new directories (before the umask). Default 0o777. */
  mode?: number | string;
}

function mkdirSpec(path: { bytes: Buffer; text: string }, mode: number): OpSpec<void> {
  return {
    syscall: 'mkdir',
    prep: (uring, sqe) => uring.prepMkdirat(sqe, C.AT_FDCWD, addressOf(path.bytes), mode),
    pin: path.bytes,
    context: { path: path.text },
    map: () => undefined,
  };
}

/**
 * MKDIRAT. With `recursive`, the missing parents too; resolves with the first
 * directory created (undefined if none was), as Node's does.
 */
export async function mkdir(path: PathLike, options?: MkdirOptions | number | string): Promise<string | undefined> {
  const opts = typeof options === 'number' || typeof options === 'string' ? { mode: options } : checkOptions<MkdirOptions>(options);
  const p = toCPath(path);
  const mode = toMode(opts.mode, 0o777, 'options.mode');
  if (opts.recursive !== undefined && typeof opts.recursive !== 'boolean') throw invalidArgType('options.recursive', 'of type boolean', opts.recursive);
  if (usesNode() || !ringOf(opts).supports(C.IORING_OP_MKDIRAT)) return (await nodeFs()).mkdir(path, mode, opts);
  const ring = ringOf(opts);
  if (!opts.recursive) {
    await ring.submit(mkdirSpec(p, mode), { signal: opts.signal });
    return undefined;
  }
  return mkdirp(ring, p.text, mode, opts.signal);
}

async function mkdirp(ring: Ring, path: string, mode: number, signal: AbortSignal | undefined): Promise<string | undefined> {
  const p = toCPath(path);
  try {
    await ring.submit(mkdirSpec(p, mode), { signal });
    return path;
  } catch (error) {
    const errno = (error as { errno?: number }).errno;
    if (errno === -EEXIST) {
      // An existing directory is fine; an existing file is not.
      const stats = await statPath(ring, 'stat', p, false, signal);
      if (stats.isDirectory()) return undefined;
      throw error;
    }
    if (errno !== -ENOENT || dirname(path) === path) throw error;
    const first = await mkdirp(ring, dirname(path), mode, signal);
    try {
      await ring.submit(mkdirSpec(p, mode), { signal });
    } catch (again) {
      // Made meanwhile by someone else: fine if it is a directory.
      if ((again as { errno?: number }).errno !== -EEXIST) throw again;
    }
    return first ?? path;
  }
}

/** Removes an empty directory (IORING_OP_UNLINKAT with AT_REMOVEDIR). */
export async function rmdir(path: PathLike, options?: FsOptions): Promise<void> {
  const p = toCPath(path);
  const o = checkOptions<FsOptions>(options);
  if (usesNode() || !ringOf(o).supports(C.IORING_OP_UNLINKAT)) return (await nodeFs()).rmdir(path, o);
  await ringOf(o).submit(unlinkSpec(p, true), { signal: o.signal });
}

/** rm()'s options. */
export interface RmOptions extends FsOptions {
  /** Remove a directory and everything in it. Default false (a directory fails with EISDIR). */
  recursive?: boolean;
  /** Ignore a missing path. Default false. */
  force?: boolean;
}

/**
 * rm: lstat (statPath: on this thread or a STATX), then UNLINKAT, or for a directory with `recursive` its
 * entries (readdir: node:fs) and then UNLINKAT with AT_REMOVEDIR. `force`
 * ignores a missing path.
 */
export async function rm(path: PathLike, options?: RmOptions): Promise<void> {
  const p = toCPath(path);
  const o = checkOptions<RmOptions>(options);
  for (const key of ['recursive', 'force'] as const) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') throw invalidArgType(`options.${key}`, 'of type boolean', o[key]);
  }
  if (usesNode() || !ringOf(o).supports(C.IORING_OP_UNLINKAT)) return (await nodeFs()).rm(path, o);
  throwIfAborted(o.signal);
  const ring = ringOf(o);
  try {
    await remove(ring, p.text, o.recursive === true, o.signal);
  } catch (error) {
    if (o.force && (error as { errno?: number }).errno === -ENOENT) return;
    throw error;
  }
}

async function remove(ring: Ring, path: string, recursive: boolean, signal: AbortSignal | undefined): Promise<void> {
  const p = toCPath(path);
  const stats = await statPath(ring, 'lstat', p, false, signal);
  if (!stats.isDirectory()) return ring.submit(unlinkSpec(p, false), { signal });
  if (!recursive) throw errnoException(-EISDIR, 'rm', { path });
  const entries = await fsPromises().readdir(path);
  await Promise.all(entries.map((name) => remove(ring, `${path}/${name}`, true, signal)));
  await ring.submit(unlinkSpec(p, true), { signal });
}

/** readdir()'s options, as node:fs/promises'. */
export interface ReaddirOptions extends FsOptions {
  /** Give Dirent objects instead of names. Default false. */
  withFileTypes?: boolean;
  /** Encoding of the names; 'buffer' gives their bytes. Default 'utf8'. */
  encoding?: BufferEncoding | 'buffer' | null;
  /** List subdirectories' entries too. Default false. */
  recursive?: boolean;
}

/** No io_uring op reads directories: this is node:fs/promises' readdir (thread pool). */
export async function readdir(path: PathLike, options?: ReaddirOptions | BufferEncoding | 'buffer'): Promise<string[] | Buffer[] | Dirent[]> {
  toCPath(path); // checked as every path here, then handed on as given: a Buffer's bytes need not be UTF-8
  const o = typeof options === 'string' ? { encoding: options } : checkOptions<ReaddirOptions>(options);
  throwIfAborted(o.signal);
  const { signal: _signal, ring: _ring, ...rest } = o;
  void _signal;
  void _ring;
  return fsPromises().readdir(path, rest as unknown as { withFileTypes: true }) as unknown as Promise<string[] | Buffer[] | Dirent[]>;
}
