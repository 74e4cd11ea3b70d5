// Socket fds: create, bind, listen, options and names, close. The first three
// are io_uring ops (IORING_OP_SOCKET 5.19, BIND and LISTEN 6.11) when the
// kernel has them, raw syscalls through the shim when it does not. Every
// path that fails after the socket exists closes it: no fd leaks.
import type { Ring } from '../driver/ring.js';
import type { OpOptions } from '../op/op.js';
import { AbortError, errnoException, timedOutException, type ErrorContext } from '../sys/errors.js';
import { addressOf } from '../sys/memory.js';
import { native } from '../sys/native.js';
import { SOCK_CLOEXEC, SOCK_STREAM } from '../sys/socket-constants.js';
import { SYS_bind, SYS_close, SYS_getpeername, SYS_getsockname, SYS_listen, SYS_setsockopt, SYS_shutdown, SYS_socket } from '../sys/syscalls.js';
import { sockaddrStorage, type Sockaddr } from './address.js';

/**
 * A connected stream socket: socket(2), then CONNECT to `addr`. `timeout`
 * counts from `startedAt` (a name lookup and a wait for room in the ring
 * included; default: now): the CONNECT is given what is left, and running
 * out rejects with connect's ETIMEDOUT. The socket is closed on any failure.
 * Not an async function: the CONNECT's own promise resolves with the fd, and
 * one reaction handles its outcome (a connect is one promise fewer).
 */
export function connectSocket(ring: Ring, domain: number, addr: Sockaddr, context: ErrorContext, options: OpOptions, startedAt?: number): Promise<number> {
  const { signal, timeout } = options;
  // socket(2) itself, not IORING_OP_SOCKET: it never blocks, and as an op it
  // cost a trip through the ring (an enter, a promise) of its own before the
  // CONNECT could be written. The op layer checks signal and timeout at the CONNECT.
  const fd = native.syscall(SYS_socket, domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Promise.reject(errnoException(fd, 'socket'));
  // An invalid timeout is passed on as is: the op layer refuses it before any SQE.
  const left = typeof timeout === 'number' && timeout >= 0 && startedAt !== undefined ? Math.max(0, startedAt + timeout - performance.now()) : timeout;
  let connecting: Promise<number>;
  try {
    connecting = ring.submit(
      { syscall: 'connect', prep: (uring, sqe) => uring.prepConnect(sqe, fd, addressOf(addr.bytes), addr.length), pin: addr.bytes, context, map: () => fd },
      { signal, timeout: left },
    );
  } catch (error) {
    closeFdNow(fd);
    throw error;
  }
  return connecting.then(
    (connected) => {
      // The CONNECT completed before its cancel (a local peer connects at once), but the caller gave up on it: a
      // stream handed to code that no longer waits for it was never closed (node:net destroys the socket on abort).
      if (signal?.aborted !== true) return connected;
      closeFdNow(connected);
      throw new AbortError(undefined, { cause: signal.reason });
    },
    (error: unknown) => {
      closeFdNow(fd);
      throw (error as { code?: unknown }).code === 'ETIMEDOUT' ? timedOutException('connect', timeout!, context) : error;
    },
  );
}

/** Closes an fd now (a raw close). Errors are ignored: used where the fd is given up. */
export function closeFdNow(fd: number): void {
  native.syscall(SYS_close, fd);
}

/** socket(domain, type | SOCK_CLOEXEC, 0). */
export async function createSocket(ring: Ring, domain: number, type: number, options?: OpOptions): Promise<number> {
  if (ring.supports('SOCKET')) {
    return ring.submit(
      {
        syscall: 'socket',
        prep: (uring, sqe) => uring.prepSocket(sqe, domain, type | SOCK_CLOEXEC, 0, 0),
        release: closeFdNow,
      },
      options,
    );
  }
  return socketNow(domain, type);
}

/** socket(2) on this thread: socket(domain, type | SOCK_CLOEXEC, 0). */
export function socketNow(domain: number, type: number): number {
  const fd = native.syscall(SYS_socket, domain, type | SOCK_CLOEXEC, 0);
  if (fd < 0) throw errnoException(fd, 'socket');
  return fd;
}

/** bind(fd, addr). The caller closes fd if it throws. */
export async function bindSocket(ring: Ring, fd: number, addr: Sockaddr, context: ErrorContext): Promise<void> {
  if (ring.supports('BIND')) {
    await ring.submit({
      syscall: 'bind',
      prep: (uring, sqe) => uring.prepBind(sqe, fd, addressOf(addr.bytes), addr.length),
      pin: addr.bytes,
      context,
    });
    return;
  }
  bindNow(fd, addr, context);
}

/** bind(2) on this thread. The caller closes fd if it throws. */
export function bindNow(fd: number, addr: Sockaddr, context: ErrorContext): void {
  const ret = native.syscall(SYS_bind, fd, addressOf(addr.bytes), addr.length);
  if (ret < 0) throw errnoException(ret, 'bind', context);
}

/** listen(fd, backlog). The caller closes fd if it throws. */
export async function listenSocket(ring: Ring, fd: number, backlog: number, context: ErrorContext): Promise<void> {
  if (ring.supports('LISTEN')) {
    await ring.submit({ syscall: 'listen', prep: (uring, sqe) => uring.prepListen(sqe, fd, backlog), context });
    return;
  }
  listenNow(fd, backlog, context);
}

/** listen(2) on this thread. The caller closes fd if it throws. */
export function listenNow(fd: number, backlog: number, context: ErrorContext): void {
  const ret = native.syscall(SYS_listen, fd, backlog);
  if (ret < 0) throw errnoException(ret, 'listen', context);
}

const optionValue = new Int32Array(1);

/** setsockopt(fd, level, name, int value), checked: a refusal throws. */
export function setIntOption(fd: number, level: number, name: number, value: number): void {
  optionValue[0] = value;
  const ret = native.syscall(SYS_setsockopt, fd, level, name, addressOf(optionValue), 4);
  if (ret < 0) throw errnoException(ret, 'setsockopt');
}

const nameLength = new Uint32Array(1);

/** getsockname/getpeername: the sockaddr bytes and their length. */
function socketName(fd: number, which: 'getsockname' | 'getpeername'): { bytes: Buffer; length: number } {
  const bytes = sockaddrStorage();
  nameLength[0] = bytes.length;
  const ret = native.syscall(which === 'getsockname' ? SYS_getsockname : SYS_getpeername, fd, addressOf(bytes), addressOf(nameLength));
  if (ret < 0) throw errnoException(ret, which);
  return { bytes, length: nameLength[0]! };
}

export const localName = (fd: number) => socketName(fd, 'getsockname');
export const peerName = (fd: number) => socketName(fd, 'getpeername');

/** A raw shutdown(fd, how); returns 0 or -errno (ENOTCONN when the peer is gone: not an error here). */
export function shutdownNow(fd: number, how: number): number {
  return native.syscall(SYS_shutdown, fd, how);
}

/**
 * Closes fd through the ring (IORING_OP_CLOSE): ordered after ops queued
 * before it. `idle`: none of the socket's own ops is in flight. Then, if the
 * ring has no request waiting for the kernel either (no SQE that names fd can
 * still be submitted after the close), close(2) at once: the same work in the
 * kernel without a trip through the ring; ops already submitted hold the file.
 */
export function closeSocket(ring: Ring, fd: number, idle = false): Promise<void> {
  if (ring.closed) {
    closeFdNow(fd);
    return Promise.resolve();
  }
  if (idle && ring.waiting === 0 && ring.uring.sqPending() === 0) {
    const ret = native.syscall(SYS_close, fd);
    return ret < 0 ? Promise.reject(errnoException(ret, 'close')) : Promise.resolve();
  }
  return ring.submit({ syscall: 'close', prep: (uring, sqe) => uring.prepClose(sqe, fd), map: () => undefined });
}
