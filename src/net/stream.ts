// A connected stream socket (TCP or Unix): reads, writes that write all,
// vectored I/O, a multishot-recv iterator, shutdown and close. Each call is
// one io_uring op (RECV, SEND, READV, WRITEV, SHUTDOWN, CLOSE) and takes a
// `signal`; a write that the kernel takes in part is resubmitted for the rest.
// A write first tries a non-blocking send(2) and is an op only for what did
// not fit.
import { requireIoUring } from '../backend/backend.js';
import type { Ring } from '../driver/ring.js';
import { abortedBy, checkOptions, type OpSpec } from '../op/op.js';
import type { IoUring } from '../ring/io-uring.js';
import { type RingcoreError, chunkLoopReadingError, detachedWriteError, errnoException, invalidArgType, outOfRange, handleClosedError } from '../sys/errors.js';
import { IovecCursor } from '../sys/iovec.js';
import { MSGHDR } from '../sys/layout.js';
import { addressOf, storeU64 } from '../sys/memory.js';
import { native } from '../sys/native.js';
import { SYS_sendto } from '../sys/syscalls.js';
import { MSG_DONTWAIT, MSG_NOSIGNAL, MSG_WAITALL, SHUT_RD, SHUT_RDWR, SHUT_WR } from '../sys/socket-constants.js';
import { IORING_OP_SEND_ZC } from '../sys/constants.js';
import { CallOrder } from './call-order.js';
import { ChunkIterator, type BorrowedChunk, type ChunkOptions } from './chunks.js';
import { toDuplex, type RingcoreDuplex, type DuplexOptions } from './duplex.js';
import { sendZc } from './send-zc.js';
import { closeSocket, shutdownNow } from './socket.js';
import { EAGAIN, EPIPE } from '../sys/errno.js';

function noop(): void {}

/** Options for one read, write or shutdown. */
export interface IoOptions {
  /** Aborting cancels the op in the kernel (IORING_OP_ASYNC_CANCEL); the call rejects with an AbortError. */
  signal?: AbortSignal | undefined;
}

/** Writes at least this long go out with SEND_ZC. Off (Infinity) by default: see docs/net.md for why. */
let zeroCopyThreshold = Infinity;

/** Sends writes of at least `bytes` with IORING_OP_SEND_ZC (Infinity: never). */
export function setZeroCopyThreshold(bytes: number): void {
  requireIoUring('setZeroCopyThreshold() (IORING_OP_SEND_ZC)');
  if (typeof bytes !== 'number' || !(bytes > 0)) throw outOfRange('bytes', 'a positive number', bytes);
  zeroCopyThreshold = bytes;
}

type Bytes = Uint8Array | string;

function bytesOf(data: Bytes): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof Uint8Array) return data;
  throw invalidArgType('data', 'a string, Buffer or Uint8Array', data);
}

/**
 * Writes under this many bytes send what the buffer held at the call, as node:net's write does when the
 * socket takes it then: what is not sent at once (sendFrom's direct try) is copied before a SEND reads it
 * after write() has returned, so a buffer the caller fills again at once is safe. A larger write's rest is
 * read from the caller's buffer as it is sent (as node:net's): copying it would cost more than its SEND.
 */
const SMALL_WRITE = 16 * 1024;

/**
 * The bytes a write waiting behind others sends: a copy of a small one
 * (SMALL_WRITE); a string's are a copy already. The node backend's write()
 * too: node:net holds the caller's buffer until it is sent.
 */
export function ownBytes(data: Bytes, buf: Uint8Array): Uint8Array {
  return typeof data !== 'string' && buf.byteLength < SMALL_WRITE ? Buffer.from(buf) : buf;
}

function checkView(buf: unknown): Uint8Array {
  if (!(buf instanceof Uint8Array)) throw invalidArgType('buffer', 'a Buffer or Uint8Array', buf);
  return buf;
}

function closedError(syscall: string): RingcoreError {
  return handleClosedError(syscall, 'socket');
}

/** A SEND's flags: no SIGPIPE, and the kernel sends the rest of a short send itself (see write()). */
export const SEND_ALL = MSG_NOSIGNAL | MSG_WAITALL;

/**
 * Small writes called while an earlier write is under way, sent together:
 * each would otherwise wait for the one before it to complete (writes start
 * one at a time, call-order.ts), one SEND and one trip through the loop per
 * write, where node:net writes each at once with writev(2). Writes of up to
 * BATCH_PART bytes, gathered up to BATCH_MAX bytes, each copied into the
 * batch's buffer when it is called (a 64 KiB copy costs less than one SEND's
 * round trip): the bytes sent are those the caller passed, as node:net's
 * writev(2) at the call sends them.
 */
class WriteBatch {
  started = false;
  bytes = 0;
  private data: Buffer;
  /** The promise every write in the batch returns. */
  promise: Promise<void> | undefined = undefined;

  constructor(first: Uint8Array) {
    this.data = Buffer.allocUnsafe(Math.min(BATCH_MAX, Math.max(BATCH_START, 2 * first.byteLength)));
    this.add(first);
  }

  /** Copies `part` in after the others (the caller checked that it fits in BATCH_MAX). */
  add(part: Uint8Array): void {
    const end = this.bytes + part.byteLength;
    if (end > this.data.length) {
      const grown = Buffer.allocUnsafe(Math.min(BATCH_MAX, Math.max(end, 2 * this.data.length)));
      this.data.copy(grown, 0, 0, this.bytes);
      this.data = grown;
    }
    this.data.set(part, this.bytes);
    this.bytes = end;
  }

  /** The bytes to send, in call order; no more can join the batch. */
  take(): Uint8Array {
    this.started = true;
    return this.data.subarray(0, this.bytes);
  }
}

/** The largest write that joins a batch: a bigger one is sent on its own, where the copy would cost more than its SEND. */
const BATCH_PART = SMALL_WRITE - 1;
/** The most bytes one batch gathers. */
const BATCH_MAX = 64 * 1024;
/** A batch's first buffer (it doubles as writes join, up to BATCH_MAX). */
const BATCH_START = 4 * 1024;

/**
 * The most bytes one RECV, SEND or SEND_ZC is given (Linux's MAX_RW_COUNT): the kernel refused a length past
 * 2 GiB - 1 (EINVAL), and 4 GiB wrapped to 0 in the SQE's 32 bits (a RECV of 0 bytes: the end of the stream).
 * A read then returns fewer bytes, as a recv(2) may; a write sends the rest with the next op.
 */
export const MAX_OP_BYTES = 0x7ffff000;

// A read's RECV and a write's SEND are classes: one object per op, where an
// object literal made three (the spec, its prep closure, and that closure's
// context), each allocated, filled and collected on every read and write.

/** The RECV of one read into `pin`. */
class RecvSpec implements OpSpec<number> {
  /** Set by SocketStream.run. */
  settled: (() => void) | undefined = undefined;

  constructor(
    private readonly fd: number,
    /** The buffer read into: kept alive until the CQE. */
    readonly pin: Uint8Array,
  ) {}

  get syscall(): string {
    return 'read';
  }

  prep(uring: IoUring, sqe: number): void {
    uring.prepRecv(sqe, this.fd, addressOf(this.pin), Math.min(this.pin.byteLength, MAX_OP_BYTES), 0);
  }
}

/** The SEND of `pin`, the bytes of `buf` from `offset` on; a short one sends the rest from map. */
class SendSpec implements OpSpec<void | Promise<void>> {
  /** Set by SocketStream.run. */
  settled: (() => void) | undefined = undefined;

  constructor(
    private readonly stream: SocketStream,
    /** What this SEND sends: kept alive until the CQE. */
    readonly pin: Uint8Array,
    private readonly buf: Uint8Array,
    private readonly offset: number,
    private readonly options: IoOptions | undefined,
  ) {}

  get syscall(): string {
    return 'write';
  }

  /** EPIPE comes to map, which tells destroy()'s from the peer's (SocketStream.cutShort). */
  get expect(): number {
    return -EPIPE;
  }

  prep(uring: IoUring, sqe: number): void {
    // Detached while the SEND waited for room (never empty otherwise): it would send nothing and succeed.
    if (this.pin.byteLength === 0) throw detachedWriteError();
    uring.prepSend(sqe, this.stream.fd, addressOf(this.pin), Math.min(this.pin.byteLength, MAX_OP_BYTES), SEND_ALL);
  }

  map(n: number): Promise<void> | undefined {
    if (n < 0) throw this.stream.cutShort(errnoException(n, 'write'));
    return this.stream.sent(this.buf, this.offset + n, this.options);
  }
}

/**
 * A connected stream socket (TCP or Unix), read and written through the ring.
 * Iterate it for the incoming chunks; close() ends ops in flight and closes the fd.
 */
export class SocketStream implements AsyncIterable<Buffer> {
  /** Set by close() or destroy(): new calls reject from then on. */
  private closing: Promise<void> | null = null;
  /**
   * The shutdown and CLOSE of the fd, once started (destroy(), or close()
   * once the writes called before it are out): from then on no op is placed.
   */
  private ending: Promise<void> | null = null;
  /** Ops that may be in the kernel: close() shuts the socket down first so that they end. */
  private pending = 0;
  private iterator: ChunkIterator | null = null;
  /**
   * Each op's spec.settled: the op layer calls it as the op settles, so no
   * promise of ours per op. Made by the first op: an idle connection has none.
   */
  private opSettled: (() => void) | null = null;
  /** Reads start in call order, and so do writes (with shutdown('write')): see call-order.ts. Made by the first call. */
  private reads: CallOrder | null = null;
  private writes: CallOrder | null = null;
  /**
   * What a chunk loop received and never yielded (it ended early: a break,
   * an abort), in order, with the error of bytes that could not be copied:
   * reads and the next loop take these first. null when there are none.
   */
  private unread: (Buffer | Error)[] | null = null;
  /** Settles once the SHUTDOWN ops in flight have run (see shutting()); null when there are none. */
  private shutdowns: Promise<void> | null = null;

  constructor(
    /** The socket's fd. */
    readonly fd: number,
    /** The ring its ops run on. */
    readonly ring: Ring,
  ) {}

  /** Whether close() has been called. */
  get closed(): boolean {
    return this.closing !== null;
  }

  /**
   * @internal The fd for a syscall on it now (setsockopt, getsockname): refused
   * (ERR_RINGCORE_CLOSED) once close() was called, since the number may belong
   * to another socket by then, whose options and address it would have changed or read.
   */
  openFd(syscall: string): number {
    if (this.closed) throw closedError(syscall);
    return this.fd;
  }

  private run<T>(spec: OpSpec<T>, options: IoOptions | undefined): Promise<T> {
    if (this.ending !== null) return Promise.reject(closedError(spec.syscall));
    // An aborted signal rejects before any op exists (nothing to count); bad options throw.
    if (options?.signal?.aborted === true) return this.ring.submit(spec, options);
    spec.settled = this.opSettled ??= () => {
      this.pending--;
    };
    this.pending++;
    try {
      return this.ring.submit(spec, options);
    } catch (error) {
      this.pending--;
      throw error;
    }
  }

  /** recv into `buf`: the bytes read, 0 at end of stream. */
  read(buf: Uint8Array, options?: IoOptions): Promise<number> {
    checkView(buf);
    if (this.closing !== null) return Promise.reject(closedError('read'));
    if (this.iterator?.live === true) return Promise.reject(chunkLoopReadingError('read()'));
    // A RECV of 0 bytes waits for bytes to come (and takes none), where read(2) and readv() return 0 at once;
    // its options are checked all the same, as readv([])'s are.
    if (buf.byteLength === 0) {
      const aborted = abortedBy(options);
      return aborted === null ? Promise.resolve(0) : Promise.reject(aborted);
    }
    const reads = (this.reads ??= new CallOrder());
    return reads.idle ? reads.started(this.recv(buf, options)) : reads.run(() => this.recv(buf, options), options);
  }

  /** One RECV into `buf`, once what an ended chunk loop left is out of the way (afterChunks). */
  private recv(buf: Uint8Array, options: IoOptions | undefined): Promise<number> {
    if (this.chunksLeftSomething) return this.afterChunks([buf], () => this.recv(buf, options));
    return this.run(new RecvSpec(this.fd, buf), options);
  }

  /** Whether a chunk loop that ended early left bytes, or its multishot recv is still in the kernel. */
  private get chunksLeftSomething(): boolean {
    return this.unread !== null || this.iterator?.stopping === true;
  }

  /**
   * `read` once what an ended chunk loop received is out of the way: its
   * bytes first (into `buffers`, as one read), and a read starts only when
   * its multishot recv has ended in the kernel, which would otherwise take
   * bytes past this read. `read` checks again (chunksLeftSomething).
   */
  private afterChunks(buffers: Uint8Array[], read: () => Promise<number>): Promise<number> {
    if (this.unread !== null) return this.closing !== null ? Promise.reject(closedError('read')) : this.takeUnread(buffers);
    return this.iterator!.idle().then(read);
  }

  /** Fills `buffers` from this.unread: the bytes, or the rejection of a loss that comes before any. */
  private takeUnread(buffers: Uint8Array[]): Promise<number> {
    const unread = this.unread!;
    let n = 0;
    for (const buf of buffers) {
      let at = 0;
      while (at < buf.byteLength && unread.length > 0 && !(unread[0] instanceof Error)) {
        const head = unread[0] as Buffer;
        const take = Math.min(head.length, buf.byteLength - at);
        buf.set(take === head.length ? head : head.subarray(0, take), at);
        at += take;
        if (take === head.length) unread.shift();
        else unread[0] = head.subarray(take);
      }
      n += at;
    }
    const lost = n === 0 && unread[0] instanceof Error ? (unread.shift() as Error) : null;
    if (unread.length === 0) this.unread = null;
    return lost !== null ? Promise.reject(lost) : Promise.resolve(n);
  }

  /** @internal A chunk loop that ended early hands over what it received and did not yield (UnreadKeeper). */
  keepUnread(value: Buffer | Error): void {
    if (this.closing === null) (this.unread ??= []).push(value);
  }

  /**
   * Writes all of `data`, with MSG_NOSIGNAL: a closed peer gives EPIPE, never
   * SIGPIPE. MSG_WAITALL makes the kernel (5.18+) send the rest itself after
   * a short send, each time the socket has room again, so a write larger than
   * the socket's buffer is one op, not one trip through JavaScript per
   * buffer-full; an older kernel ignores the flag, and the short send is
   * sent again from here. A write first sends what the socket takes at once
   * with a non-blocking send(2), as libuv does, and resolves without an op
   * when that was everything.
   * A write under SMALL_WRITE bytes is the caller's again once write()
   * returns: what the socket did not take at once is copied (sendFrom, and a
   * batch copies its writes as they are called). A larger one's rest is read
   * from `data` as it is sent, not copied (as node:net's): change or reuse
   * such a buffer once the write resolves.
   */
  write(data: Bytes, options?: IoOptions): Promise<void> {
    const buf = bytesOf(data);
    if (this.closing !== null) return Promise.reject(closedError('write'));
    const writes = (this.writes ??= new CallOrder());
    // Nothing to send, but it settles in call order, after the writes before it (as node:net calls back);
    // its options are checked as any write's (run() checks them, whether or not a write is under way).
    if (buf.byteLength === 0) return writes.run(() => Promise.resolve(), options);
    if (writes.idle) return writes.started(this.sendFrom(buf, 0, options, typeof data === 'string'));
    // Behind another write: a small one without options joins the batch that waits last, or starts one.
    if (options === undefined && buf.byteLength <= BATCH_PART) {
      const tail = writes.tail;
      if (tail instanceof WriteBatch && !tail.started && tail.bytes + buf.byteLength <= BATCH_MAX) {
        tail.add(buf);
        return tail.promise!;
      }
      const batch = new WriteBatch(buf);
      batch.promise = writes.run(() => this.sendFrom(batch.take(), 0, undefined, true), undefined, batch);
      return batch.promise;
    }
    const own = ownBytes(data, buf);
    return writes.run(() => this.sendFrom(own, 0, options, true), options);
  }

  /**
   * @internal write() of a Buffer for a caller that wants no promise for a
   * write the socket takes at once (RingcoreDuplex): undefined when it did,
   * else write()'s promise. The same bytes go out as write()'s: its direct
   * try (sendFrom) made here, the rest through the ring.
   */
  writeNow(data: Uint8Array): Promise<void> | undefined {
    if (this.closing !== null || this.writes?.active === true || data.byteLength === 0 || data.byteLength >= zeroCopyThreshold) return this.write(data);
    const n = this.sendNow(data);
    if (n === data.byteLength) return undefined;
    const rest = n > 0 || n === -EAGAIN ? this.sendLater(data, Math.max(n, 0), undefined, false) : Promise.reject(errnoException(n, 'write'));
    return (this.writes ??= new CallOrder()).started(rest);
  }

  /**
   * @internal Sends `buf` from `offset` on (SendSpec sends the rest of a short SEND through here).
   * `owned`: no caller can change `buf`; otherwise a small write's unsent rest is copied (SMALL_WRITE).
   */
  sendFrom(buf: Uint8Array, offset: number, options: IoOptions | undefined, owned: boolean): Promise<void> {
    // Never empty unless its ArrayBuffer was transferred since the call (a write that waited, not copied).
    if (buf.byteLength === 0) return Promise.reject(detachedWriteError());
    const rest = offset === 0 ? buf : buf.subarray(offset);
    // A kernel without SEND_ZC (before 6.0) sends as if no threshold were set: its EINVAL failed every such write.
    if (rest.byteLength >= zeroCopyThreshold && this.ring.supports(IORING_OP_SEND_ZC)) {
      if (this.ending !== null) return Promise.reject(closedError('write'));
      const part = rest.byteLength > MAX_OP_BYTES ? rest.subarray(0, MAX_OP_BYTES) : rest;
      return sendZc(this.ring, this.fd, part, checkOptions(options)).then(
        (n) => this.sent(buf, offset + n, options),
        (error: unknown) => {
          throw this.cutShort(error);
        },
      );
    }
    let from = offset;
    if (this.ending === null && checkOptions(options)?.aborted !== true) {
      // As libuv writes: send what fits now, without waiting; only the rest (or
      // a full socket) goes to the ring, whose SEND waits for room. Small writes
      // too: a SEND's round trip (an op, a CQE, a turn of the loop) costs more
      // than the syscall it saves by sharing the turn's enter (docs/performance.md,
      // "Session 19: small writes sent at once"). Writes
      // start one at a time (CallOrder), so no earlier SEND of this socket is
      // in flight and the bytes stay in order. An error is the SEND's would-be
      // error: the first report of a reset clears it from the socket.
      const n = this.sendNow(rest);
      if (n === rest.byteLength) return Promise.resolve();
      if (n > 0) from = offset + n;
      else if (n !== -EAGAIN) return Promise.reject(errnoException(n, 'write'));
    }
    return this.sendLater(buf, from, options, owned);
  }

  /** One non-blocking send(2) of `bytes`: how many the socket took, or -errno (EAGAIN: none, it is full). */
  private sendNow(bytes: Uint8Array): number {
    return native.syscall(SYS_sendto, this.fd, addressOf(bytes), bytes.byteLength, MSG_NOSIGNAL | MSG_DONTWAIT, 0, 0);
  }

  /** A SEND of `buf` from `from` on, through the ring (sendFrom's direct try sent the bytes before `from`). */
  private sendLater(buf: Uint8Array, from: number, options: IoOptions | undefined, owned: boolean): Promise<void> {
    let left = from === 0 ? buf : buf.subarray(from);
    if (!owned && buf.byteLength < SMALL_WRITE) {
      buf = Buffer.from(left);
      left = buf;
      from = 0;
    }
    // One promise per write: a SEND that took everything resolves the write itself; a
    // short one resolves it with the promise of the rest (adopted), sent from its map.
    return this.run<void | Promise<void>>(new SendSpec(this, left, buf, from, options), options) as Promise<void>;
  }

  /**
   * @internal A write's error: ERR_RINGCORE_CLOSED for the EPIPE of a SEND
   * that destroy() ended (its shutdown fails a SEND that has sent nothing
   * yet with EPIPE, as if the peer had gone), as for the part of a write
   * it cuts short after some bytes, and as on the node backend.
   */
  cutShort(error: unknown): unknown {
    return this.ending !== null && (error as { code?: unknown }).code === 'EPIPE' ? closedError('write') : error;
  }

  /** @internal `done` bytes of `buf` are out: nothing more to do, or the promise of the rest. */
  sent(buf: Uint8Array, done: number, options: IoOptions | undefined): Promise<void> | undefined {
    return done < buf.byteLength ? this.sendFrom(buf, done, options, true) : undefined;
  }

  /**
   * readv: fills `buffers` in order; the bytes read, 0 at end of stream. At
   * most IOV_MAX buffers go in one READV: after a batch that came back full,
   * the next one takes only what is already there (RECVMSG, MSG_DONTWAIT), as one
   * readv(2) returns what has arrived.
   */
  readv(buffers: Uint8Array[], options?: IoOptions): Promise<number> {
    if (!Array.isArray(buffers)) throw invalidArgType('buffers', 'an array of Buffers', buffers);
    buffers.forEach(checkView);
    if (this.closing !== null) return Promise.reject(closedError('read'));
    if (this.iterator?.live === true) return Promise.reject(chunkLoopReadingError('readv()'));
    return (this.reads ??= new CallOrder()).run(() => this.readvBatches(buffers, options), options);
  }

  private async readvBatches(buffers: Uint8Array[], options: IoOptions | undefined): Promise<number> {
    if (this.chunksLeftSomething) return this.afterChunks(buffers, () => this.readvBatches(buffers, options));
    const cursor = new IovecCursor(buffers);
    const fd = this.fd;
    do {
      const { array, count, bytes } = cursor.batch();
      let n: number;
      try {
        if (cursor.done === 0) {
          n = await this.run({ syscall: 'read', prep: (uring, sqe) => uring.prepReadv(sqe, fd, addressOf(array), count, 0), pin: [array, buffers] }, options);
        } else {
          // Only what is there: a RECVMSG with MSG_DONTWAIT (EAGAIN when nothing is). Not a READV with
          // RWF_NOWAIT: Linux 6.1 and 5.10 fail that on a socket every time, which cut readv at IOV_MAX buffers.
          const msghdr = Buffer.alloc(MSGHDR.size);
          const words = new Uint32Array(msghdr.buffer, msghdr.byteOffset, msghdr.length / 4);
          storeU64(words, MSGHDR.msg_iov / 4, addressOf(array));
          storeU64(words, MSGHDR.msg_iovlen / 4, count);
          n = await this.run(
            { syscall: 'read', prep: (uring, sqe) => uring.prepRecvmsg(sqe, fd, addressOf(msghdr), MSG_DONTWAIT), pin: [msghdr, array, buffers] },
            options,
          );
        }
      } catch (error) {
        // Nothing more had arrived (EAGAIN), or a later batch failed: the bytes read so far are the result.
        if (cursor.done > 0) break;
        throw error;
      }
      cursor.advance(n);
      if (n < bytes) break;
    } while (!cursor.finished);
    return cursor.done;
  }

  /** writev: writes all of `buffers`, in order, IOV_MAX at most per WRITEV; what a short write left is sent next. */
  writev(buffers: Bytes[], options?: IoOptions): Promise<void> {
    if (!Array.isArray(buffers)) throw invalidArgType('buffers', 'an array of Buffers', buffers);
    const views = buffers.map(bytesOf);
    if (this.closing !== null) return Promise.reject(closedError('write'));
    let total = 0;
    for (const view of views) total += view.byteLength;
    return (this.writes ??= new CallOrder()).run(() => this.writevBatches(views, total, options), options);
  }

  /** `total`: the bytes of `views` at the call; fewer now means one was detached (transferred) since. */
  private async writevBatches(views: Uint8Array[], total: number, options: IoOptions | undefined): Promise<void> {
    const cursor = new IovecCursor(views);
    if (cursor.total !== total) throw detachedWriteError();
    const fd = this.fd;
    while (!cursor.finished) {
      const { array, count } = cursor.batch();
      let n: number;
      try {
        n = await this.run({ syscall: 'write', prep: (uring, sqe) => uring.prepWritev(sqe, fd, addressOf(array), count, 0), pin: [array, views] }, options);
      } catch (error) {
        throw this.cutShort(error);
      }
      cursor.advance(n);
    }
  }

  /**
   * The incoming bytes, chunk by chunk, from one multishot recv over the
   * ring's provided buffers. Each chunk is a Buffer of its own. With
   * `borrow: true` each is a view of the kernel's buffer instead (no copy),
   * valid until the next next(). Unread chunks are bounded: a loop that
   * stops reading pauses the recv (docs/net.md, "Backpressure").
   */
  chunks(options: ChunkOptions & { borrow: true }): ChunkIterator<BorrowedChunk>;
  chunks(options?: ChunkOptions): ChunkIterator;
  chunks(options?: ChunkOptions): ChunkIterator<Buffer> {
    if (this.closing !== null) throw closedError('read');
    if (this.iterator?.live === true) throw chunkLoopReadingError('chunks()');
    // After a loop that ended early, reads hand out what it received first (afterChunks): this one reads
    // through read(), and the one that ended stays this.iterator, for afterChunks to wait for its recv's end.
    // Reads called before it that have not settled go first too: a multishot recv armed now would race
    // them for the bytes, and a read called before the loop could get bytes that came after the loop's.
    const plain = this.unread !== null || this.iterator?.stopping === true || this.reads?.active === true;
    const iterator = new ChunkIterator(this, options, plain);
    if (!plain) this.iterator = iterator;
    return iterator;
  }

  /** chunks() without options, for `for await (const chunk of stream)`. */
  [Symbol.asyncIterator](): ChunkIterator {
    return this.chunks();
  }

  /** shutdown(2) through IORING_OP_SHUTDOWN: 'write' sends FIN (the peer reads EOF), 'read', or 'both'. */
  shutdown(how: 'write' | 'read' | 'both' = 'write', options?: IoOptions): Promise<void> {
    const value = how === 'write' ? SHUT_WR : how === 'read' ? SHUT_RD : how === 'both' ? SHUT_RDWR : -1;
    if (value < 0) throw invalidArgType('how', "'write', 'read' or 'both'", how);
    if (this.closing !== null) return Promise.reject(closedError('shutdown'));
    const fd = this.fd;
    const shut = () =>
      this.shutting(this.run({ syscall: 'shutdown', prep: (uring, sqe) => uring.prepShutdown(sqe, fd, value) }, options)).then(() => undefined);
    // FIN goes after the writes called before it, as node:net's end().
    return value === SHUT_RD ? shut() : (this.writes ??= new CallOrder()).run(shut, options);
  }

  /**
   * @internal Ends the connection both ways now, with an IORING_OP_SHUTDOWN
   * placed at once, not behind the writes that wait (shutdown('both') waits
   * for them, which a peer that stops reading makes for ever). A shutdown(2)
   * would overtake the SENDs already placed in the ring; the op runs after
   * their first try, so what the socket takes of them then goes out (a write
   * just before a destroy, as write(2) then close(2) sends it), and the rest
   * is ended. Rejects (ENOTCONN) when the peer is gone.
   */
  cutOff(): Promise<void> {
    const fd = this.fd;
    return this.shutting(this.ring.submit({ syscall: 'shutdown', prep: (uring, sqe) => uring.prepShutdown(sqe, fd, SHUT_RDWR), map: () => undefined }));
  }

  /**
   * Counts `op`, a SHUTDOWN, in this.shutdowns until it settles. The kernel
   * runs IORING_OP_SHUTDOWN in its worker threads, and looks the fd up only
   * there: a CLOSE placed after it runs first, and the SHUTDOWN then fails
   * (EBADF) or shuts down whatever socket has taken the fd number since.
   * end() closes the fd once they have run.
   */
  private shutting<T>(op: Promise<T>): Promise<T> {
    const done = op.then(noop, noop);
    const all = this.shutdowns === null ? done : Promise.all([this.shutdowns, done]).then(noop);
    this.shutdowns = all;
    void all.then(() => {
      if (this.shutdowns === all) this.shutdowns = null;
    });
    return op;
  }

  /**
   * Closes the socket, losing nothing that was written: the writes (and a
   * shutdown('write')) called before it go out first, in call order, as
   * node:net's end() then destroy(); then the fd is shut down (the peer gets
   * FIN) and closed (IORING_OP_CLOSE). Reads and chunk loops end at once.
   * Calls made after it reject (ERR_RINGCORE_CLOSED). A peer that stops
   * reading holds it up as it holds those writes: give them a `signal`, or
   * call destroy() to end everything now. Calling it again returns the same
   * promise; it resolves once the fd is closed, whether the writes succeeded
   * or not (each write's own promise says that).
   */
  close(): Promise<void> {
    if (this.closing === null) {
      const writes = this.writes;
      if (writes?.active === true && !this.ring.closed) {
        this.stopReading();
        this.closing = writes.run(() => this.end(false), undefined);
      } else {
        this.closing = this.end(false);
      }
    }
    return this.closing;
  }

  /**
   * Ends the connection now and closes the fd (node:net's destroy()): never
   * waits for a peer that does not read. A write in flight has its first
   * try (what the socket takes then goes out, as write(2) then close(2)
   * sends it) and the rest is ended; writes that have not started reject
   * (ERR_RINGCORE_CLOSED). Resolves once the fd is closed; also ends a
   * close() that waits for its writes.
   */
  destroy(): Promise<void> {
    const ending = this.end(this.writes?.active === true && !this.ring.closed);
    this.closing ??= ending;
    return ending;
  }

  /** Reads in flight end (a chunk loop's recv is cancelled, a read() gets 0); the writes go on. */
  private stopReading(): void {
    this.iterator?.return();
    if (this.reads?.active === true) shutdownNow(this.fd, SHUT_RD);
    // What the loop's return() just handed over (keepUnread) is nobody's now: reads after close() reject.
    this.unread = null;
  }

  /**
   * Shuts the socket down and closes the fd, once (this.ending). Ops still in
   * the kernel are ended first, so that the peer sees the close at once.
   * `writesInFlight`: a write has started and not settled, so the shutdown is
   * an IORING_OP_SHUTDOWN behind its SEND (cutOff()), and the CLOSE goes
   * after that: the kernel looks the fd up when the SHUTDOWN runs.
   */
  private end(writesInFlight: boolean): Promise<void> {
    if (this.ending === null) {
      const fd = this.fd;
      if (writesInFlight) {
        void this.cutOff().catch(noop);
        this.iterator?.return();
        const close = () => closeSocket(this.ring, fd);
        // cutOff() counts in this.shutdowns, with any shutdown() still in the kernel.
        this.ending = this.shutdowns!.then(close);
      } else {
        const active = this.pending > 0 || (this.iterator?.active ?? false);
        if (active) shutdownNow(fd, SHUT_RDWR);
        this.iterator?.return();
        // A SHUTDOWN still in the kernel looks the fd up when it runs: the CLOSE waits for it.
        const shutdowns = this.shutdowns;
        this.ending = shutdowns === null ? closeSocket(this.ring, fd, !active) : shutdowns.then(() => closeSocket(this.ring, fd));
      }
      this.unread = null;
    }
    return this.ending;
  }

  /** A node:stream Duplex over this socket, with backpressure and half-close. */
  toDuplex(options?: DuplexOptions): RingcoreDuplex {
    return toDuplex(this, options);
  }

  /** close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
