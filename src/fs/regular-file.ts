// Whether an fd is a regular file, asked with a plain statx(2) on the JS
// thread: a STATX op goes to an io-wq worker, a trip that costs more than the
// answer is worth before a copy (docs/performance.md, "Session 12: cat
// without waiting for STATX"); and whether two fds are open on one file.
// AT_STATX_DONT_SYNC keeps the call from asking a remote filesystem's server
// (the type, inode and device never change); the source's size is taken from
// that call only on a local filesystem, where it is current, else from fstatFd().
import type { Ring } from '../driver/ring.js';
import { AT_EMPTY_PATH, AT_STATX_DONT_SYNC, STATX_INO, STATX_MNT_ID_UNIQUE, STATX_SIZE, STATX_TYPE } from '../sys/constants.js';
import { STATX } from '../sys/layout.js';
import { addressOf } from '../sys/memory.js';
import { native } from '../sys/native.js';
import { SYS_statx } from '../sys/syscalls.js';
import { onLocalMount } from './cached-stat.js';
import { EMPTY_PATH } from './path.js';
import { statxIsRegular } from './file-type.js';
import { fstatFd } from './stat.js';

const words = new Uint32Array(STATX.size / 4);
const buffer = Buffer.from(words.buffer);

/** Whether `fd` is open on a regular file (false for anything else, and for an fd statx refuses). */
export function isRegularFile(fd: number): boolean {
  return statxType(fd, 0);
}

/** What a copy between two fds needs to know of them (copyEnds()). */
export interface CopyEnds {
  /** Both are open on regular files. */
  regular: boolean;
  /** The source's size when both are open on one file (a copy into itself), or -1. */
  ownSize: number;
  /** The source alone is open on a regular file. */
  fromRegular: boolean;
  /** The source's size at the statx (a regular file's; 0 for any other). */
  fromSize: number;
}

/**
 * Whether two fds are open on regular files, and on the same one, and the source's size: one statx of each
 * (none of the destination when the source is not a regular file), and a STATX op for the size of a source on
 * a filesystem that is not local. The copy takes the source's type and size
 * from here, not from a STATX op of its own, which always goes to an io-wq worker (docs/performance.md,
 * "Session 20: pipelined READ's fixed costs"). A copy of a file into itself "until the
 * source ends" (`cat f >> f`) never ends: each chunk written grows the source by as much; bounded
 * by `ownSize`, it copies what was there at the start.
 */
export async function copyEnds(ring: Ring, fromFd: number, toFd: number, fromPath: string | undefined, signal: AbortSignal | undefined): Promise<CopyEnds> {
  if (!statxType(fromFd, STATX_INO | STATX_SIZE | STATX_MNT_ID_UNIQUE)) return { regular: false, ownSize: -1, fromRegular: false, fromSize: 0 };
  const ino = buffer.readBigUInt64LE(STATX.stx_ino);
  const dev = buffer.readBigUInt64LE(STATX.stx_dev_major); // with stx_dev_minor after it: the device, as one u64
  const size = onLocalMount(fromFd, words) ? Number(buffer.readBigUInt64LE(STATX.stx_size)) : (await fstatFd(ring, fromFd, fromPath, false, signal)).size;
  if (fromFd === toFd) return { regular: true, ownSize: size, fromRegular: true, fromSize: size };
  if (!statxType(toFd, STATX_INO)) return { regular: false, ownSize: -1, fromRegular: true, fromSize: size };
  const same = buffer.readBigUInt64LE(STATX.stx_ino) === ino && buffer.readBigUInt64LE(STATX.stx_dev_major) === dev;
  return { regular: true, ownSize: same ? size : -1, fromRegular: true, fromSize: size };
}

/** statx of the fd into `words`, with the fields of `mask` besides its type; whether it is a regular file. */
function statxType(fd: number, mask: number): boolean {
  const status = native.syscall(SYS_statx, fd, addressOf(EMPTY_PATH), AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_TYPE | mask, addressOf(words));
  return status === 0 && statxIsRegular(words);
}
