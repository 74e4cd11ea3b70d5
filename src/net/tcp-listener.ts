// A listening TCP socket, IPv4 or IPv6: socket → setsockopt → bind → listen,
// as io_uring ops where the kernel has them. Any failure after the socket
// exists closes it before the error is thrown.
//
// TCP_NODELAY is set once, on the listening socket: Linux makes each accepted
// socket as a copy of its listener (sk_clone_lock copies the whole tcp_sock,
// and tcp_create_openreq_child leaves `nonagle` as copied), so every
// connection starts with it, without a setsockopt(2) per connection.
import { usesNode } from '../backend/backend.js';
import { nodeNet } from '../fallback/load-net.js';
import { netRing } from './net-ring.js';
import type { Ring } from '../driver/ring.js';
import { invalidArgType, outOfRange } from '../sys/errors.js';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_V6ONLY,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_REUSEADDR,
  SO_REUSEPORT,
  TCP_NODELAY,
} from '../sys/socket-constants.js';
import { checkPort, decodeInet, inetSockaddr, resolveHost, type SocketAddress } from './address.js';
import { Listener } from './listener.js';
import { bindSocket, closeFdNow, createSocket, listenSocket, localName, setIntOption } from './socket.js';
import { TcpStream } from './tcp-stream.js';

/** TcpListener.bind()'s options; every field has a default. */
export interface TcpListenOptions {
  /** Default '0.0.0.0'; '::' listens on IPv6 (and IPv4, unless ipv6Only). */
  host?: string;
  /** Default 0: any free port (see address()). */
  port?: number;
  /** Default 511, as node:net. The kernel caps it at net.core.somaxconn. */
  backlog?: number;
  /** SO_REUSEPORT: several listeners (one per thread) on one port. */
  reusePort?: boolean;
  /** IPV6_V6ONLY for an IPv6 host. */
  ipv6Only?: boolean;
  /** TCP_NODELAY on accepted connections. Default true. */
  noDelay?: boolean;
  /** The ring for the socket and its connections. Default: this thread's socket ring (netRing()). */
  ring?: Ring;
}

/**
 * The listening socket's fd, for host (an IP address) and port: socket, SO_REUSEADDR, the options
 * asked for, bind, listen. Closes it and rejects if a step fails. The node backend makes its
 * reusePort socket with it too.
 */
export async function listeningTcpSocket(
  ring: Ring,
  host: string,
  port: number,
  backlog: number,
  options: { reusePort?: boolean; ipv6Only?: boolean; noDelay: boolean },
): Promise<number> {
  const addr = inetSockaddr(host, port);
  const context = { address: host, port };
  const fd = await createSocket(ring, addr.family === AF_INET6 ? AF_INET6 : AF_INET, SOCK_STREAM);
  try {
    setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (options.reusePort) setIntOption(fd, SOL_SOCKET, SO_REUSEPORT, 1);
    if (addr.family === AF_INET6 && options.ipv6Only !== undefined) setIntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, options.ipv6Only ? 1 : 0);
    if (options.noDelay) setIntOption(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    await bindSocket(ring, fd, addr, context);
    await listenSocket(ring, fd, backlog, context);
    return fd;
  } catch (error) {
    closeFdNow(fd);
    throw error;
  }
}

/** A listening TCP socket (IPv4 or IPv6) whose accepted connections are TcpStreams. */
export class TcpListener extends Listener<TcpStream> {
  private readonly local: SocketAddress;

  private constructor(fd: number, ring: Ring, local: SocketAddress) {
    super(fd, ring);
    this.local = local;
  }

  /**
   * Creates, binds and listens (SO_REUSEADDR always); resolves with the listener,
   * or closes the socket and rejects if any step fails.
   */
  static override async bind(options: TcpListenOptions = {}): Promise<TcpListener> {
    if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'an object', options);
    const port = checkPort(options.port ?? 0);
    const backlog = options.backlog ?? 511;
    if (!Number.isInteger(backlog) || backlog < 0) throw outOfRange('options.backlog', 'an integer >= 0', backlog);
    const ring = options.ring ?? netRing();
    if (usesNode()) return (await nodeNet()).listenTcp(options, backlog, ring);
    const host = await resolveHost(options.host ?? '0.0.0.0');
    // Inherited by every accepted socket (see the header).
    const fd = await listeningTcpSocket(ring, host, port, backlog, {
      reusePort: options.reusePort,
      ipv6Only: options.ipv6Only,
      noDelay: options.noDelay ?? true,
    });
    try {
      const local = decodeInet(localName(fd).bytes)!;
      return new TcpListener(fd, ring, local);
    } catch (error) {
      closeFdNow(fd);
      throw error;
    }
  }

  /** `{ address, family, port }`, as net.Server's address(). */
  address(): SocketAddress {
    return { ...this.local };
  }

  protected override wrap(fd: number): TcpStream {
    // TCP_NODELAY (or not) came with the socket, from the listener.
    return new TcpStream(fd, this.ring);
  }
}
