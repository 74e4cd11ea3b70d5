// The io_uring kernel ABI's constants, named exactly as in <linux/io_uring.h>.
//
// Values follow the newest upstream header (Linux 7.x / liburing master), not
// just the one installed on the build machine; names a given kernel does not
// know are rejected by it with -EINVAL (ops: probe with IORING_REGISTER_PROBE).
// Where a constant is newer than Linux 6.1 its first kernel is noted.
// test/sys/constants.test.ts compiles a C program against the installed
// header and checks every constant that header defines against this file.
//
// All values are plain numbers; those with bit 31 set are written as positive
// numbers (0x80000000), not as the negative int32 `1 << 31` would give.

// ---------------------------------------------------------------------------
// Opcodes: sqe->opcode (enum io_uring_op). OPCODES is the single source of
// every opcode value; the IORING_OP_* exports, OPCODE_NAMES and SYSCALL_NAMES
// are all derived from it.
// ---------------------------------------------------------------------------

/** Every opcode by its name without the IORING_OP_ prefix: the value the kernel reads from sqe->opcode. */
export const OPCODES = {
  /** IORING_OP_NOP: Does nothing; completes with res 0 (useful to wake or test the ring). */
  NOP: 0,
  /** IORING_OP_READV: readv(2)/preadv2(2): addr = iovec array, len = count, off = offset. */
  READV: 1,
  /** IORING_OP_WRITEV: writev(2)/pwritev2(2). */
  WRITEV: 2,
  /** IORING_OP_FSYNC: fsync(2); fdatasync(2) with IORING_FSYNC_DATASYNC. */
  FSYNC: 3,
  /** IORING_OP_READ_FIXED: read into a registered buffer (buf_index). */
  READ_FIXED: 4,
  /** IORING_OP_WRITE_FIXED: write from a registered buffer (buf_index). */
  WRITE_FIXED: 5,
  /** IORING_OP_POLL_ADD: Wait for poll events on fd (one-shot, or multishot with IORING_POLL_ADD_MULTI). */
  POLL_ADD: 6,
  /** IORING_OP_POLL_REMOVE: Remove or update a POLL_ADD, found by its user_data. */
  POLL_REMOVE: 7,
  /** IORING_OP_SYNC_FILE_RANGE: sync_file_range(2). */
  SYNC_FILE_RANGE: 8,
  /** IORING_OP_SENDMSG: sendmsg(2). */
  SENDMSG: 9,
  /** IORING_OP_RECVMSG: recvmsg(2). */
  RECVMSG: 10,
  /** IORING_OP_TIMEOUT: A timer: completes with -ETIME when it fires, or 0 after `off` other completions. */
  TIMEOUT: 11,
  /** IORING_OP_TIMEOUT_REMOVE: Remove or update a TIMEOUT, found by its user_data. */
  TIMEOUT_REMOVE: 12,
  /** IORING_OP_ACCEPT: accept4(2). */
  ACCEPT: 13,
  /** IORING_OP_ASYNC_CANCEL: Cancel in-flight requests (by user_data, fd, opcode or all). */
  ASYNC_CANCEL: 14,
  /** IORING_OP_LINK_TIMEOUT: A timeout on the previous SQE of a link chain. */
  LINK_TIMEOUT: 15,
  /** IORING_OP_CONNECT: connect(2). */
  CONNECT: 16,
  /** IORING_OP_FALLOCATE: fallocate(2). */
  FALLOCATE: 17,
  /** IORING_OP_OPENAT: openat(2). */
  OPENAT: 18,
  /** IORING_OP_CLOSE: close(2), or release a registered file slot. */
  CLOSE: 19,
  /** IORING_OP_FILES_UPDATE: Update registered files from an SQE (like IORING_REGISTER_FILES_UPDATE). */
  FILES_UPDATE: 20,
  /** IORING_OP_STATX: statx(2). */
  STATX: 21,
  /** IORING_OP_READ: read(2)/pread(2) into addr, len bytes. */
  READ: 22,
  /** IORING_OP_WRITE: write(2)/pwrite(2) from addr, len bytes. */
  WRITE: 23,
  /** IORING_OP_FADVISE: posix_fadvise(2). */
  FADVISE: 24,
  /** IORING_OP_MADVISE: madvise(2). */
  MADVISE: 25,
  /** IORING_OP_SEND: send(2). */
  SEND: 26,
  /** IORING_OP_RECV: recv(2). */
  RECV: 27,
  /** IORING_OP_OPENAT2: openat2(2). */
  OPENAT2: 28,
  /** IORING_OP_EPOLL_CTL: epoll_ctl(2). */
  EPOLL_CTL: 29,
  /** IORING_OP_SPLICE: splice(2). */
  SPLICE: 30,
  /** IORING_OP_PROVIDE_BUFFERS: Hand the kernel buffers for a provided-buffer group (legacy, non-ring). */
  PROVIDE_BUFFERS: 31,
  /** IORING_OP_REMOVE_BUFFERS: Take buffers back from a provided-buffer group. */
  REMOVE_BUFFERS: 32,
  /** IORING_OP_TEE: tee(2). */
  TEE: 33,
  /** IORING_OP_SHUTDOWN: shutdown(2). */
  SHUTDOWN: 34,
  /** IORING_OP_RENAMEAT: renameat2(2). */
  RENAMEAT: 35,
  /** IORING_OP_UNLINKAT: unlinkat(2) (AT_REMOVEDIR for rmdir). */
  UNLINKAT: 36,
  /** IORING_OP_MKDIRAT: mkdirat(2). */
  MKDIRAT: 37,
  /** IORING_OP_SYMLINKAT: symlinkat(2). */
  SYMLINKAT: 38,
  /** IORING_OP_LINKAT: linkat(2). */
  LINKAT: 39,
  /** IORING_OP_MSG_RING: Post a CQE (or pass a registered fd) to another ring. */
  MSG_RING: 40,
  /** IORING_OP_FSETXATTR: fsetxattr(2). */
  FSETXATTR: 41,
  /** IORING_OP_SETXATTR: setxattr(2). */
  SETXATTR: 42,
  /** IORING_OP_FGETXATTR: fgetxattr(2). */
  FGETXATTR: 43,
  /** IORING_OP_GETXATTR: getxattr(2). */
  GETXATTR: 44,
  /** IORING_OP_SOCKET: socket(2). */
  SOCKET: 45,
  /** IORING_OP_URING_CMD: A driver/file-specific command (->uring_cmd), e.g. NVMe passthrough, socket options. */
  URING_CMD: 46,
  /** IORING_OP_SEND_ZC: Zero-copy send; posts a second CQE (IORING_CQE_F_NOTIF) when the buffer is free. */
  SEND_ZC: 47,
  /** IORING_OP_SENDMSG_ZC: Zero-copy sendmsg. */
  SENDMSG_ZC: 48,
  /** IORING_OP_READ_MULTISHOT: Multishot read into provided buffers (Linux 6.7). */
  READ_MULTISHOT: 49,
  /** IORING_OP_WAITID: waitid(2) (Linux 6.7). */
  WAITID: 50,
  /** IORING_OP_FUTEX_WAIT: futex wait (Linux 6.7). */
  FUTEX_WAIT: 51,
  /** IORING_OP_FUTEX_WAKE: futex wake (Linux 6.7). */
  FUTEX_WAKE: 52,
  /** IORING_OP_FUTEX_WAITV: futex_waitv(2) (Linux 6.7). */
  FUTEX_WAITV: 53,
  /** IORING_OP_FIXED_FD_INSTALL: Turn a registered (direct) file into a normal fd (Linux 6.8). */
  FIXED_FD_INSTALL: 54,
  /** IORING_OP_FTRUNCATE: ftruncate(2) (Linux 6.9). */
  FTRUNCATE: 55,
  /** IORING_OP_BIND: bind(2) (Linux 6.11). */
  BIND: 56,
  /** IORING_OP_LISTEN: listen(2) (Linux 6.11). */
  LISTEN: 57,
  /** IORING_OP_RECV_ZC: Zero-copy receive into a registered zcrx area (Linux 6.15). */
  RECV_ZC: 58,
  /** IORING_OP_EPOLL_WAIT: epoll_wait(2) (Linux 6.15). */
  EPOLL_WAIT: 59,
  /** IORING_OP_READV_FIXED: readv with a registered buffer (Linux 6.15). */
  READV_FIXED: 60,
  /** IORING_OP_WRITEV_FIXED: writev with a registered buffer (Linux 6.15). */
  WRITEV_FIXED: 61,
  /** IORING_OP_PIPE: pipe2(2) (Linux 6.16). */
  PIPE: 62,
  /** IORING_OP_NOP128: NOP in a 128-byte SQE slot, for IORING_SETUP_SQE_MIXED rings (Linux 6.19). */
  NOP128: 63,
  /** IORING_OP_URING_CMD128: URING_CMD in a 128-byte SQE slot, for IORING_SETUP_SQE_MIXED rings (Linux 6.19). */
  URING_CMD128: 64,
} as const;

/** An opcode's name without the IORING_OP_ prefix, e.g. 'READ'. */
export type OpcodeName = keyof typeof OPCODES;

/** Does nothing; completes with res 0 (useful to wake or test the ring). */
export const IORING_OP_NOP = OPCODES.NOP;
/** readv(2)/preadv2(2): addr = iovec array, len = count, off = offset. */
export const IORING_OP_READV = OPCODES.READV;
/** writev(2)/pwritev2(2). */
export const IORING_OP_WRITEV = OPCODES.WRITEV;
/** fsync(2); fdatasync(2) with IORING_FSYNC_DATASYNC. */
export const IORING_OP_FSYNC = OPCODES.FSYNC;
/** read into a registered buffer (buf_index). */
export const IORING_OP_READ_FIXED = OPCODES.READ_FIXED;
/** write from a registered buffer (buf_index). */
export const IORING_OP_WRITE_FIXED = OPCODES.WRITE_FIXED;
/** Wait for poll events on fd (one-shot, or multishot with IORING_POLL_ADD_MULTI). */
export const IORING_OP_POLL_ADD = OPCODES.POLL_ADD;
/** Remove or update a POLL_ADD, found by its user_data. */
export const IORING_OP_POLL_REMOVE = OPCODES.POLL_REMOVE;
/** sync_file_range(2). */
export const IORING_OP_SYNC_FILE_RANGE = OPCODES.SYNC_FILE_RANGE;
/** sendmsg(2). */
export const IORING_OP_SENDMSG = OPCODES.SENDMSG;
/** recvmsg(2). */
export const IORING_OP_RECVMSG = OPCODES.RECVMSG;
/** A timer: completes with -ETIME when it fires, or 0 after `off` other completions. */
export const IORING_OP_TIMEOUT = OPCODES.TIMEOUT;
/** Remove or update a TIMEOUT, found by its user_data. */
export const IORING_OP_TIMEOUT_REMOVE = OPCODES.TIMEOUT_REMOVE;
/** accept4(2). */
export const IORING_OP_ACCEPT = OPCODES.ACCEPT;
/** Cancel in-flight requests (by user_data, fd, opcode or all). */
export const IORING_OP_ASYNC_CANCEL = OPCODES.ASYNC_CANCEL;
/** A timeout on the previous SQE of a link chain. */
export const IORING_OP_LINK_TIMEOUT = OPCODES.LINK_TIMEOUT;
/** connect(2). */
export const IORING_OP_CONNECT = OPCODES.CONNECT;
/** fallocate(2). */
export const IORING_OP_FALLOCATE = OPCODES.FALLOCATE;
/** openat(2). */
export const IORING_OP_OPENAT = OPCODES.OPENAT;
/** close(2), or release a registered file slot. */
export const IORING_OP_CLOSE = OPCODES.CLOSE;
/** Update registered files from an SQE (like IORING_REGISTER_FILES_UPDATE). */
export const IORING_OP_FILES_UPDATE = OPCODES.FILES_UPDATE;
/** statx(2). */
export const IORING_OP_STATX = OPCODES.STATX;
/** read(2)/pread(2) into addr, len bytes. */
export const IORING_OP_READ = OPCODES.READ;
/** write(2)/pwrite(2) from addr, len bytes. */
export const IORING_OP_WRITE = OPCODES.WRITE;
/** posix_fadvise(2). */
export const IORING_OP_FADVISE = OPCODES.FADVISE;
/** madvise(2). */
export const IORING_OP_MADVISE = OPCODES.MADVISE;
/** send(2). */
export const IORING_OP_SEND = OPCODES.SEND;
/** recv(2). */
export const IORING_OP_RECV = OPCODES.RECV;
/** openat2(2). */
export const IORING_OP_OPENAT2 = OPCODES.OPENAT2;
/** epoll_ctl(2). */
export const IORING_OP_EPOLL_CTL = OPCODES.EPOLL_CTL;
/** splice(2). */
export const IORING_OP_SPLICE = OPCODES.SPLICE;
/** Hand the kernel buffers for a provided-buffer group (legacy, non-ring). */
export const IORING_OP_PROVIDE_BUFFERS = OPCODES.PROVIDE_BUFFERS;
/** Take buffers back from a provided-buffer group. */
export const IORING_OP_REMOVE_BUFFERS = OPCODES.REMOVE_BUFFERS;
/** tee(2). */
export const IORING_OP_TEE = OPCODES.TEE;
/** shutdown(2). */
export const IORING_OP_SHUTDOWN = OPCODES.SHUTDOWN;
/** renameat2(2). */
export const IORING_OP_RENAMEAT = OPCODES.RENAMEAT;
/** unlinkat(2) (AT_REMOVEDIR for rmdir). */
export const IORING_OP_UNLINKAT = OPCODES.UNLINKAT;
/** mkdirat(2). */
export const IORING_OP_MKDIRAT = OPCODES.MKDIRAT;
/** symlinkat(2). */
export const IORING_OP_SYMLINKAT = OPCODES.SYMLINKAT;
/** linkat(2). */
export const IORING_OP_LINKAT = OPCODES.LINKAT;
/** Post a CQE (or pass a registered fd) to another ring. */
export const IORING_OP_MSG_RING = OPCODES.MSG_RING;
/** fsetxattr(2). */
export const IORING_OP_FSETXATTR = OPCODES.FSETXATTR;
/** setxattr(2). */
export const IORING_OP_SETXATTR = OPCODES.SETXATTR;
/** fgetxattr(2). */
export const IORING_OP_FGETXATTR = OPCODES.FGETXATTR;
/** getxattr(2). */
export const IORING_OP_GETXATTR = OPCODES.GETXATTR;
/** socket(2). */
export const IORING_OP_SOCKET = OPCODES.SOCKET;
/** A driver/file-specific command (->uring_cmd), e.g. NVMe passthrough, socket options. */
export const IORING_OP_URING_CMD = OPCODES.URING_CMD;
/** Zero-copy send; posts a second CQE (IORING_CQE_F_NOTIF) when the buffer is free. */
export const IORING_OP_SEND_ZC = OPCODES.SEND_ZC;
/** Zero-copy sendmsg. */
export const IORING_OP_SENDMSG_ZC = OPCODES.SENDMSG_ZC;
/** Multishot read into provided buffers (Linux 6.7). */
export const IORING_OP_READ_MULTISHOT = OPCODES.READ_MULTISHOT;
/** waitid(2) (Linux 6.7). */
export const IORING_OP_WAITID = OPCODES.WAITID;
/** futex wait (Linux 6.7). */
export const IORING_OP_FUTEX_WAIT = OPCODES.FUTEX_WAIT;
/** futex wake (Linux 6.7). */
export const IORING_OP_FUTEX_WAKE = OPCODES.FUTEX_WAKE;
/** futex_waitv(2) (Linux 6.7). */
export const IORING_OP_FUTEX_WAITV = OPCODES.FUTEX_WAITV;
/** Turn a registered (direct) file into a normal fd (Linux 6.8). */
export const IORING_OP_FIXED_FD_INSTALL = OPCODES.FIXED_FD_INSTALL;
/** ftruncate(2) (Linux 6.9). */
export const IORING_OP_FTRUNCATE = OPCODES.FTRUNCATE;
/** bind(2) (Linux 6.11). */
export const IORING_OP_BIND = OPCODES.BIND;
/** listen(2) (Linux 6.11). */
export const IORING_OP_LISTEN = OPCODES.LISTEN;
/** Zero-copy receive into a registered zcrx area (Linux 6.15). */
export const IORING_OP_RECV_ZC = OPCODES.RECV_ZC;
/** epoll_wait(2) (Linux 6.15). */
export const IORING_OP_EPOLL_WAIT = OPCODES.EPOLL_WAIT;
/** readv with a registered buffer (Linux 6.15). */
export const IORING_OP_READV_FIXED = OPCODES.READV_FIXED;
/** writev with a registered buffer (Linux 6.15). */
export const IORING_OP_WRITEV_FIXED = OPCODES.WRITEV_FIXED;
/** pipe2(2) (Linux 6.16). */
export const IORING_OP_PIPE = OPCODES.PIPE;
/** NOP in a 128-byte SQE slot, for IORING_SETUP_SQE_MIXED rings (Linux 6.19). */
export const IORING_OP_NOP128 = OPCODES.NOP128;
/** URING_CMD in a 128-byte SQE slot, for IORING_SETUP_SQE_MIXED rings (Linux 6.19). */
export const IORING_OP_URING_CMD128 = OPCODES.URING_CMD128;

// OPCODES is written in value order, one name per value from 0 (test/sys/constants.test.ts checks it), so its keys,
// in order, are the names by value: no table built and checked at every import (a tenth of a millisecond of the
// import of ringcore/fs, docs/performance.md, "Session 29: import of ringcore/fs, the exports objects").
const OPCODE_NAME_LIST = Object.freeze(Object.keys(OPCODES) as OpcodeName[]);

/** Index = opcode, value = its name without the IORING_OP_ prefix ('NOP', 'READV', ...). */
export const OPCODE_NAMES: readonly string[] = OPCODE_NAME_LIST;

/**
 * The syscall name (as errors carry it, Node style) for each opcode. The
 * mapped type makes a missing opcode a compile error. Ops that mirror no
 * syscall use their lowercased name.
 */
const OP_SYSCALLS: { readonly [K in OpcodeName]: string } = {
  NOP: 'nop',
  READV: 'readv',
  WRITEV: 'writev',
  FSYNC: 'fsync',
  READ_FIXED: 'read',
  WRITE_FIXED: 'write',
  POLL_ADD: 'poll',
  POLL_REMOVE: 'poll_remove',
  SYNC_FILE_RANGE: 'sync_file_range',
  SENDMSG: 'sendmsg',
  RECVMSG: 'recvmsg',
  TIMEOUT: 'timeout',
  TIMEOUT_REMOVE: 'timeout_remove',
  ACCEPT: 'accept',
  ASYNC_CANCEL: 'async_cancel',
  LINK_TIMEOUT: 'link_timeout',
  CONNECT: 'connect',
  FALLOCATE: 'fallocate',
  OPENAT: 'open',
  CLOSE: 'close',
  FILES_UPDATE: 'files_update',
  STATX: 'statx',
  READ: 'read',
  WRITE: 'write',
  FADVISE: 'posix_fadvise',
  MADVISE: 'madvise',
  SEND: 'send',
  RECV: 'recv',
  OPENAT2: 'openat2',
  EPOLL_CTL: 'epoll_ctl',
  SPLICE: 'splice',
  PROVIDE_BUFFERS: 'provide_buffers',
  REMOVE_BUFFERS: 'remove_buffers',
  TEE: 'tee',
  SHUTDOWN: 'shutdown',
  RENAMEAT: 'rename',
  UNLINKAT: 'unlink',
  MKDIRAT: 'mkdir',
  SYMLINKAT: 'symlink',
  LINKAT: 'link',
  MSG_RING: 'msg_ring',
  FSETXATTR: 'fsetxattr',
  SETXATTR: 'setxattr',
  FGETXATTR: 'fgetxattr',
  GETXATTR: 'getxattr',
  SOCKET: 'socket',
  URING_CMD: 'uring_cmd',
  SEND_ZC: 'send',
  SENDMSG_ZC: 'sendmsg',
  READ_MULTISHOT: 'read',
  WAITID: 'waitid',
  FUTEX_WAIT: 'futex',
  FUTEX_WAKE: 'futex',
  FUTEX_WAITV: 'futex_waitv',
  FIXED_FD_INSTALL: 'fixed_fd_install',
  FTRUNCATE: 'ftruncate',
  BIND: 'bind',
  LISTEN: 'listen',
  RECV_ZC: 'recv',
  EPOLL_WAIT: 'epoll_wait',
  READV_FIXED: 'readv',
  WRITEV_FIXED: 'writev',
  PIPE: 'pipe',
  NOP128: 'nop',
  URING_CMD128: 'uring_cmd',
};

/** Index = opcode, value = the syscall name an error from that op carries ('read', 'open', ...). */
export const SYSCALL_NAMES: readonly string[] = Object.freeze(OPCODE_NAME_LIST.map((name) => OP_SYSCALLS[name]));

// ---------------------------------------------------------------------------
// sqe->flags: bit numbers (enum io_uring_sqe_flags_bit) and the IOSQE_* masks.
// ---------------------------------------------------------------------------

/** Bit number of IOSQE_FIXED_FILE in sqe->flags. */
export const IOSQE_FIXED_FILE_BIT = 0;
/** Bit number of IOSQE_IO_DRAIN in sqe->flags. */
export const IOSQE_IO_DRAIN_BIT = 1;
/** Bit number of IOSQE_IO_LINK in sqe->flags. */
export const IOSQE_IO_LINK_BIT = 2;
/** Bit number of IOSQE_IO_HARDLINK in sqe->flags. */
export const IOSQE_IO_HARDLINK_BIT = 3;
/** Bit number of IOSQE_ASYNC in sqe->flags. */
export const IOSQE_ASYNC_BIT = 4;
/** Bit number of IOSQE_BUFFER_SELECT in sqe->flags. */
export const IOSQE_BUFFER_SELECT_BIT = 5;
/** Bit number of IOSQE_CQE_SKIP_SUCCESS in sqe->flags. */
export const IOSQE_CQE_SKIP_SUCCESS_BIT = 6;

/** sqe->fd is an index into the registered files. */
export const IOSQE_FIXED_FILE = 1 << IOSQE_FIXED_FILE_BIT;
/** Start only after every earlier SQE has completed. */
export const IOSQE_IO_DRAIN = 1 << IOSQE_IO_DRAIN_BIT;
/** Link the next SQE: it starts after this one succeeds (a failure cancels the rest). */
export const IOSQE_IO_LINK = 1 << IOSQE_IO_LINK_BIT;
/** Like IOSQE_IO_LINK, but the chain continues even if this one fails. */
export const IOSQE_IO_HARDLINK = 1 << IOSQE_IO_HARDLINK_BIT;
/** Skip the inline attempt; go straight to an io-wq worker. */
export const IOSQE_ASYNC = 1 << IOSQE_ASYNC_BIT;
/** Pick a buffer from the provided-buffer group sqe->buf_group. */
export const IOSQE_BUFFER_SELECT = 1 << IOSQE_BUFFER_SELECT_BIT;
/** Post no CQE if the op succeeds. */
export const IOSQE_CQE_SKIP_SUCCESS = 1 << IOSQE_CQE_SKIP_SUCCESS_BIT;

// ---------------------------------------------------------------------------
// io_uring_params->flags: read by io_uring_setup(2).
// ---------------------------------------------------------------------------

/** Busy-poll for completions (O_DIRECT block I/O only). */
export const IORING_SETUP_IOPOLL = 1 << 0;
/** A kernel thread polls the SQ, so submission needs no syscall. */
export const IORING_SETUP_SQPOLL = 1 << 1;
/** Pin the SQPOLL thread to params.sq_thread_cpu. */
export const IORING_SETUP_SQ_AFF = 1 << 2;
/** params.cq_entries gives the CQ size. */
export const IORING_SETUP_CQSIZE = 1 << 3;
/** Clamp too-large ring sizes instead of failing. */
export const IORING_SETUP_CLAMP = 1 << 4;
/** Share the io-wq of the ring params.wq_fd. */
export const IORING_SETUP_ATTACH_WQ = 1 << 5;
/** Start disabled; enable with IORING_REGISTER_ENABLE_RINGS. */
export const IORING_SETUP_R_DISABLED = 1 << 6;
/** Keep submitting the batch after an SQE fails to prepare. */
export const IORING_SETUP_SUBMIT_ALL = 1 << 7;
/** Run completion task work only on the next kernel entry, no IPI. */
export const IORING_SETUP_COOP_TASKRUN = 1 << 8;
/** Set IORING_SQ_TASKRUN when task work is pending. */
export const IORING_SETUP_TASKRUN_FLAG = 1 << 9;
/** SQEs are 128 bytes. */
export const IORING_SETUP_SQE128 = 1 << 10;
/** CQEs are 32 bytes. */
export const IORING_SETUP_CQE32 = 1 << 11;
/** Only one task submits. */
export const IORING_SETUP_SINGLE_ISSUER = 1 << 12;
/** Run task work only when waiting for completions (needs SINGLE_ISSUER). */
export const IORING_SETUP_DEFER_TASKRUN = 1 << 13;
/** The application supplies the ring memory (Linux 6.5). */
export const IORING_SETUP_NO_MMAP = 1 << 14;
/** Return a registered ring index instead of an fd (Linux 6.5). */
export const IORING_SETUP_REGISTERED_FD_ONLY = 1 << 15;
/** No SQ index array: SQEs are consumed in ring order (Linux 6.6). */
export const IORING_SETUP_NO_SQARRAY = 1 << 16;
/** Hybrid sleep-then-poll for IOPOLL (Linux 6.13). */
export const IORING_SETUP_HYBRID_IOPOLL = 1 << 17;
/** Both 16- and 32-byte CQEs; big ones carry IORING_CQE_F_32 (Linux 6.18). */
export const IORING_SETUP_CQE_MIXED = 1 << 18;
/** Both 64- and 128-byte SQEs; big ones use the *128 opcodes (Linux 6.19). */
export const IORING_SETUP_SQE_MIXED = 1 << 19;
/** Always fetch SQEs from index 0; needs NO_SQARRAY, not with SQPOLL (newer than 6.19). */
export const IORING_SETUP_SQ_REWIND = 1 << 20;

// ---------------------------------------------------------------------------
// sqe->uring_cmd_flags (IORING_OP_URING_CMD).
// ---------------------------------------------------------------------------

/** Use the registered buffer sqe->buf_index. */
export const IORING_URING_CMD_FIXED = 1 << 0;
/** Multishot command: keeps posting CQEs with IORING_CQE_F_MORE (Linux 6.18). */
export const IORING_URING_CMD_MULTISHOT = 1 << 1;
/** Every flag a uring_cmd SQE may carry. */
export const IORING_URING_CMD_MASK = IORING_URING_CMD_FIXED | IORING_URING_CMD_MULTISHOT;

// ---------------------------------------------------------------------------
// sqe->fsync_flags.
// ---------------------------------------------------------------------------

/** fdatasync(2) semantics. */
export const IORING_FSYNC_DATASYNC = 1 << 0;

/** READV/WRITEV rw_flags (<linux/fs.h>): take only what is ready, else EAGAIN (preadv2's RWF_NOWAIT). */
export const RWF_NOWAIT = 0x00000008;

// ---------------------------------------------------------------------------
// sqe->timeout_flags (TIMEOUT, TIMEOUT_REMOVE, LINK_TIMEOUT).
// ---------------------------------------------------------------------------

/** The timespec is an absolute time, not a relative one. */
export const IORING_TIMEOUT_ABS = 1 << 0;
/** TIMEOUT_REMOVE: update the timer instead of removing it. */
export const IORING_TIMEOUT_UPDATE = 1 << 1;
/** Use CLOCK_BOOTTIME. */
export const IORING_TIMEOUT_BOOTTIME = 1 << 2;
/** Use CLOCK_REALTIME. */
export const IORING_TIMEOUT_REALTIME = 1 << 3;
/** TIMEOUT_REMOVE: update a LINK_TIMEOUT. */
export const IORING_LINK_TIMEOUT_UPDATE = 1 << 4;
/** Report expiry as res 0 instead of -ETIME. */
export const IORING_TIMEOUT_ETIME_SUCCESS = 1 << 5;
/** Re-arm after each expiry (Linux 6.4). */
export const IORING_TIMEOUT_MULTISHOT = 1 << 6;
/** sqe->addr holds the timeout in nanoseconds, not a timespec pointer (newer than 6.19). */
export const IORING_TIMEOUT_IMMEDIATE_ARG = 1 << 7;
/** The clock-selection bits. */
export const IORING_TIMEOUT_CLOCK_MASK = IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME;
/** The update-selection bits. */
export const IORING_TIMEOUT_UPDATE_MASK = IORING_TIMEOUT_UPDATE | IORING_LINK_TIMEOUT_UPDATE;

// ---------------------------------------------------------------------------
// sqe->splice_flags (SPLICE, TEE), on top of splice(2)'s SPLICE_F_*.
// ---------------------------------------------------------------------------

/** sqe->splice_fd_in is a registered file index. */
export const SPLICE_F_FD_IN_FIXED = 0x80000000;

// ---------------------------------------------------------------------------
// POLL_ADD / POLL_REMOVE command flags: sqe->len (the events go in poll32_events).
// ---------------------------------------------------------------------------

/** Multishot poll: a CQE per event, with IORING_CQE_F_MORE. */
export const IORING_POLL_ADD_MULTI = 1 << 0;
/** POLL_REMOVE: update the events of the poll matching sqe->addr. */
export const IORING_POLL_UPDATE_EVENTS = 1 << 1;
/** POLL_REMOVE: give that poll the new user_data sqe->off. */
export const IORING_POLL_UPDATE_USER_DATA = 1 << 2;
/** Level-triggered poll. */
export const IORING_POLL_ADD_LEVEL = 1 << 3;

// ---------------------------------------------------------------------------
// sqe->cancel_flags (ASYNC_CANCEL) and io_uring_sync_cancel_reg.flags.
// ---------------------------------------------------------------------------

/** Cancel every match, not just the first; res = number cancelled. */
export const IORING_ASYNC_CANCEL_ALL = 1 << 0;
/** Match on sqe->fd instead of user_data. */
export const IORING_ASYNC_CANCEL_FD = 1 << 1;
/** Match any request. */
export const IORING_ASYNC_CANCEL_ANY = 1 << 2;
/** sqe->fd is a registered file index. */
export const IORING_ASYNC_CANCEL_FD_FIXED = 1 << 3;
/** Match on user_data (the default when no other key is given). */
export const IORING_ASYNC_CANCEL_USERDATA = 1 << 4;
/** Match on opcode (sqe->len). */
export const IORING_ASYNC_CANCEL_OP = 1 << 5;

// ---------------------------------------------------------------------------
// SEND/RECV/SENDMSG/RECVMSG (and _ZC) flags: sqe->ioprio.
// ---------------------------------------------------------------------------

/** Arm poll first instead of trying the transfer at once. */
export const IORING_RECVSEND_POLL_FIRST = 1 << 0;
/** Multishot receive into provided buffers, with IORING_CQE_F_MORE. */
export const IORING_RECV_MULTISHOT = 1 << 1;
/** Use the registered buffer sqe->buf_index. */
export const IORING_RECVSEND_FIXED_BUF = 1 << 2;
/** SEND_ZC: report in the notification CQE whether data was copied. */
export const IORING_SEND_ZC_REPORT_USAGE = 1 << 3;
/** Send or receive several provided buffers at once (Linux 6.10). */
export const IORING_RECVSEND_BUNDLE = 1 << 4;
/** SEND/SEND_ZC: sqe->addr is an iovec array (Linux 6.17). */
export const IORING_SEND_VECTORIZED = 1 << 5;

/** cqe->res of a SEND_ZC notification: the data was (at least partly) copied. */
export const IORING_NOTIF_USAGE_ZC_COPIED = 0x80000000;

// ---------------------------------------------------------------------------
// ACCEPT flags: sqe->ioprio.
// ---------------------------------------------------------------------------

/** Multishot accept: a CQE per connection, with IORING_CQE_F_MORE. */
export const IORING_ACCEPT_MULTISHOT = 1 << 0;
/** Fail with -EAGAIN instead of waiting (Linux 6.10). */
export const IORING_ACCEPT_DONTWAIT = 1 << 1;
/** Arm poll first instead of trying accept at once (Linux 6.10). */
export const IORING_ACCEPT_POLL_FIRST = 1 << 2;

// ---------------------------------------------------------------------------
// MSG_RING: command in sqe->addr (enum io_uring_msg_ring_flags), flags in
// sqe->msg_ring_flags.
// ---------------------------------------------------------------------------

/** Post a CQE with res = sqe->len and user_data = sqe->off on the target ring. */
export const IORING_MSG_DATA = 0;
/** Send a registered file to the target ring. */
export const IORING_MSG_SEND_FD = 1;
/** Post no CQE on the target ring (IORING_MSG_SEND_FD only). */
export const IORING_MSG_RING_CQE_SKIP = 1 << 0;
/** Copy sqe->file_index into the target CQE's flags. */
export const IORING_MSG_RING_FLAGS_PASS = 1 << 1;

// ---------------------------------------------------------------------------
// sqe->install_fd_flags (FIXED_FD_INSTALL).
// ---------------------------------------------------------------------------

/** Don't set O_CLOEXEC on the installed fd. */
export const IORING_FIXED_FD_NO_CLOEXEC = 1 << 0;

// ---------------------------------------------------------------------------
// sqe->nop_flags (NOP): test hooks (Linux 6.10+).
// ---------------------------------------------------------------------------

/** Complete with res = sqe->len. */
export const IORING_NOP_INJECT_RESULT = 1 << 0;
/** Look up sqe->fd as a normal file. */
export const IORING_NOP_FILE = 1 << 1;
/** Look up sqe->fd as a registered file. */
export const IORING_NOP_FIXED_FILE = 1 << 2;
/** Look up the registered buffer sqe->buf_index. */
export const IORING_NOP_FIXED_BUFFER = 1 << 3;
/** Complete through task work. */
export const IORING_NOP_TW = 1 << 4;
/** Post a 32-byte CQE (CQE32/CQE_MIXED rings) (Linux 6.18). */
export const IORING_NOP_CQE32 = 1 << 5;

// ---------------------------------------------------------------------------
// sqe->file_index special value (OPENAT, ACCEPT, SOCKET, PIPE into registered slots).
// ---------------------------------------------------------------------------

/** Let the kernel pick a free registered slot; cqe->res returns it. */
export const IORING_FILE_INDEX_ALLOC = 0xffffffff;

// ---------------------------------------------------------------------------
// sqe->attr_type_mask (READ/WRITE attributes).
// ---------------------------------------------------------------------------

/** sqe->attr_ptr points to a struct io_uring_attr_pi (integrity data) (Linux 6.15). */
export const IORING_RW_ATTR_FLAG_PI = 1 << 0;

// ---------------------------------------------------------------------------
// cqe->flags.
// ---------------------------------------------------------------------------

/** A provided buffer was used; its id is flags >>> IORING_CQE_BUFFER_SHIFT. */
export const IORING_CQE_F_BUFFER = 1 << 0;
/** The (multishot) request will post more CQEs. */
export const IORING_CQE_F_MORE = 1 << 1;
/** The socket had more data after this receive. */
export const IORING_CQE_F_SOCK_NONEMPTY = 1 << 2;
/** A zero-copy send's notification: the buffer may be reused. */
export const IORING_CQE_F_NOTIF = 1 << 3;
/** The incrementally consumed buffer will be used again (Linux 6.12). */
export const IORING_CQE_F_BUF_MORE = 1 << 4;
/** Padding CQE in a CQE_MIXED ring: ignore it (Linux 6.18). */
export const IORING_CQE_F_SKIP = 1 << 5;
/** This is a 32-byte CQE in a CQE_MIXED ring (Linux 6.18). */
export const IORING_CQE_F_32 = 1 << 15;
/** Shift of the buffer id in cqe->flags. */
export const IORING_CQE_BUFFER_SHIFT = 16;

// ---------------------------------------------------------------------------
// mmap(2) offsets on the ring fd.
// ---------------------------------------------------------------------------

/** The SQ ring (and, with IORING_FEAT_SINGLE_MMAP, the CQ ring too). */
export const IORING_OFF_SQ_RING = 0;
/** The CQ ring. */
export const IORING_OFF_CQ_RING = 0x8000000;
/** The SQE array. */
export const IORING_OFF_SQES = 0x10000000;
/** A kernel-allocated provided-buffer ring (IOU_PBUF_RING_MMAP), OR'd with bgid << IORING_OFF_PBUF_SHIFT. */
export const IORING_OFF_PBUF_RING = 0x80000000;
/** Shift of the buffer group id in a PBUF_RING offset. */
export const IORING_OFF_PBUF_SHIFT = 16;
/** The bits that select which mapping an offset means. */
export const IORING_OFF_MMAP_MASK = 0xf8000000;

// ---------------------------------------------------------------------------
// SQ ring flags word (sq_off.flags), written by the kernel.
// ---------------------------------------------------------------------------

/** The SQPOLL thread sleeps: wake it with IORING_ENTER_SQ_WAKEUP. */
export const IORING_SQ_NEED_WAKEUP = 1 << 0;
/** CQEs overflowed the CQ ring; enter the kernel to flush them. */
export const IORING_SQ_CQ_OVERFLOW = 1 << 1;
/** Task work is pending; enter the kernel to run it. */
export const IORING_SQ_TASKRUN = 1 << 2;

// ---------------------------------------------------------------------------
// CQ ring flags word (cq_off.flags), written by the application.
// ---------------------------------------------------------------------------

/** Don't signal the registered eventfd. */
export const IORING_CQ_EVENTFD_DISABLED = 1 << 0;

// ---------------------------------------------------------------------------
// io_uring_enter(2) flags argument.
// ---------------------------------------------------------------------------

/** Wait for min_complete completions. */
export const IORING_ENTER_GETEVENTS = 1 << 0;
/** Wake the SQPOLL thread. */
export const IORING_ENTER_SQ_WAKEUP = 1 << 1;
/** Wait until the SQ ring has free space (SQPOLL). */
export const IORING_ENTER_SQ_WAIT = 1 << 2;
/** The last argument is a struct io_uring_getevents_arg (timeout, sigmask). */
export const IORING_ENTER_EXT_ARG = 1 << 3;
/** fd is a registered ring index (IORING_REGISTER_RING_FDS). */
export const IORING_ENTER_REGISTERED_RING = 1 << 4;
/** The wait timeout is absolute (Linux 6.12). */
export const IORING_ENTER_ABS_TIMER = 1 << 5;
/** The wait argument is an index into a registered wait region (Linux 6.13). */
export const IORING_ENTER_EXT_ARG_REG = 1 << 6;
/** Don't count the wait as iowait (Linux 6.15). */
export const IORING_ENTER_NO_IOWAIT = 1 << 7;

// ---------------------------------------------------------------------------
// io_uring_params->features: written by io_uring_setup(2).
// ---------------------------------------------------------------------------

/** SQ and CQ rings share one mmap. */
export const IORING_FEAT_SINGLE_MMAP = 1 << 0;
/** CQEs are never dropped (they overflow to a kernel list instead). */
export const IORING_FEAT_NODROP = 1 << 1;
/** Data an SQE points to is read at submission, not later. */
export const IORING_FEAT_SUBMIT_STABLE = 1 << 2;
/** off = -1 means the current file position. */
export const IORING_FEAT_RW_CUR_POS = 1 << 3;
/** Requests run with the submitter's credentials. */
export const IORING_FEAT_CUR_PERSONALITY = 1 << 4;
/** Internal poll instead of io-wq for pollable files. */
export const IORING_FEAT_FAST_POLL = 1 << 5;
/** POLL_ADD takes 32-bit event masks. */
export const IORING_FEAT_POLL_32BITS = 1 << 6;
/** SQPOLL works with non-registered files. */
export const IORING_FEAT_SQPOLL_NONFIXED = 1 << 7;
/** IORING_ENTER_EXT_ARG is supported. */
export const IORING_FEAT_EXT_ARG = 1 << 8;
/** io-wq workers are threads of the submitting process. */
export const IORING_FEAT_NATIVE_WORKERS = 1 << 9;
/** Registered resources can carry tags. */
export const IORING_FEAT_RSRC_TAGS = 1 << 10;
/** IOSQE_CQE_SKIP_SUCCESS is supported. */
export const IORING_FEAT_CQE_SKIP = 1 << 11;
/** Files of linked requests are looked up when the request runs. */
export const IORING_FEAT_LINKED_FILE = 1 << 12;
/** io_uring_register(2) accepts a registered ring index (Linux 6.3). */
export const IORING_FEAT_REG_REG_RING = 1 << 13;
/** IORING_RECVSEND_BUNDLE is supported (Linux 6.10). */
export const IORING_FEAT_RECVSEND_BUNDLE = 1 << 14;
/** getevents_arg.min_wait_usec is honoured (Linux 6.12). */
export const IORING_FEAT_MIN_TIMEOUT = 1 << 15;
/** Read/write attributes (sqe->attr_ptr) are supported (Linux 6.15). */
export const IORING_FEAT_RW_ATTR = 1 << 16;
/** IORING_ENTER_NO_IOWAIT is supported (Linux 6.15). */
export const IORING_FEAT_NO_IOWAIT = 1 << 17;

// ---------------------------------------------------------------------------
// io_uring_register(2) opcodes (enum io_uring_register_op).
// ---------------------------------------------------------------------------

/** Register fixed buffers (iovec array). */
export const IORING_REGISTER_BUFFERS = 0;
/** Undoes IORING_REGISTER_BUFFERS. */
export const IORING_UNREGISTER_BUFFERS = 1;
/** Register fixed files (fd array; -1 = empty slot). */
export const IORING_REGISTER_FILES = 2;
/** Undoes IORING_REGISTER_FILES. */
export const IORING_UNREGISTER_FILES = 3;
/** Signal an eventfd on every completion. */
export const IORING_REGISTER_EVENTFD = 4;
/** Undoes IORING_REGISTER_EVENTFD (or _ASYNC). */
export const IORING_UNREGISTER_EVENTFD = 5;
/** Replace a range of registered files. */
export const IORING_REGISTER_FILES_UPDATE = 6;
/** Signal the eventfd only for completions that went async. */
export const IORING_REGISTER_EVENTFD_ASYNC = 7;
/** Fill a struct io_uring_probe with the supported opcodes. */
export const IORING_REGISTER_PROBE = 8;
/** Register the current credentials; returns a personality id. */
export const IORING_REGISTER_PERSONALITY = 9;
/** Undoes IORING_REGISTER_PERSONALITY (by id). */
export const IORING_UNREGISTER_PERSONALITY = 10;
/** Restrict the opcodes/flags a disabled ring will accept. */
export const IORING_REGISTER_RESTRICTIONS = 11;
/** Enable a ring created with IORING_SETUP_R_DISABLED. */
export const IORING_REGISTER_ENABLE_RINGS = 12;
/** Register files with tags / sparse (struct io_uring_rsrc_register). */
export const IORING_REGISTER_FILES2 = 13;
/** Update registered files with tags (struct io_uring_rsrc_update2). */
export const IORING_REGISTER_FILES_UPDATE2 = 14;
/** Register buffers with tags / sparse. */
export const IORING_REGISTER_BUFFERS2 = 15;
/** Update registered buffers with tags. */
export const IORING_REGISTER_BUFFERS_UPDATE = 16;
/** Set the io-wq CPU affinity. */
export const IORING_REGISTER_IOWQ_AFF = 17;
/** Undoes IORING_REGISTER_IOWQ_AFF. */
export const IORING_UNREGISTER_IOWQ_AFF = 18;
/** Get/set the io-wq worker limits. */
export const IORING_REGISTER_IOWQ_MAX_WORKERS = 19;
/** Register ring fds for IORING_ENTER_REGISTERED_RING. */
export const IORING_REGISTER_RING_FDS = 20;
/** Undoes IORING_REGISTER_RING_FDS. */
export const IORING_UNREGISTER_RING_FDS = 21;
/** Register a provided-buffer ring (struct io_uring_buf_reg). */
export const IORING_REGISTER_PBUF_RING = 22;
/** Undoes IORING_REGISTER_PBUF_RING (by buffer group id). */
export const IORING_UNREGISTER_PBUF_RING = 23;
/** Cancel synchronously (struct io_uring_sync_cancel_reg). */
export const IORING_REGISTER_SYNC_CANCEL = 24;
/** Restrict IORING_FILE_INDEX_ALLOC to a slot range. */
export const IORING_REGISTER_FILE_ALLOC_RANGE = 25;
/** Read a buffer ring's head (Linux 6.8). */
export const IORING_REGISTER_PBUF_STATUS = 26;
/** Set up NAPI busy polling (Linux 6.9). */
export const IORING_REGISTER_NAPI = 27;
/** Undoes IORING_REGISTER_NAPI. */
export const IORING_UNREGISTER_NAPI = 28;
/** Choose the clock for wait timeouts (Linux 6.12). */
export const IORING_REGISTER_CLOCK = 29;
/** Copy registered buffers from another ring (Linux 6.12). */
export const IORING_REGISTER_CLONE_BUFFERS = 30;
/** MSG_RING without a source ring (Linux 6.13). */
export const IORING_REGISTER_SEND_MSG_RING = 31;
/** Register a NIC rx queue for zero-copy receive (Linux 6.15). */
export const IORING_REGISTER_ZCRX_IFQ = 32;
/** Resize the rings (Linux 6.13). */
export const IORING_REGISTER_RESIZE_RINGS = 33;
/** Register a memory region, e.g. for wait arguments (Linux 6.13). */
export const IORING_REGISTER_MEM_REGION = 34;
/** Query io_uring capabilities (<linux/io_uring/query.h>) (Linux 6.18). */
export const IORING_REGISTER_QUERY = 35;
/** Auxiliary zero-copy receive control (newer than 6.18). */
export const IORING_REGISTER_ZCRX_CTRL = 36;
/** Register BPF request filters (newer than 6.18). */
export const IORING_REGISTER_BPF_FILTER = 37;
/** OR'd into the opcode: the fd argument is a registered ring index. */
export const IORING_REGISTER_USE_REGISTERED_RING = 0x80000000;

/** In a REGISTER_FILES_UPDATE fd array: leave this slot unchanged. */
export const IORING_REGISTER_FILES_SKIP = -2;

/** io_uring_rsrc_register.flags: register an empty (sparse) table of `nr` slots. */
export const IORING_RSRC_REGISTER_SPARSE = 1 << 0;

/** io_uring_probe_op.flags: the opcode is supported. */
export const IO_URING_OP_SUPPORTED = 1 << 0;

/** IORING_REGISTER_IOWQ_MAX_WORKERS array index: bounded (e.g. file I/O) workers. */
export const IO_WQ_BOUND = 0;
/** IORING_REGISTER_IOWQ_MAX_WORKERS array index: unbounded (e.g. socket) workers. */
export const IO_WQ_UNBOUND = 1;

// ---------------------------------------------------------------------------
// io_uring_restriction.opcode (IORING_REGISTER_RESTRICTIONS).
// ---------------------------------------------------------------------------

/** Allow the io_uring_register(2) opcode in register_op. */
export const IORING_RESTRICTION_REGISTER_OP = 0;
/** Allow the SQE opcode in sqe_op. */
export const IORING_RESTRICTION_SQE_OP = 1;
/** Allow the IOSQE_* flags in sqe_flags. */
export const IORING_RESTRICTION_SQE_FLAGS_ALLOWED = 2;
/** Require the IOSQE_* flags in sqe_flags on every SQE. */
export const IORING_RESTRICTION_SQE_FLAGS_REQUIRED = 3;

// ---------------------------------------------------------------------------
// io_uring_clone_buffers.flags (IORING_REGISTER_CLONE_BUFFERS).
// ---------------------------------------------------------------------------

/** src_fd is a registered ring index. */
export const IORING_REGISTER_SRC_REGISTERED = 1 << 0;
/** Replace existing buffers in the destination range. */
export const IORING_REGISTER_DST_REPLACE = 1 << 1;

// ---------------------------------------------------------------------------
// io_uring_buf_reg.flags (IORING_REGISTER_PBUF_RING).
// ---------------------------------------------------------------------------

/** The kernel allocates the ring; mmap it at IORING_OFF_PBUF_RING. */
export const IOU_PBUF_RING_MMAP = 1;
/** Buffers may be consumed incrementally (Linux 6.12). */
export const IOU_PBUF_RING_INC = 2;

// ---------------------------------------------------------------------------
// io_uring_napi.opcode and .op_param (IORING_REGISTER_NAPI).
// ---------------------------------------------------------------------------

/** Register/unregister; op_param is a tracking strategy. */
export const IO_URING_NAPI_REGISTER_OP = 0;
/** Add a NAPI id (op_param) to the static list. */
export const IO_URING_NAPI_STATIC_ADD_ID = 1;
/** Remove a NAPI id (op_param) from the static list. */
export const IO_URING_NAPI_STATIC_DEL_ID = 2;
/** Track NAPI ids automatically. */
export const IO_URING_NAPI_TRACKING_DYNAMIC = 0;
/** Track only ids added with IO_URING_NAPI_STATIC_ADD_ID. */
export const IO_URING_NAPI_TRACKING_STATIC = 1;
/** No busy polling. */
export const IO_URING_NAPI_TRACKING_INACTIVE = 255;

// ---------------------------------------------------------------------------
// io_uring_region_desc.flags and io_uring_mem_region_reg.flags
// (IORING_REGISTER_MEM_REGION), io_uring_reg_wait.flags.
// ---------------------------------------------------------------------------

/** The region uses user memory at user_addr. */
export const IORING_MEM_REGION_TYPE_USER = 1;
/** The region holds registered wait arguments (IORING_ENTER_EXT_ARG_REG). */
export const IORING_MEM_REGION_REG_WAIT_ARG = 1;
/** io_uring_reg_wait.ts is valid. */
export const IORING_REG_WAIT_TS = 1 << 0;

// ---------------------------------------------------------------------------
// Socket commands: sqe->cmd_op of URING_CMD on a socket (enum io_uring_socket_op).
// ---------------------------------------------------------------------------

/** Bytes waiting unread in the receive queue (as ioctl SIOCINQ). */
export const SOCKET_URING_OP_SIOCINQ = 0;
/** Bytes in the send queue not yet sent (as ioctl SIOCOUTQ). */
export const SOCKET_URING_OP_SIOCOUTQ = 1;
/** getsockopt(2): sqe->level, sqe->optname, the value at sqe->optval. */
export const SOCKET_URING_OP_GETSOCKOPT = 2;
/** setsockopt(2): sqe->level, sqe->optname, the value at sqe->optval. */
export const SOCKET_URING_OP_SETSOCKOPT = 3;
/** Read TX timestamps from the error queue (Linux 6.17). */
export const SOCKET_URING_OP_TX_TIMESTAMP = 4;
/** getsockname/getpeername (newer than 6.18). */
export const SOCKET_URING_OP_GETSOCKNAME = 5;

/** cqe->flags bit of a TX timestamp CQE: set for hardware timestamps. */
export const IORING_TIMESTAMP_HW_SHIFT = 16;
/** cqe->flags shift of a TX timestamp's type. */
export const IORING_TIMESTAMP_TYPE_SHIFT = IORING_TIMESTAMP_HW_SHIFT + 1;
/** cqe->flags: the TX timestamp is a hardware one. */
export const IORING_CQE_F_TSTAMP_HW = 1 << IORING_TIMESTAMP_HW_SHIFT;

// ---------------------------------------------------------------------------
// Zero-copy receive (IORING_REGISTER_ZCRX_IFQ, IORING_OP_RECV_ZC).
// IORING_ZCRX_AREA_MASK (a 64-bit mask) is left out: it does not fit a number.
// ---------------------------------------------------------------------------

/** Bit where the area id starts in a zcrx buffer offset. */
export const IORING_ZCRX_AREA_SHIFT = 48;
/** io_uring_zcrx_area_reg.flags: the area is a dma-buf (dmabuf_fd). */
export const IORING_ZCRX_AREA_DMABUF = 1;
/** io_uring_zcrx_ifq_reg.flags: import an existing zcrx instance. */
export const ZCRX_REG_IMPORT = 1;
/** io_uring_zcrx_ifq_reg.flags: no net device; data is copied (newer than 6.18). */
export const ZCRX_REG_NODEV = 2;
/** Feature: rx_buf_len chooses the rx page size. */
export const ZCRX_FEATURE_RX_PAGE_SIZE = 1 << 0;
/** zcrx_ctrl.op: flush the refill queue (newer than 6.18). */
export const ZCRX_CTRL_FLUSH_RQ = 0;
/** zcrx_ctrl.op: export the instance as an fd (newer than 6.18). */
export const ZCRX_CTRL_EXPORT = 1;

// ---------------------------------------------------------------------------
// Path and file flags the file ops pass through, and the fcntl/lseek/splice
// values ringcore's own syscalls use (from <linux/fcntl.h>,
// <asm-generic/fcntl.h>, <linux/stat.h>, <linux/fs.h>). The same on x86_64
// and arm64; test/sys/constants.test.ts compares them with the C headers.
// ---------------------------------------------------------------------------

/** sqe->fd of OPENAT/STATX/MKDIRAT/UNLINKAT/RENAMEAT/...: relative paths are from the working directory. */
export const AT_FDCWD = -100;
/** STATX/LINKAT: don't follow a final symlink. */
export const AT_SYMLINK_NOFOLLOW = 0x100;
/** UNLINKAT: remove a directory (rmdir). */
export const AT_REMOVEDIR = 0x200;
/** LINKAT: follow a final symlink of the old path. */
export const AT_SYMLINK_FOLLOW = 0x400;
/** STATX: an empty path means the fd itself (fstat). */
export const AT_EMPTY_PATH = 0x1000;
/** STATX: do what stat(2) does about syncing with a remote fs. */
export const AT_STATX_SYNC_AS_STAT = 0x0000;
/** statx(2): answer from the attributes the kernel holds, never asking a remote fs (local ones ignore it). */
export const AT_STATX_DONT_SYNC = 0x4000;
/** open(2): an fd naming the file, opened for nothing (the same on x86_64 and arm64). */
export const O_PATH = 0o10000000;
/** openat2(2)'s resolve: fail with EAGAIN unless the whole lookup can be answered from the kernel's caches (Linux 5.12). */
export const RESOLVE_CACHED = 0x20;
/** open(2): close the fd on exec. ringcore sets it on every fd it opens. */
export const O_CLOEXEC = 0o2000000;
/** eventfd2 flags: close on exec, and reads that never block. */
export const EFD_CLOEXEC = O_CLOEXEC;
/** eventfd2 flag (O_NONBLOCK): a read of a zero counter fails with EAGAIN instead of blocking. */
export const EFD_NONBLOCK = 0o4000;
/** statx mask: the file type (stx_mode's S_IFMT bits). */
export const STATX_TYPE = 0x0001;
/** statx mask: the inode number (with stx_dev_*, always filled, which file an fd is open on). */
export const STATX_INO = 0x0100;
/** statx mask: the size. */
export const STATX_SIZE = 0x0200;
/** statx mask: the fields stat(2) fills. */
export const STATX_BASIC_STATS = 0x07ff;
/** statx mask: the birth time. */
export const STATX_BTIME = 0x0800;
/** statx mask: stx_mnt_id as a mount ID, which an unmount frees for a later mount (Linux 5.8). */
export const STATX_MNT_ID = 0x1000;
/** statx mask: stx_mnt_id as a mount ID never reused while the system runs (Linux 6.8). */
export const STATX_MNT_ID_UNIQUE = 0x4000;
/** RENAMEAT: fail with EEXIST if the new path exists. */
export const RENAME_NOREPLACE = 1 << 0;
/** fcntl(2): read the file status flags (O_APPEND, O_NONBLOCK...). */
export const F_GETFL = 3;
/** fcntl(2): set the file status flags. */
export const F_SETFL = 4;
/** fcntl(2): a new fd, close-on-exec, for the same open file (F_LINUX_SPECIFIC_BASE + 6). */
export const F_DUPFD_CLOEXEC = 1030;
/** fcntl(2): resize a pipe (F_LINUX_SPECIFIC_BASE + 7). */
export const F_SETPIPE_SZ = 1031;
/** fcntl(2): a pipe's size (F_LINUX_SPECIFIC_BASE + 8). */
export const F_GETPIPE_SZ = 1032;
/** poll(2) event (<poll.h>): writing will not block (a full pipe has room again). */
export const POLLOUT = 0x0004;
/** lseek(2): to the offset given. */
export const SEEK_SET = 0;
/** lseek(2): relative to the current offset. */
export const SEEK_CUR = 1;
