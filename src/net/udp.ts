// UDP: UdpSocket.bind({ host, port }), send(buf, port, host) as
// IORING_OP_SENDMSG (the destination in msg_name), recv() as IORING_OP_RECVMSG
// (the source written back into msg_name), and `for await` over datagrams.
import { netRing } from './net-ring.js';
import type { Ring } from '../driver/ring.js';
import { RingcoreError, invalidArgType } from '../sys/errors.js';
import { IOVEC, MSGHDR } from '../sys/layout.js';
import { addressOf, storeU64 } from '../sys/memory.js';
import { AF_INET, AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, SOCK_DGRAM, SOL_SOCKET, SO_BROADCAST, SO_REUSEADDR, SO_REUSEPORT } from '../sys/socket-constants.js';
import { checkPort, decodeInet, inetSockaddr, resolveHost, sockaddrStorage, type SocketAddress } from './address.js';
import { bindSocket, closeFdNow, closeSocket, createSocket, localName, setIntOption } from './socket.js';

export interface UdpBindOptions {
  /** Default '0.0.0.0' ('::' for IPv6). */
  host?: string;
  port?: number;
  reusePort?: boolean;
  ipv6Only?: boolean;
  /** The largest datagram recv() returns whole. Default 65535. */
  maxDatagram?: number;
  ring?: Ring;
}

export interface Datagram {
  data: Buffer;
  address: SocketAddress;
}

/** A msghdr (with one iovec) in one buffer: the op pins it with what it points to. */
function message(name: Buffer, nameLength: number, data: Uint8Array): Buffer {
  const bytes = Buffer.alloc(MSGHDR.size + IOVEC.size);
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  storeU64(words, MSGHDR.msg_name / 4, addressOf(name));
  words[MSGHDR.msg_namelen / 4] = nameLength;
  storeU64(words, MSGHDR.msg_iov / 4, addressOf(bytes) + MSGHDR.size);
  storeU64(words, MSGHDR.msg_iovlen / 4, 1);
  storeU64(words, (MSGHDR.size + IOVEC.iov_base) / 4, data.byteLength === 0 ? 0 : addressOf(data));
  storeU64(words, (MSGHDR.size + IOVEC.iov_len) / 4, data.byteLength);
  return bytes;
}

export class UdpSocket implements AsyncIterable<Datagram> {
  private closing: Promise<void> | null = null;
  private readonly stop = new AbortController();
  private readonly local: SocketAddress;

  private constructor(
    readonly fd: number,
    readonly ring: Ring,
    private readonly maxDatagram: number,
  ) {
    this.local = decodeInet(localName(fd).bytes)!;
  }

  static async bind(options: UdpBindOptions = {}): Promise<UdpSocket> {
    const port = checkPort(options.port ?? 0);
    const ring = options.ring ?? netRing();
    const host = await resolveHost(options.host ?? '0.0.0.0');
    const addr = inetSockaddr(host, port);
    const fd = await createSocket(ring, addr.family === AF_INET6 ? AF_INET6 : AF_INET, SOCK_DGRAM);
    try {
      setIntOption(fd, SOL_SOCKET, SO_BROADCAST, 1);
      if (options.reusePort) {
        setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1);
        setIntOption(fd, SOL_SOCKET, SO_REUSEPORT, 1);
      }
      if (addr.family === AF_INET6 && options.ipv6Only !== undefined) setIntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, options.ipv6Only ? 1 : 0);
      await bindSocket(ring, fd, addr, { address: host, port });
      return new UdpSocket(fd, ring, options.maxDatagram ?? 65535);
    } catch (error) {
      closeFdNow(fd);
      throw error;
    }
  }

  address(): SocketAddress {
    return { ...this.local };
  }

  private signalFor(signal: AbortSignal | undefined): AbortSignal {
    return signal === undefined ? this.stop.signal : AbortSignal.any([signal, this.stop.signal]);
  }

  private checkOpen(syscall: string): void {
    if (this.closing !== null) throw new RingcoreError('ERR_RINGCORE_CLOSED', `${syscall}: the socket is closed`);
  }

  /** Sends one datagram to host:port; resolves with the bytes sent. */
  async send(data: Uint8Array | string, port: number, host = 'localhost', options?: { signal?: AbortSignal }): Promise<number> {
    this.checkOpen('sendmsg');
    checkPort(port);
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (!(buf instanceof Uint8Array)) throw invalidArgType('data', 'a string, Buffer or Uint8Array', data);
    const ip = await resolveHost(host);
    const addr = inetSockaddr(ip, port);
    const msg = message(addr.bytes, addr.length, buf);
    const fd = this.fd;
    return this.ring.submit(
      {
        syscall: 'sendmsg',
        prep: (uring, sqe) => uring.prepSendmsg(sqe, fd, addressOf(msg), 0),
        pin: [msg, addr.bytes, buf],
        context: { address: ip, port },
      },
      { signal: this.signalFor(options?.signal) },
    );
  }

  /** Receives one datagram: its bytes (a buffer of its own) and who sent it. */
  async recv(options?: { signal?: AbortSignal }): Promise<Datagram> {
    this.checkOpen('recvmsg');
    const name = sockaddrStorage();
    const data = Buffer.allocUnsafe(this.maxDatagram);
    const msg = message(name, name.length, data);
    const fd = this.fd;
    const n = await this.ring.submit(
      { syscall: 'recvmsg', prep: (uring, sqe) => uring.prepRecvmsg(sqe, fd, addressOf(msg), 0), pin: [msg, name, data] },
      { signal: this.signalFor(options?.signal) },
    );
    return { data: data.subarray(0, n), address: decodeInet(name)! };
  }

  /** Datagrams as they come; ends when the socket is closed. */
  async *datagrams(options?: { signal?: AbortSignal }): AsyncGenerator<Datagram> {
    for (;;) {
      if (this.closing !== null) return;
      try {
        yield await this.recv(options);
      } catch (error) {
        if (this.closing !== null) return;
        throw error;
      }
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<Datagram> {
    return this.datagrams();
  }

  /** Cancels receives in flight and closes the socket. */
  close(): Promise<void> {
    if (this.closing === null) {
      this.stop.abort();
      this.closing = closeSocket(this.ring, this.fd);
    }
    return this.closing;
  }
}
