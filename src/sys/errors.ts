// Every error ringcore creates is made here, so they all look alike and look
// like Node's own: kernel errors carry errno/code/syscall (and path, dest,
// address, port where known); library errors carry a stable ERR_RINGCORE_* code.
import { getSystemErrorMap } from 'node:util';
import type * as Os from 'node:os';
import { lazyBuiltin } from './builtins.js';
import { ECANCELED, EINTR, ETIMEDOUT } from './errno.js';
import { permissionModel } from './runtime.js';

/** Where a failed operation was pointed at, for the error's message and fields. */
export interface ErrorContext {
  /** The file path (of the source, for two-path ops). */
  path?: string;
  /** The destination path of a rename, link, symlink or copy. */
  dest?: string;
  /** The IP address or socket path of a network op. */
  address?: string;
  /** The port of a network op. */
  port?: number;
}

/** A kernel error, shaped as Node's: negative errno, its code, the syscall, and where it was pointed at. */
export interface RingcoreErrnoException extends Error {
  /** The negative errno, as Node's (e.g. -2). */
  errno: number;
  /** The errno's name, e.g. 'ENOENT'. */
  code: string;
  /** The syscall the op stands for, e.g. 'open'. */
  syscall: string;
  /** The file path, when the op had one. */
  path?: string;
  /** The destination path, for two-path ops. */
  dest?: string;
  /** The IP address or socket path, for network ops. */
  address?: string;
  /** The port, for network ops. */
  port?: number;
}

const os = lazyBuiltin<typeof Os>('node:os');
let errnoNames: Map<number, string> | undefined;

/** errno → name, from node:os on the first error (loading node:os cost every import about 0.7 ms). */
function errnoNameTable(): Map<number, string> {
  if (errnoNames !== undefined) return errnoNames;
  errnoNames = new Map();
  for (const [name, value] of Object.entries(os().constants.errno)) {
    if (!errnoNames.has(value)) errnoNames.set(value, name);
  }
  return errnoNames;
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
  return errnoNameTable().get(Math.abs(errno)) ?? `E${Math.abs(errno)}`;
}

function describe(errno: number, name: string): string {
  systemErrors ??= getSystemErrorMap();
  // The map also holds libuv's own codes (UV_EOF is -4095): use an entry only if it is this errno's.
  const entry = systemErrors.get(-Math.abs(errno));
  return (entry?.[0] === name ? entry[1] : undefined) ?? extraDescriptions[name] ?? 'unknown error';
}

/**
 * The kernel's restart codes (ERESTARTSYS 512 to ERESTART_RESTARTBLOCK 516)
 * never leave a syscall, but io_uring passes them through in a CQE for some
 * ops (a SPLICE cancelled while an io-wq worker runs it). To userland they
 * mean "interrupted": -EINTR.
 */
export function userErrno(res: number): number {
  return res <= -512 && res >= -516 ? -EINTR : res;
}

/**
 * A Node-style error for a negative result `res` of `syscall`.
 * The message follows Node: "ENOENT: no such file or directory, open '/x'",
 * or for sockets "connect ECONNREFUSED 127.0.0.1:80".
 */
export function errnoException(res: number, syscall: string, context?: ErrorContext): RingcoreErrnoException {
  const errno = userErrno(-Math.abs(res));
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
  const error = errnoException(-ECANCELED, syscall, context);
  error.message += ' (not run: an earlier operation in its linked chain failed)';
  return error;
}

/** The rejection of an aborted operation, as Node's own APIs give it. */
export class AbortError extends Error {
  /** 'AbortError', as Node's and the DOM's. */
  override readonly name = 'AbortError';
  /** 'ABORT_ERR', as Node's. */
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An op given a deadline (a link timeout) that passed before the op completed. */
export function timedOutException(syscall: string, ms: number, context?: ErrorContext): RingcoreErrnoException {
  const error = errnoException(-ETIMEDOUT, syscall, context);
  error.message += ` (deadline of ${ms} ms passed)`;
  return error;
}

/** Stable codes for errors that come from ringcore itself, not the kernel (docs/errors.md says what each means). */
export type RingcoreErrorCode =
  | 'ERR_RINGCORE_CLOSED'
  | 'ERR_RINGCORE_SETUP'
  | 'ERR_RINGCORE_UNSUPPORTED'
  | 'ERR_RINGCORE_UNSUPPORTED_ARCH'
  | 'ERR_RINGCORE_NATIVE'
  | 'ERR_RINGCORE_NATIVE_MISSING'
  | 'ERR_RINGCORE_HTTP_PARSE'
  | 'ERR_RINGCORE_IO_URING_REQUIRED'
  | 'ERR_RINGCORE_OUT_OF_MEMORY';

/** An error of ringcore's own, with a stable ERR_RINGCORE_* code (docs/errors.md). */
export class RingcoreError extends Error {
  /** Which error it is: a stable ERR_RINGCORE_* code. */
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
  const shown =
    actual === null
      ? 'null'
      : typeof actual === 'object'
        ? `an instance of ${actual.constructor?.name ?? 'Object'}`
        : `type ${typeof actual} (${String(actual)})`;
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

/**
 * ERR_RINGCORE_CLOSED for an op started on a closed ring, or one the ring's
 * close() took back before it was placed. `syscall` names the op when known.
 */
export function ringClosedError(syscall?: string): RingcoreError {
  return new RingcoreError('ERR_RINGCORE_CLOSED', syscall === undefined ? 'the ring is closed' : `${syscall}: the ring is closed`);
}

/**
 * ERR_RINGCORE_CLOSED for an op the kernel was running when its ring closed;
 * `cause` is the error its CQE carried (usually ECANCELED). For a multishot op,
 * the error that ends its stream.
 */
export function ringClosedInFlightError(syscall: string, cause?: unknown): RingcoreError {
  return new RingcoreError(
    'ERR_RINGCORE_CLOSED',
    `${syscall}: the ring was closed while the operation was in flight`,
    cause === undefined ? undefined : { cause },
  );
}

/** ERR_RINGCORE_CLOSED for a call on a handle that was closed: "send: the socket is closed". */
export function handleClosedError(syscall: string, handle: 'socket' | 'listener'): RingcoreError {
  return new RingcoreError('ERR_RINGCORE_CLOSED', `${syscall}: the ${handle} is closed`);
}

/**
 * ERR_RINGCORE_OUT_OF_MEMORY: bytes received could not be copied out of the
 * ring's buffer (`cause`: the allocation's RangeError); the stream ends with
 * this error in their place rather than go on without them.
 */
export function receivedLostError(syscall: string, bytes: number, cause: unknown): RingcoreError {
  return new RingcoreError('ERR_RINGCORE_OUT_OF_MEMORY', `${syscall}: no memory for ${bytes} bytes received; the stream ends here`, { cause });
}

/**
 * ERR_RINGCORE_NATIVE_MISSING: no native addon loads, or none was built for this JavaScript; `tried` says where
 * the loader looked and why it refused each one.
 */
export function nativeMissingError(tried: readonly string[]): RingcoreError {
  return new RingcoreError(
    'ERR_RINGCORE_NATIVE_MISSING',
    `ringcore: no native addon loads for ${process.platform}-${process.arch}; tried ${tried.join(', ')}. ` +
      'Prebuilt binaries ship for linux-x64 and linux-arm64 (glibc and musl); elsewhere `npm install` builds one ' +
      'from source, which needs python3, make and a C compiler (then run `npm rebuild ringcore`; in a checkout, `npm run install`).' +
      (permissionModel()
        ? " Node's permission model is on: it loads addons only with --allow-addons (ringcore then does its I/O through node:fs and node:net, which keep the model's checks)."
        : ''),
  );
}

/** ERR_RINGCORE_UNSUPPORTED_ARCH: ringcore knows the syscall numbers of x64 and arm64 only. */
export function unsupportedArchError(arch: string): RingcoreError {
  return new RingcoreError('ERR_RINGCORE_UNSUPPORTED_ARCH', `ringcore supports x64 and arm64 Linux only; process.arch is '${arch}'`);
}

/** A request the HTTP server refuses: `status` is what the client is told before the connection closes. */
export class HttpError extends Error {
  /** Always 'ERR_RINGCORE_HTTP_PARSE'. */
  readonly code = 'ERR_RINGCORE_HTTP_PARSE';
  constructor(
    /** The status the client is answered with. */
    readonly status: 400 | 413 | 431 | 501 | 505,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Node's ERR_INVALID_STATE ("Invalid state: The FileHandle is closed"), as its web streams give it. */
export function invalidStateError(reason: string): Error & { code: string } {
  const error = new Error(`Invalid state: ${reason}`) as Error & { code: string };
  error.code = 'ERR_INVALID_STATE';
  return error;
}

/**
 * A socket write whose buffer is read when it starts, not at the call, found its ArrayBuffer detached
 * (transferred: structuredClone, postMessage): the view is empty, and sent, it sent nothing.
 */
export function detachedWriteError(): Error & { code: string } {
  return invalidStateError('the buffer of a write was detached (its ArrayBuffer transferred) before the write started; nothing of it was sent');
}

/** An async iterator's next() called while the previous call has not settled: one reader at a time. */
export function concurrentReadError(): Error & { code: string } {
  return invalidStateError('next() called again before the previous call settled');
}

/**
 * A socket's read(), readv() or chunks() while a chunk loop reads it: the
 * kernel would hand each arriving chunk to whichever recv it wakes, so the
 * bytes would come out of order between the two.
 */
export function chunkLoopReadingError(call: string): Error & { code: string } {
  return invalidStateError(`${call} while a chunk loop reads the socket (leave the loop first: what it received and did not yield goes to the next read)`);
}

/** A loop that must make progress got a 0 from `what` (a write, a splice) with bytes still to go: it stops rather than spin. */
export function noProgressError(what: string, left: number): Error {
  return new Error(`${what} returned 0 with ${left} bytes left`);
}

/** A path the code cannot take (a bug if it is ever thrown). */
export function unreachableError(why: string): Error {
  return new Error(`unreachable: ${why}`);
}

/** A file sent as a response body ended before the Content-Length already sent. */
export function fileEndedEarlyError(left: number): Error {
  return new Error(`file ended ${left} bytes short of the Content-Length sent`);
}

/** Node's ERR_FS_FILE_TOO_LARGE: readFile() of more than a Buffer can hold in one read. */
export function fileTooLargeError(size: number | bigint): RangeError & { code: string } {
  const error = new RangeError(`File size (${size}) is greater than 2 GiB`) as RangeError & { code: string };
  error.code = 'ERR_FS_FILE_TOO_LARGE';
  return error;
}

/** Node's ERR_INVALID_HTTP_TOKEN, for a header name that is not an HTTP token. */
export function invalidHttpTokenError(name: string): TypeError & { code: string } {
  const error = new TypeError(`Header name must be a valid HTTP token [${JSON.stringify(name)}]`) as TypeError & { code: string };
  error.code = 'ERR_INVALID_HTTP_TOKEN';
  return error;
}

/** Node's ERR_INVALID_CHAR, for a header value with a control character or one above 0xFF. */
export function invalidHeaderCharError(name: string): TypeError & { code: string } {
  const error = new TypeError(`Invalid character in header content [${JSON.stringify(name)}]`) as TypeError & { code: string };
  error.code = 'ERR_INVALID_CHAR';
  return error;
}

/** Node's ERR_UNKNOWN_ENCODING, for a string written with an encoding Buffer does not know. */
export function unknownEncodingError(encoding: string): TypeError & { code: string } {
  const error = new TypeError(`Unknown encoding: ${encoding}`) as TypeError & { code: string };
  error.code = 'ERR_UNKNOWN_ENCODING';
  return error;
}

/** A request body read twice (the fetch API's own message). */
export function bodyUsedError(): TypeError {
  return new TypeError('Body is unusable: Body has already been read');
}

/** A CQE named a provided buffer this ring does not have, or more bytes than one holds: never trusted. */
export function providedBufferMismatchError(bid: number, res: number, count: number, size: number): RangeError {
  return new RangeError(`ringcore: the kernel reported buffer ${bid} with ${res} bytes; this ring has ${count} buffers of ${size}`);
}

/** Every buffer group id (16 bits) of a ring is held by a live reader. */
export function bufferGroupsExhaustedError(): RangeError {
  return new RangeError('ringcore: every buffer group id of this ring is in use');
}

/**
 * Gives `error` the stack of the code that awaits it, and rethrows it. Op
 * promises are `settled.then(undefined, rejectAtCaller)`: run as that
 * promise's reaction, the capture sees which async functions await it, so
 * the stack reads `at async <the caller>` as Node's fs/promises errors do,
 * where the stack taken when the error was made (in the completion handler)
 * held only ringcore's internals.
 */
export function rejectAtCaller(error: unknown): never {
  if (error instanceof Error) Error.captureStackTrace(error, rejectAtCaller);
  throw error;
}

/**
 * Reports an exception thrown by a callback the runtime called while reaping
 * (an op's or a multishot reader's): no caller could take it, so it becomes
 * an uncaught exception, after the reap, which it must not interrupt.
 */
export function throwLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** Builds an error without taking a stack (microseconds each): for errors rejectAtCaller will give one. */
export function stackless<T>(build: () => T): T {
  // Frozen by some sandboxes (SES): then the stack is taken twice, as before.
  if (Object.getOwnPropertyDescriptor(Error, 'stackTraceLimit')?.writable !== true) return build();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return build();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The node:http/node:net codes createServer answers with, as Node's own server and sockets do. */
export type NodeHttpErrorCode =
  | 'ERR_SERVER_NOT_RUNNING'
  | 'ERR_SERVER_ALREADY_LISTEN'
  | 'ERR_SOCKET_BAD_PORT'
  | 'ERR_STREAM_DESTROYED'
  | 'ERR_HTTP_REQUEST_TIMEOUT'
  | 'ECONNRESET';

/** An error with one of node:http's codes and messages (createServer's drop-in behaviour: frameworks test the code). */
export function nodeHttpError(code: NodeHttpErrorCode, message: string): Error & { code: string } {
  const error = (code === 'ERR_SOCKET_BAD_PORT' ? new RangeError(message) : new Error(message)) as Error & { code: string };
  error.code = code;
  return error;
}

/** A reusable op (Submitter.reusableWith) started again before its callback: it runs one start at a time. */
export function reusableOpInFlightError(syscall: string): Error {
  return new Error(`ringcore: a reusable ${syscall} op was started again while in flight`);
}

/** A second send while one is in flight: a Sender sends one batch at a time. */
export function sendInFlightError(): Error {
  return new Error('ringcore: Sender.start called while a send is in flight');
}
