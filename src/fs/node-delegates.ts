// The rest of node:fs/promises: calls that io_uring has no op for (access,
// chmod, readlink, realpath, mkdtemp, opendir, watch, …). Each is node:fs's
// own function, so that a program that swaps `node:fs/promises` for
// `ringcore/fs` finds every name it used, with Node's arguments, results and
// errors. node:fs/promises is loaded by the first such call, not at import.
import type * as FsPromises from 'node:fs/promises';
import { lazyBuiltin } from '../sys/builtins.js';
import { RingcoreError } from '../sys/errors.js';

const fsPromises = lazyBuiltin<Record<string, unknown>>('node:fs/promises');

type Fsp = typeof FsPromises;

/**
 * A function that calls node:fs/promises' `name` with its arguments. A
 * runtime whose node:fs/promises lacks it (glob before Node 22) throws
 * ERR_RINGCORE_UNSUPPORTED at the call.
 */
function delegate<T>(name: string): T {
  const call = (...args: unknown[]): unknown => {
    const fn = fsPromises()[name];
    if (typeof fn !== 'function') throw new RingcoreError('ERR_RINGCORE_UNSUPPORTED', `${name}() is not in this runtime's node:fs/promises`);
    return fn(...args);
  };
  return Object.defineProperty(call, 'name', { value: name }) as T;
}

/** node:fs/promises' access (faccessat has no io_uring op). */
export const access = delegate<Fsp['access']>('access');
/** node:fs/promises' chmod (no io_uring op). */
export const chmod = delegate<Fsp['chmod']>('chmod');
/** node:fs/promises' lchmod (no io_uring op; Node rejects it on Linux with ERR_METHOD_NOT_IMPLEMENTED). */
export const lchmod = delegate<Fsp['lchmod']>('lchmod');
/** node:fs/promises' chown (no io_uring op). */
export const chown = delegate<Fsp['chown']>('chown');
/** node:fs/promises' lchown (no io_uring op). */
export const lchown = delegate<Fsp['lchown']>('lchown');
/** node:fs/promises' utimes (no io_uring op). */
export const utimes = delegate<Fsp['utimes']>('utimes');
/** node:fs/promises' lutimes (no io_uring op). */
export const lutimes = delegate<Fsp['lutimes']>('lutimes');
/** node:fs/promises' readlink (no io_uring op). */
export const readlink = delegate<Fsp['readlink']>('readlink');
/** node:fs/promises' realpath (no io_uring op). */
export const realpath = delegate<Fsp['realpath']>('realpath');
/** node:fs/promises' mkdtemp (no io_uring op makes a unique name). */
export const mkdtemp = delegate<Fsp['mkdtemp']>('mkdtemp');
/**
 * node:fs/promises' mkdtempDisposable (Node 24 and later): a temporary
 * directory removed by `await using`. Typed loosely: older Nodes' types lack it.
 */
export const mkdtempDisposable =
  delegate<(prefix: string, options?: object) => Promise<AsyncDisposable & { path: string; remove(): Promise<void> }>>('mkdtempDisposable');
/** node:fs/promises' opendir: a `Dir` (getdents64 has no io_uring op). */
export const opendir = delegate<Fsp['opendir']>('opendir');
/** node:fs/promises' statfs (no io_uring op). */
export const statfs = delegate<Fsp['statfs']>('statfs');
/** node:fs/promises' cp: copies directory trees. */
export const cp = delegate<Fsp['cp']>('cp');
/** node:fs/promises' watch: an async iterator of change events (inotify, not io_uring). */
export const watch = delegate<Fsp['watch']>('watch');
/**
 * node:fs/promises' glob (Node 22 and later; Node 20 has none, and calling
 * it there throws ERR_RINGCORE_UNSUPPORTED). Typed loosely: Node 20's types lack it.
 */
export const glob = delegate<(pattern: string | readonly string[], options?: object) => AsyncIterable<unknown>>('glob');
