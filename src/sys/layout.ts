// Byte layouts of the kernel structs ringcore reads and writes, as in
// <linux/io_uring.h> (and <linux/time_types.h>, <bits/uio.h>) on x86_64 and
// aarch64. This file is the single source for every offset; the test
// test/sys/layout.test.ts compiles a C program against the real header and
// compares every number here with offsetof()/sizeof().
//
// 64-bit fields are written as two 32-bit words (low word first: both
// supported architectures are little-endian), so no BigInt is needed.

/**
 * struct io_uring_sqe: one submission queue entry, 64 bytes. The application
 * fills it; the kernel reads it once, when the SQE is submitted (with
 * IORING_FEAT_SUBMIT_STABLE, nothing it points to is read later unless the op
 * itself needs it, e.g. a read's buffer).
 */
export const SQE = {
  size: 64,
  /** u8: the operation, an IORING_OP_* value. */
  opcode: 0,
  /** u8: IOSQE_* flags (fixed file, drain, link, hardlink, async, buffer select, skip success). */
  flags: 1,
  /**
   * u16: the I/O priority for reads and writes. Other opcodes reuse it for flags:
   * ACCEPT puts IORING_ACCEPT_MULTISHOT here; SEND/RECV/SENDMSG/RECVMSG put
   * IORING_RECVSEND_POLL_FIRST, IORING_RECV_MULTISHOT, IORING_RECVSEND_FIXED_BUF here.
   */
  ioprio: 2,
  /**
   * s32: the file descriptor the op works on (or an index into the registered
   * files with IOSQE_FIXED_FILE). OPENAT/STATX/MKDIRAT/UNLINKAT/RENAMEAT read it as
   * the directory fd (AT_FDCWD = -100). SOCKET reads it as the domain.
   */
  fd: 4,
  /**
   * u64 `off`: the file offset for READ/WRITE/READV/WRITEV/READ_FIXED/WRITE_FIXED
   * (-1 = the current file position), FALLOCATE's offset, SYNC_FILE_RANGE's offset,
   * SPLICE's off_out. TIMEOUT reads it as the completion count to wait for.
   * Same bytes as `addr2`: ACCEPT's addrlen pointer, STATX's struct statx pointer,
   * RENAMEAT/LINKAT/SYMLINKAT's new path pointer, SEND_ZC's destination address,
   * TIMEOUT_REMOVE with IORING_TIMEOUT_UPDATE's timespec pointer.
   * And `cmd_op` (u32) for URING_CMD. SOCKET reads it as the protocol.
   */
  off: 8,
  addr2: 8,
  cmd_op: 8,
  /**
   * u64 `addr`: a pointer: the buffer for READ/WRITE/SEND/RECV, the iovec array
   * for READV/WRITEV, the msghdr for SENDMSG/RECVMSG, the sockaddr for ACCEPT and
   * CONNECT, the path for OPENAT/STATX/MKDIRAT/UNLINKAT/RENAMEAT (old path), the
   * timespec for TIMEOUT and LINK_TIMEOUT. ASYNC_CANCEL and TIMEOUT_REMOVE read
   * it as the user_data of the op to cancel. FALLOCATE reads it as the length.
   * Same bytes as `splice_off_in` for SPLICE.
   */
  addr: 16,
  splice_off_in: 16,
  /**
   * u32: the buffer length for READ/WRITE/SEND/RECV, the iovec count for
   * READV/WRITEV, the entry count for TIMEOUT (1), FALLOCATE's mode, OPENAT's mode,
   * STATX's mask, MKDIRAT's mode, CONNECT's addrlen, SPLICE's length, SOCKET's
   * type, POLL_ADD's IORING_POLL_* command flags, FTRUNCATE: 0.
   */
  len: 24,
  /**
   * u32 union of per-op flags: rw_flags (READ/WRITE: RWF_*), fsync_flags
   * (IORING_FSYNC_DATASYNC), poll32_events, sync_range_flags, msg_flags
   * (SEND/RECV/SENDMSG/RECVMSG: MSG_*), timeout_flags (IORING_TIMEOUT_*),
   * accept_flags (SOCK_CLOEXEC...), cancel_flags (IORING_ASYNC_CANCEL_*),
   * open_flags (O_*), statx_flags (AT_*), fadvise_advice, splice_flags,
   * rename_flags, unlink_flags (AT_REMOVEDIR), hardlink_flags, xattr_flags,
   * msg_ring_flags, uring_cmd_flags, waitid_flags, futex_flags,
   * install_fd_flags, nop_flags.
   */
  op_flags: 28,
  /** u64: opaque to the kernel; copied into the CQE. ringcore stores slot (low word) and generation (high word). */
  user_data: 32,
  /**
   * u16: `buf_index`: which registered buffer READ_FIXED/WRITE_FIXED (and
   * SEND with IORING_RECVSEND_FIXED_BUF) use. Same bytes as `buf_group`: the
   * provided-buffer group for IOSQE_BUFFER_SELECT.
   */
  buf_index: 40,
  buf_group: 40,
  /** u16: a registered personality (credentials) to run the op with; 0 = the submitter's. */
  personality: 42,
  /**
   * s32 union: `splice_fd_in` (SPLICE/TEE's input fd), `file_index` (OPENAT/
   * ACCEPT/SOCKET into a registered file slot, +1; CLOSE of a fixed file),
   * `addr_len` (u16: SEND_ZC's destination address length), `optlen` (URING_CMD sockopt).
   */
  splice_fd_in: 44,
  file_index: 44,
  addr_len: 44,
  /**
   * u64 `addr3`: a third pointer: XATTR's value, SENDMSG_ZC's..., and for
   * URING_CMD `optval`. The final 8 bytes (`__pad2`) are reserved; with
   * IORING_SETUP_SQE128, `cmd` (80 bytes) starts here.
   */
  addr3: 48,
  cmd: 48,
} as const;

/** struct io_uring_cqe: one completion queue entry, 16 bytes (32 with IORING_SETUP_CQE32). */
export const CQE = {
  size: 16,
  /** u64: the submitting SQE's user_data, unchanged. */
  user_data: 0,
  /**
   * s32: the result: what the matching syscall would return (bytes read, the new
   * fd, 0), or -errno. TIMEOUT reports its expiry as -ETIME; a cancelled op
   * reports -ECANCELED (or -EINTR); the ASYNC_CANCEL itself reports 0, -ENOENT
   * (not found) or -EALREADY (already running).
   */
  res: 8,
  /**
   * u32: IORING_CQE_F_BUFFER (upper 16 bits = the provided buffer's id),
   * IORING_CQE_F_MORE (a multishot op will post more CQEs), IORING_CQE_F_SOCK_NONEMPTY,
   * IORING_CQE_F_NOTIF (SEND_ZC's notification: the buffer may be reused).
   */
  flags: 12,
} as const;

/** struct io_sqring_offsets: where each SQ ring field lives in the SQ ring mapping. */
export const SQRING_OFFSETS = {
  size: 40,
  head: 0,
  tail: 4,
  ring_mask: 8,
  ring_entries: 12,
  flags: 16,
  dropped: 20,
  array: 24,
  resv1: 28,
  user_addr: 32,
} as const;

/** struct io_cqring_offsets: where each CQ ring field lives in the CQ ring mapping. */
export const CQRING_OFFSETS = {
  size: 40,
  head: 0,
  tail: 4,
  ring_mask: 8,
  ring_entries: 12,
  overflow: 16,
  cqes: 20,
  flags: 24,
  resv1: 28,
  user_addr: 32,
} as const;

/** struct io_uring_params: io_uring_setup's in/out argument. */
export const PARAMS = {
  size: 120,
  sq_entries: 0,
  cq_entries: 4,
  flags: 8,
  sq_thread_cpu: 12,
  sq_thread_idle: 16,
  features: 20,
  wq_fd: 24,
  resv: 28,
  sq_off: 40,
  cq_off: 80,
} as const;

/** struct io_uring_probe (header; followed by ops[]) and struct io_uring_probe_op. */
export const PROBE = {
  size: 16,
  last_op: 0,
  ops_len: 1,
  ops: 16,
} as const;
export const PROBE_OP = {
  size: 8,
  op: 0,
  flags: 2,
} as const;

/** struct open_how (<linux/openat2.h>): openat2(2)'s second argument, three u64. */
export const OPEN_HOW = {
  size: 24,
  flags: 0,
  mode: 8,
  resolve: 16,
} as const;

/** struct __kernel_timespec: TIMEOUT and LINK_TIMEOUT read it (s64 tv_sec, s64 tv_nsec). */
export const TIMESPEC = {
  size: 16,
  tv_sec: 0,
  tv_nsec: 8,
} as const;

/** struct io_uring_getevents_arg: io_uring_enter's last argument with IORING_ENTER_EXT_ARG (Linux 5.11). */
export const GETEVENTS_ARG = {
  size: 24,
  /** u64: sigset_t * (0: none). */
  sigmask: 0,
  /** u32: its size. */
  sigmask_sz: 8,
  /** u32: min_wait_usec on 6.12+, padding before. */
  pad: 12,
  /** u64: struct __kernel_timespec *: the longest wait (-ETIME when it passes). */
  ts: 16,
} as const;

/** struct iovec: READV/WRITEV and REGISTER_BUFFERS read arrays of these. */
export const IOVEC = {
  size: 16,
  iov_base: 0,
  iov_len: 8,
} as const;

/** struct io_uring_rsrc_register: IORING_REGISTER_FILES2 / BUFFERS2 (Linux 5.13+; SPARSE 5.19+). */
export const RSRC_REGISTER = {
  size: 32,
  /** u32: slots in the table. */
  nr: 0,
  /** u32: IORING_RSRC_REGISTER_SPARSE (then data is 0: every slot empty). */
  flags: 4,
  resv2: 8,
  /** u64: address of an s32 fd array (files) or iovec array (buffers). */
  data: 16,
  /** u64: address of a u64 tag array, or 0. */
  tags: 24,
} as const;

/** struct io_uring_files_update: IORING_REGISTER_FILES_UPDATE (nr_args = fds in the array). */
export const FILES_UPDATE = {
  size: 16,
  /** u32: first slot to replace. */
  offset: 0,
  resv: 4,
  /** u64: address of an s32 array: an fd, -1 (empty the slot) or IORING_REGISTER_FILES_SKIP. */
  fds: 8,
} as const;

/** struct sockaddr_in (<netinet/in.h>): an IPv4 address. Port and address are in network byte order. */
export const SOCKADDR_IN = {
  size: 16,
  /** u16: AF_INET. */
  sin_family: 0,
  /** u16, big-endian. */
  sin_port: 2,
  /** 4 bytes, network order. */
  sin_addr: 4,
} as const;

/** struct sockaddr_in6 (<netinet/in.h>): an IPv6 address. */
export const SOCKADDR_IN6 = {
  size: 28,
  /** u16: AF_INET6. */
  sin6_family: 0,
  /** u16, big-endian. */
  sin6_port: 2,
  /** u32, big-endian. */
  sin6_flowinfo: 4,
  /** 16 bytes, network order. */
  sin6_addr: 8,
  /** u32: the interface of a link-local address. */
  sin6_scope_id: 24,
} as const;

/** struct sockaddr_un (<sys/un.h>): a Unix socket path (NUL-terminated, or abstract with a leading NUL). */
export const SOCKADDR_UN = {
  size: 110,
  /** u16: AF_UNIX. */
  sun_family: 0,
  /** char[108]. */
  sun_path: 2,
} as const;

/** struct sockaddr_storage: room for any address (what accept/recvmsg are given). */
export const SOCKADDR_STORAGE = {
  size: 128,
  ss_family: 0,
} as const;

/** struct msghdr (<sys/socket.h>): SENDMSG/RECVMSG read it (RECVMSG writes msg_namelen, msg_flags back). */
export const MSGHDR = {
  size: 56,
  /** void *: the peer address (sendto's dest, recvfrom's source), or NULL. */
  msg_name: 0,
  /** u32 socklen_t. */
  msg_namelen: 8,
  /** struct iovec *. */
  msg_iov: 16,
  /** size_t. */
  msg_iovlen: 24,
  /** void *: ancillary data. */
  msg_control: 32,
  /** size_t. */
  msg_controllen: 40,
  /** int: MSG_TRUNC etc. on return. */
  msg_flags: 48,
} as const;

/**
 * struct io_uring_recvmsg_out: the header a multishot RECVMSG writes at the
 * start of each provided buffer, followed by msg_namelen bytes for the source
 * address, msg_controllen bytes of ancillary data, then the payload.
 */
export const IO_URING_RECVMSG_OUT = {
  size: 16,
  /** u32: the source address's real length (more than msg_namelen: the name was cut). */
  namelen: 0,
  /** u32: the ancillary bytes written. */
  controllen: 4,
  /** u32: the datagram's length; more than the room left in the buffer when MSG_TRUNC is in flags. */
  payloadlen: 8,
  /** u32: the msg_flags recvmsg returned (MSG_TRUNC, MSG_CTRUNC). */
  flags: 12,
} as const;

/** struct io_uring_buf: one entry of a provided-buffer ring. */
export const IO_URING_BUF = {
  size: 16,
  /** u64: the buffer's address. */
  addr: 0,
  /** u32: its length. */
  len: 8,
  /** u16: its id, reported in cqe->flags >> IORING_CQE_BUFFER_SHIFT. */
  bid: 12,
  resv: 14,
} as const;

/**
 * struct io_uring_buf_ring: the ring of io_uring_buf entries. Its header
 * overlays the first entry: `tail` (u16, written by the application) sits in
 * that entry's `resv`.
 */
export const IO_URING_BUF_RING = {
  size: 16,
  resv1: 0,
  resv2: 8,
  resv3: 12,
  tail: 14,
  bufs: 0,
} as const;

/** struct io_uring_buf_reg: IORING_REGISTER_PBUF_RING's argument. */
export const IO_URING_BUF_REG = {
  size: 40,
  /** u64: the ring's address (page-aligned), or 0 with IOU_PBUF_RING_MMAP. */
  ring_addr: 0,
  /** u32: entries, a power of two. */
  ring_entries: 8,
  /** u16: the buffer group id (sqe->buf_group). */
  bgid: 12,
  /** u16: IOU_PBUF_RING_MMAP, IOU_PBUF_RING_INC. */
  flags: 14,
  resv: 16,
} as const;

/**
 * struct statx (<linux/stat.h>): what IORING_OP_STATX writes, 256 bytes.
 * Timestamps are struct statx_timestamp: s64 tv_sec, u32 tv_nsec, s32 reserved.
 */
export const STATX = {
  size: 256,
  /** u32: which fields the kernel filled (STATX_*). */
  stx_mask: 0,
  stx_blksize: 4,
  stx_attributes: 8,
  stx_nlink: 16,
  stx_uid: 20,
  stx_gid: 24,
  /** u16: file type and permission bits. */
  stx_mode: 28,
  stx_ino: 32,
  stx_size: 40,
  stx_blocks: 48,
  stx_attributes_mask: 56,
  stx_atime: 64,
  stx_btime: 80,
  stx_ctime: 96,
  stx_mtime: 112,
  stx_rdev_major: 128,
  stx_rdev_minor: 132,
  stx_dev_major: 136,
  stx_dev_minor: 140,
  /** u64: the mount's ID (unique with STATX_MNT_ID_UNIQUE). */
  stx_mnt_id: 144,
} as const;

/** struct statx_timestamp, inside struct statx. */
export const STATX_TIMESTAMP = {
  size: 16,
  tv_sec: 0,
  tv_nsec: 8,
} as const;
