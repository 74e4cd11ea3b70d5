// ringcore/net on the node backend: the same classes (TcpStream, TcpListener,
// UnixStream, UnixListener, UdpSocket), their I/O done by node:net and
// node:dgram sockets. What reads the fd directly (addresses, setNoDelay,
// setKeepAlive, shutdown from http's sweep) keeps working on the socket's
// real fd. Reads are pulled: a socket reads from the kernel only while its
// buffer is below Node's high-water mark, and keeps the process alive only
// while someone waits for it, as a ringcore socket with no op in flight.
import type * as Dgram from 'node:dgram';
import type * as Net from 'node:net';
import type { Ring } from '../driver/ring.js';
import { AbortError, chunkLoopReadingError, errnoException, invalidArgType, RingcoreError, timedOutException, unreachableError } from '../sys/errors.js';
import { addressOf } from '../sys/memory.js';
import { native } from '../sys/native.js';
import { AF_UNIX, SOCK_CLOEXEC, SOCK_STREAM } from '../sys/socket-constants.js';
import { SYS_socketpair } from '../sys/syscalls.js';
import { runtime } from '../sys/runtime.js';
import { lazyBuiltin } from '../sys/builtins.js';
import { resolveHost, type SocketAddress } from '../net/address.js';
import { checkLoopOptions, type BorrowedChunk, type ChunkIterator, type ChunkOptions } from '../net/chunks.js';
import { abortedBy, checkOptions } from '../op/op.js';
import type { AcceptOptions, Listener } from '../net/listener.js';
import { ownBytes, type IoOptions, type SocketStream } from '../net/stream.js';
import { listeningTcpSocket, TcpListener, type TcpListenOptions } from '../net/tcp-listener.js';
import { TcpStream, type ConnectOptions } from '../net/tcp-stream.js';
import { checkSend, UdpSocket, type BorrowedDatagram, type Datagram, type DatagramOptions, type UdpBindOptions } from '../net/udp.js';
import { UnixListener, UnixStream, type UnixConnectOptions, type UnixListenOptions } from '../net/unix.js';
import { EPIPE } from '../sys/errno.js';

// Loaded on first use: net/socketpair.ts imports this module on io_uring too, where neither is needed.
const net = lazyBuiltin<typeof Net>('node:net');
const dgram = lazyBuiltin<typeof Dgram>('node:dgram');

type Bytes = Uint8Array | string;

// The argument checks of SocketStream (net/stream.ts), made before anything else as there: a bad
// argument throws the same TypeError on both backends, whether the socket is open or closed.
function checkData(data: unknown): void {
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) throw invalidArgType('data', 'a string, Buffer or Uint8Array', data);
}

function checkView(buf: unknown): void {
  if (!(buf instanceof Uint8Array)) throw invalidArgType('buffer', 'a Buffer or Uint8Array', buf);
}

function checkArray(buffers: unknown): void {
  if (!Array.isArray(buffers)) throw invalidArgType('buffers', 'an array of Buffers', buffers);
}

/**
 * A write whose bytes node:net still holds: where they end in what the socket was given; what
 * destroy() found: null before it, true when it dropped some of them, false when all were in the kernel;
 * whether its signal ended it first (it has rejected, and close() does not wait for its bytes).
 */
interface UnsentWrite {
  end: number;
  cut: boolean | null;
  aborted: boolean;
}

/** A write's size as node:net counts it in writableLength (a string's length: sockets do not decode strings). */
function lengthOf(data: Bytes): number {
  return typeof data === 'string' ? data.length : data.byteLength;
}

function closedError(syscall: string): RingcoreError {
  return new RingcoreError('ERR_RINGCORE_CLOSED', `${syscall}: the socket is closed`);
}

function abortError(signal: AbortSignal): AbortError {
  return new AbortError(undefined, { cause: signal.reason });
}

/** The fd under a Node socket or server (libuv's, on Linux). */
function fdOf(handleOwner: object): number {
  return (handleOwner as { _handle?: { fd?: number } })._handle?.fd ?? -1;
}

/** The fd under a dgram socket, whose `_handle` getter is deprecated (DEP0112): its state object holds the handle. */
function udpFdOf(socket: Dgram.Socket): number {
  const key = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'state symbol');
  const state = key === undefined ? undefined : (socket as unknown as Record<symbol, { handle?: { fd?: number } }>)[key];
  return state?.handle?.fd ?? -1;
}

/** Resolves when `wake()` is called: the waiters of accepts and datagrams (a stream socket hands reads their bytes itself). */
class Waiters {
  #list: (() => void)[] = [];
  constructor(private readonly holder: { ref(): unknown; unref(): unknown }) {}

  wait(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.#list.length === 0) this.holder.ref();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#remove(done);
        reject(abortError(signal!));
      };
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#list.push(done);
    });
  }

  #remove(done: () => void): void {
    const i = this.#list.indexOf(done);
    if (i >= 0) this.#list.splice(i, 1);
    if (this.#list.length === 0) this.holder.unref();
  }

  wake(): void {
    const list = this.#list;
    if (list.length === 0) return;
    this.#list = [];
    this.holder.unref();
    for (const done of list) done();
  }
}

/** Bytes a socket reads ahead of its reader before it is paused (Node's own default high-water mark). */
const READ_AHEAD = 64 * 1024;

/**
 * A read waiting for bytes. With `into`, its promise gives the count copied
 * there (0 at end of stream); without, the chunk itself (null at end of stream).
 */
interface PendingRead {
  readonly max: number;
  readonly into: Uint8Array | null;
  readonly resolve: (value: number | Buffer | null) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** What a read's promise gives for `chunk`: see PendingRead. */
function readResult(into: Uint8Array | null, chunk: Buffer | null): number | Buffer | null {
  if (into === null) return chunk;
  if (chunk === null) return 0;
  into.set(chunk);
  return chunk.length;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** The first `n` bytes of `buffer`, in a Buffer of their own. */
function copyOut(buffer: Buffer, n: number): Buffer {
  const chunk = Buffer.allocUnsafe(n);
  buffer.copy(chunk, 0, 0, n);
  return chunk;
}

/** What Node reads into for every socket of this thread made with DirectReads (see there). */
let sharedReadBuffer: Buffer | undefined;

/**
 * Reads without a Buffer and a 'data' event each: Node's `onread` option,
 * for the sockets made here (connect, socketpair; a net.Server's sockets
 * cannot have it). Node reads into one buffer, shared by the thread's
 * sockets, and calls back at once; the bytes are copied out before the next
 * read. A 64 B ping-pong costs 10 % less CPU so (docs/performance.md,
 * "Session 11: node backend").
 */
class DirectReads {
  #io: SocketIo | null = null;
  /** Bytes read before the SocketIo was made (none expected: it is made in the connect's own turn). */
  #early: Buffer[] = [];
  readonly option = {
    buffer: (sharedReadBuffer ??= Buffer.allocUnsafeSlow(READ_AHEAD)),
    // true: go on reading (SocketIo pauses the socket itself past READ_AHEAD).
    callback: (n: number, buffer: Uint8Array): boolean => {
      if (this.#io !== null) this.#io.receivedInto(buffer as Buffer, n);
      else this.#early.push(copyOut(buffer as Buffer, n));
      return true;
    },
  };

  /** From now on `io` takes the bytes; returns those that came before. */
  attach(io: SocketIo): Buffer[] {
    this.#io = io;
    return this.#early.splice(0);
  }
}
const NOTHING = Buffer.alloc(0);

/** A write's error as the kernel would give it: Node's own when it has an errno, else EPIPE (the socket was destroyed under it). */
function writeError(error: Error): Error {
  return typeof (error as NodeJS.ErrnoException).errno === 'number' ? error : errnoException(-EPIPE, 'write');
}

/**
 * The I/O of one stream socket: reads from chunks queued by 'data', or for
 * a socket made here by Node's onread (DirectReads); the socket is paused
 * while READ_AHEAD bytes wait (flowing mode costs less than 'readable' and
 * read()). Writes resolve once the kernel has the bytes; shutdown, close. A
 * waiting read is handed its bytes by the event that brings them, one
 * promise per read: this layer is the whole cost of the node backend over
 * node:net (docs/performance.md, "The node backend" and "Session 11: node backend").
 */
class SocketIo {
  readonly socket: Net.Socket;
  readonly #queue: Buffer[] = [];
  #queued = 0;
  #ended = false;
  /**
   * The socket's error that no read or write has reported yet. The kernel
   * reports a socket's pending error (sk_err: a reset's ECONNRESET) once, to
   * the first read or write that asks; after it, writes get EPIPE and reads
   * the end of the stream. node:net keeps it for ever: it is taken from here
   * by the first op, as on io_uring.
   */
  #error: Error | null = null;
  /** An error a write's callback has already reported (its 'error' event is not kept then). */
  #reported: Error | null = null;
  /**
   * A failed write's error, when it came before the end of the stream: node:net
   * destroys the socket for it, closing the fd with whatever the peer sent still
   * unread in the kernel (io_uring would go on reading it). Reads report it from
   * then on, so that no reader takes the lost bytes for the end of the stream.
   */
  #readLost: Error | null = null;
  #closing: Promise<void> | null = null;
  /** Set while close() waits for the writes before it: ends that wait now (the fd is closed, what is left dropped). */
  #closeNow: (() => void) | null = null;
  /** Reads waiting for bytes, oldest first; the socket keeps the process alive while there are any. */
  readonly #pending: PendingRead[] = [];
  /** What the writes gave node:net, in its units (a string's length, a buffer's bytes): the end of each write's bytes in that stream. */
  #written = 0;
  /** Writes still in node:net's buffer, by where their bytes end in that stream: destroy() rejects those it cuts short. */
  #unsent: Set<UnsentWrite> | null = null;
  /** Whether the last chunk loop may still yield: read(), readv() and chunks() refuse meanwhile, as on io_uring. */
  #loopLive: () => boolean = () => false;
  /** `direct`: the socket was made with DirectReads' `onread` (no 'data' events then). */
  constructor(socket: Net.Socket, direct: DirectReads | null) {
    this.socket = socket;
    socket.unref();
    const serve = (): void => this.#serve();
    socket.on('data', (chunk: Buffer) => this.#received(chunk));
    socket.on('end', () => {
      this.#ended = true;
      serve();
    });
    socket.on('error', (error) => {
      if (error !== this.#reported) this.#error = error;
      serve();
    });
    socket.on('close', serve);
    if (direct !== null) {
      for (const chunk of direct.attach(this)) this.#received(chunk);
    }
    // An accepted socket starts paused (pauseOnConnect): it reads from the moment it is handed out.
    socket.resume();
  }

  /** A chunk of its own: to the first waiting read when nothing is queued before it (the common case), else queued. */
  #received(chunk: Buffer): void {
    const read = this.#pending[0];
    if (read !== undefined && this.#queued === 0 && (read.max === 0 || chunk.length <= read.max)) {
      this.#settled(read);
      read.resolve(readResult(read.into, chunk));
      return;
    }
    this.#queue.push(chunk);
    if ((this.#queued += chunk.length) >= READ_AHEAD) this.socket.pause();
    this.#serve();
  }

  /**
   * `n` bytes Node read into DirectReads' shared buffer: copied straight into
   * a read waiting with its buffer when nothing is queued, else copied out
   * as a chunk of their own (the buffer takes the next read).
   */
  receivedInto(buffer: Buffer, n: number): void {
    const read = this.#pending[0];
    if (read !== undefined && read.into !== null && this.#queued === 0 && n <= read.max) {
      buffer.copy(read.into, 0, 0, n);
      this.#settled(read);
      read.resolve(n);
      return;
    }
    this.#received(copyOut(buffer, n));
  }

  get closed(): boolean {
    return this.#closing !== null;
  }

  /**
   * The next bytes now, at most `max` (0: what is there): a chunk, null at
   * end of stream, undefined when none have come yet. Throws the socket's error.
   */
  #takeNow(max: number): Buffer | null | undefined {
    // A read that was waiting when close() was called ends as at EOF, as the io_uring recv ended by shutdown.
    if (this.#closing !== null) return null;
    let chunk = this.#queue.shift();
    if (chunk !== undefined) {
      if (max > 0 && chunk.length > max) {
        this.#queue.unshift(chunk.subarray(max));
        chunk = chunk.subarray(0, max);
      }
      if ((this.#queued -= chunk.length) < READ_AHEAD && this.socket.isPaused()) this.socket.resume();
      return chunk;
    }
    const error = this.#takeError();
    if (error !== null) throw error;
    if (this.#readLost !== null) throw this.#readLost;
    if (this.#ended || this.socket.destroyed) return null;
    return undefined;
  }

  /** The socket's error if no op has reported it yet (then no later op does), else null. */
  #takeError(): Error | null {
    const error = this.#error;
    if (error !== null) {
      this.#error = null;
      this.#reported = error;
    }
    return error;
  }

  /** A write's callback reported `error`: no later op reports it again. */
  #writeFailed(error: Error): Error {
    if (this.#error === error) this.#error = null;
    this.#reported = error;
    const failed = writeError(error);
    if (!this.#ended && (error as NodeJS.ErrnoException).code !== 'ECONNRESET') this.#readLost ??= failed;
    return failed;
  }

  /** Hands the waiting reads, oldest first, what has come (bytes, the end, an error, a close). */
  #serve(): void {
    const pending = this.#pending;
    while (pending.length > 0) {
      const read = pending[0]!;
      let chunk: Buffer | null | undefined;
      try {
        chunk = this.#takeNow(read.max);
      } catch (error) {
        this.#settled(read);
        read.reject(error);
        continue;
      }
      if (chunk === undefined) return;
      this.#settled(read);
      read.resolve(readResult(read.into, chunk));
    }
  }

  /** Takes `read` off the waiting list (the first, or anywhere when aborted). */
  #settled(read: PendingRead): void {
    const pending = this.#pending;
    if (pending[0] === read) pending.shift();
    else {
      const i = pending.indexOf(read);
      if (i < 0) return;
      pending.splice(i, 1);
    }
    if (read.onAbort !== undefined) read.signal!.removeEventListener('abort', read.onAbort);
    if (pending.length === 0) this.socket.unref();
  }

  /** The next bytes, at most `max` (0: what is there), as readResult() gives them. */
  #read(max: number, into: Uint8Array | null, signal: AbortSignal | undefined): Promise<number | Buffer | null> {
    if (this.#closing !== null) return Promise.reject(closedError('read'));
    // Bytes already here go to a read only when none waits before it.
    if (this.#pending.length === 0) {
      try {
        const chunk = this.#takeNow(max);
        if (chunk !== undefined) return Promise.resolve(readResult(into, chunk));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const read: PendingRead = { max, into, resolve, reject, signal, onAbort: undefined };
      if (signal !== undefined) {
        read.onAbort = () => {
          this.#settled(read);
          reject(abortError(signal));
        };
        signal.addEventListener('abort', read.onAbort, { once: true });
      }
      if (this.#pending.push(read) === 1) this.socket.ref();
    });
  }

  /** The next bytes, at most `max` (0: what is there); null at end of stream. */
  chunk(max: number, signal: AbortSignal | undefined): Promise<Buffer | null> {
    return this.#read(max, null, signal) as Promise<Buffer | null>;
  }

  /** Why a read may not start (a rejection), or null; bad options throw, as the io_uring backend's. */
  #refuseRead(options: IoOptions | undefined, call: string): Promise<never> | null {
    if (this.#closing !== null) return Promise.reject(closedError('read'));
    if (this.#loopLive()) return Promise.reject(chunkLoopReadingError(call));
    const aborted = abortedBy(options);
    return aborted === null ? null : Promise.reject(aborted);
  }

  read(buf: Uint8Array, options: IoOptions | undefined): Promise<number> {
    const refused = this.#refuseRead(options, 'read()');
    if (refused !== null) return refused;
    if (buf.byteLength === 0) return Promise.resolve(0);
    return this.#read(buf.byteLength, buf, options?.signal) as Promise<number>;
  }

  readv(buffers: Uint8Array[], options: IoOptions | undefined): Promise<number> {
    return this.#refuseRead(options, 'readv()') ?? this.#readv(buffers, options);
  }

  async #readv(buffers: Uint8Array[], options: IoOptions | undefined): Promise<number> {
    const total = buffers.reduce((sum, b) => sum + b.byteLength, 0);
    const chunk = total === 0 ? null : await this.chunk(total, options?.signal);
    if (chunk === null) return 0;
    let at = 0;
    for (const b of buffers) {
      if (at >= chunk.length) break;
      const part = chunk.subarray(at, at + b.byteLength);
      b.set(part);
      at += part.length;
    }
    return chunk.length;
  }

  write(data: Bytes, options: IoOptions | undefined): Promise<void> {
    const refused = this.#refuseWrite(options);
    if (refused !== null) return refused;
    if (typeof data !== 'string' && data.byteLength === 0) return RESOLVED;
    // A small write sends what its buffer held at the call, as on io_uring: node:net would send the buffer as it is when its turn comes.
    this.socket.write(typeof data === 'string' ? data : ownBytes(data, data));
    this.#written += lengthOf(data);
    return this.#handedOver(options?.signal);
  }

  writev(buffers: Bytes[], options: IoOptions | undefined): Promise<void> {
    const refused = this.#refuseWrite(options);
    if (refused !== null) return refused;
    const socket = this.socket;
    socket.cork();
    for (const b of buffers) {
      if (typeof b !== 'string' && b.byteLength === 0) continue;
      socket.write(b);
      this.#written += lengthOf(b);
    }
    socket.uncork();
    return this.#handedOver(options?.signal);
  }

  /** Why a write may not start (a rejection), or null. */
  #refuseWrite(options: IoOptions | undefined): Promise<never> | null {
    if (this.#closing !== null) return Promise.reject(closedError('write'));
    const aborted = abortedBy(options);
    if (aborted !== null) return Promise.reject(aborted);
    // After a reset no op has reported yet, the kernel gives its error (ECONNRESET) to this write.
    if (this.socket.destroyed && this.#error !== null && typeof (this.#error as NodeJS.ErrnoException).errno === 'number') {
      return Promise.reject(errnoException((this.#takeError() as NodeJS.ErrnoException).errno!, 'write'));
    }
    // After a failed write (Node destroys the socket), a reported error, or shutdown('write'), the kernel would say EPIPE.
    if (this.socket.destroyed || this.socket.writableEnded) return Promise.reject(errnoException(-EPIPE, 'write'));
    return null;
  }

  /**
   * Resolves once the kernel has every byte written so far. Writes pass Node
   * no callback: one costs a nextTick and an object per write (Node calls
   * none when a write goes out at once and nothing waits on it).
   *
   * An abort while node:net still holds some of its bytes rejects the write
   * at once (AbortError), as the cancelled SEND does on io_uring, whatever
   * part went before staying sent. node:net cannot take bytes back: the rest
   * still goes out if the peer reads before the socket is closed, but close()
   * no longer waits for it (it would wait for ever for a peer that never reads).
   */
  #handedOver(signal: AbortSignal | undefined): Promise<void> {
    const socket = this.socket;
    if (socket.writableLength === 0) {
      // Gone to the kernel at once (libuv's try_write), or failed at once.
      const failed = socket.errored;
      return failed == null ? RESOLVED : Promise.reject(this.#writeFailed(failed));
    }
    // Still in Node's buffer: the callback of an empty write after it comes once it is out (Node calls back in write order).
    return new Promise<void>((resolve, reject) => {
      const unsent: UnsentWrite = { end: this.#written, cut: null, aborted: false };
      (this.#unsent ??= new Set()).add(unsent);
      const onAbort = (): void => {
        unsent.aborted = true;
        reject(abortError(signal!));
        this.#closeIfOnlyAborted();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.write(NOTHING, (error) => {
        this.#unsent?.delete(unsent);
        signal?.removeEventListener('abort', onAbort);
        if (unsent.aborted) return;
        // After destroy(), what it found decides: node:net calls back without an error (Node 20) or with
        // libuv's ECANCELED for the whole writev (Node 22+), whether this write's bytes had gone or not.
        if (unsent.cut === true) reject(closedError('write'));
        else if (error && unsent.cut === null) reject(this.#writeFailed(error));
        else resolve();
      });
    });
  }

  /**
   * destroy() drops what node:net still holds, and then calls the callback of
   * the writev in flight without an error (Node 20: a write it cuts short would
   * resolve as if sent) or with ECANCELED (Node 22+: a write whose bytes had all
   * gone would reject). Each write is judged here instead: one cut short rejects,
   * as on io_uring, with ERR_RINGCORE_CLOSED when its callback comes; the others
   * resolve.
   */
  #cutUnsent(): void {
    const unsent = this.#unsent;
    if (unsent === null || unsent.size === 0) return;
    // The writes' bytes up to here are in the kernel: the last writableLength of them are not.
    const sent = this.#written - this.socket.writableLength;
    for (const write of unsent) write.cut = write.end > sent;
  }

  /** Whether every byte node:net still holds belongs to aborted writes: close() need not wait for them. */
  #onlyAbortedUnsent(): boolean {
    const unsent = this.#unsent;
    if (unsent === null) return false;
    const sent = this.#written - this.socket.writableLength;
    for (const write of unsent) if (!write.aborted && write.end > sent) return false;
    return true;
  }

  /** An abort came: a close() waiting only for aborted writes' bytes closes now. */
  #closeIfOnlyAborted(): void {
    if (this.#closeNow !== null && this.#onlyAbortedUnsent()) this.#closeNow();
  }

  /** Each chunk is a Buffer of its own, which also keeps the promise of a borrowed one (`{ borrow: true }`). */
  chunks(options: ChunkOptions | undefined): ChunkIterator {
    if (this.#closing !== null) throw closedError('read');
    if (this.#loopLive()) throw chunkLoopReadingError('chunks()');
    checkLoopOptions(options);
    const signal = options?.signal;
    let done = false;
    this.#loopLive = () => !done && signal?.aborted !== true;
    const finish = (): IteratorResult<Buffer> => {
      done = true;
      return { done: true, value: undefined };
    };
    const iterator = {
      next: async (): Promise<IteratorResult<Buffer>> => {
        if (done) return { done: true, value: undefined };
        try {
          const chunk = await this.chunk(0, signal);
          return chunk === null ? finish() : { done: false, value: chunk };
        } catch (error) {
          finish();
          // A close() from our side ends the loop, as the cancelled multishot recv does.
          if ((error as { code?: string }).code === 'ERR_RINGCORE_CLOSED') return { done: true, value: undefined };
          throw error;
        }
      },
      return: (): Promise<IteratorResult<Buffer>> => Promise.resolve(finish()),
      [Symbol.asyncIterator]() {
        return iterator;
      },
      get active() {
        return !done;
      },
    };
    return iterator as unknown as ChunkIterator;
  }

  shutdown(how: 'write' | 'read' | 'both', options: IoOptions | undefined): Promise<void> {
    if (this.#closing !== null) return Promise.reject(closedError('shutdown'));
    const aborted = abortedBy(options);
    if (aborted !== null) return Promise.reject(aborted);
    if (how === 'read' || how === 'both') {
      this.#ended = true;
      this.#serve();
    }
    if (how === 'read') return Promise.resolve();
    return new Promise<void>((resolve) => this.socket.end(resolve));
  }

  /**
   * Calls `left(false)` once when the peer ends its side (FIN: 'end', after
   * the bytes before it), `left(true)` when the socket fails or closes,
   * unless stop() comes first: serve()'s PeerWatch on this backend
   * (src/http/peer-watch.ts).
   */
  watchPeer(left: (gone: boolean) => void): { stop(): void } {
    const socket = this.socket;
    const stop = (): void => {
      socket.off('end', ended).off('error', gone).off('close', gone);
    };
    const fire = (isGone: boolean): void => {
      stop();
      left(isGone);
    };
    const ended = (): void => fire(false);
    const gone = (): void => fire(true);
    if (this.#error !== null || socket.destroyed) queueMicrotask(gone);
    else if (this.#ended) queueMicrotask(ended);
    else socket.on('end', ended).on('error', gone).on('close', gone);
    return { stop };
  }

  /** Ends now: destroy() closes the fd at once (libuv's uv_close); the 'close' event only follows a turn later. */
  destroy(): Promise<void> {
    if (!this.socket.destroyed) {
      this.#cutUnsent();
      this.socket.destroy();
    }
    this.#closing ??= Promise.resolve();
    this.#serve();
    return this.#closing;
  }

  /** The writes called before it go out first (end(): they, then FIN), then the fd is closed; reads end at once. */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    const socket = this.socket;
    if (socket.writableLength === 0 || socket.destroyed || this.#onlyAbortedUnsent()) return this.destroy();
    this.#closing = new Promise<void>((resolve) => {
      const done = (): void => {
        this.#closeNow = null;
        socket.off('close', done).off('finish', done);
        if (!socket.destroyed) {
          this.#cutUnsent();
          socket.destroy();
        }
        resolve();
      };
      this.#closeNow = done;
      socket.once('close', done);
      if (socket.writableEnded) socket.once('finish', done);
      else socket.end(done);
    });
    this.#serve();
    return this.#closing;
  }
}

type StreamClass<S extends SocketStream> = new (fd: number, ring: Ring) => S;

/** `Base` (TcpStream or UnixStream) with its I/O done by a net.Socket. */
function overNodeSocket<S extends SocketStream>(Base: StreamClass<S>) {
  return class NodeSocketStream extends (Base as StreamClass<SocketStream>) {
    readonly #io: SocketIo;

    static {
      // `fd` is read live, -1 once gone: libuv closes the fd the moment Node destroys the socket (a
      // reset, an error), and the next accepted socket may get its number at once. A shutdown(2) by
      // fd after that (Connection.expire) would end that other client's connection. An accessor on
      // the prototype, whose setter takes the base constructor's `this.fd = fd`: made on each
      // instance (defineProperty), it turned every stream into a dictionary-mode object, and each
      // read and write paid a slow property lookup (docs/performance.md, "Session 11: node backend").
      Object.defineProperty(NodeSocketStream.prototype, 'fd', {
        get(this: NodeSocketStream): number {
          return fdOf(this.#io.socket);
        },
        set() {},
        configurable: true,
      });
    }

    /** `direct`: the socket was made with its `onread` option (connect, socketpair). */
    constructor(socket: Net.Socket, ring: Ring, direct: DirectReads | null = null) {
      super(-1, ring);
      this.#io = new SocketIo(socket, direct);
    }

    override get closed(): boolean {
      return this.#io.closed;
    }

    override read(buf: Uint8Array, options?: IoOptions): Promise<number> {
      checkView(buf);
      return this.#io.read(buf, options);
    }

    override write(data: Bytes, options?: IoOptions): Promise<void> {
      checkData(data);
      return this.#io.write(data, options);
    }

    /** Always write()'s promise: net.Socket does the sending, in its order (SocketStream's would send(2) on the fd). */
    override writeNow(data: Uint8Array): Promise<void> {
      return this.write(data);
    }

    override readv(buffers: Uint8Array[], options?: IoOptions): Promise<number> {
      checkArray(buffers);
      buffers.forEach(checkView);
      return this.#io.readv(buffers, options);
    }

    override writev(buffers: Bytes[], options?: IoOptions): Promise<void> {
      checkArray(buffers);
      buffers.forEach(checkData);
      return this.#io.writev(buffers, options);
    }

    override chunks(options?: ChunkOptions): ChunkIterator<BorrowedChunk> {
      return this.#io.chunks(options) as ChunkIterator<BorrowedChunk>;
    }

    override [Symbol.asyncIterator](): ChunkIterator {
      return this.#io.chunks(undefined);
    }

    override shutdown(how: 'write' | 'read' | 'both' = 'write', options?: IoOptions): Promise<void> {
      if (how !== 'write' && how !== 'read' && how !== 'both') throw invalidArgType('how', "'write', 'read' or 'both'", how);
      return this.#io.shutdown(how, options);
    }

    override close(): Promise<void> {
      return this.#io.close();
    }

    /** See SocketIo.watchPeer. */
    watchPeer(left: (gone: boolean) => void): { stop(): void } {
      return this.#io.watchPeer(left);
    }

    override destroy(): Promise<void> {
      return this.#io.destroy();
    }
  } as unknown as new (
    socket: Net.Socket,
    ring: Ring,
    direct?: DirectReads | null,
  ) => S;
}

/** serve()'s PeerWatch for a stream of this backend: `left()` once its client leaves (see SocketIo.watchPeer). */
export function watchPeer(stream: SocketStream, left: (gone: boolean) => void): { stop(): void } {
  return (stream as unknown as { watchPeer(left: (gone: boolean) => void): { stop(): void } }).watchPeer(left);
}

const NodeTcpStream = overNodeSocket(TcpStream as StreamClass<TcpStream>);
const NodeUnixStream = overNodeSocket(UnixStream as StreamClass<UnixStream>);

/** Waits for a connect (or a listen): its error, the signal, or the deadline reject. */
function connected(
  socket: Net.Socket,
  signal: AbortSignal | undefined,
  timeout: number | undefined,
  context: { address: string; port?: number },
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const fail = (error: Error): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    };
    const onAbort = (): void => fail(abortError(signal!));
    // Aborted during the name lookup before it: an 'abort' listener added now would never run, and the connect went on.
    if (signal?.aborted === true) return onAbort();
    if (timeout !== undefined) timer = setTimeout(() => fail(timedOutException('connect', timeout, context)), timeout);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', fail);
      resolve();
    });
  });
}

export async function connectTcp(options: ConnectOptions, ring: Ring): Promise<TcpStream> {
  if (options.signal?.aborted) throw abortError(options.signal);
  const port = options.port;
  const ip = await resolveHost(options.host ?? 'localhost');
  const direct = new DirectReads();
  const socket = net().connect({ host: ip, port, noDelay: options.noDelay ?? true, allowHalfOpen: true, onread: direct.option });
  await connected(socket, options.signal, options.timeout, { address: ip, port });
  return new NodeTcpStream(socket, ring, direct);
}

export async function connectUnix(options: UnixConnectOptions, ring: Ring): Promise<UnixStream> {
  if (options.signal?.aborted) throw abortError(options.signal);
  const direct = new DirectReads();
  const socket = net().connect({ path: options.path, allowHalfOpen: true, onread: direct.option });
  await connected(socket, options.signal, options.timeout, { address: options.path });
  return new NodeUnixStream(socket, ring, direct);
}

/** Two connected Unix streams: socketpair(2) (no io_uring in it), each end adopted by a net.Socket. */
export function socketpair(ring: Ring): [UnixStream, UnixStream] {
  // Bun's net.Socket cannot adopt an fd: its ends would fail their first write (EPIPE) and never read.
  if (runtime === 'bun') {
    throw new RingcoreError('ERR_RINGCORE_UNSUPPORTED', "socketpair() needs io_uring under Bun: Bun's net.Socket cannot adopt an fd");
  }
  const fds = new Int32Array(2);
  const ret = native.syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, addressOf(fds));
  if (ret < 0) throw errnoException(ret, 'socketpair');
  const end = (fd: number): UnixStream => {
    const direct = new DirectReads();
    // onread is one of net.Socket's options too (Node's own docs and code), not in @types/node's SocketConstructorOpts.
    const options = { fd, readable: true, writable: true, allowHalfOpen: true, onread: direct.option } as Net.SocketConstructorOpts;
    return new NodeUnixStream(new (net().Socket)(options), ring, direct);
  };
  return [end(fds[0]!), end(fds[1]!)];
}

/** Connections a net.Server accepted, handed out by accept() and the async iterator. */
class AcceptQueue<S> {
  readonly #queue: Net.Socket[] = [];
  readonly #waiters: Waiters;
  #closing: Promise<void> | null = null;

  constructor(
    readonly server: Net.Server,
    private readonly wrap: (socket: Net.Socket) => S,
    private readonly stats: { accepted: number },
  ) {
    this.#waiters = new Waiters(server);
    server.unref();
    server.on('connection', (socket: Net.Socket) => {
      this.#queue.push(socket);
      this.#waiters.wake();
    });
  }

  get closed(): boolean {
    return this.#closing !== null;
  }

  /** The next connection, or null once closed. */
  async next(signal: AbortSignal | undefined): Promise<S | null> {
    for (;;) {
      const socket = this.#queue.shift();
      if (socket !== undefined) {
        this.stats.accepted++;
        return this.wrap(socket);
      }
      if (this.#closing !== null) return null;
      await this.#waiters.wait(signal);
    }
  }

  async accept(options: AcceptOptions | undefined): Promise<S> {
    if (this.#closing !== null) throw new RingcoreError('ERR_RINGCORE_CLOSED', 'accept: the listener is closed');
    const conn = await this.next(options?.signal);
    if (conn === null) throw new AbortError('accept: the listener was closed');
    return conn;
  }

  async *connections(signal: AbortSignal | undefined): AsyncGenerator<S> {
    for (;;) {
      const conn = await this.next(signal);
      if (conn === null) return;
      yield conn;
    }
  }

  /** Stops listening at once (Node's close() callback would wait for every connection to end). */
  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.server.close();
      for (const socket of this.#queue.splice(0)) socket.destroy();
      this.#waiters.wake();
      setImmediate(resolve);
    });
    return this.#closing;
  }
}

type ListenerClass<L> = new (...args: never[]) => L;

/** `Base` (TcpListener or UnixListener) accepting through a net.Server; `args` are Base's constructor's. */
function overNodeServer<S, L extends Listener<S>>(Base: ListenerClass<L>) {
  return class NodeListener extends (Base as unknown as new (...args: unknown[]) => Listener<S>) {
    readonly #queue: AcceptQueue<S>;

    constructor(server: Net.Server, wrap: (socket: Net.Socket) => S, ...args: unknown[]) {
      super(fdOf(server), ...args);
      this.#queue = new AcceptQueue(server, wrap, this.stats);
    }

    protected override wrap(): S {
      throw unreachableError('the node backend wraps net.Sockets');
    }

    override get closed(): boolean {
      return this.#queue.closed;
    }

    override async accept(options?: AcceptOptions): Promise<S> {
      checkOptions(options);
      return this.#queue.accept(options);
    }

    override connections(options?: AcceptOptions): AsyncIterableIterator<S> {
      checkOptions(options);
      return this.#queue.connections(options?.signal);
    }

    override [Symbol.asyncIterator](): AsyncIterableIterator<S> {
      return this.#queue.connections(undefined);
    }

    override close(): Promise<void> {
      return this.#queue.close();
    }
  } as unknown as new (
    server: Net.Server,
    wrap: (socket: Net.Socket) => S,
    ...args: unknown[]
  ) => L;
}

const NodeTcpListener = overNodeServer<TcpStream, TcpListener>(TcpListener as unknown as ListenerClass<TcpListener>);
const NodeUnixListener = overNodeServer<UnixStream, UnixListener>(UnixListener as unknown as ListenerClass<UnixListener>);

/** Listens, and gives bind's errors ringcore's shape (libuv binds inside listen(), so Node names them 'listen'). */
function listening(server: Net.Server, listen: () => void, context: { address: string; port?: number }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException): void => {
      server.close();
      reject(error.errno !== undefined && error.code !== 'ERR_SERVER_ALREADY_LISTEN' ? errnoException(error.errno, 'bind', context) : error);
    };
    server.once('error', fail);
    server.once('listening', () => {
      server.off('error', fail);
      resolve();
    });
    listen();
  });
}

export async function listenTcp(options: TcpListenOptions, backlog: number, ring: Ring): Promise<TcpListener> {
  const host = await resolveHost(options.host ?? '0.0.0.0');
  const port = options.port ?? 0;
  const server = net().createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: options.noDelay ?? true });
  if (options.reusePort === true) {
    // Made with plain syscalls (Node 20's listen() has no reusePort): Node then listens on its fd.
    const fd = await listeningTcpSocket(ring, host, port, backlog, { reusePort: true, ipv6Only: options.ipv6Only, noDelay: false });
    await listening(server, () => server.listen({ fd, backlog }), { address: host, port });
  } else {
    await listening(server, () => server.listen({ host, port, backlog, ipv6Only: options.ipv6Only ?? false }), { address: host, port });
  }
  const local = server.address() as Net.AddressInfo;
  const address: SocketAddress = { address: local.address, family: local.family === 'IPv6' ? 'IPv6' : 'IPv4', port: local.port };
  return new NodeTcpListener(server, (socket) => new NodeTcpStream(socket, ring), ring, address, options.noDelay ?? true);
}

export async function listenUnix(options: UnixListenOptions, ring: Ring): Promise<UnixListener> {
  const server = net().createServer({ allowHalfOpen: true, pauseOnConnect: true });
  await listening(server, () => server.listen({ path: options.path, backlog: options.backlog ?? 511 }), { address: options.path });
  return new NodeUnixListener(server, (socket) => new NodeUnixStream(socket, ring), ring, options.path);
}

/** UdpSocket over a dgram socket: datagrams are queued as they come and taken by recv() or the iterator. */
class NodeUdpSocket extends (UdpSocket as unknown as new (fd: number, ring: Ring, maxDatagram: number, bufferCount: number) => UdpSocket) {
  readonly #socket: Dgram.Socket;
  readonly #max: number;
  readonly #queue: Datagram[] = [];
  readonly #waiters: Waiters;
  #error: Error | null = null;
  #closing: Promise<void> | null = null;
  /** send() calls not yet settled: close() waits for them (node:dgram's close() drops them, their callbacks never called). */
  #sends = 0;
  #sent: (() => void) | null = null;

  constructor(socket: Dgram.Socket, ring: Ring, maxDatagram: number) {
    super(udpFdOf(socket), ring, maxDatagram, 1);
    this.#socket = socket;
    this.#max = maxDatagram;
    this.#waiters = new Waiters(socket);
    socket.unref();
    socket.on('message', (data: Buffer, info: Dgram.RemoteInfo) => {
      const truncated = data.length > this.#max;
      const address: SocketAddress = { address: info.address, family: info.family === 'IPv6' ? 'IPv6' : 'IPv4', port: info.port };
      this.#queue.push({ data: truncated ? data.subarray(0, this.#max) : data, address, truncated });
      this.#waiters.wake();
    });
    socket.on('error', (error) => {
      this.#error = error;
      this.#waiters.wake();
    });
  }

  #checkOpen(syscall: string): void {
    if (this.#closing !== null) throw closedError(syscall);
  }

  override async send(data: Uint8Array | string, port: number, host = 'localhost', options?: { signal?: AbortSignal }): Promise<number> {
    this.#checkOpen('sendmsg');
    const checked = checkSend(data, port, options);
    if (options?.signal?.aborted) throw abortError(options.signal);
    // The bytes of the call, as io_uring's send: node:dgram reads the buffer a turn later (after its address
    // lookup), when a caller may have filled it again. A string's Buffer is already ours.
    const buf = typeof data === 'string' ? checked : Buffer.from(checked);
    this.#sends++;
    try {
      const ip = await resolveHost(host);
      return await new Promise<number>((resolve, reject) => {
        this.#socket.send(buf, port, ip, (error, bytes) =>
          error ? reject(errnoException((error as NodeJS.ErrnoException).errno ?? -1, 'sendmsg', { address: ip, port })) : resolve(bytes),
        );
      });
    } finally {
      if (--this.#sends === 0) this.#sent?.();
    }
  }

  override async recv(options?: { signal?: AbortSignal }): Promise<Datagram> {
    this.#checkOpen('recvmsg');
    checkOptions(options);
    for (;;) {
      const datagram = this.#queue.shift();
      if (datagram !== undefined) return datagram;
      if (this.#error !== null) throw this.#error;
      if (this.#closing !== null) throw closedError('recvmsg');
      await this.#waiters.wait(options?.signal);
    }
  }

  /** Each datagram's data is a Buffer of its own, which also keeps the promise of a borrowed one. */
  override datagrams(options?: DatagramOptions): AsyncIterableIterator<BorrowedDatagram> {
    this.#checkOpen('recvmsg');
    checkLoopOptions(options);
    return this.#loop(options?.signal) as AsyncIterableIterator<BorrowedDatagram>;
  }

  async *#loop(signal: AbortSignal | undefined): AsyncGenerator<Datagram> {
    for (;;) {
      try {
        yield await this.recv({ signal });
      } catch (error) {
        if (this.#closing !== null) return;
        throw error;
      }
    }
  }

  override [Symbol.asyncIterator](): AsyncIterableIterator<Datagram> {
    return this.datagrams();
  }

  override close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    const sent = this.#sends === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.#sent = resolve));
    this.#closing = sent.then(() => new Promise<void>((resolve) => this.#socket.close(() => resolve())));
    this.#waiters.wake();
    return this.#closing;
  }
}

export async function bindUdp(options: UdpBindOptions, maxDatagram: number, ring: Ring): Promise<UdpSocket> {
  const host = await resolveHost(options.host ?? '0.0.0.0');
  const port = options.port ?? 0;
  const socket = dgram().createSocket({
    type: net().isIPv6(host) ? 'udp6' : 'udp4',
    reuseAddr: options.reusePort === true,
    ipv6Only: options.ipv6Only,
    recvBufferSize: options.recvBufferSize,
  } as Dgram.SocketOptions);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error: NodeJS.ErrnoException) => reject(errnoException(error.errno ?? -1, 'bind', { address: host, port })));
    socket.bind({ address: host, port }, () => {
      socket.removeAllListeners('error');
      socket.setBroadcast(true);
      resolve();
    });
  });
  return new NodeUdpSocket(socket, ring, maxDatagram);
}
