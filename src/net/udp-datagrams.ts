// `for await (const { data, address } of udpSocket)`: ONE IORING_OP_RECVMSG
// with IORING_RECV_MULTISHOT (sqe->ioprio) and IOSQE_BUFFER_SELECT, drawing
// from the socket's own provided-buffer ring, run as the op layer's Multishot
// (as TCP chunks are). The kernel writes each datagram into a buffer it picks,
// as struct io_uring_recvmsg_out, then the source address (msg_namelen bytes
// reserved), then the payload; one CQE per datagram, res = the bytes written.
// The datagram is handed out as a view of that buffer, which goes back to the
// kernel when the loop asks for the next one (or stops). When every buffer is
// out the kernel ends the recvmsg with ENOBUFS: it is armed again once a
// buffer is back (datagrams wait in the socket's receive queue meanwhile). A
// datagram longer than a buffer holds comes with `truncated: true` (MSG_TRUNC
// in the header's flags).
import { constants } from 'node:os';
import type { Ring } from '../driver/ring.js';
import { watchAbort } from '../op/abort-watch.js';
import type { Multishot } from '../op/multishot.js';
import * as C from '../sys/constants.js';
import { IO_URING_RECVMSG_OUT, MSGHDR, SOCKADDR_IN6 } from '../sys/layout.js';
import { addressOf } from '../sys/memory.js';
import { MSG_TRUNC } from '../sys/socket-constants.js';
import { decodeInet, type SocketAddress } from './address.js';
import type { BufferRing } from './buffer-ring.js';

const { ENOBUFS, EINVAL } = constants.errno;

/** Room reserved for the source address in each buffer: a sockaddr_in6 (a sockaddr_in fits). */
export const NAME_ROOM = SOCKADDR_IN6.size;
/** Where the payload starts in a buffer (no ancillary data is asked for). */
export const PAYLOAD_AT = IO_URING_RECVMSG_OUT.size + NAME_ROOM;
/** A CQE's bytes and buffer id packed into one number (buffers are < 2^20 bytes). */
const PACK = 0x100000;

export interface Datagram {
  /** The payload. From the iterator: a view of a kernel buffer, valid until the next iteration (copy it to keep it). */
  data: Buffer;
  /** Who sent it. */
  address: SocketAddress;
  /** The datagram was longer than the buffer: `data` holds its first bytes, the rest was dropped by the kernel. */
  truncated: boolean;
}

export class DatagramIterator implements AsyncIterableIterator<Datagram> {
  /** The recvmsg: kept after return() until the kernel lets go of it (idle()). */
  private op: Multishot<number> | null = null;
  private readonly msg = Buffer.alloc(MSGHDR.size);
  /** The buffer of the datagram last handed out, returned on the next call. */
  private held = -1;
  private done = false;
  /** A next() is pending on the op or on a buffer. */
  private reading = false;
  /** Set while next() waits for a buffer after ENOBUFS: goes on with that next(). */
  private wake: (() => void) | null = null;
  /** Stops watching the caller's signal (null without one). */
  private readonly unwatch: (() => void) | null = null;
  /** The kernel refused multishot RECVMSG (before Linux 6.0): single recvs instead. */
  private singleShot = false;
  /** Counts of the recvmsgs that have ended (ENOBUFS starts a new one). */
  private pastArms = 0;
  private pastCqes = 0;

  constructor(
    private readonly ring: Ring,
    private readonly fd: number,
    private readonly pool: BufferRing,
    /** One plain recvmsg, for kernels without multishot RECVMSG. */
    private readonly fallback: (signal: AbortSignal | undefined) => Promise<Datagram>,
    private readonly signal: AbortSignal | undefined,
  ) {
    new Uint32Array(this.msg.buffer, this.msg.byteOffset, MSGHDR.size / 4)[MSGHDR.msg_namelen / 4] = NAME_ROOM;
    if (signal !== undefined && !signal.aborted) {
      // The Multishot cancels itself; this gives back the buffer held and ends a wait for one.
      this.unwatch = watchAbort(signal, () => {
        this.giveBack();
        this.wake?.();
      });
    }
    this.op = this.start();
  }

  /** RECVMSG SQEs submitted: 1, plus one per re-arm. */
  get arms(): number {
    return this.pastArms + (this.op?.arms ?? 0);
  }

  /** CQEs received. */
  get cqes(): number {
    return this.pastCqes + (this.op?.cqes ?? 0);
  }

  private start(): Multishot<number> {
    const { fd, msg, pool } = this;
    return this.ring.multishot(
      {
        syscall: 'recvmsg',
        prep: (uring, sqe) => {
          uring.prepRecvmsg(sqe, fd, addressOf(msg), 0);
          uring.setIoprio(sqe, C.IORING_RECV_MULTISHOT);
          uring.addFlags(sqe, C.IOSQE_BUFFER_SELECT);
          uring.setBufIndex(sqe, pool.group);
        },
        // The buffers stay alive until the final CQE, even if the group is unregistered first.
        pin: [msg, pool],
        map: (res, flags) => {
          if ((flags & C.IORING_CQE_F_BUFFER) === 0) return -1; // no buffer, no datagram
          pool.taken();
          return (flags >>> C.IORING_CQE_BUFFER_SHIFT) * PACK + res;
        },
        // Ended with a datagram delivered (e.g. the CQ was full): carry on at once.
        rearm: (res) => res >= 0,
        release: (value) => {
          if (value >= 0) pool.recycle(Math.floor(value / PACK));
        },
      },
      { signal: this.signal },
    );
  }

  /** Forgets an op that has ended, keeping its counts. */
  private retire(op: Multishot<number>): void {
    if (this.op !== op) return;
    this.pastArms += op.arms;
    this.pastCqes += op.cqes;
    this.op = null;
  }

  next(): Promise<IteratorResult<Datagram>> {
    if (this.reading) return Promise.reject(new Error('ringcore: next() called again before the previous call settled'));
    this.giveBack();
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    if (this.singleShot) return this.nextSingle();
    // No op here means the last one ran out of buffers and one is back (or the signal aborted: the new op ends at once).
    const op = (this.op ??= this.start());
    this.reading = true;
    return op.next().then(
      (result) => {
        this.reading = false;
        if (result.done) return this.finish();
        if (result.value < 0) return this.next();
        return { value: this.datagram(result.value), done: false };
      },
      (error: NodeJS.ErrnoException) => {
        this.reading = false;
        this.retire(op);
        if (this.done) return { value: undefined, done: true };
        if (error.errno === -ENOBUFS) {
          // Out of buffers: start again when one is back.
          this.reading = true;
          return new Promise<IteratorResult<Datagram>>((resolve) => {
            this.wake = () => {
              this.wake = null;
              this.reading = false;
              resolve(this.next());
            };
            this.pool.whenAvailable(() => this.wake?.());
          });
        }
        if (error.errno === -EINVAL && this.pastArms === 1 && this.pastCqes === 1) {
          // No multishot RECVMSG in this kernel: go on with single recvs.
          this.singleShot = true;
          return this.nextSingle();
        }
        this.finish();
        throw error;
      },
    );
  }

  /** Reads the io_uring_recvmsg_out header, name and payload of a buffer. */
  private datagram(packed: number): Datagram {
    const bid = Math.floor(packed / PACK);
    const length = packed % PACK;
    this.held = bid;
    const buf = this.pool.view(bid, length);
    const payloadLength = buf.readUInt32LE(IO_URING_RECVMSG_OUT.payloadlen);
    const flags = buf.readUInt32LE(IO_URING_RECVMSG_OUT.flags);
    const data = buf.subarray(PAYLOAD_AT, length);
    const address = decodeInet(buf.subarray(IO_URING_RECVMSG_OUT.size, PAYLOAD_AT))!;
    return { data, address, truncated: (flags & MSG_TRUNC) !== 0 || payloadLength > data.length };
  }

  private nextSingle(): Promise<IteratorResult<Datagram>> {
    return this.fallback(this.signal).then(
      (value) => ({ value, done: false }),
      (error: unknown) => {
        // Closed under the recv: the loop simply ends.
        if (this.done) return { value: undefined, done: true };
        this.finish();
        throw error;
      },
    );
  }

  private giveBack(): void {
    if (this.held >= 0) {
      this.pool.recycle(this.held);
      this.held = -1;
    }
  }

  private finish(): IteratorResult<Datagram> {
    this.done = true;
    this.unwatch?.();
    return { value: undefined, done: true };
  }

  /** Leaves the loop: the recvmsg is cancelled, buffers go back. */
  return(): Promise<IteratorResult<Datagram>> {
    this.giveBack();
    this.finish();
    const op = this.op;
    if (op !== null) {
      void op.return();
      void op.settled().then(() => this.retire(op));
    }
    this.wake?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Finished, and nothing of it left in the kernel. */
  get over(): boolean {
    return this.done && this.op === null;
  }

  /** Resolves once no recvmsg of this iterator is in the kernel. */
  idle(): Promise<void> {
    return this.op?.settled() ?? Promise.resolve();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
