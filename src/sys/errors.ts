// Every error ringcore creates is made here, so they all look alike and look
// like Node's own: kernel errors carry errno/code/syscall (and path, dest,
// address, port where known); library errors carry a stable ERR_RINGCORE_* code.
import { constants } from 'node:os';
import { getSystemErrorMap } from 'node:util';

/** Where a failed operation was pointed at, for the error's message and fields. */
export interface ErrorContext {
  path?: string;
  dest?: string;
  address?: string;
  port?: number;
}

export interface RingcoreErrnoException extends Error {
  errno: number;
  code: string;
  syscall: string;
  path?: string;
  dest?: string;
  address?: string;
  port?: number;
}

const errnoNames = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  if (!errnoNames.has(value)) errnoNames.set(value, name);
}

// Descriptions for errnos libuv has no name for (io_uring reports some of them).
const extraDescriptions: Record<string, string> = {
  ETIME: 'timer expired',
  EBADR: 'invalid request descriptor',
  EBADFD: 'file descriptor in bad state',
  EREMOTEIO: 'remote I/O error',
  ENOTSUP: 'operation not supported',
};

let systemErrors: Map<number, [string, string]> | undefined;

/** The errno's name, e.g. errnoName(-2) === 'ENOENT'. Accepts either sign. */
export function errnoName(errno: number): string {
  return errnoNames.get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}

function describe(errno: number, name: string): string {
  systemErrors ??= getSystemErrorMap();
  // The map also holds libuv's own codes (UV_EOF is -4095): use an entry only if it is this errno's.
  const entry = systemErrors.get(-Math.abs(errno));
  return (entry?.[0] === name ? entry[1] : undefined) ?? extraDescriptions[name] ?? 'unknown error';
}

/**
 * A Node-style error for a negative result `res` of `syscall`.
 * The message follows Node: "ENOENT: no such file or directory, open '/x'",
 * or for sockets "connect ECONNREFUSED 127.0.0.1:80".
 */
export function errnoException(res: number, syscall: string, context?: ErrorContext): RingcoreErrnoException {
  const errno = -Math.abs(res);
  const code = errnoName(errno);
  let message: string;
  if (context?.address !== undefined) {
    const where = context.port !== undefined ? `${context.address}:${context.port}` : context.address;
    message = `${syscall} ${code} ${where}`;
  } else {
    message = `${code}: ${describe(errno, code)}, ${syscall}`;
    if (context?.path !== undefined) message += ` '${context.path}'`;
    if (context?.dest !== undefined) message += ` -> '${context.dest}'`;
  }
  const error = new Error(message) as RingcoreErrnoException;
  error.errno = errno;
  error.code = code;
  error.syscall = syscall;
  if (context?.path !== undefined) error.path = context.path;
  if (context?.dest !== undefined) error.dest = context.dest;
  if (context?.address !== undefined) error.address = context.address;
  if (context?.port !== undefined) error.port = context.port;
  Error.captureStackTrace?.(error, errnoException);
  return error;
}

/** An op that never ran because an earlier op in its IOSQE_IO_LINK chain failed. */
export function linkBrokenException(syscall: string, context?: ErrorContext): RingcoreErrnoException {
  const error = errnoException(-constants.errno.ECANCELED, syscall, context);
  error.message += ' (not run: an earlier operation in its linked chain failed)';
  return error;
}

/** The rejection of an aborted operation, as Node's own APIs give it. */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An op given a deadline (a link timeout) that passed before the op completed. */
export function timedOutException(syscall: string, ms: number, context?: ErrorContext): RingcoreErrnoException {
  const error = errnoException(-constants.errno.ETIMEDOUT, syscall, context);
  error.message += ` (deadline of ${ms} ms passed)`;
  return error;
}

/** Stable codes for errors that come from ringcore itself, not the kernel. */
export type RingcoreErrorCode =
  | 'ERR_RINGCORE_CLOSED'
  | 'ERR_RINGCORE_SETUP'
  | 'ERR_RINGCORE_UNSUPPORTED'
  | 'ERR_RINGCORE_NATIVE';

export class RingcoreError extends Error {
  readonly code: RingcoreErrorCode;
  /** For ERR_RINGCORE_SETUP: the errno io_uring_setup returned. */
  errno?: number;
  constructor(code: RingcoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RingcoreError';
    this.code = code;
  }
}

/** A TypeError with Node's ERR_INVALID_ARG_TYPE code. */
export function invalidArgType(name: string, expected: string, actual: unknown): TypeError {
  const shown = actual === null ? 'null' : typeof actual === 'object' ? `an instance of ${actual.constructor?.name ?? 'Object'}` : `type ${typeof actual} (${String(actual)})`;
  const error = new TypeError(`The "${name}" argument must be ${expected}. Received ${shown}`) as TypeError & { code: string };
  error.code = 'ERR_INVALID_ARG_TYPE';
  return error;
}

/** A RangeError with Node's ERR_OUT_OF_RANGE code. */
export function outOfRange(name: string, range: string, actual: unknown): RangeError {
  const error = new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${String(actual)}`) as RangeError & { code: string };
  error.code = 'ERR_OUT_OF_RANGE';
  return error;
}

/** A TypeError with Node's ERR_INVALID_ARG_VALUE code ("The argument 'flags' is invalid"). */
export function invalidArgValue(name: string, actual: unknown, reason = 'is invalid'): TypeError {
  const shown = typeof actual === 'string' ? `'${actual}'` : String(actual);
  const error = new TypeError(`The argument '${name}' ${reason}. Received ${shown}`) as TypeError & { code: string };
  error.code = 'ERR_INVALID_ARG_VALUE';
  return error;
}
