// stat answered on the calling thread when the kernel can answer it from memory.
//
// A STATX op never runs inline: the kernel hands it to an io-wq worker, so each
// one is a wake-up of another thread and a completion back, tens of µs where the
// two run on different CPUs of a VM (docs/performance.md, "Session 27: stat").
// When every step of the path is in the kernel's lookup cache and the file lives
// on a local filesystem, three plain system calls on this thread give the same
// answer without blocking: openat2(O_PATH, RESOLVE_CACHED), which fails with
// EAGAIN instead of reading a directory from disk or asking a remote server;
// statx of that fd; close. Anything else (a lookup not cached, a network or FUSE
// mount, a kernel before 6.8, openat2 refused by a seccomp filter) goes to the
// STATX op as before.
import { constants } from 'node:fs';
import * as C from '../sys/constants.js';
import { EINVAL, ENOENT, ENOSYS, ENOTDIR, EPERM } from '../sys/errno.js';
import { OPEN_HOW, STATFS, STATX } from '../sys/layout.js';
import { addressOf } from '../sys/memory.js';
import { native } from '../sys/native.js';
import { SYS_close, SYS_fstatfs, SYS_openat2, SYS_statx } from '../sys/syscalls.js';
import { EMPTY_PATH } from './path.js';

/** The result when the kernel could not answer from memory: ask the STATX op. */
export const NOT_CACHED = 1;

const FOLLOW = new BigUint64Array(OPEN_HOW.size / 8);
const NO_FOLLOW = new BigUint64Array(OPEN_HOW.size / 8);
FOLLOW[OPEN_HOW.flags / 8] = BigInt(C.O_PATH | C.O_CLOEXEC);
NO_FOLLOW[OPEN_HOW.flags / 8] = BigInt(C.O_PATH | C.O_CLOEXEC | constants.O_NOFOLLOW);
FOLLOW[OPEN_HOW.resolve / 8] = NO_FOLLOW[OPEN_HOW.resolve / 8] = BigInt(C.RESOLVE_CACHED);

const statfsOut = new BigInt64Array(STATFS.size / 8);
/** Whether each mount (by its unique ID) answers getattr from memory; a handful of entries, one per mount met. */
const localMounts = new Map<number, boolean>();
/** Cleared for good by a kernel or filter that refuses openat2 or RESOLVE_CACHED, or has no unique mount IDs. */
let usable = true;

/**
 * stat(path) (lstat with `noFollow`) into `words` on this thread, if the kernel can answer from memory:
 * 0 when `words` holds the struct statx, -ENOENT or -ENOTDIR when the cached lookup itself says so,
 * or NOT_CACHED.
 */
export function statCached(path: Buffer, noFollow: boolean, words: Uint32Array): number {
  if (!usable) return NOT_CACHED;
  const fd = native.syscall(SYS_openat2, C.AT_FDCWD, addressOf(path), addressOf(noFollow ? NO_FOLLOW : FOLLOW), OPEN_HOW.size);
  if (fd < 0) {
    if (fd === -ENOENT || fd === -ENOTDIR) return fd;
    // No openat2 or no RESOLVE_CACHED (Linux before 5.12), or a seccomp filter refusing it: never again.
    if (fd === -ENOSYS || fd === -EINVAL || fd === -EPERM) usable = false;
    // EAGAIN (not all cached) and the rest (EACCES, ELOOP...), which the op reports as stat(2) words them.
    return NOT_CACHED;
  }
  try {
    return fstatCached(fd, words);
  } finally {
    native.syscall(SYS_close, fd);
  }
}

/**
 * fstat(fd) into `words` on this thread when fd's file is on a local filesystem: 0, or NOT_CACHED
 * (the file is elsewhere, or the kernel has no unique mount IDs). Never blocks: AT_STATX_DONT_SYNC
 * keeps a remote filesystem from being asked, and a remote one's answer is not used.
 */
export function fstatCached(fd: number, words: Uint32Array): number {
  if (!usable) return NOT_CACHED;
  const mask = C.STATX_BASIC_STATS | C.STATX_BTIME | C.STATX_MNT_ID_UNIQUE;
  if (native.syscall(SYS_statx, fd, addressOf(EMPTY_PATH), C.AT_EMPTY_PATH | C.AT_STATX_DONT_SYNC, mask, addressOf(words)) < 0) return NOT_CACHED;
  return onLocalMount(fd, words) ? 0 : NOT_CACHED;
}

/**
 * Whether the struct statx in `words`, of `fd`'s file, asked with STATX_MNT_ID_UNIQUE and AT_STATX_DONT_SYNC,
 * is what stat(2) would say: the file is on a local filesystem, whose every field is current in memory. False
 * too where the kernel has no unique mount IDs (before 6.8).
 */
export function onLocalMount(fd: number, words: Uint32Array): boolean {
  if (!usable) return false;
  if ((words[STATX.stx_mask >> 2]! & C.STATX_MNT_ID_UNIQUE) === 0) {
    usable = false;
    return false;
  }
  const mount = words[STATX.stx_mnt_id >> 2]! + words[(STATX.stx_mnt_id >> 2) + 1]! * 2 ** 32;
  let local = localMounts.get(mount);
  if (local === undefined) {
    if (native.syscall(SYS_fstatfs, fd, addressOf(statfsOut)) < 0) return false;
    local = C.LOCAL_FS_MAGICS.includes(Number(statfsOut[STATFS.f_type / 8]));
    localMounts.set(mount, local);
  }
  return local;
}
