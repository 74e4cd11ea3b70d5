// What createServer serves a connection over: a TcpStream, or a UnixStream
// when it listens on a path. A Unix socket has no IP addresses and no TCP
// options: there they are undefined and no-ops, as on node:http's pipe sockets.
import { TcpStream } from '../../net/tcp-stream.js';
import type { UnixStream } from '../../net/unix.js';

export type ServedStream = TcpStream | UnixStream;

/** The stream as TCP, or null for a Unix socket. */
export function asTcp(stream: ServedStream): TcpStream | null {
  return stream instanceof TcpStream ? stream : null;
}
