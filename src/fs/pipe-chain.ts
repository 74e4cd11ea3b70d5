// A file into a small pipe (a FIFO or a shell's `|`, 64 KiB unless its owner
// grew it), for spliceTransfer(): READ/WRITE pairs of PIPE_CHUNK bytes through one
// page-aligned buffer, CHAIN_PAIRS pairs linked into a chain. Each READ has
// IOSQE_ASYNC, so the chain runs in one io-wq worker, where the linked WRITE
// is issued blocking: it hands the whole MiB to the reader, 64 KiB at a time,
// inside the kernel. A SPLICE into such a pipe moves at most what the pipe has
// room for, so the same copy by SPLICE is 1526 requests per 100 MB, each
// freed by task work that wakes the JavaScript thread's epoll_pwait; this is
// 200 (docs/performance.md, "Session 14: cat"). It copies the bytes once more
// than SPLICE (into the buffer), which the wake-ups saved outweigh.
// Reads are at offsets (the source's own offset does not move), writes at the
// pipe's position, in order: one chain at a time. Only a chain's last op posts
// a CQE when all succeed (IOSQE_CQE_SKIP_SUCCESS); a short READ (the end of
// the file) or a short or failed WRITE breaks the link, that pair is finished
// with plain WRITEs (waiting for POLLOUT if the pipe is non-blocking), and the
// next chain starts after it.
import type { Ring } from '../driver/ring.js';
import { alignedBuffer } from '../sys/aligned-buffer.js';
import { IOSQE_ASYNC } from '../sys/constants.js';
import type { ErrorContext } from '../sys/errors.js';
import type { OpSpec } from '../op/op.js';
import { readSpec, writeSpec } from './ops.js';
import { writeWithRoom } from './room.js';
import type { TransferEnd } from './transfer.js';
import { copyInLinkedPairs } from './linked-pairs.js';

/** Bytes per READ/WRITE pair: 1 MiB stays in L2 between the two copies; 4 MiB cost more CPU per cat. */
export const PIPE_CHUNK = 1024 * 1024;
/** The buffer of the last copy, kept for the next (a fresh one costs 256 page faults, about 1 ms). */
let spare: Buffer | null = null;

/** The ops' errors read as spliceTransfer()'s always have (syscall 'splice'): which ops copy is its own business. */
const asSplice = (spec: OpSpec<number>): OpSpec<number> => ({ ...spec, syscall: 'splice' });

/** WRITE of buf[done, done + length) into the pipe. */
const pipeWriteSpec = (to: TransferEnd, buf: Buffer, done: number, length: number): OpSpec<number> =>
  asSplice(writeSpec(to.fd, buf, done, length, -1, to.context));

/** READ with IOSQE_ASYNC: runs in an io-wq worker, and so does the chain behind it. */
function workerReadSpec(fd: number, buf: Buffer, length: number, position: number, context?: ErrorContext): OpSpec<number> {
  const spec = asSplice(readSpec(fd, buf, 0, length, position, context));
  const prep = spec.prep;
  return {
    ...spec,
    prep: (uring, sqe, slot) => {
      prep(uring, sqe, slot);
      uring.addFlags(sqe, IOSQE_ASYNC);
    },
    skipSuccess: length,
  };
}

/** Copies `from` (a file, from offset 0, `size` bytes or until it ends) into the pipe `to`; resolves with the bytes copied. Every op has settled when it settles. */
export async function chainIntoPipe(ring: Ring, from: TransferEnd, to: TransferEnd, size: number, signal: AbortSignal | undefined): Promise<number> {
  const buf = spare ?? alignedBuffer(PIPE_CHUNK);
  spare = null;
  try {
    return await copyInLinkedPairs(ring, size, signal, {
      chunk: PIPE_CHUNK,
      pair: (at, length) => [workerReadSpec(from.fd, buf, length, at, from.context), { ...pipeWriteSpec(to, buf, 0, length), skipSuccess: length }],
      // The buffer holds this pair's bytes until they are out: the rest of the chain was cancelled if any was short.
      finish: (_at, n, written) => writeWithRoom(ring, to, written, n, (done) => pipeWriteSpec(to, buf, done, n - done), 'splice', signal),
    });
  } finally {
    // Every op has settled: the kernel no longer uses the buffer.
    spare ??= buf;
  }
}
