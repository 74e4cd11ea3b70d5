// copyFile(src, dest, mode): with no signal and no method, on Node, libuv's copy as
// node:fs's copyFile makes it (libuv-copy.ts: one pool job, the least CPU per call here). With either, the
// ring's copy: OPENAT both, statx(2) each on the JS thread (a STATX op is a
// trip through an io-wq worker: docs/performance.md, "Session 20"), then
// copy_file_range on a libuv pool thread (copy-range.ts: io_uring has no copy
// op, and this measured fastest, docs/performance.md "Session 13"), after
// FICLONE when the mode asks for it; where copy_file_range cannot copy (EXDEV,
// EINVAL...), or with `method: 'splice'`, SPLICE through a pipe (splice.ts);
// with `method: 'readwrite'`, or from a regular file of size 0 (/proc), the
// pipelined READ/WRITE copy of transfer.ts; then
// CLOSE both. On an error or abort, all ops settle before the fds are closed.
import { usesNode } from '../backend/backend.js';
import { nodeFs } from '../fallback/load-fs.js';
import { constants as fsConstants } from 'node:fs';
import { AbortError, errnoException, invalidArgValue, type ErrorContext } from '../sys/errors.js';
import { checkInteger } from './args.js';
import { closeFd } from './close-fd.js';
import { truncateFd } from './truncate-fd.js';
import { openFd } from './open.js';
import { checkOptions, ringOf, throwIfAborted, type FsOptions } from './options.js';
import { toCPath, type CPath, type PathLike } from './path.js';
import { O_CLOEXEC } from '../sys/constants.js';
import { fstatFd } from './stat.js';
import { fchmodChecked } from './fd-calls.js';
import { libuvCopy } from './libuv-copy.js';
import { copyRange, copyRangeUnsupported } from './copy-range.js';
import { spliceCopy, transfer } from './lazy-copy.js';
import { EISDIR } from '../sys/errno.js';
import { runtime } from '../sys/runtime.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, COPYFILE_EXCL, COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE } = fsConstants;

/** copyFile()'s options: the common fs options (ring, signal) and how to copy. */
export interface CopyFileOptions extends FsOptions {
  /**
   * Unset (default): without a signal, on Node, libuv's copy as node:fs's copyFile makes it; with one (and on Bun, Deno), copy_file_range
   * on a thread-pool thread, as Node's copyFile, falling back to SPLICE where it cannot copy; 'splice': SPLICE through a pipe; 'readwrite': pipelined READ/WRITE through user buffers.
   */
  method?: 'splice' | 'readwrite';
  /** With 'readwrite': use the ring's registered buffers (READ_FIXED/WRITE_FIXED). Default: false (no faster here, see docs/fs.md). */
  registered?: boolean;
}

/**
 * Copies `src` to `dest` in the kernel (copy_file_range off the JS thread, SPLICE through
 * a pipe, or READ/WRITE with `method: 'readwrite'`). On Node, a call with neither `signal` nor
 * `method` is libuv's copy as node:fs's copyFile makes it (one libuv pool job: less CPU per call), which removes the
 * destination after an error; the ring's copy keeps what it copied. In `mode`, COPYFILE_EXCL applies,
 * COPYFILE_FICLONE tries a clone (reflink) first and COPYFILE_FICLONE_FORCE only a clone,
 * failing where the filesystem has none (EOPNOTSUPP on ext4, as Node's).
 */
export async function copyFile(src: PathLike, dest: PathLike, mode = 0, options?: CopyFileOptions): Promise<void> {
  const from = toCPath(src, 'src');
  const to = toCPath(dest, 'dest');
  checkInteger(mode, 'mode', 0, COPYFILE_EXCL | COPYFILE_FICLONE | COPYFILE_FICLONE_FORCE);
  const opts = checkOptions<CopyFileOptions>(options);
  if (opts.method !== undefined && opts.method !== 'splice' && opts.method !== 'readwrite') throw invalidArgValue('options.method', opts.method);
  const context = { path: from.text, dest: to.text };
  if (usesNode()) return (await nodeFs()).copyFile(src, dest, mode, opts);
  if (opts.signal === undefined && opts.method === undefined && runtime === 'node') {
    // Nothing to abort and no method asked: libuv's copy, node:fs's, in one pool job (libuv-copy.ts), unless the
    // source is a regular file of size 0 (a /proc file, whose bytes libuv would not copy). Not on Bun and Deno,
    // whose node:fs copyFile is their own (a directory: ENOTSUP; Deno's ignores COPYFILE_FICLONE_FORCE).
    if (await libuvCopy({ from, to }, mode, context)) return;
  }
  return ringCopy(from, to, mode, opts, context);
}

/** The copy through the ring (see the file's opening comment), for a call with a signal or a method. */
async function ringCopy(from: CPath, to: CPath, mode: number, opts: CopyFileOptions, context: ErrorContext): Promise<void> {
  throwIfAborted(opts.signal);
  const ring = ringOf(opts);
  const srcFd = await openFd(from, O_RDONLY | O_CLOEXEC, 0, opts).catch((error: Error & { syscall?: string }) => {
    throw withDest(error, to.text);
  });
  let destFd = -1;
  try {
    const stats = await fstatFd(ring, srcFd, from.text, false, opts.signal);
    if (stats.isDirectory()) throw errnoException(-EISDIR, 'copyfile', context);
    // As libuv does: no O_TRUNC at open, so that copying a file onto itself
    // (or onto a hard link of itself) is caught before anything is lost.
    const flags = O_WRONLY | O_CREAT | O_CLOEXEC | (mode & COPYFILE_EXCL ? O_EXCL : 0);
    destFd = await openFd(to, flags, stats.mode & 0o7777, opts).catch((error: Error) => {
      throw withSource(error, from.text, to.text);
    });
    const destStats = await fstatFd(ring, destFd, to.text, false, opts.signal);
    if (destStats.dev === stats.dev && destStats.ino === stats.ino) {
      await Promise.all([closeFd(ring, srcFd, context), closeFd(ring, destFd, context)]);
      return;
    }
    // An existing destination is cut to 0 bytes and takes the source's mode, as with Node (io_uring has no fchmod op).
    const prepare = { truncate: destStats.size > 0, mode: (destStats.mode & 0o7777) !== (stats.mode & 0o7777) ? stats.mode & 0o7777 : -1 };
    const size = stats.isFile() && stats.size > 0 ? stats.size : Infinity;
    const clone = mode & COPYFILE_FICLONE_FORCE ? 2 : mode & COPYFILE_FICLONE ? 1 : 0;
    if (opts.method === undefined && (size !== Infinity || clone === 2)) {
      // copy_file_range on a pool thread, as Node's copyFile (the fastest here: docs/performance.md, "Session 13"),
      // after the cut and the mode on that same thread: one trip to another thread (docs/performance.md, "Session 23").
      const { status, prepared } = await copyRange(srcFd, destFd, size === Infinity ? 0 : size, clone, opts.signal, 0, prepare);
      if (status === 1) throw new AbortError(undefined, { cause: opts.signal?.reason });
      if (prepared === -1) throw errnoException(status, 'copyfile', context);
      if (status === 0) {
        await Promise.all([closeFd(ring, srcFd, context), closeFd(ring, destFd, context)]);
        return;
      }
      // Between two filesystems (EXDEV), or files it does not handle (EINVAL...): copy as below, from the start.
      if (clone === 2 || !copyRangeUnsupported(status)) throw errnoException(status, 'copyfile', context);
    } else {
      if (prepare.truncate) await truncateFd(ring, destFd, 0, { context, signal: opts.signal });
      // fchmod(2) on this thread: node:fs's fchmod on Deno knows only the fds Deno opened (EBADF on ours).
      if (prepare.mode !== -1) fchmodChecked(destFd, prepare.mode, 'copyfile', context);
    }
    // A regular file of size 0 may have bytes all the same (a /proc file, which SPLICE refuses): read until a read returns 0.
    const readWrite = opts.method === 'readwrite' || !ring.supports('SPLICE') || (stats.isFile() && stats.size === 0);
    const copied = readWrite
      ? transfer(
          ring,
          { fd: srcFd, context },
          { fd: destFd, context },
          { size, positional: true, method: 'readwrite', registered: opts.registered ?? false, signal: opts.signal },
        )
      : spliceCopy(ring, { fd: srcFd, context }, { fd: destFd, context }, { size, positional: true, signal: opts.signal });
    // Asked for no method, the copy is copyFile's: its errors say so, as Node's (ENOSPC, EIO...).
    await (opts.method === undefined ? copied.catch((error: unknown) => Promise.reject(asCopyfile(error, context))) : copied);
  } catch (error) {
    await Promise.all([closeFd(ring, srcFd), destFd >= 0 ? closeFd(ring, destFd) : null]).catch(() => {});
    throw error;
  }
  await Promise.all([closeFd(ring, srcFd, context), closeFd(ring, destFd, context)]);
}

/** An open error of the source, reported as Node's copyfile reports it: "copyfile 'src' -> 'dest'". */
function withDest(error: Error & { syscall?: string; dest?: string; path?: string }, dest: string): Error {
  if (typeof (error as { errno?: unknown }).errno !== 'number' || error.path === undefined) return error;
  return errnoException((error as unknown as { errno: number }).errno, 'copyfile', { path: error.path, dest });
}

/** A kernel error of the copy itself, with syscall 'copyfile' (what Node reports for copy_file_range's). */
function asCopyfile(error: unknown, context: ErrorContext): unknown {
  const errno = (error as { errno?: unknown }).errno;
  return typeof errno === 'number' ? errnoException(errno, 'copyfile', context) : error;
}

function withSource(error: Error & { path?: string }, src: string, dest: string): Error {
  if (typeof (error as { errno?: unknown }).errno !== 'number' || error.path === undefined) return error;
  return errnoException((error as unknown as { errno: number }).errno, 'copyfile', { path: src, dest });
}
