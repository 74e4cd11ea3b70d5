// A listening TCP socket, IPv4 or IPv6: socket → setsockopt → bind → listen,
// as io_uring ops where the kernel has them (or, for bindNow(), as system
// calls on this thread: node:http's listen() has its address at once). Any
// failure after the socket exists closes it before the error is thrown.
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
import { checkPort, decodeInet, inetSockaddr, resolveHost, type Sockaddr, type SocketAddress } from './address.js';
import { Listener } from './listener.js';
import { bindNow, bindSocket, closeFdNow, createSocket, listenNow, listenSocket, localName, setIntOption, socketNow } from './socket.js';
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

/** What a listening socket is made with besides its address. */
interface ListenSocketOptions {
  reusePort?: boolean | undefined;
  ipv6Only?: boolean | undefined;
  noDelay: boolean;
}

/**
 * The listening socket's fd, for host (an IP address) and port: socket, SO_REUSEADDR, the options
 * asked for, bind, listen. Closes it and rejects if a step fails. The node backend makes its
 * reusePort socket with it too.
 */
export async function listeningTcpSocket(ring: Ring, host: string, port: number, backlog: number, options: ListenSocketOptions): Promise<number> {
  const addr = inetSockaddr(host, port);
  const context = { address: host, port };
  const fd = await createSocket(ring, addr.family === AF_INET6 ? AF_INET6 : AF_INET, SOCK_STREAM);
  try {
    setListenOptions(fd, addr, options);
    await bindSocket(ring, fd, addr, context);
    await listenSocket(ring, fd, backlog, context);
    return fd;
  } catch (error) {
    closeFdNow(fd);
    throw error;
  }
}

/** listeningTcpSocket() by system calls on this thread (TcpListener.bindNow()). */
function listeningTcpSocketNow(host: string, port: number, backlog: number, options: ListenSocketOptions): number {
  const addr = inetSockaddr(host, port);
  const context = { address: host, port };
  const fd = socketNow(addr.family === AF_INET6 ? AF_INET6 : AF_INET, SOCK_STREAM);
  try {
    setListenOptions(fd, addr, options);
    bindNow(fd, addr, context);
    listenNow(fd, backlog, context);
    return fd;
  } catch (error) {
    closeFdNow(fd);
    throw error;
  }
}

/** The listening socket's options, set before its bind. */
function setListenOptions(fd: number, addr: Sockaddr, options: ListenSocketOptions): void {
  setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1);
  if (options.reusePort) setIntOption(fd, SOL_SOCKET, SO_REUSEPORT, 1);
  if (addr.family === AF_INET6 && options.ipv6Only !== undefined) setIntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, options.ipv6Only ? 1 : 0);
  if (options.noDelay) setIntOption(fd, IPPROTO_TCP, TCP_NODELAY, 1);
}

/** TcpListener's options checked, with their defaults. */
function checkListenOptions(options: TcpListenOptions): { port: number; backlog: number; ring: Ring } {
  if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'an object', options);
  const port = checkPort(options.port ?? 0);
  const backlog = options.backlog ?? 511;
  if (!Number.isInteger(backlog) || backlog < 0) throw outOfRange('options.backlog', 'an integer >= 0', backlog);
  return { port, backlog, ring: options.ring ?? netRing() };
}

/** The listening socket's options; TCP_NODELAY is inherited by every accepted socket (see the header). */
function socketOptions(options: TcpListenOptions): ListenSocketOptions {
  return { reusePort: options.reusePort, ipv6Only: options.ipv6Only, noDelay: options.noDelay ?? true };
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
    const { port, backlog, ring } = checkListenOptions(options);
    if (usesNode()) return (await nodeNet()).listenTcp(options, backlog, ring);
    const host = await resolveHost(options.host ?? '0.0.0.0');
    return TcpListener.over(await listeningTcpSocket(ring, host, port, backlog, socketOptions(options)), ring);
  }

  /**
   * @internal bind() at once, by system calls on this thread, for a numeric `host` on io_uring: node:http's
   * listen() (src/http/node/server.ts), whose address() answers as soon as it returns.
   */
  static bindNow(options: TcpListenOptions & { host: string }): TcpListener {
    const { port, backlog, ring } = checkListenOptions(options);
    return TcpListener.over(listeningTcpSocketNow(options.host, port, backlog, socketOptions(options)), ring);
  }

  /** The listener over a listening socket; closes it if its address cannot be read. */
  private static over(fd: number, ring: Ring): TcpListener {
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
