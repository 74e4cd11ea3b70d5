// BigIntStats: what stat(path, { bigint: true }) returns, as Node's: every
// field a bigint, plus the times in nanoseconds (atimeNs...), decoded from the
// same struct statx as Stats. Node reads its stat fields out of a
// BigInt64Array, so 64-bit values are signed here too.
import { STATX, STATX_TIMESTAMP } from '../sys/layout.js';
import { FileType } from './file-type.js';
import { defineDateAccessors, setDates } from './stat-dates.js';

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** What stat(), lstat() and FileHandle.stat() give with `{ bigint: true }`: Stats' fields as bigints, plus ns times. */
export class BigIntStats extends FileType {
  /** Time of last access, in ms since the epoch (the ns value divided, toward zero). */
  atimeMs: bigint;
  /** Time of last modification, in ms since the epoch (the ns value divided, toward zero). */
  mtimeMs: bigint;
  /** Time of last status change, in ms since the epoch (the ns value divided, toward zero). */
  ctimeMs: bigint;
  /** Time of creation, in ms since the epoch (the ns value divided, toward zero); 0 where the filesystem keeps none. */
  birthtimeMs: bigint;
  /** Time of last access, in ns since the epoch. */
  atimeNs: bigint;
  /** Time of last modification, in ns since the epoch. */
  mtimeNs: bigint;
  /** Time of last status change, in ns since the epoch. */
  ctimeNs: bigint;
  /** Time of creation, in ns since the epoch; 0 where the filesystem keeps none. */
  birthtimeNs: bigint;
  /** Time of last access, as a Date (ms precision). */
  declare atime: Date;
  /** Time of last modification, as a Date (ms precision). */
  declare mtime: Date;
  /** Time of last status change, as a Date (ms precision). */
  declare ctime: Date;
  /** Time of creation, as a Date (the epoch where the filesystem keeps none). */
  declare birthtime: Date;

  constructor(
    /** ID of the device holding the file (statx stx_dev_major/minor, as makedev()). */
    public dev: bigint,
    /** File type and permission bits (st_mode); see isFile() and the other is*() methods. */
    public mode: bigint,
    /** Number of hard links. */
    public nlink: bigint,
    /** Owner user ID. */
    public uid: bigint,
    /** Owner group ID. */
    public gid: bigint,
    /** Device ID, for a device special file (0 otherwise). */
    public rdev: bigint,
    /** Preferred block size for I/O, in bytes. */
    public blksize: bigint,
    /** Inode number. */
    public ino: bigint,
    /** Size in bytes. */
    public size: bigint,
    /** Number of 512-byte blocks allocated. */
    public blocks: bigint,
    atimeNs: bigint,
    mtimeNs: bigint,
    ctimeNs: bigint,
    birthtimeNs: bigint,
  ) {
    super();
    // As Node, and in its order of own properties: ms (the ns divided, toward zero), ns, then (Node ≤ 20) the Dates.
    this.atimeMs = atimeNs / NS_PER_MS;
    this.mtimeMs = mtimeNs / NS_PER_MS;
    this.ctimeMs = ctimeNs / NS_PER_MS;
    this.birthtimeMs = birthtimeNs / NS_PER_MS;
    this.atimeNs = atimeNs;
    this.mtimeNs = mtimeNs;
    this.ctimeNs = ctimeNs;
    this.birthtimeNs = birthtimeNs;
    setDates(this);
  }
}
defineDateAccessors(BigIntStats.prototype);

/** glibc's makedev() on bigints, as libuv builds st_dev from statx's major and minor. */
function makedev(major: bigint, minor: bigint): bigint {
  return ((major & 0xfffff000n) << 32n) | ((major & 0xfffn) << 8n) | ((minor & 0xffffff00n) << 12n) | (minor & 0xffn);
}

/** Decodes the struct statx the kernel wrote into `words` (its 32-bit words, as stat.ts's decoder), as Node's BigIntStats. */
export function decodeStatxBigInt(words: Uint32Array): BigIntStats {
  const wide = new BigInt64Array(words.buffer, words.byteOffset, words.length >> 1);
  const u32 = (at: number) => BigInt(words[at >> 2]!);
  const s64 = (at: number) => wide[at >> 3]!;
  const ns = (at: number) => s64(at + STATX_TIMESTAMP.tv_sec) * NS_PER_S + u32(at + STATX_TIMESTAMP.tv_nsec);
  return new BigIntStats(
    BigInt.asIntN(64, makedev(u32(STATX.stx_dev_major), u32(STATX.stx_dev_minor))),
    BigInt(words[STATX.stx_mode >> 2]! & 0xffff),
    u32(STATX.stx_nlink),
    u32(STATX.stx_uid),
    u32(STATX.stx_gid),
    BigInt.asIntN(64, makedev(u32(STATX.stx_rdev_major), u32(STATX.stx_rdev_minor))),
    u32(STATX.stx_blksize),
    s64(STATX.stx_ino),
    s64(STATX.stx_size),
    s64(STATX.stx_blocks),
    ns(STATX.stx_atime),
    ns(STATX.stx_mtime),
    ns(STATX.stx_ctime),
    // Zero when the filesystem keeps no birth time: the kernel leaves it so, and libuv passes it on.
    ns(STATX.stx_btime),
  );
}
