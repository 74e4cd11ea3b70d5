// Socket constants from <sys/socket.h>, <netinet/in.h>, <netinet/tcp.h>, <poll.h> and
// <linux/in6.h>, as on x86_64 and aarch64 Linux (they are the same on both).
// test/sys/socket-constants.test.ts compares each one with the C headers.

/** Address families (socket()'s domain, sa_family). */
export const AF_UNIX = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** Socket types, and flags OR'd into the type. */
export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
/** Close the fd on exec: every socket ringcore makes has it. */
export const SOCK_CLOEXEC = 0o2000000;
export const SOCK_NONBLOCK = 0o4000;

/** setsockopt levels. */
export const SOL_SOCKET = 1;
export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;

/** poll(2) events (<poll.h>): the peer shut its writing side down (FIN) or the connection is gone. */
export const POLLRDHUP = 0x2000;
/** The socket has an error (a reset). */
export const POLLERR = 0x8;
/** Shut down both ways, or closed (after a reset). */
export const POLLHUP = 0x10;

/** SOL_SOCKET options. */
export const SO_REUSEADDR = 2;
export const SO_ERROR = 4;
export const SO_BROADCAST = 6;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
export const SO_REUSEPORT = 15;

/** IPPROTO_TCP options. */
export const TCP_NODELAY = 1;
/** Seconds of idleness before the first keep-alive probe. */
export const TCP_KEEPIDLE = 4;
export const TCP_KEEPINTVL = 5;
export const TCP_KEEPCNT = 6;

/** IPPROTO_IPV6 options. */
export const IPV6_V6ONLY = 26;

/** send/recv flags (sqe->msg_flags). */
export const MSG_PEEK = 0x2;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_WAITALL = 0x100;
/** A closed peer gives EPIPE, never SIGPIPE. */
export const MSG_NOSIGNAL = 0x4000;
export const MSG_ZEROCOPY = 0x4000000;

/** shutdown() how. */
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;

/** The largest backlog listen() accepts unclamped by default (net.core.somaxconn may be higher). */
export const SOMAXCONN = 4096;
