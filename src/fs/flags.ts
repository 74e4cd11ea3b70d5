// Node's open flags ('r', 'w+', 'ax'...) and numeric flags, as open(2) flags.
// O_CLOEXEC is always added: an fd ringcore opens never leaks into a child.
import { constants as fsConstants } from 'node:fs';
import { O_CLOEXEC } from '../sys/constants.js';
import { invalidArgType, invalidArgValue, outOfRange } from '../sys/errors.js';

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_APPEND, O_EXCL, O_SYNC } = fsConstants;

/** The table of node:fs (lib/internal/fs/utils.js stringToFlags). */
const STRING_FLAGS: Record<string, number> = {
  r: O_RDONLY,
  rs: O_RDONLY | O_SYNC,
  sr: O_RDONLY | O_SYNC,
  'r+': O_RDWR,
  'rs+': O_RDWR | O_SYNC,
  'sr+': O_RDWR | O_SYNC,
  w: O_TRUNC | O_CREAT | O_WRONLY,
  wx: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  xw: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  'w+': O_TRUNC | O_CREAT | O_RDWR,
  'wx+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  'xw+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  a: O_APPEND | O_CREAT | O_WRONLY,
  ax: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  xa: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  as: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  sa: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  'a+': O_APPEND | O_CREAT | O_RDWR,
  'ax+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'xa+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'as+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
  'sa+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
};

export type OpenFlags = string | number;

/** open(2) flags for Node's `flags` argument (default 'r'), with O_CLOEXEC. */
export function toOpenFlags(flags: unknown, name = 'flags'): number {
  if (flags === undefined || flags === null) return O_RDONLY | O_CLOEXEC;
  if (typeof flags === 'number') {
    if (!Number.isInteger(flags) || flags < 0 || flags > 0x7fffffff) throw invalidArgValue(name, flags);
    return flags | O_CLOEXEC;
  }
  if (typeof flags !== 'string') throw invalidArgType(name, 'of type string or number', flags);
  const value = STRING_FLAGS[flags];
  if (value === undefined) throw invalidArgValue(name, flags);
  return value | O_CLOEXEC;
}

/** True when writes go to the end of the file whatever the position (O_APPEND). */
export function isAppend(openFlags: number): boolean {
  return (openFlags & O_APPEND) !== 0;
}

/**
 * A file mode argument: a number, or an octal string ('644'); `fallback` when
 * absent. Refused with Node's codes: a string that is not octal
 * ERR_INVALID_ARG_VALUE, a number that is not a 32-bit unsigned integer
 * ERR_OUT_OF_RANGE, any other type ERR_INVALID_ARG_TYPE.
 */
export function toMode(mode: unknown, fallback: number, name = 'mode'): number {
  if (mode === undefined || mode === null) return fallback;
  let value = mode;
  if (typeof value === 'string') {
    if (!/^[0-7]+$/.test(value)) throw invalidArgValue(name, value, 'must be a 32-bit unsigned integer or an octal string');
    value = parseInt(value, 8);
  }
  if (typeof value !== 'number') throw invalidArgType(name, 'a 32-bit unsigned integer or an octal string', value);
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw outOfRange(name, '>= 0 && <= 4294967295', value);
  return value & 0o7777;
}
