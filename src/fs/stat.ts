// stat, lstat and FileHandle.stat: a struct statx (from statx(2) on this thread when the kernel
// has it in memory, cached-stat.ts, else IORING_OP_STATX),
// returned as an object with the fields and methods of Node's fs.Stats, or
// with `{ bigint: true }` of its BigIntStats.
import { usesNode } from '../backend/backend.js';
import { nodeFs } from '../fallback/load-fs.js';
import * as C from '../sys/constants.js';
import { STATX, STATX_TIMESTAMP } from '../sys/layout.js';
import { addressOf } from '../sys/memory.js';
import type { OpSpec } from '../op/op.js';
import { errnoException, invalidArgType } from '../sys/errors.js';
import { type BigIntStats, decodeStatxBigInt } from './bigint-stats.js';
import { fstatCached, NOT_CACHED, statCached } from './cached-stat.js';
import { FileType } from './file-type.js';
import { defineDateAccessors, setDates } from './stat-dates.js';
import { checkOptions, ringOf, type FsOptions } from './options.js';
import { type CPath, EMPTY_PATH, toCPath, type PathLike } from './path.js';
import type { Ring } from '../driver/ring.js';

const MASK = C.STATX_BASIC_STATS | C.STATX_BTIME;

/**
 * The fields and methods of Node's fs.Stats (numbers; see BigIntStats). The
 * Dates, rounded to the ms, are own properties or prototype accessors as the
 * running Node makes them (stat-dates.ts).
 */
export class Stats extends FileType {
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
    public dev: number,
    /** File type and permission bits (st_mode); see isFile() and the other is*() methods. */
    public mode: number,
    /** Number of hard links. */
    public nlink: number,
    /** Owner user ID. */
    public uid: number,
    /** Owner group ID. */
    public gid: number,
    /** Device ID, for a device special file (0 otherwise). */
    public rdev: number,
    /** Preferred block size for I/O, in bytes. */
    public blksize: number,
    /** Inode number. */
    public ino: number,
    /** Size in bytes. */
    public size: number,
    /** Number of 512-byte blocks allocated. */
    public blocks: number,
    /** Time of last access, in ms since the epoch. */
    public atimeMs: number,
    /** Time of last modification, in ms since the epoch. */
    public mtimeMs: number,
    /** Time of last status change, in ms since the epoch. */
    public ctimeMs: number,
    /** Time of creation, in ms since the epoch; 0 where the filesystem keeps none. */
    public birthtimeMs: number,
  ) {
    super();
    setDates(this);
  }
}
defineDateAccessors(Stats.prototype);

/** glibc's makedev(), as Node reports st_dev and st_rdev (exact below 2^53). */
function makedev(major: number, minor: number): number {
  return (major & 0xfff) * 0x100 + (minor & 0xff) + (minor & 0xffffff00) * 0x1000 + (major & 0xfffff000) * 2 ** 32;
}

/** An unsigned 64-bit field of a struct statx, from its two 32-bit words (exact below 2^53, as Node's). */
function u64(words: Uint32Array, at: number): number {
  return words[at >> 2]! + words[(at >> 2) + 1]! * 2 ** 32;
}

/** A struct statx_timestamp at byte `at`, in ms: its s64 seconds (the high word signed) and u32 nanoseconds. */
function ms(words: Uint32Array, at: number): number {
  const sec = (at + STATX_TIMESTAMP.tv_sec) >> 2;
  return (words[sec]! + (words[sec + 1]! | 0) * 2 ** 32) * 1000 + words[(at + STATX_TIMESTAMP.tv_nsec) >> 2]! / 1e6;
}

/**
 * Decodes the struct statx the kernel wrote into `words`. Indexing a Uint32Array: Buffer's
 * readUInt32LE and readBigInt64LE are calls into node:buffer that a young process runs in
 * V8's interpreter, 20 of them per stat (docs/performance.md, "Session 23").
 */
function decodeStatx(words: Uint32Array): Stats {
  return new Stats(
    makedev(words[STATX.stx_dev_major >> 2]!, words[STATX.stx_dev_minor >> 2]!),
    words[STATX.stx_mode >> 2]! & 0xffff,
    words[STATX.stx_nlink >> 2]!,
    words[STATX.stx_uid >> 2]!,
    words[STATX.stx_gid >> 2]!,
    makedev(words[STATX.stx_rdev_major >> 2]!, words[STATX.stx_rdev_minor >> 2]!),
    words[STATX.stx_blksize >> 2]!,
    u64(words, STATX.stx_ino),
    u64(words, STATX.stx_size),
    u64(words, STATX.stx_blocks),
    ms(words, STATX.stx_atime),
    ms(words, STATX.stx_mtime),
    ms(words, STATX.stx_ctime),
    // Zero when the filesystem keeps no birth time (/proc): the kernel leaves it so, and libuv passes it on.
    ms(words, STATX.stx_btime),
  );
}

/** Room for one struct statx, as the 32-bit words the decoders read (little-endian: the host's, on x64 and arm64). */
function statxWords(): Uint32Array {
  return new Uint32Array(STATX.size >> 2);
}

/** Options of stat(), lstat() and FileHandle.stat(). */
export interface StatOptions extends FsOptions {
  /** Return BigIntStats (every field a bigint, and atimeNs...), as Node's. */
  bigint?: boolean;
}

/** The options of stat, lstat and FileHandle.stat, checked before any SQE. */
export function checkStatOptions(options: unknown): StatOptions {
  const o = checkOptions<StatOptions>(options);
  if (o.bigint !== undefined && typeof o.bigint !== 'boolean') throw invalidArgType('options.bigint', 'of type boolean', o.bigint);
  return o;
}

/**
 * The STATX op: of `path` (relative to dirfd), or of the fd itself when
 * `path` is EMPTY_PATH and `dirfd` is the fd (AT_EMPTY_PATH).
 */
export function statxSpec(syscall: string, dirfd: number, path: Buffer, flags: number, shown?: string): OpSpec<Stats>;
export function statxSpec(syscall: string, dirfd: number, path: Buffer, flags: number, shown: string | undefined, bigint: true): OpSpec<BigIntStats>;
export function statxSpec(syscall: string, dirfd: number, path: Buffer, flags: number, shown: string | undefined, bigint: boolean): OpSpec<Stats | BigIntStats>;
export function statxSpec(syscall: string, dirfd: number, path: Buffer, flags: number, shown?: string, bigint = false): OpSpec<Stats | BigIntStats> {
  const out = statxWords();
  return {
    syscall,
    prep: (uring, sqe) => uring.prepStatx(sqe, dirfd, addressOf(path), flags | C.AT_STATX_SYNC_AS_STAT, MASK, addressOf(out)),
    pin: [path, out],
    context: shown === undefined ? undefined : { path: shown },
    map: bigint ? () => decodeStatxBigInt(out) : () => decodeStatx(out),
  };
}

/** The in-memory stats' struct statx: one for the module, as the kernel writes it and the decoder reads it within one synchronous call. */
const nowWords = statxWords();

/** The Stats (or BigIntStats) of the struct statx a call on this thread (cached-stat.ts) just wrote into nowWords. */
function decodeNow(bigint: boolean): Stats | BigIntStats {
  return bigint ? decodeStatxBigInt(nowWords) : decodeStatx(nowWords);
}

/**
 * fstat(fd) for FileHandle.stat() and the runtime's own reads and copies (the size of a file it has opened):
 * statx(2) on this thread when the file is on a local filesystem, where a STATX op would be a trip through
 * an io-wq worker; else a STATX op on `ring` (always the real fd: STATX takes no registered file).
 */
export function fstatFd(ring: Ring, fd: number, shown: string | undefined, bigint: false, signal?: AbortSignal): Promise<Stats>;
export function fstatFd(ring: Ring, fd: number, shown: string | undefined, bigint: boolean, signal?: AbortSignal): Promise<Stats | BigIntStats>;
export async function fstatFd(ring: Ring, fd: number, shown: string | undefined, bigint: boolean, signal?: AbortSignal): Promise<Stats | BigIntStats> {
  if (signal?.aborted !== true && fstatCached(fd, nowWords) !== NOT_CACHED) return decodeNow(bigint);
  return ring.submit(statxSpec('fstat', fd, EMPTY_PATH, C.AT_EMPTY_PATH, shown, bigint), { signal });
}

/**
 * stat or lstat of a path for stat(), lstat() and the runtime's own checks (mkdir -p, rm): on this
 * thread when the kernel has the answer in memory, else a STATX op on `ring`.
 */
export function statPath(ring: Ring, syscall: 'stat' | 'lstat', path: CPath, bigint: false, signal: AbortSignal | undefined): Promise<Stats>;
export function statPath(ring: Ring, syscall: 'stat' | 'lstat', path: CPath, bigint: boolean, signal: AbortSignal | undefined): Promise<Stats | BigIntStats>;
export async function statPath(
  ring: Ring,
  syscall: 'stat' | 'lstat',
  path: CPath,
  bigint: boolean,
  signal: AbortSignal | undefined,
): Promise<Stats | BigIntStats> {
  if (signal?.aborted !== true) {
    const status = statCached(path.bytes, syscall === 'lstat', nowWords);
    if (status === 0) return decodeNow(bigint);
    // ENOENT or ENOTDIR from the cached lookup.
    if (status < 0) throw errnoException(status, syscall, { path: path.text });
  }
  const flags = syscall === 'lstat' ? C.AT_SYMLINK_NOFOLLOW : 0;
  return ring.submit(statxSpec(syscall, C.AT_FDCWD, path.bytes, flags, path.text, bigint), { signal });
}

/** Stats of the file at `path`, following symlinks. */
export async function stat(path: PathLike, options: StatOptions & { bigint: true }): Promise<BigIntStats>;
export async function stat(path: PathLike, options?: StatOptions & { bigint?: false }): Promise<Stats>;
export async function stat(path: PathLike, options?: StatOptions): Promise<Stats | BigIntStats>;
export async function stat(path: PathLike, options?: StatOptions): Promise<Stats | BigIntStats> {
  const p = toCPath(path);
  const o = checkStatOptions(options);
  if (usesNode()) return (await nodeFs()).stat(path, o, false);
  return statPath(ringOf(o), 'stat', p, o.bigint === true, o.signal);
}

/** Stats of the link itself when `path` is a symlink. */
export async function lstat(path: PathLike, options: StatOptions & { bigint: true }): Promise<BigIntStats>;
export async function lstat(path: PathLike, options?: StatOptions & { bigint?: false }): Promise<Stats>;
export async function lstat(path: PathLike, options?: StatOptions): Promise<Stats | BigIntStats>;
export async function lstat(path: PathLike, options?: StatOptions): Promise<Stats | BigIntStats> {
  const p = toCPath(path);
  const o = checkStatOptions(options);
  if (usesNode()) return (await nodeFs()).stat(path, o, true);
  return statPath(ringOf(o), 'lstat', p, o.bigint === true, o.signal);
}
