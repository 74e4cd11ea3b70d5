// A TCP connection. TcpStream.connect() is IORING_OP_CONNECT, with an optional
// deadline enforced in the kernel (IORING_OP_LINK_TIMEOUT); TCP_NODELAY is on
// by default (as in Go and Bun: request/response protocols want it).
import { checkOptions } from '../op/op.js';
import { usesNode } from '../backend/backend.js';
import { nodeNet } from '../fallback/load-net.js';
import { netRing } from './net-ring.js';
import type { Ring } from '../driver/ring.js';
import { AF_INET, AF_INET6, IPPROTO_TCP, SOL_SOCKET, SO_KEEPALIVE, TCP_KEEPIDLE, TCP_NODELAY } from '../sys/socket-constants.js';
import { checkPort, decodeInet, inetSockaddr, resolveHost, type SocketAddress } from './address.js';
import { closeFdNow, connectSocket, localName, peerName, setIntOption } from './socket.js';
import { SocketStream } from './stream.js';

/** TcpStream.connect()'s options: `port` is required. */
export interface ConnectOptions {
  /** Host name or IP address. Default 'localhost'. */
  host?: string;
  /** The port to connect to. */
  port: number;
  /** Aborting cancels the connect in the kernel. */
  signal?: AbortSignal;
  /** A deadline in ms from the call, name lookup and waiting for room in the ring included: rejects with ETIMEDOUT. */
  timeout?: number;
  /** Default true. */
  noDelay?: boolean;
  /** The ring for the socket. Default: this thread's socket ring (netRing()). */
  ring?: Ring;
}

/** A TCP connection (from connect() or a TcpListener): a SocketStream with TCP's addresses and options. */
export class TcpStream extends SocketStream {
  private local: SocketAddress | null = null;
  private remote: SocketAddress | null = null;

  /** Connects to host:port (default host 'localhost'). */
  static async connect(options: ConnectOptions): Promise<TcpStream> {
    const port = checkPort(options?.port);
    // Before either backend starts: node:net's socket would be left open, its errors unheard.
    checkOptions(options);
    // The deadline counts from here: the name lookup, and the socket's wait for room in the ring, included.
    const startedAt = options.timeout === undefined ? undefined : performance.now();
    const ring = options.ring ?? netRing();
    if (usesNode()) return (await nodeNet()).connectTcp(options, ring);
    const host = resolveHost(options.host ?? 'localhost');
    const ip = typeof host === 'string' ? host : await host;
    const addr = inetSockaddr(ip, port);
    const domain = addr.family === AF_INET6 ? AF_INET6 : AF_INET;
    const fd = await connectSocket(ring, domain, addr, { address: ip, port }, { signal: options.signal, timeout: options.timeout }, startedAt);
    try {
      if (options.noDelay ?? true) setIntOption(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    } catch (error) {
      closeFdNow(fd);
      throw error;
    }
    const stream = new TcpStream(fd, ring);
    stream.remote = { address: ip, family: addr.family === AF_INET6 ? 'IPv6' : 'IPv4', port };
    return stream;
  }

  /** This end's address (getsockname, asked once; after close(), ERR_RINGCORE_CLOSED unless asked before). */
  get localAddress(): SocketAddress | null {
    this.local ??= decodeInet(localName(this.openFd('getsockname')).bytes);
    return this.local;
  }

  /** The peer's address (getpeername, asked once; after close(), ERR_RINGCORE_CLOSED unless known before). */
  get remoteAddress(): SocketAddress | null {
    this.remote ??= decodeInet(peerName(this.openFd('getpeername')).bytes);
    return this.remote;
  }

  /** TCP_NODELAY: send small writes at once (true) or let Nagle's algorithm batch them. ERR_RINGCORE_CLOSED after close(). */
  setNoDelay(noDelay = true): void {
    setIntOption(this.openFd('setsockopt'), IPPROTO_TCP, TCP_NODELAY, noDelay ? 1 : 0);
  }

  /** SO_KEEPALIVE, and TCP_KEEPIDLE from `initialDelayMs` when given. ERR_RINGCORE_CLOSED after close(). */
  setKeepAlive(enable = true, initialDelayMs = 0): void {
    const fd = this.openFd('setsockopt');
    setIntOption(fd, SOL_SOCKET, SO_KEEPALIVE, enable ? 1 : 0);
    if (enable && initialDelayMs > 0) setIntOption(fd, IPPROTO_TCP, TCP_KEEPIDLE, Math.max(1, Math.floor(initialDelayMs / 1000)));
  }
}
