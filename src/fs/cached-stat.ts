// stat answered on the calling thread when the kernel can answer it from memory.
//
// A STATX op never runs inline: the kernel hands it to an io-wq worker, so each
// one is a wake-up of another thread and a completion back, tens of µs where the
// two run on different CPUs of a VM (docs/performance.md, "Session 27: stat").
// When every step of the path is in the kernel's lookup cache and the file lives
// on a local filesystem, three plain system calls on this thread give the same
// answer without blocking: openat2(O_PATH, RESOLVE_CACHED), which fails with
// EAGAIN instead of reading a directory from disk or asking a remote server;
// statx of that fd; close (an open fd needs only the statx). Anything else (a
// lookup not cached, a network or FUSE mount, openat2 missing (Linux before
// 5.12) or refused by a seccomp filter, no mount IDs (before 5.8)) goes to the
// STATX op as before.
//
// A mount's filesystem is its type in /proc/self/mountinfo, read once per mount
// met (statfs(2) will not do: 9p reports its server's filesystem, ext4 say).
// Where mount IDs are unique (Linux 6.8) what was learned is kept for good;
// before that an unmount frees its ID for the next mount, so it is forgotten
// whenever the mount table changes. The fd being stat'ed holds its mount, whose
// ID no other mount can take meanwhile.
import { constants, readFileSync } from 'node:fs';
import * as C from '../sys/constants.js';
import { EINVAL, ENOENT, ENOSYS, ENOTDIR, EPERM } from '../sys/errno.js';
import { OPEN_HOW, STATX } from '../sys/layout.js';
import { addressOf } from '../sys/memory.js';
import { native } from '../sys/native.js';
import { SYS_close, SYS_openat2, SYS_statx } from '../sys/syscalls.js';
import { EMPTY_PATH } from './path.js';

/** The result when the kernel could not answer from memory: ask the STATX op. */
export const NOT_CACHED = 1;

const FOLLOW = new BigUint64Array(OPEN_HOW.size / 8);
const NO_FOLLOW = new BigUint64Array(OPEN_HOW.size / 8);
FOLLOW[OPEN_HOW.flags / 8] = BigInt(C.O_PATH | C.O_CLOEXEC);
NO_FOLLOW[OPEN_HOW.flags / 8] = BigInt(C.O_PATH | C.O_CLOEXEC | constants.O_NOFOLLOW);
FOLLOW[OPEN_HOW.resolve / 8] = NO_FOLLOW[OPEN_HOW.resolve / 8] = BigInt(C.RESOLVE_CACHED);

/**
 * The filesystems (mountinfo's type) whose getattr answers from memory once the lookup is cached: no network,
 * no user-space server (FUSE). With AT_STATX_DONT_SYNC or without, their statx says the same.
 */
export const LOCAL_FILESYSTEMS: readonly string[] = ['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'f2fs', 'tmpfs', 'devtmpfs', 'ramfs', 'overlay', 'proc', 'sysfs'];

/** A struct statx for the reused-style mount ID of a mount met by its unique one. */
const idWords = new Uint32Array(STATX.size / 4);
/** Whether each mount (by its ID) answers getattr from memory; a handful of entries, one per mount met. */
const localMounts = new Map<number, boolean>();
/** The native mountsGeneration() when localMounts was last emptied, where mount IDs are not unique. */
let mountsSeen = -1;
/** Cleared for good by a kernel or filter that refuses openat2 or RESOLVE_CACHED: no path is looked up here. */
let lookups = true;
/** Cleared for good where mounts cannot be told apart (no mount IDs, or reused ones and no view of the mount table's changes). */
let mounts = true;

/**
 * stat(path) (lstat with `noFollow`) into `words` on this thread, if the kernel can answer from memory:
 * 0 when `words` holds the struct statx, -ENOENT or -ENOTDIR when the cached lookup itself says so,
 * or NOT_CACHED.
 */
export function statCached(path: Buffer, noFollow: boolean, words: Uint32Array): number {
  if (!lookups || !mounts) return NOT_CACHED;
  const fd = native.syscall(SYS_openat2, C.AT_FDCWD, addressOf(path), addressOf(noFollow ? NO_FOLLOW : FOLLOW), OPEN_HOW.size);
  if (fd < 0) {
    if (fd === -ENOENT || fd === -ENOTDIR) return fd;
    // No openat2 or no RESOLVE_CACHED (Linux before 5.12), or a seccomp filter refusing it: never again.
    if (fd === -ENOSYS || fd === -EINVAL || fd === -EPERM) lookups = false;
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
 * (the file is elsewhere, or its mount cannot be told: onLocalMount()). Never blocks: AT_STATX_DONT_SYNC
 * keeps a remote filesystem from being asked, and a remote one's answer is not used.
 */
export function fstatCached(fd: number, words: Uint32Array): number {
  if (!mounts) return NOT_CACHED;
  const mask = C.STATX_BASIC_STATS | C.STATX_BTIME | C.STATX_MNT_ID_UNIQUE;
  if (native.syscall(SYS_statx, fd, addressOf(EMPTY_PATH), C.AT_EMPTY_PATH | C.AT_STATX_DONT_SYNC, mask, addressOf(words)) < 0) return NOT_CACHED;
  return onLocalMount(fd, words) ? 0 : NOT_CACHED;
}

/**
 * Whether the struct statx in `words`, of `fd`'s file, asked with STATX_MNT_ID_UNIQUE and AT_STATX_DONT_SYNC,
 * is what stat(2) would say: the file is on a local filesystem, whose every field is current in memory. False
 * too where the kernel has no mount IDs (before 5.8), or reuses them (before 6.8) and changes to the mount table
 * cannot be seen.
 */
export function onLocalMount(fd: number, words: Uint32Array): boolean {
  if (!mounts) return false;
  const mask = words[STATX.stx_mask >> 2]!;
  const unique = (mask & C.STATX_MNT_ID_UNIQUE) !== 0;
  if (!unique && ((mask & C.STATX_MNT_ID) === 0 || !sameMountTable())) {
    mounts = false;
    return false;
  }
  const mount = mountIdIn(words);
  let local = localMounts.get(mount);
  if (local === undefined) {
    // mountinfo names mounts by their reused-style IDs.
    const listed = unique ? reusedMountId(fd) : mount;
    if (listed < 0) return false;
    local = LOCAL_FILESYSTEMS.includes(mountType(listed) ?? '');
    localMounts.set(mount, local);
  }
  return local;
}

/** stx_mnt_id of a struct statx. */
function mountIdIn(words: Uint32Array): number {
  return words[STATX.stx_mnt_id >> 2]! + words[(STATX.stx_mnt_id >> 2) + 1]! * 2 ** 32;
}

/** The reused-style mount ID (mountinfo's) of fd's mount, or -1. */
function reusedMountId(fd: number): number {
  const status = native.syscall(SYS_statx, fd, addressOf(EMPTY_PATH), C.AT_EMPTY_PATH | C.AT_STATX_DONT_SYNC, C.STATX_MNT_ID, addressOf(idWords));
  return status < 0 || (idWords[STATX.stx_mask >> 2]! & C.STATX_MNT_ID) === 0 ? -1 : mountIdIn(idWords);
}

/** The filesystem type /proc/self/mountinfo gives the mount `id`, or undefined (not listed, no /proc). */
function mountType(id: number): string | undefined {
  let table: string;
  try {
    table = `\n${readFileSync('/proc/self/mountinfo', 'latin1')}`;
  } catch {
    return undefined;
  }
  // "ID PARENT MAJOR:MINOR ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPER-OPTIONS"; spaces in paths are escaped.
  const start = table.indexOf(`\n${id} `);
  if (start < 0) return undefined;
  const end = table.indexOf('\n', start + 1);
  const line = table.slice(start + 1, end < 0 ? undefined : end);
  return line.split(' - ')[1]?.split(' ')[0];
}

/**
 * With mount IDs that an unmount frees (Linux 5.8 to 6.7): forgets what was learned of each mount when the
 * mount table changed since the last call, so that a new mount with a freed ID is asked again. Asked after
 * the statx that read the ID. False where changes cannot be seen (no /proc).
 */
function sameMountTable(): boolean {
  const generation = native.mountsGeneration();
  if (generation < 0) return false;
  if (generation !== mountsSeen) {
    localMounts.clear();
    mountsSeen = generation;
  }
  return true;
}
