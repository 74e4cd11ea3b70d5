// Syscall numbers ringcore issues through a raw syscall, per architecture.
//
// x64 numbers are from <asm/unistd_64.h>; arm64 uses the generic table
// (<asm-generic/unistd.h>). The io_uring calls are 426/427 on both (a ring's
// setup is the native shim's setupRing, which owns its fd at once).
// The table for the running process.arch is chosen when this module loads;
// any other architecture makes the import throw ERR_RINGCORE_UNSUPPORTED_ARCH.
import { unsupportedArchError } from './errors.js';

/** The syscalls this module has numbers for. */
export type SyscallName =
  | 'io_uring_enter'
  | 'io_uring_register'
  | 'read'
  | 'write'
  | 'close'
  | 'socket'
  | 'bind'
  | 'listen'
  | 'setsockopt'
  | 'getsockopt'
  | 'getsockname'
  | 'getpeername'
  | 'shutdown'
  | 'socketpair'
  | 'pipe2'
  | 'fcntl'
  | 'lseek'
  | 'prctl'
  | 'seccomp'
  | 'getpid'
  | 'gettid'
  | 'eventfd2'
  | 'madvise'
  | 'fallocate'
  | 'sendto'
  | 'statx'
  | 'fchmod'
  | 'fchown'
  | 'utimensat'
  | 'openat2';

export type SyscallTable = { readonly [K in SyscallName]: number };

/** Both tables, keyed by process.arch. */
export const SYSCALL_TABLES: { readonly x64: SyscallTable; readonly arm64: SyscallTable } = {
  x64: {
    io_uring_enter: 426,
    io_uring_register: 427,
    read: 0,
    write: 1,
    close: 3,
    socket: 41,
    bind: 49,
    listen: 50,
    setsockopt: 54,
    getsockopt: 55,
    getsockname: 51,
    getpeername: 52,
    shutdown: 48,
    socketpair: 53,
    pipe2: 293,
    fcntl: 72,
    lseek: 8,
    prctl: 157,
    seccomp: 317,
    getpid: 39,
    gettid: 186,
    eventfd2: 290,
    madvise: 28,
    fallocate: 285,
    sendto: 44,
    statx: 332,
    fchmod: 91,
    fchown: 93,
    utimensat: 280,
    openat2: 437,
  },
  arm64: {
    io_uring_enter: 426,
    io_uring_register: 427,
    read: 63,
    write: 64,
    close: 57,
    socket: 198,
    bind: 200,
    listen: 201,
    setsockopt: 208,
    getsockopt: 209,
    getsockname: 204,
    getpeername: 205,
    shutdown: 210,
    socketpair: 199,
    pipe2: 59,
    fcntl: 25,
    lseek: 62,
    prctl: 167,
    seccomp: 277,
    getpid: 172,
    gettid: 178,
    eventfd2: 19,
    madvise: 233,
    fallocate: 47,
    sendto: 206,
    statx: 291,
    fchmod: 52,
    fchown: 55,
    utimensat: 88,
    openat2: 437,
  },
};

function selectTable(arch: string): SyscallTable {
  if (arch === 'x64' || arch === 'arm64') return SYSCALL_TABLES[arch];
  throw unsupportedArchError(arch);
}

/** The table for this process's architecture. */
export const SYSCALLS: SyscallTable = selectTable(process.arch);

export const SYS_io_uring_enter = SYSCALLS.io_uring_enter;
export const SYS_io_uring_register = SYSCALLS.io_uring_register;
export const SYS_read = SYSCALLS.read;
export const SYS_write = SYSCALLS.write;
export const SYS_close = SYSCALLS.close;
export const SYS_socket = SYSCALLS.socket;
export const SYS_bind = SYSCALLS.bind;
export const SYS_listen = SYSCALLS.listen;
export const SYS_setsockopt = SYSCALLS.setsockopt;
export const SYS_getsockopt = SYSCALLS.getsockopt;
export const SYS_getsockname = SYSCALLS.getsockname;
export const SYS_getpeername = SYSCALLS.getpeername;
export const SYS_shutdown = SYSCALLS.shutdown;
export const SYS_socketpair = SYSCALLS.socketpair;
export const SYS_pipe2 = SYSCALLS.pipe2;
export const SYS_fcntl = SYSCALLS.fcntl;
export const SYS_lseek = SYSCALLS.lseek;
export const SYS_prctl = SYSCALLS.prctl;
export const SYS_seccomp = SYSCALLS.seccomp;
export const SYS_getpid = SYSCALLS.getpid;
export const SYS_gettid = SYSCALLS.gettid;
export const SYS_eventfd2 = SYSCALLS.eventfd2;
export const SYS_madvise = SYSCALLS.madvise;
export const SYS_fallocate = SYSCALLS.fallocate;
export const SYS_sendto = SYSCALLS.sendto;
export const SYS_statx = SYSCALLS.statx;
export const SYS_fchmod = SYSCALLS.fchmod;
export const SYS_fchown = SYSCALLS.fchown;
export const SYS_utimensat = SYSCALLS.utimensat;
export const SYS_openat2 = SYSCALLS.openat2;
