// copyFile's default (no signal, no method) on Node's io_uring backend: libuv's
// copyfile, node:fs's copy, one pool job (open, fstat, open, fstat, ftruncate,
// fchmod, copy_file_range, close, close on one thread: one wake-up). io_uring
// has no copy op, and ringcore's own copy takes two OPENATs (the O_CREAT one
// through an io-wq worker), a pool job and two CLOSEs: more CPU per call than
// Node's (docs/performance.md, "Session 23: copyFile by libuv's one job").
// libuv copies the size it stats: nothing of a file whose size reads 0 but has
// bytes all the same (a /proc file), which the ring's copy reads until a read
// returns 0. The addon's copyFileChecked stats the source first in the same
// pool job; the check on the JS thread cost three system calls there per copy
// (docs/performance.md, "Session 31"), and is what a binary without it gets.
import type * as Fs from 'node:fs';
import type { Ring } from '../driver/ring.js';
import { lazyBuiltin } from '../sys/builtins.js';
import { errnoException, type ErrorContext } from '../sys/errors.js';
import { native, type Native } from '../sys/native.js';
import type { CPath, PathLike } from './path.js';
import { isEmptyFile } from './stat.js';

const fsCallbacks = lazyBuiltin<typeof Fs>('node:fs');

/** copyFileChecked's status for a source that is a regular file of size 0 (native/ringcore.c, COPY_EMPTY_SOURCE). */
const EMPTY_SOURCE = 1;

/**
 * libuv's copy of `src` to `dest`, unless the source is a regular file of size 0: then nothing is done and
 * the promise resolves false (the caller copies through the ring). Its errors are Node's: syscall 'copyfile',
 * path and dest. `binding` is the addon (a test passes one without copyFileChecked).
 */
export function libuvCopy(
  ring: Ring,
  src: PathLike,
  dest: PathLike,
  paths: { from: CPath; to: CPath },
  mode: number,
  context: ErrorContext,
  binding: Pick<Native, 'copyFileChecked'> = native,
): Promise<boolean> {
  const checked = binding.copyFileChecked;
  if (checked === undefined) return checkThenCopy(ring, src, dest, paths.from, mode, context);
  return new Promise((resolve, reject) => {
    checked(paths.from.bytes, paths.to.bytes, mode, (status) => {
      if (status < 0) reject(errnoException(status, 'copyfile', context));
      else resolve(status !== EMPTY_SOURCE);
    });
  });
}

/** A binary without copyFileChecked: the check on this thread, then node:fs's copy (the callback form: less CPU per call than fs/promises' on Node 20). */
async function checkThenCopy(ring: Ring, src: PathLike, dest: PathLike, from: CPath, mode: number, context: ErrorContext): Promise<boolean> {
  const empty = isEmptyFile(ring, from);
  if (typeof empty === 'boolean' ? empty : await empty) return false;
  await new Promise<void>((resolve, reject) => {
    fsCallbacks().copyFile(src, dest, mode, (error) => (error === null ? resolve() : reject(named(error, context))));
  });
  return true;
}

/** node:fs's error, given syscall 'copyfile', path and dest where it lacks them (not seen on Node). */
function named(error: NodeJS.ErrnoException & { dest?: string }, context: ErrorContext): Error {
  if (typeof error.errno !== 'number' || (error.syscall === 'copyfile' && error.path !== undefined && error.dest !== undefined)) return error;
  return errnoException(error.errno, 'copyfile', context);
}
