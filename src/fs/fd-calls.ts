// FileHandle's chmod, chown and utimes: io_uring has no op for them, so they
// are fchmod(2), fchown(2) and utimensat(2) made on this thread (a metadata
// change; node:fs's own calls would need a thread-pool trip, and on Deno they
// refuse fds Deno did not open). Arguments are checked and converted by
// Node's rules, errors carry the handle's path.
import type { TimeLike } from 'node:fs';
import { errnoException, invalidArgType, type ErrorContext } from '../sys/errors.js';
import { addressOf } from '../sys/memory.js';
import { native } from '../sys/native.js';
import { runtime } from '../sys/runtime.js';
import { SYS_fchmod, SYS_fchown, SYS_utimensat } from '../sys/syscalls.js';
import { checkInteger } from './args.js';
import { toMode } from './flags.js';

/** The largest uid or gid; it and -1 leave the id as it is. */
const MAX_ID = 0xffff_ffff;

function check(status: number, syscall: string, context: ErrorContext | undefined): void {
  if (status < 0) throw errnoException(status, syscall, context);
}

/** fchmod(2): `mode` a number or an octal string, as Node's. */
export function fchmodNow(fd: number, mode: unknown, context?: ErrorContext): void {
  if (mode === undefined || mode === null) throw invalidArgType('mode', 'a 32-bit unsigned integer or an octal string', mode);
  fchmodChecked(fd, toMode(mode, 0), 'fchmod', context);
}

/** fchmod(2) of a mode already checked; an error names `syscall` (copyFile's are 'copyfile', as Node's). */
export function fchmodChecked(fd: number, mode: number, syscall: string, context?: ErrorContext): void {
  check(native.syscall(SYS_fchmod, fd, mode), syscall, context);
}

/** fchown(2): -1 leaves an id as it is. */
export function fchownNow(fd: number, uid: unknown, gid: unknown, context?: ErrorContext): void {
  const u = checkInteger(uid, 'uid', -1, MAX_ID);
  const g = checkInteger(gid, 'gid', -1, MAX_ID);
  check(native.syscall(SYS_fchown, fd, u, g), 'fchown', context);
}

/**
 * Seconds since the epoch from a time as Node takes it: a finite number (a
 * negative one means now), a string that converts to a number ('' is 0,
 * 'Infinity' now), or a Date.
 */
function toSeconds(time: unknown, name: string): number {
  if (typeof time === 'string' && !Number.isNaN(Number(time))) return Number(time);
  if (typeof time === 'number' && Number.isFinite(time)) return time < 0 ? Date.now() / 1000 : time;
  if (time instanceof Date) return time.getTime() / 1000;
  throw invalidArgType(name, 'an instance of Date or a time in seconds', time);
}

/** Two struct timespecs for utimensat(2), reused: the call is synchronous. */
const times = new BigInt64Array(4);

/** tv_nsec's value for "now" (<linux/stat.h>); libuv gives it for an infinite time. */
const UTIME_NOW = (1 << 30) - 1;

/**
 * Whether node:fs would cut a time to microseconds: Node's libuv did up to
 * 1.51 and keeps nanoseconds from 1.52 (libuv#4951); Bun and Deno keep them.
 * Following it keeps these utimes giving the times node:fs gives.
 */
const CUTS_TO_MICROSECONDS = (() => {
  if (runtime !== 'node') return false;
  const [major = 0, minor = 0] = (process.versions.uv ?? '1.52').split('.').map(Number);
  return major === 1 && minor < 52;
})();

/** Stores `seconds` as a timespec at `index`, with libuv's conversion. */
function storeTimespec(index: number, seconds: number): void {
  if (!Number.isFinite(seconds)) {
    times[index] = 0n;
    times[index + 1] = BigInt(UTIME_NOW);
    return;
  }
  let sec = Math.trunc(seconds);
  let nsec = Math.trunc((seconds - sec) * 1e9);
  if (CUTS_TO_MICROSECONDS) nsec -= nsec % 1000;
  if (nsec < 0) {
    nsec += 1e9;
    sec -= 1;
  }
  times[index] = BigInt(sec);
  times[index + 1] = BigInt(nsec);
}

/** futimes: utimensat(2) on the fd itself (a null path). */
export function futimesNow(fd: number, atime: TimeLike, mtime: TimeLike, context?: ErrorContext): void {
  storeTimespec(0, toSeconds(atime, 'atime'));
  storeTimespec(2, toSeconds(mtime, 'mtime'));
  check(native.syscall(SYS_utimensat, fd, 0, addressOf(times), 0), 'futime', context);
}
