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
// (docs/performance.md, "Session 31").
import { errnoException, type ErrorContext } from '../sys/errors.js';
import { native } from '../sys/native.js';
import type { CPath } from './path.js';

/** copyFileChecked's status for a source that is a regular file of size 0 (native/ringcore.c, COPY_EMPTY_SOURCE). */
const EMPTY_SOURCE = 1;

/**
 * libuv's copy of `paths.from` to `paths.to`, unless the source is a regular file of size 0: then nothing is done
 * and the promise resolves false (the caller copies through the ring). Its errors are Node's: syscall 'copyfile',
 * path and dest.
 */
export function libuvCopy(paths: { from: CPath; to: CPath }, mode: number, context: ErrorContext): Promise<boolean> {
  return new Promise((resolve, reject) => {
    native.copyFileChecked(paths.from.bytes, paths.to.bytes, mode, (status) => {
      if (status < 0) reject(errnoException(status, 'copyfile', context));
      else resolve(status !== EMPTY_SOURCE);
    });
  });
}
