// copyFile's default (no signal, no method) on the io_uring backend: node:fs's
// copyFile, whose libuv copy is one pool job (open, fstat, open, fstat,
// ftruncate, fchmod, copy_file_range, close, close on one thread: one wake-up).
// io_uring has no copy op, and ringcore's own copy takes two OPENATs (the
// O_CREAT one through an io-wq worker), a pool job and two CLOSEs: more CPU per
// call than Node's (docs/performance.md, "Session 23: copyFile by libuv's one job").
import type * as Fs from 'node:fs';
import { lazyBuiltin } from '../sys/builtins.js';
import { errnoException, type ErrorContext } from '../sys/errors.js';
import type { PathLike } from './path.js';

const fsCallbacks = lazyBuiltin<typeof Fs>('node:fs');

/**
 * node:fs's copyFile (the callback form: less CPU per call than fs/promises' on Node 20). Its errors are
 * Node's (syscall 'copyfile', path, dest); one without them (not seen on Node) is given them.
 */
export function libuvCopy(src: PathLike, dest: PathLike, mode: number, context: ErrorContext): Promise<void> {
  return new Promise((resolve, reject) => {
    fsCallbacks().copyFile(src, dest, mode, (error) => (error === null ? resolve() : reject(named(error, context))));
  });
}

function named(error: NodeJS.ErrnoException & { dest?: string }, context: ErrorContext): Error {
  if (typeof error.errno !== 'number' || (error.syscall === 'copyfile' && error.path !== undefined && error.dest !== undefined)) return error;
  return errnoException(error.errno, 'copyfile', context);
}
