// The is*() methods of Node's Stats and BigIntStats: the file type bits of st_mode.
import { constants } from 'node:fs';

const { S_IFMT, S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK } = constants;

export abstract class FileType {
  abstract readonly mode: number | bigint;

  private typeIs(type: number): boolean {
    return (Number(this.mode) & S_IFMT) === type;
  }
  isFile(): boolean {
    return this.typeIs(S_IFREG);
  }
  isDirectory(): boolean {
    return this.typeIs(S_IFDIR);
  }
  isSymbolicLink(): boolean {
    return this.typeIs(S_IFLNK);
  }
  isCharacterDevice(): boolean {
    return this.typeIs(S_IFCHR);
  }
  isBlockDevice(): boolean {
    return this.typeIs(S_IFBLK);
  }
  isFIFO(): boolean {
    return this.typeIs(S_IFIFO);
  }
  isSocket(): boolean {
    return this.typeIs(S_IFSOCK);
  }
}
