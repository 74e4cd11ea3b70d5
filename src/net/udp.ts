// UDP: UdpSocket.bind({ host, port }), send(buf, port, host) as
// IORING_OP_SENDMSG (the destination in msg_name), recv() as IORING_OP_RECVMSG
// (the source written back into msg_name), and `for await` over datagrams:
// one multishot RECVMSG over a provided-buffer ring of the socket's own
// (udp-datagrams.ts), registered by the first datagrams() call (which arms the
// recvmsg at once) and unregistered on close.
import { usesNode } from '../backend/backend.js';
import { nodeNet } from '../fallback/load-net.js';
import { netRing } from './net-ring.js';
import type { Ring } from '../driver/ring.js';
import { kOp, type Op } from '../op/op.js';
import { errnoException, invalidArgType, outOfRange, handleClosedError } from '../sys/errors.js';
import { EAGAIN } from '../sys/errno.js';
import { native } from '../sys/native.js';
import { SYS_sendto } from '../sys/syscalls.js';
import { IOVEC, MSGHDR } from '../sys/layout.js';
import { addressOf, storeU64 } from '../sys/memory.js';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  MSG_DONTWAIT,
  MSG_TRUNC,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_BROADCAST,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_REUSEPORT,
} from '../sys/socket-constants.js';
import { checkPort, decodeInet, inetSockaddr, resolveHost, sockaddrStorage, type SocketAddress } from './address.js';
import { bindSocket, closeFdNow, closeSocket, createSocket, localName, setIntOption } from './socket.js';
import { BufferRing, checkBufferRingOptions } from './buffer-ring.js';
import { DatagramIterator, PAYLOAD_AT, type BorrowedDatagram, type Datagram } from './udp-datagrams.js';
import { acquireGroup, releaseGroup } from './buffer-groups.js';
import { checkLoopOptions } from './chunks.js';
import { checkOptions, type OpOptions } from '../op/op.js';

export type { BorrowedDatagram, Datagram } from './udp-datagrams.js';

/** Options for UdpSocket.datagrams(). */
export interface DatagramOptions {
  /** Aborting it cancels the recvmsg; the loop rejects with an AbortError. */
  signal?: AbortSignal;
  /** Yield datagrams whose `data` is a view of the kernel's buffer, valid until the next iteration (no copy). Default false. */
  borrow?: boolean;
}

/** UdpSocket.bind()'s options; every field has a default. */
export interface UdpBindOptions {
  /** Default '0.0.0.0' ('::' for IPv6). */
  host?: string;
  /** Default 0: any free port (see address()). */
  port?: number;
  /** SO_REUSEADDR and SO_REUSEPORT: several sockets (one per thread) on one port. */
  reusePort?: boolean;
  /** IPV6_V6ONLY for an IPv6 host. */
  ipv6Only?: boolean;
  /** The largest datagram received whole (longer ones come with `truncated: true`). Default 65535. */
  maxDatagram?: number;
  /** Buffers in the iterator's provided-buffer ring (a power of two), each maxDatagram + 44 bytes. Default 32. */
  recvBuffers?: number;
  /** SO_RCVBUF: the kernel's receive queue for this socket, in bytes (capped by net.core.rmem_max). */
  recvBufferSize?: number;
  /** The ring for the socket. Default: this thread's socket ring (netRing()). */
  ring?: Ring;
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

/** recv()'s buffers: the msghdr, the source's sockaddr and the datagram's bytes (maxDatagram). */
interface RecvKit {
  msg: Buffer;
  name: Buffer;
  data: Buffer;
}

function recvKit(maxDatagram: number): RecvKit {
  const name = sockaddrStorage();
  const data = Buffer.allocUnsafeSlow(maxDatagram);
  return { msg: message(name, name.length, data), name, data };
}

/** send()'s argument checks, the same on both backends: gives the bytes to send. */
export function checkSend(data: unknown, port: unknown, options: unknown): Uint8Array {
  checkPort(port);
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  if (!(buf instanceof Uint8Array)) throw invalidArgType('data', 'a string, Buffer or Uint8Array', data);
  checkOptions(options as OpOptions | undefined);
  return buf;
}

/** A bound UDP socket (IPv4 or IPv6, SO_BROADCAST on): send(), recv(), or iterate it for datagrams. */
export class UdpSocket implements AsyncIterable<Datagram> {
  private closing: Promise<void> | null = null;
  /**
   * recv() ops in flight, aborted by close(). Not an AbortSignal of the
   * socket's handed to each: watching one cost every recv an 'abort'
   * listener added and removed (EventTarget's, slow to warm up), and an
   * AbortSignal.any() per recv with a caller's signal.
   */
  private readonly recvs = new Set<Op<number>>();
  private readonly local: SocketAddress;
  private pool: BufferRing | null = null;
  private readonly iterators = new Set<DatagramIterator>();
  /** Datagrams a loop that ended early had received and not yielded, oldest first: recv() and the next loop take them first. */
  private readonly kept: Datagram[] = [];
  /** send() calls not yet settled (counted from the call, a name lookup included): close() lets them go out first. */
  private sends = 0;
  private sent: (() => void) | null = null;
  /** SENDMSGs of this socket in the ring: while there are some, a send goes after them, not at once. */
  private ringSends = 0;
  /** recv()'s buffers, kept from one recv to the next (a datagram is copied out of them, into a buffer of its size). */
  private recvKit: RecvKit | null = null;

  private constructor(
    /** The socket's fd. */
    readonly fd: number,
    /** The ring its ops run on. */
    readonly ring: Ring,
    private readonly maxDatagram: number,
    private readonly bufferCount: number,
  ) {
    this.local = decodeInet(localName(fd).bytes)!;
  }

  /** Creates and binds a UDP socket; on a failure after the socket exists, closes it and rejects. */
  static async bind(options: UdpBindOptions = {}): Promise<UdpSocket> {
    const port = checkPort(options.port ?? 0);
    const maxDatagram = options.maxDatagram ?? 65535;
    if (!Number.isInteger(maxDatagram) || maxDatagram < 1 || maxDatagram > 65535) throw outOfRange('options.maxDatagram', '>= 1 and <= 65535', maxDatagram);
    const count = options.recvBuffers ?? 32;
    checkBufferRingOptions({ count, size: PAYLOAD_AT + maxDatagram }, 'options.recvBuffers');
    const ring = options.ring ?? netRing();
    if (usesNode()) return (await nodeNet()).bindUdp(options, maxDatagram, ring);
    const host = await resolveHost(options.host ?? '0.0.0.0');
    const addr = inetSockaddr(host, port);
    const fd = await createSocket(ring, addr.family === AF_INET6 ? AF_INET6 : AF_INET, SOCK_DGRAM);
    try {
      setIntOption(fd, SOL_SOCKET, SO_BROADCAST, 1);
      if (options.reusePort) {
        setIntOption(fd, SOL_SOCKET, SO_REUSEADDR, 1);
        setIntOption(fd, SOL_SOCKET, SO_REUSEPORT, 1);
      }
      if (options.recvBufferSize !== undefined) setIntOption(fd, SOL_SOCKET, SO_RCVBUF, options.recvBufferSize);
      if (addr.family === AF_INET6 && options.ipv6Only !== undefined) setIntOption(fd, IPPROTO_IPV6, IPV6_V6ONLY, options.ipv6Only ? 1 : 0);
      await bindSocket(ring, fd, addr, { address: host, port });
      return new UdpSocket(fd, ring, maxDatagram, count);
    } catch (error) {
      closeFdNow(fd);
      throw error;
    }
  }

  /** The bound `{ address, family, port }`, as dgram.Socket's address(). */
  address(): SocketAddress {
    return { ...this.local };
  }

  private checkOpen(syscall: string): void {
    if (this.closing !== null) throw handleClosedError(syscall, 'socket');
  }

  /**
   * Sends one datagram to host:port; resolves with the bytes sent. A send
   * called before close() goes out (close() waits for it: a datagram never
   * waits for its peer); node:dgram drops it, without a word.
   */
  async send(data: Uint8Array | string, port: number, host = 'localhost', options?: { signal?: AbortSignal }): Promise<number> {
    this.checkOpen('sendmsg');
    const buf = checkSend(data, port, options);
    // The datagram is what the buffer held at the call: a send that cannot go out then (a name lookup, a
    // SENDMSG) takes a copy first. A string's Buffer is already the send's own.
    let bytes = buf;
    let own = typeof data === 'string';
    this.sends++;
    try {
      // An IP address resolves at once: no await, no turn of the microtask queue per datagram.
      const resolved = resolveHost(host);
      if (typeof resolved !== 'string' && !own) {
        bytes = Buffer.from(buf);
        own = true;
      }
      const ip = typeof resolved === 'string' ? resolved : await resolved;
      const addr = inetSockaddr(ip, port);
      const fd = this.fd;
      // As libuv sends: at once, without waiting, unless a SENDMSG of this
      // socket waits in the ring (datagrams leave in call order) or the call
      // can be aborted; a full send buffer (EAGAIN) goes to the ring, whose
      // SENDMSG waits for room. A syscall costs less than an op's round trip.
      if (this.ringSends === 0 && options?.signal === undefined) {
        const n = native.syscall(
          SYS_sendto,
          fd,
          bytes.byteLength === 0 ? 0 : addressOf(bytes),
          bytes.byteLength,
          MSG_DONTWAIT,
          addressOf(addr.bytes),
          addr.length,
        );
        if (n >= 0) return n;
        if (n !== -EAGAIN) throw errnoException(n, 'sendmsg', { address: ip, port });
      }
      // The kernel reads the bytes when the SENDMSG runs, not now.
      if (!own) bytes = Buffer.from(buf);
      const msg = message(addr.bytes, addr.length, bytes);
      this.ringSends++;
      try {
        return await this.ring.submit(
          {
            syscall: 'sendmsg',
            prep: (uring, sqe) => uring.prepSendmsg(sqe, fd, addressOf(msg), 0),
            pin: [msg, addr.bytes, bytes],
            context: { address: ip, port },
          },
          options?.signal === undefined ? undefined : { signal: options.signal },
        );
      } finally {
        this.ringSends--;
      }
    } finally {
      if (--this.sends === 0) this.sent?.();
    }
  }

  /**
   * Receives one datagram (one IORING_OP_RECVMSG): its bytes, in a buffer of
   * its own, and who sent it. MSG_TRUNC makes the kernel report a longer
   * datagram's real length: it comes with `truncated: true`.
   */
  async recv(options?: { signal?: AbortSignal }): Promise<Datagram> {
    this.checkOpen('recvmsg');
    checkOptions(options);
    const kept = this.takeKept();
    if (kept !== undefined) return kept;
    // The buffers of the last recv that completed, or new ones while another recv has them.
    const kit = this.recvKit ?? recvKit(this.maxDatagram);
    this.recvKit = null;
    const { msg, name, data } = kit;
    const fd = this.fd;
    const signal = options?.signal;
    const received = this.ring.submit(
      { syscall: 'recvmsg', prep: (uring, sqe) => uring.prepRecvmsg(sqe, fd, addressOf(msg), MSG_TRUNC), pin: [msg, name, data] },
      signal === undefined ? undefined : { signal },
    );
    // None when the signal was already aborted: the promise is a rejection, nothing is in the ring for close() to abort.
    const op = received[kOp];
    if (op !== undefined) this.recvs.add(op);
    let n: number;
    try {
      n = await received;
    } catch (error) {
      // Cancelled by close(), not by the caller's signal: the socket is closed (as on the node backend), nobody aborted.
      if (this.closing !== null && signal?.aborted !== true) throw handleClosedError('recvmsg', 'socket');
      throw error;
    } finally {
      if (op !== undefined) this.recvs.delete(op);
    }
    // Settled by its CQE: the kernel is done with the kit (a failed recv's is dropped, not reused).
    const datagram = { data: Buffer.from(data.subarray(0, Math.min(n, data.length))), address: decodeInet(name)!, truncated: n > data.length };
    // The kernel wrote the source's length over msg_namelen: give the next recv the whole storage again.
    msg.writeUInt32LE(name.length, MSGHDR.msg_namelen);
    this.recvKit = kit;
    return datagram;
  }

  /**
   * Datagrams as they come, from one multishot RECVMSG; ends when the socket
   * is closed, rejects with an AbortError when `signal` aborts. Each datagram's
   * `data` is a Buffer of its own; with `borrow: true` it is a view of a
   * kernel buffer instead, valid until the next iteration. At most a few
   * datagrams wait unread: beyond that the recvmsg pauses and the kernel's
   * receive queue (SO_RCVBUF) holds, then drops, what comes.
   */
  datagrams(options: DatagramOptions & { borrow: true }): AsyncIterableIterator<BorrowedDatagram>;
  datagrams(options?: DatagramOptions): AsyncIterableIterator<Datagram>;
  datagrams(options?: DatagramOptions): AsyncIterableIterator<Datagram> {
    this.checkOpen('recvmsg');
    checkLoopOptions(options);
    if (this.pool === null) {
      const group = acquireGroup(this.ring);
      try {
        this.pool = new BufferRing(this.ring, group, { count: this.bufferCount, size: PAYLOAD_AT + this.maxDatagram });
      } catch {
        // No buffer rings in this kernel (before 5.19): a loop of single recvs.
        releaseGroup(this.ring, group);
        return this.recvLoop(options?.signal);
      }
    }
    for (const old of this.iterators) if (old.over) this.iterators.delete(old);
    const iterator = new DatagramIterator(this.ring, this.fd, this.pool, (signal) => this.recv({ signal }), options?.signal, this, options?.borrow === true);
    this.iterators.add(iterator);
    return iterator;
  }

  private async *recvLoop(signal: AbortSignal | undefined): AsyncGenerator<Datagram> {
    for (;;) {
      if (this.closing !== null) return;
      try {
        yield await this.recv({ signal });
      } catch (error) {
        if (this.closing !== null && !signal?.aborted) return;
        throw error;
      }
    }
  }

  /** @internal A datagram a loop that ended early had received (DatagramKeeper); one that could not be copied out is dropped, as UDP may. */
  keepUnread(value: Datagram | Error): void {
    if (this.closing === null && !(value instanceof Error)) this.kept.push(value);
  }

  /** @internal The oldest datagram kept (DatagramKeeper). */
  takeKept(): Datagram | undefined {
    // Asked on every next() of a loop: the empty case is one load.
    return this.kept.length === 0 ? undefined : this.kept.shift();
  }

  /** datagrams() without options, for `for await (const d of socket)`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Datagram> {
    return this.datagrams();
  }

  /**
   * Ends iterators (their recvmsg is cancelled), cancels receives in flight,
   * lets the sends called before it go out, closes the socket, then unregisters the buffer ring once the kernel has
   * let go of every recvmsg.
   */
  close(): Promise<void> {
    if (this.closing === null) {
      for (const op of this.recvs) op.abort(undefined);
      const iterators = [...this.iterators];
      this.iterators.clear();
      for (const iterator of iterators) void iterator.return();
      const sent = this.sends === 0 ? undefined : new Promise<void>((resolve) => (this.sent = resolve));
      this.closing = Promise.all([sent, ...iterators.map((i) => i.idle())])
        .then(() => closeSocket(this.ring, this.fd))
        .finally(() => {
          const pool = this.pool;
          this.pool = null;
          if (pool === null) return;
          pool.unregister(this.ring);
          releaseGroup(this.ring, pool.group);
        });
    }
    return this.closing;
  }
}
