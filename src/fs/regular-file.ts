// Whether an fd is a regular file, asked with a plain statx(2) on the JS
// thread: a STATX op goes to an io-wq worker, a trip that costs more than the
// answer is worth before a copy (docs/performance.md, "Session 12: cat
// without waiting for STATX"); and whether two fds are open on one file.
import { constants } from 'node:fs';
import { AT_EMPTY_PATH, STATX_INO, STATX_SIZE, STATX_TYPE } from '../sys/constants.js';
import { native } from '../sys/native.js';
import { SYS_statx } from '../sys/syscalls.js';

const { S_IFMT, S_IFREG } = constants;
/** struct statx is 256 bytes: stx_mode is the u16 at offset 28, stx_ino and stx_size the u64s at 32 and 40, stx_dev_major and _minor the u32s at 136 and 140. */
const STATX_LENGTH = 256;
const STX_MODE = 28;
const STX_INO = 32;
const STX_SIZE = 40;
const STX_DEV = 136;
const buffer = Buffer.alloc(STATX_LENGTH);
const emptyPath = Buffer.alloc(1); // "": the fd itself (AT_EMPTY_PATH)

/** Whether `fd` is open on a regular file (false for anything else, and for an fd statx refuses). */
export function isRegularFile(fd: number): boolean {
  const status = native.syscall(SYS_statx, fd, native.address(emptyPath), AT_EMPTY_PATH, STATX_TYPE, native.address(buffer));
  return status === 0 && (buffer.readUInt16LE(STX_MODE) & S_IFMT) === S_IFREG;
}

/**
 * The size of the regular file that both fds are open on, or -1 when they are not open on one file.
 * A copy of a file into itself "until the source ends" (`cat f >> f`) never ends: each chunk written
 * grows the source by as much; bounded by this, it copies what was there at the start.
 */
export function sizeIfSameFile(fromFd: number, toFd: number): number {
  if (native.syscall(SYS_statx, fromFd, native.address(emptyPath), AT_EMPTY_PATH, STATX_TYPE | STATX_INO | STATX_SIZE, native.address(buffer)) !== 0) return -1;
  if ((buffer.readUInt16LE(STX_MODE) & S_IFMT) !== S_IFREG) return -1;
  const ino = buffer.readBigUInt64LE(STX_INO);
  const dev = buffer.readBigUInt64LE(STX_DEV);
  const size = Number(buffer.readBigUInt64LE(STX_SIZE));
  if (fromFd === toFd) return size;
  if (native.syscall(SYS_statx, toFd, native.address(emptyPath), AT_EMPTY_PATH, STATX_TYPE | STATX_INO, native.address(buffer)) !== 0) return -1;
  return buffer.readBigUInt64LE(STX_INO) === ino && buffer.readBigUInt64LE(STX_DEV) === dev ? size : -1;
}
