// Whether an fd is a regular file, asked with a plain statx(2) on the JS
// thread: a STATX op goes to an io-wq worker, a trip that costs more than the
// answer is worth before a copy (docs/performance.md, "Session 12: cat
// without waiting for STATX").
import { constants } from 'node:fs';
import { AT_EMPTY_PATH, STATX_TYPE } from '../sys/constants.js';
import { native } from '../sys/native.js';
import { SYS_statx } from '../sys/syscalls.js';

const { S_IFMT, S_IFREG } = constants;
/** struct statx is 256 bytes; stx_mode is the u16 at offset 28. */
const STATX_SIZE = 256;
const STX_MODE = 28;
const buffer = Buffer.alloc(STATX_SIZE);
const emptyPath = Buffer.alloc(1); // "": the fd itself (AT_EMPTY_PATH)

/** Whether `fd` is open on a regular file (false for anything else, and for an fd statx refuses). */
export function isRegularFile(fd: number): boolean {
  const status = native.syscall(SYS_statx, fd, native.address(emptyPath), AT_EMPTY_PATH, STATX_TYPE, native.address(buffer));
  return status === 0 && (buffer.readUInt16LE(STX_MODE) & S_IFMT) === S_IFREG;
}
