// `for await (const { data, address } of udpSocket)`: ONE IORING_OP_RECVMSG
// with IORING_RECV_MULTISHOT (sqe->ioprio) and IOSQE_BUFFER_SELECT, drawing
// from the socket's own provided-buffer ring, read through the same bounded
// reader as TCP chunks (provided-recv.ts). The kernel writes each datagram
// into a buffer it picks, as struct io_uring_recvmsg_out, then the source
// address (msg_namelen bytes reserved), then the payload; one CQE per
// datagram, res = the bytes written. By default `data` is a copy and the
// buffer goes straight back; with `{ borrow: true }` it is a view, valid until
// the next iteration. A datagram longer than a buffer holds comes with
// `truncated: true` (MSG_TRUNC in the header's flags).
import type { Ring } from '../driver/ring.js';
import { IO_URING_RECVMSG_OUT, MSGHDR, SOCKADDR_IN6 } from '../sys/layout.js';
import { addressOf } from '../sys/memory.js';
import { MSG_TRUNC } from '../sys/socket-constants.js';
import { decodeInet, type SocketAddress } from './address.js';
import type { BufferRing } from './buffer-ring.js';
import type { BorrowedChunk } from './chunks.js';
import { ProvidedRecv, type UnreadKeeper } from './provided-recv.js';
import { EINVAL } from '../sys/errno.js';

/** Room reserved for the source address in each buffer: a sockaddr_in6 (a sockaddr_in fits). */
const NAME_ROOM = SOCKADDR_IN6.size;
/** Where the payload starts in a buffer (no ancillary data is asked for). */
export const PAYLOAD_AT = IO_URING_RECVMSG_OUT.size + NAME_ROOM;

/** One received UDP datagram: its payload, its sender, and whether it was cut short. */
export interface Datagram<D extends Buffer = Buffer> {
  /** The payload: a Buffer of its own, or with `{ borrow: true }` a view valid until the next iteration. */
  data: D;
  /** Who sent it. */
  address: SocketAddress;
  /** The datagram was longer than the buffer: `data` holds its first bytes, the rest was dropped by the kernel. */
  truncated: boolean;
}

/** A datagram whose `data` is lent until the next iteration. */
export type BorrowedDatagram = Datagram<BorrowedChunk>;

/** Reads the io_uring_recvmsg_out header, name and payload of a buffer; `own` copies the payload. */
function decodeDatagram(buf: Buffer, own: boolean): Datagram {
  const payloadLength = buf.readUInt32LE(IO_URING_RECVMSG_OUT.payloadlen);
  const flags = buf.readUInt32LE(IO_URING_RECVMSG_OUT.flags);
  const view = buf.subarray(PAYLOAD_AT);
  const address = decodeInet(buf.subarray(IO_URING_RECVMSG_OUT.size, PAYLOAD_AT))!;
  return { data: own ? Buffer.from(view) : view, address, truncated: (flags & MSG_TRUNC) !== 0 || payloadLength > view.length };
}

/** Where a loop that ended early leaves the datagrams it had received, and the next loop takes them from (the socket). */
export interface DatagramKeeper extends UnreadKeeper<Datagram> {
  /** The oldest datagram kept, if any. */
  takeKept(): Datagram | undefined;
}

/**
 * A UDP socket's datagrams, from a multishot RECVMSG over the socket's own provided
 * buffers (single recvs on kernels without multishot RECVMSG). Made by UdpSocket.datagrams().
 */
export class DatagramIterator<D extends Datagram = Datagram> implements AsyncIterableIterator<D> {
  private readonly msg = Buffer.alloc(MSGHDR.size);
  private readonly reader: ProvidedRecv<Datagram>;
  private done = false;
  /** The kernel refused multishot RECVMSG (before Linux 6.0): single recvs instead. */
  private singleShot = false;

  constructor(
    ring: Ring,
    fd: number,
    pool: BufferRing,
    /** One plain recvmsg, for kernels without multishot RECVMSG. */
    private readonly fallback: (signal: AbortSignal | undefined) => Promise<Datagram>,
    private readonly signal: AbortSignal | undefined,
    /** Gets what this loop received and did not yield, and has what a loop before it left: yielded first. */
    private readonly keeper: DatagramKeeper,
    borrow = false,
  ) {
    const msg = this.msg;
    new Uint32Array(msg.buffer, msg.byteOffset, MSGHDR.size / 4)[MSGHDR.msg_namelen / 4] = NAME_ROOM;
    this.reader = new ProvidedRecv<Datagram>({
      ring,
      pool,
      syscall: 'recvmsg',
      prep: (uring, sqe) => {
        uring.prepRecvmsgMultishot(sqe, fd, addressOf(msg), 0);
        uring.selectBuffer(sqe, pool.group);
      },
      pin: msg,
      // Ended with a datagram delivered (e.g. the CQ was full): carry on at once.
      rearm: (res) => res >= 0,
      decode: decodeDatagram,
      borrow,
      // The pool is this socket's alone: as many datagrams may wait as it has buffers.
      highWater: pool.count,
      signal,
      keeper,
    });
    // Armed now, as a datagram socket's recv queue is short: the kernel drops what does not fit.
    this.reader.arm();
  }

  /** RECVMSG SQEs submitted: 1, plus one per re-arm. */
  get arms(): number {
    return this.reader.arms;
  }

  /** CQEs received. */
  get cqes(): number {
    return this.reader.cqes;
  }

  /** Times the recvmsg was paused because the loop fell behind. */
  get pauses(): number {
    return this.reader.pauses;
  }

  /** The next datagram; done once the loop was left or the socket closed. */
  next(): Promise<IteratorResult<D>> {
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    const kept = this.keeper.takeKept();
    if (kept !== undefined) return Promise.resolve({ value: kept as D, done: false });
    if (this.singleShot) return this.nextSingle();
    return (this.reader.next() as Promise<IteratorResult<D>>).catch((error: NodeJS.ErrnoException) => {
      if (error.errno === -EINVAL && this.reader.arms === 1 && this.reader.cqes === 1) {
        // No multishot RECVMSG in this kernel: go on with single recvs.
        this.singleShot = true;
        return this.nextSingle();
      }
      throw error;
    });
  }

  private nextSingle(): Promise<IteratorResult<D>> {
    return this.fallback(this.signal).then(
      (value) => ({ value: value as D, done: false }),
      (error: unknown) => {
        // Closed under the recv: the loop simply ends.
        if (this.done) return { value: undefined, done: true };
        this.done = true;
        throw error;
      },
    );
  }

  /** Leaves the loop: the recvmsg is cancelled, buffers go back. */
  return(): Promise<IteratorResult<D>> {
    this.done = true;
    this.reader.return();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Finished, and nothing of it left in the kernel. */
  get over(): boolean {
    return this.done && this.reader.over;
  }

  /** Resolves once no recvmsg of this iterator is in the kernel. */
  idle(): Promise<void> {
    return this.reader.idle();
  }

  /** The iterator itself. */
  [Symbol.asyncIterator](): this {
    return this;
  }
}
