// The io_uring ops behind ringcore/fs, as OpSpecs: one function per op.
// Each spec pins what its SQE points into (buffer, iovec array, path) until
// the final CQE, and carries the path for its errors. The ops on an open file
// take `fixed`: then `fd` is a slot of the ring's registered file table
// (FileTable), named with IOSQE_FIXED_FILE (onFile).
import * as C from '../sys/constants.js';
import { IOV_MAX, IovecCursor, type IovecBatch } from '../sys/iovec.js';
import { addressOf } from '../sys/memory.js';
import { native } from '../sys/native.js';
import { SYS_close } from '../sys/syscalls.js';
import { outOfRange, type ErrorContext } from '../sys/errors.js';
import type { OpSpec } from '../op/op.js';
import type { Prep } from '../op/request.js';

/** `prep` on an open file: with `fixed`, `fd` names a registered-file slot (IOSQE_FIXED_FILE). */
function onFile(fixed: boolean, prep: Prep): Prep {
  if (!fixed) return prep;
  return (uring, sqe, slot) => {
    prep(uring, sqe, slot);
    uring.addFlags(sqe, C.IOSQE_FIXED_FILE);
  };
}

/** readSpec and writeSpec: `length` bytes at `buffer`'s `offset`, at file position `position` (-1: the current one). */
type TransferSpec = (
  fd: number,
  buffer: ArrayBufferView,
  offset: number,
  length: number,
  position: number,
  context?: ErrorContext,
  fixed?: boolean,
) => OpSpec<number>;

/** READ into `buffer`. */
export const readSpec: TransferSpec = (fd, buffer, offset, length, position, context, fixed = false) =>
  transferSpec(true, fd, buffer, offset, length, position, context, fixed);

/** WRITE from `buffer`. */
export const writeSpec: TransferSpec = (fd, buffer, offset, length, position, context, fixed = false) =>
  transferSpec(false, fd, buffer, offset, length, position, context, fixed);

/** READ (`read`) or WRITE of one range of `buffer`. */
function transferSpec(
  read: boolean,
  fd: number,
  buffer: ArrayBufferView,
  offset: number,
  length: number,
  position: number,
  context: ErrorContext | undefined,
  fixed: boolean,
): OpSpec<number> {
  const opcode = read ? C.IORING_OP_READ : C.IORING_OP_WRITE;
  return {
    syscall: read ? 'read' : 'write',
    prep: onFile(fixed, (uring, sqe) => uring.prepRw(sqe, opcode, fd, addressOf(buffer) + offset, length, position)),
    pin: buffer,
    context,
  };
}

/** READ_FIXED: `buffer` lies inside registered buffer `index`. */
export function readFixedSpec(fd: number, buffer: Buffer, length: number, position: number, index: number, context?: ErrorContext): OpSpec<number> {
  return {
    syscall: 'read',
    prep: (uring, sqe) => uring.prepReadFixed(sqe, fd, addressOf(buffer), length, position, index),
    pin: buffer,
    context,
  };
}

/** WRITE_FIXED: the bytes lie inside registered buffer `index`. */
export function writeFixedSpec(
  fd: number,
  buffer: Buffer,
  offset: number,
  length: number,
  position: number,
  index: number,
  context?: ErrorContext,
): OpSpec<number> {
  return {
    syscall: 'write',
    prep: (uring, sqe) => uring.prepWriteFixed(sqe, fd, addressOf(buffer) + offset, length, position, index),
    pin: buffer,
    context,
  };
}

/**
 * READV into `buffers` (at most IOV_MAX of them: the kernel refuses more with
 * EINVAL; FileHandle.readv walks longer lists in batches).
 */
export function readvSpec(fd: number, buffers: readonly ArrayBufferView[], position: number, context?: ErrorContext, fixed = false): OpSpec<number> {
  return vectorSpec(true, fd, oneBatch(buffers), buffers, position, context, fixed);
}

/** WRITEV of `buffers` (at most IOV_MAX; FileHandle.writev walks longer lists in batches). */
export function writevSpec(fd: number, buffers: readonly ArrayBufferView[], position: number, context?: ErrorContext, fixed = false): OpSpec<number> {
  return vectorSpec(false, fd, oneBatch(buffers), buffers, position, context, fixed);
}

function oneBatch(buffers: readonly ArrayBufferView[]): IovecBatch {
  if (buffers.length > IOV_MAX) throw outOfRange('buffers.length', `at most ${IOV_MAX} (IOV_MAX) for one op`, buffers.length);
  return new IovecCursor(buffers).batch();
}

/** READV (`read`) or WRITEV of one batch of iovecs; `pin` holds the buffers they point into. */
export function vectorSpec(
  read: boolean,
  fd: number,
  batch: IovecBatch,
  pin: unknown,
  position: number,
  context?: ErrorContext,
  fixed = false,
): OpSpec<number> {
  const { array, count } = batch;
  const opcode = read ? C.IORING_OP_READV : C.IORING_OP_WRITEV;
  return {
    syscall: read ? 'read' : 'write',
    prep: onFile(fixed, (uring, sqe) => uring.prepRw(sqe, opcode, fd, addressOf(array), count, position)),
    pin: [array, pin],
    context,
  };
}

/** FSYNC, or fdatasync with IORING_FSYNC_DATASYNC when `datasync`. */
export function fsyncSpec(fd: number, datasync: boolean, context?: ErrorContext, fixed = false): OpSpec<void> {
  return {
    syscall: datasync ? 'fdatasync' : 'fsync',
    prep: onFile(fixed, (uring, sqe) => uring.prepFsync(sqe, fd, datasync ? C.IORING_FSYNC_DATASYNC : 0)),
    context,
    map: () => undefined,
  };
}

/** FALLOCATE: `mode` (FALLOC_FL_* flags) over `length` bytes from `offset`. */
export function fallocateSpec(fd: number, mode: number, offset: number, length: number, context?: ErrorContext, fixed = false): OpSpec<void> {
  return {
    syscall: 'fallocate',
    prep: onFile(fixed, (uring, sqe) => uring.prepFallocate(sqe, fd, mode, offset, length)),
    context,
    map: () => undefined,
  };
}

/** FTRUNCATE the file to `length` bytes (Linux 6.9). */
export function ftruncateSpec(fd: number, length: number, context?: ErrorContext, fixed = false): OpSpec<void> {
  return {
    syscall: 'ftruncate',
    prep: onFile(fixed, (uring, sqe) => uring.prepFtruncate(sqe, fd, length)),
    context,
    map: () => undefined,
  };
}

/** CLOSE of the fd. */
export function closeSpec(fd: number, context?: ErrorContext): OpSpec<void> {
  return {
    syscall: 'close',
    prep: (uring, sqe) => uring.prepClose(sqe, fd),
    context,
    map: () => undefined,
  };
}

/**
 * OPENAT. An open that was aborted but completed anyway still made an fd:
 * `release` closes it, since nobody will receive it.
 */
export function openSpec(path: Buffer, shown: string, flags: number, mode: number): OpSpec<number> {
  return {
    syscall: 'open',
    prep: (uring, sqe) => uring.prepOpenat(sqe, C.AT_FDCWD, addressOf(path), flags, mode),
    pin: path,
    context: { path: shown },
    release: (fd) => void native.syscall(SYS_close, fd),
  };
}
