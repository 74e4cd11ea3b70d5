// The file type bits of st_mode: the is*() methods of Node's Stats and BigIntStats,
// and the runtime's own "is it a regular file" read from a struct statx.
import { constants } from 'node:fs';
import { STATX } from '../sys/layout.js';

const { S_IFMT, S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK } = constants;

/** The is*() methods of Stats and BigIntStats: tests of the file type bits of `mode`. */
export abstract class FileType {
  abstract readonly mode: number | bigint;

  private typeIs(type: number): boolean {
    return (Number(this.mode) & S_IFMT) === type;
  }
  /** Whether the file is a regular file. */
  isFile(): boolean {
    return this.typeIs(S_IFREG);
  }
  /** Whether the file is a directory. */
  isDirectory(): boolean {
    return this.typeIs(S_IFDIR);
  }
  /** Whether the file is a symbolic link (only from lstat). */
  isSymbolicLink(): boolean {
    return this.typeIs(S_IFLNK);
  }
  /** Whether the file is a character device. */
  isCharacterDevice(): boolean {
    return this.typeIs(S_IFCHR);
  }
  /** Whether the file is a block device. */
  isBlockDevice(): boolean {
    return this.typeIs(S_IFBLK);
  }
  /** Whether the file is a FIFO (named pipe). */
  isFIFO(): boolean {
    return this.typeIs(S_IFIFO);
  }
  /** Whether the file is a Unix domain socket. */
  isSocket(): boolean {
    return this.typeIs(S_IFSOCK);
  }
}

/** Whether the struct statx the kernel wrote into `words` (its 32-bit words) is of a regular file. */
export function statxIsRegular(words: Uint32Array): boolean {
  return (words[STATX.stx_mode >> 2]! & S_IFMT) === S_IFREG;
}
