// stat, lstat and FileHandle.stat: IORING_OP_STATX into a struct statx,
// returned as an object with the fields and methods of Node's fs.Stats.
import { constants as fsConstants } from 'node:fs';
import * as C from '../sys/constants.js';
import { STATX, STATX_TIMESTAMP } from '../sys/layout.js';
import { addressOf } from '../sys/memory.js';
import type { OpSpec } from '../op/op.js';
import { checkOptions, ringOf, type FsOptions } from './options.js';
import { EMPTY_PATH, toCPath, type PathLike } from './path.js';

const { S_IFMT, S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK } = fsConstants;
const MASK = C.STATX_BASIC_STATS | C.STATX_BTIME;

/** The fields and methods of Node's fs.Stats (numbers; no bigint variant). Dates are rounded to the ms, as Node's. */
export class Stats {
  constructor(
    public dev: number,
    public mode: number,
    public nlink: number,
    public uid: number,
    public gid: number,
    public rdev: number,
    public blksize: number,
    public ino: number,
    public size: number,
    public blocks: number,
    public atimeMs: number,
    public mtimeMs: number,
    public ctimeMs: number,
    public birthtimeMs: number,
  ) {}
  get atime(): Date {
    return new Date(Math.round(this.atimeMs));
  }
  get mtime(): Date {
    return new Date(Math.round(this.mtimeMs));
  }
  get ctime(): Date {
    return new Date(Math.round(this.ctimeMs));
  }
  get birthtime(): Date {
    return new Date(Math.round(this.birthtimeMs));
  }
  isFile(): boolean {
    return (this.mode & S_IFMT) === S_IFREG;
  }
  isDirectory(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }
  isSymbolicLink(): boolean {
    return (this.mode & S_IFMT) === S_IFLNK;
  }
  isCharacterDevice(): boolean {
    return (this.mode & S_IFMT) === S_IFCHR;
  }
  isBlockDevice(): boolean {
    return (this.mode & S_IFMT) === S_IFBLK;
  }
  isFIFO(): boolean {
    return (this.mode & S_IFMT) === S_IFIFO;
  }
  isSocket(): boolean {
    return (this.mode & S_IFMT) === S_IFSOCK;
  }
}

/** glibc's makedev(), as Node reports st_dev and st_rdev (exact below 2^53). */
function makedev(major: number, minor: number): number {
  return (major & 0xfff) * 0x100 + (minor & 0xff) + (minor & 0xffffff00) * 0x1000 + (major & 0xfffff000) * 2 ** 32;
}

/** Decodes the struct statx the kernel wrote into `buffer`. */
export function decodeStatx(buffer: Buffer): Stats {
  const u32 = (at: number) => buffer.readUInt32LE(at);
  const u64 = (at: number) => buffer.readUInt32LE(at) + buffer.readUInt32LE(at + 4) * 2 ** 32;
  const ms = (at: number) => Number(buffer.readBigInt64LE(at + STATX_TIMESTAMP.tv_sec)) * 1000 + u32(at + STATX_TIMESTAMP.tv_nsec) / 1e6;
  const hasBirth = (u32(STATX.stx_mask) & C.STATX_BTIME) !== 0;
  return new Stats(
    makedev(u32(STATX.stx_dev_major), u32(STATX.stx_dev_minor)),
    buffer.readUInt16LE(STATX.stx_mode),
    u32(STATX.stx_nlink),
    u32(STATX.stx_uid),
    u32(STATX.stx_gid),
    makedev(u32(STATX.stx_rdev_major), u32(STATX.stx_rdev_minor)),
    u32(STATX.stx_blksize),
    u64(STATX.stx_ino),
    u64(STATX.stx_size),
    u64(STATX.stx_blocks),
    ms(STATX.stx_atime),
    ms(STATX.stx_mtime),
    ms(STATX.stx_ctime),
    hasBirth ? ms(STATX.stx_btime) : ms(STATX.stx_ctime),
  );
}

/**
 * The STATX op: of `path` (relative to dirfd), or of the fd itself when
 * `path` is EMPTY_PATH and `dirfd` is the fd (AT_EMPTY_PATH).
 */
export function statxSpec(syscall: string, dirfd: number, path: Buffer, flags: number, shown?: string): OpSpec<Stats> {
  const out = Buffer.alloc(STATX.size);
  return {
    syscall,
    prep: (uring, sqe) => uring.prepStatx(sqe, dirfd, addressOf(path), flags | C.AT_STATX_SYNC_AS_STAT, MASK, addressOf(out)),
    pin: [path, out],
    context: shown === undefined ? undefined : { path: shown },
    map: () => decodeStatx(out),
  };
}

/** fstat(fd) as a STATX op. */
export function fstatSpec(fd: number, shown?: string): OpSpec<Stats> {
  return statxSpec('fstat', fd, EMPTY_PATH, C.AT_EMPTY_PATH, shown);
}

/** Stats of the file at `path`, following symlinks. */
export async function stat(path: PathLike, options?: FsOptions): Promise<Stats> {
  const p = toCPath(path);
  const o = checkOptions<FsOptions>(options);
  return ringOf(o).submit(statxSpec('stat', C.AT_FDCWD, p.bytes, 0, p.text), { signal: o.signal });
}

/** Stats of the link itself when `path` is a symlink. */
export async function lstat(path: PathLike, options?: FsOptions): Promise<Stats> {
  const p = toCPath(path);
  const o = checkOptions<FsOptions>(options);
  return ringOf(o).submit(statxSpec('lstat', C.AT_FDCWD, p.bytes, C.AT_SYMLINK_NOFOLLOW, p.text), { signal: o.signal });
}
