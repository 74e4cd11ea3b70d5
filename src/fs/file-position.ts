// A FileHandle's own file position. Ops "at the current position" on a
// seekable file are sent with an explicit offset taken from here, never -1:
// the kernel does not move the file offset for an io_uring write at -1 that
// wrote part of its bytes and then failed (EFBIG, ENOSPC), so resubmitting the
// rest at -1 wrote it over the start of the file and reported success.
// Files opened with O_APPEND, and fds that cannot seek (pipes, sockets,
// terminals), keep -1: the kernel appends, or there is no offset to lose.
import { constants } from 'node:fs';
import { F_GETFL, SEEK_CUR, SEEK_SET } from '../sys/constants.js';
import { native } from '../sys/native.js';
import { SYS_fcntl, SYS_lseek } from '../sys/syscalls.js';

/**
 * The fd's offset now, or -1 when ops on it must go at the kernel's position
 * (-1 in the SQE): O_APPEND files, and fds lseek refuses (ESPIPE).
 */
function ownPositionOf(fd: number): number {
  const flags = native.syscall(SYS_fcntl, fd, F_GETFL, 0);
  if (flags < 0 || (flags & constants.O_APPEND) !== 0) return -1;
  const at = native.syscall(SYS_lseek, fd, 0, SEEK_CUR);
  return at < 0 ? -1 : at;
}

/** Moves the fd's offset to `at` (for whoever uses the fd next: Node's fs, a child's stdio). */
function seekTo(fd: number, at: number): void {
  native.syscall(SYS_lseek, fd, at, SEEK_SET);
}

/** A FileHandle's own file position: ops at the current position get an explicit offset from it (-1 for O_APPEND or unseekable fds). */
export class FilePosition {
  /** The next byte; -1: the kernel's position; NaN: to be read from the fd at the next use. */
  #at = NaN;
  /** Ranges taken and not yet settled. */
  #open = 0;
  /** The furthest byte an op of those ranges moved (where the first started, when none moved any). */
  #reach = 0;
  /** One of those ops moved less than its range. */
  #short = false;

  constructor(private readonly fd: number) {}

  /**
   * Where an op of `length` bytes at the current position goes (-1: the
   * kernel's). The range is taken at once, so ops started together land one
   * after the other, as write(2)s at the file offset do.
   */
  take(length: number): number {
    if (Number.isNaN(this.#at)) this.#at = ownPositionOf(this.fd);
    if (this.#at < 0) return -1;
    const at = this.#at;
    if (this.#open++ === 0) {
      this.#reach = at;
      this.#short = false;
    }
    this.#at = at + length;
    return at;
  }

  /** Whether ops go at offsets taken from here (false: at the kernel's position, -1). */
  seekable(): boolean {
    if (Number.isNaN(this.#at)) this.#at = ownPositionOf(this.fd);
    return this.#at >= 0;
  }

  /**
   * The op that took `length` bytes at `at` moved `done` (fewer on a short
   * read, the end of the file, or an error; more for a read to the end,
   * which takes 0). Once every range taken has settled, the position is just
   * past the furthest byte moved: ranges taken after one that came back
   * short (reads started together past the end of the file) moved nothing
   * there, and a position left at their end put the next write past a hole
   * of zeros and made the next read skip what the file grew by.
   */
  settle(at: number, length: number, done: number): void {
    if (at < 0 || this.#open === 0) return;
    if (done > 0) this.#reach = Math.max(this.#reach, at + done);
    if (done < length) this.#short = true;
    if (--this.#open > 0 || !(this.#at >= 0)) return; // released meanwhile: the fd's offset is read again
    this.#at = this.#short ? this.#reach : Math.max(this.#at, this.#reach);
  }

  /** Moves the position back to `at` if it is past it: a copy that cut its output back to `at` (transfer()'s source shrank). */
  cutBack(at: number): void {
    if (this.#at > at) this.#at = at;
  }

  /**
   * Hands the position to the fd's own offset before the fd is used directly,
   * and reads it back at the next op: code that writes through the fd (Node's
   * fs, a child's stdio) continues where the handle stopped, and the handle
   * continues after it.
   */
  release(): void {
    if (this.#at >= 0) seekTo(this.fd, this.#at);
    this.#at = NaN;
  }
}
