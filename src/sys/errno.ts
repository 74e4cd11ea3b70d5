// The errno values ringcore compares kernel results with (<asm-generic/errno-base.h>,
// <asm-generic/errno.h>: the same on x86_64 and arm64). Numbers here rather than
// node:os's constants.errno: loading node:os's binding cost every import about
// 0.7 ms (docs/performance.md, "Import cost"). test/sys/errno.test.ts compares
// them with <errno.h> and with os.constants.errno.

export const EPERM = 1;
export const ENOENT = 2;
export const EINTR = 4;
export const EBADF = 9;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EBUSY = 16;
export const EEXIST = 17;
export const EXDEV = 18;
export const ENOTDIR = 20;
export const EISDIR = 21;
export const EINVAL = 22;
export const ENFILE = 23;
export const EMFILE = 24;
export const EPIPE = 32;
export const ENOSYS = 38;
export const ETIME = 62;
export const EPROTO = 71;
export const EOPNOTSUPP = 95;
export const ECONNABORTED = 103;
export const ECONNRESET = 104;
export const ENOBUFS = 105;
export const ETIMEDOUT = 110;
export const EALREADY = 114;
export const ECANCELED = 125;
