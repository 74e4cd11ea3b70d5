// Copying through the kernel with IORING_OP_SPLICE (between two regular
// files, copy_file_range on a pool thread first: spliceTransfer() below): the source's page-cache
// pages are moved into a pipe by reference (no copy), then from the pipe to
// the destination (one copy into a file; none into /dev/null; when the
// destination is itself a pipe, the source is spliced straight into it;
// into a blocking pipe smaller than 1 MiB, splices on a pool thread instead:
// splice-pipe.ts).
// read+write copies every byte twice through user memory; this copies at
// most once. Each chunk is a SPLICE into the pipe followed by a SPLICE out
// of it, and up to CHAIN_PAIRS such pairs are linked (IOSQE_IO_LINK) into one
// chain, so the kernel runs 16 MiB back to back in one io-wq worker: waking
// JavaScript between chunks cost more than the copy_file_range of Node's
// copyFile saves (docs/benchmarks.md). The linked splices are sized from the
// file's size; a short one breaks the link, what is in the pipe is drained
// by plain splices, and the next chain starts where the copy got to.
// Every splice of a chain but its last skips its CQE when it moves all it was
// asked for (IOSQE_CQE_SKIP_SUCCESS, where the kernel has it): one CQE for
// JavaScript to handle per chain rather than per splice (docs/performance.md,
// "cat to a pipe and to a file").
import { constants } from 'node:fs';
import type { Ring } from '../driver/ring.js';
import { native } from '../sys/native.js';
import { SYS_close, SYS_fcntl } from '../sys/syscalls.js';
import { F_GETFL, F_GETPIPE_SZ } from '../sys/constants.js';
import type { ErrorContext } from '../sys/errors.js';
import type { OpSpec } from '../op/op.js';
import { boundedToItself, pipelined, type TransferEnd } from './transfer.js';
import { roomIn, wantsRoom, writeWithRoom } from './room.js';
import { spliceIntoPipe } from './splice-pipe.js';
import { copyEnds, isRegularFile } from './regular-file.js';
import { chainPairs, copyInLinkedPairs } from './linked-pairs.js';
import { rangeTransfer } from './range-transfer.js';
import { chainError } from './chain-error.js';
import { makePipe, spliceSpec } from './splice-spec.js';

/** spliceSpec() for a chain: a full splice (the only success in a link) may post no CQE. */
function linkedSpliceSpec(fdIn: number, offIn: number, fdOut: number, offOut: number, length: number, context?: ErrorContext): OpSpec<number> {
  return { ...spliceSpec(fdIn, offIn, fdOut, offOut, length, context), skipSuccess: length };
}

/** A pipe smaller than this (64 KiB unless its owner grew it) is filled by splices on a pool thread (splice-pipe.ts). */
const POOL_SPLICE_PIPE = 1024 * 1024;

/**
 * Whether spliceIntoPipe() takes this copy: into a blocking pipe (a non-blocking one is left to
 * SPLICE's wait for POLLOUT), from a regular file not opened O_DIRECT (the cases the READ/WRITE
 * chains before it took: docs/performance.md, "Session 15: cat to a pipe").
 */
function intoPipeOnPool(fdIn: number, fdOut: number): boolean {
  const inFlags = native.syscall(SYS_fcntl, fdIn, F_GETFL, 0);
  const outFlags = native.syscall(SYS_fcntl, fdOut, F_GETFL, 0);
  if (inFlags < 0 || outFlags < 0 || (inFlags & constants.O_DIRECT) !== 0 || (outFlags & constants.O_NONBLOCK) !== 0) return false;
  return isRegularFile(fdIn);
}

/** What spliceTransfer() copies, and how. */
export interface SpliceOptions {
  /** Bytes to copy from offset 0; Infinity: until the source ends (into the source's own file: its size at the start). */
  size: number;
  /** Write at the same offsets in the destination (a file); false: at its current position. */
  positional: boolean;
  /** Aborting cancels the ops in flight and rejects with an AbortError. */
  signal?: AbortSignal | undefined;
}

/** spliceTransfer() (lazy-copy.ts) on its own fds: the duplicates withHeldEnds() made. */
export async function spliceHeld(ring: Ring, from: TransferEnd, to: TransferEnd, givenOptions: SpliceOptions): Promise<number> {
  const ends = await copyEnds(ring, from.fd, to.fd, from.context?.path, givenOptions.signal);
  const options = boundedToItself(ends, givenOptions);
  // A source that is not a regular file (a pipe, a socket) has no offset a SPLICE could read it at (ESPIPE), and one
  // of size 0 may have bytes all the same (a /proc file, which SPLICE refuses: EINVAL): the READ/WRITE copy, which
  // reads until a read returns 0, as transfer() does.
  if (!ends.fromRegular || ends.fromSize === 0) {
    return pipelined(ring, from, to, { size: options.size, positional: options.positional, signal: options.signal }, 0, ends);
  }
  const range = ends.regular ? await rangeTransfer(from.fd, to.fd, options, from.context, to.context) : null;
  if (range?.done) return range.copied;
  const start = range?.copied ?? 0;
  if (!options.positional && appends(to.fd) && pipeCapacity(to.fd) < 0) {
    return start + (await pipelined(ring, from, to, { size: options.size, positional: false, method: 'readwrite', signal: options.signal }, start, ends));
  }
  return start + (await spliceCopy(ring, from, to, options, start));
}

/**
 * The capacity of the pipe (a FIFO or pipe2's) `fd` is open on, or -1 for any other fd: only a pipe has a size,
 * F_GETPIPE_SZ fails with EBADF on anything else. Asked of the kernel, not fstat(), which Deno's node:fs knows
 * only for the fds it opened.
 */
function pipeCapacity(fd: number): number {
  const size = native.syscall(SYS_fcntl, fd, F_GETPIPE_SZ);
  return size > 0 ? size : -1;
}

/** Whether writes to `fd` append (O_APPEND), wherever its offset is. */
function appends(fd: number): boolean {
  const flags = native.syscall(SYS_fcntl, fd, F_GETFL, 0);
  return flags >= 0 && (flags & constants.O_APPEND) !== 0;
}

/**
 * The SPLICE copy of the source from offset `start` on (the part copy_file_range left; 0 into a pipe);
 * resolves with the bytes it copied. copyFile's `method: 'splice'` and its fallback are this.
 */
export async function spliceCopy(ring: Ring, from: TransferEnd, to: TransferEnd, options: SpliceOptions, start = 0): Promise<number> {
  const { signal, positional } = options;
  let end = options.size;
  let offset = 0;
  const capacity = positional ? -1 : pipeCapacity(to.fd);
  if (capacity > 0) {
    // Straight into the destination pipe: no pipe of our own, no copy at all. A
    // splice moves at most what the pipe has room for (64 KiB by default), so the
    // chain is of splices that size: each waits in the worker for its reader to
    // make room, and one that comes back short ends the chain where it got to.
    const length = capacity;
    // A blocking pipe smaller than a MiB, from a regular file read through the page cache:
    // splices on a pool thread (splice-pipe.ts), no request on the ring.
    if (length < POOL_SPLICE_PIPE && intoPipeOnPool(from.fd, to.fd)) return await spliceIntoPipe(ring, from.fd, to.fd, end, signal, from.context);
    const links = 2 * chainPairs(ring);
    while (offset < end) {
      const specs: OpSpec<number>[] = [];
      for (let at = offset; specs.length < links && at < end; at += length) {
        specs.push(linkedSpliceSpec(from.fd, at, to.fd, -1, Math.min(length, end - at), from.context));
      }
      const results = await Promise.allSettled(ring.link(specs, { signal }) as Promise<number>[]);
      for (const [i, result] of results.entries()) {
        if (wantsRoom(result)) {
          // The pipe is full and non-blocking: the rest of the chain was cancelled; go on from here once it has room.
          await roomIn(ring, to.fd, signal, to.context);
          break;
        }
        if (result.status === 'rejected') throw chainError(results, i);
        const asked = Math.min(length, end - offset);
        offset += result.value;
        if (result.value === 0) end = offset;
        if (result.value < asked) break;
      }
    }
    return offset;
  }
  const [pipeRead, pipeWrite, chunk] = makePipe();
  const out = (at: number) => (positional ? at : -1);
  try {
    return await copyInLinkedPairs(
      ring,
      end,
      signal,
      {
        chunk,
        pair: (at, length) => [
          linkedSpliceSpec(from.fd, at, pipeWrite, -1, length, from.context),
          linkedSpliceSpec(pipeRead, -1, to.fd, out(at), length, to.context),
        ],
        finish: (at, n, drained) =>
          writeWithRoom(
            ring,
            to,
            drained,
            n,
            (done) => spliceSpec(pipeRead, -1, to.fd, out(at + done), n - done, to.context),
            'splice out of the pipe',
            signal,
          ),
      },
      start,
    );
  } finally {
    native.syscall(SYS_close, pipeRead);
    native.syscall(SYS_close, pipeWrite);
  }
}
