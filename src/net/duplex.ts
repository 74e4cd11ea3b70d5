// A node:stream Duplex over a ringcore socket, shaped enough like net.Socket
// (remoteAddress, setTimeout, setNoDelay, destroySoon...) for node:http and
// other stream code. Reading pulls chunks from the socket's multishot recv
// only while the readable side wants more: when push() returns false the
// pump stops calling next(), the chunk iterator's bounded queue fills and the
// recv pauses in the kernel, so the peer is slowed, not buffered (chunks are
// owned copies: their provided buffers went straight back to the kernel).
// As net.Socket, reading starts at once (up to highWaterMark), and the peer's
// end is noticed even by code that never reads: with nothing left unread,
// 'end' follows, so a socket that was ended by us closes once the peer ends.
// Writing hands node:stream one chunk at a time: one the socket takes at
// once is done at once, as net.Socket's; otherwise the next waits for the
// write (backpressure through highWaterMark). Ending sends a FIN (shutdown('write')), and with
// allowHalfOpen false (net.Socket's default) the end of the peer's data ends
// ours too. Destroying closes the socket.
import type * as Stream from 'node:stream';
import type { Duplex } from 'node:stream';
import type { MultishotSink } from '../op/multishot.js';
import { lazyBuiltin } from '../sys/builtins.js';
import { invalidArgType, outOfRange } from '../sys/errors.js';
import type { SocketAddress } from './address.js';

/** Node's longest timer: a longer `setTimeout` is cut to it, as net.Socket's. */
const TIMEOUT_MAX = 2 ** 31 - 1;

const stream = lazyBuiltin<typeof Stream>('node:stream');

/**
 * net.Socket's setTimeout() arguments checked as it checks them (msecs a
 * non-negative finite number, callback a function), before anything changes;
 * the ms, cut to Node's longest timer.
 */
export function socketTimeout(ms: unknown, callback: unknown): number {
  if (typeof ms !== 'number') throw invalidArgType('msecs', 'of type number', ms);
  if (!(ms >= 0 && ms < Number.POSITIVE_INFINITY)) throw outOfRange('msecs', 'a non-negative finite number', ms);
  if (callback !== undefined && typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback);
  return Math.min(ms, TIMEOUT_MAX);
}

/**
 * RingcoreDuplex's base until the first RingcoreDuplex is made. A class that
 * extends node:stream's Duplex at a module's top level loads node:stream with
 * the module: 3.6 ms of CPU of every import of ringcore/net on Node 20,
 * for programs that mostly never make one (docs/performance.md, "Import
 * cost", session 16). The first construction loads node:stream, puts Duplex
 * under RingcoreDuplex (its prototype's prototype, and the constructor's own
 * for super() and Duplex's statics) and constructs the Duplex it returns;
 * later constructions call Duplex itself.
 */
function LazyDuplex(this: unknown, ...args: unknown[]): object {
  const { Duplex } = stream();
  Object.setPrototypeOf(RingcoreDuplex, Duplex);
  Object.setPrototypeOf(RingcoreDuplex.prototype, Duplex.prototype);
  return Reflect.construct(Duplex, args, new.target);
}

/** Options for toDuplex() and SocketStream.toDuplex(). */
export interface DuplexOptions {
  /** Keep the writable side open after the peer's end (net.Socket's option). Default false. */
  allowHalfOpen?: boolean;
  /** The Duplex's highWaterMark, for both sides. Default: node:stream's. */
  highWaterMark?: number;
}

/** The chunks the adapter reads: Buffers it may keep (a ChunkIterator without `borrow`). */
export interface DuplexChunks {
  next(): Promise<IteratorResult<Buffer>>;
  return(): Promise<IteratorResult<Buffer>>;
  /** True where read() may be used (a ChunkIterator over a multishot recv). */
  readonly byCallback?: boolean;
  /** next() by callback: no promise per chunk (ChunkIterator.read). */
  read?(sink: MultishotSink<Buffer>): void;
}

/**
 * The pump's reader where the chunks come by callback: each chunk is pushed
 * from inside the reap that received it, and the next read is asked for at
 * once while push() says there is room. An `await next()` per chunk cost a
 * promise, its reaction job and an iterator result per chunk (a 64 B
 * ping-pong took 1.3-2x node:net's CPU). Its own object: the Duplex already
 * has an end().
 */
class DuplexSink implements MultishotSink<Buffer> {
  constructor(private readonly duplex: RingcoreDuplex) {}

  value(chunk: Buffer): void {
    this.duplex.chunkReceived(chunk);
  }

  end(error: unknown): void {
    this.duplex.chunksEnded(error);
  }
}

/** What the adapter needs from a socket (a SocketStream, or a TcpStream with addresses). */
export interface DuplexSource {
  chunks(): DuplexChunks;
  write(data: Uint8Array): Promise<void>;
  /** write() with no promise when the socket takes it all at once: undefined then (SocketStream.writeNow). */
  writeNow?(data: Uint8Array): Promise<void> | undefined;
  writev(data: Uint8Array[]): Promise<void>;
  shutdown(how: 'write'): Promise<void>;
  /** Ends the connection now, never waiting for a peer that does not read (SocketStream.destroy()). */
  destroy(): Promise<void>;
  localAddress?: SocketAddress | string | null;
  remoteAddress?: SocketAddress | string | null;
  setNoDelay?(noDelay?: boolean): void;
  setKeepAlive?(enable?: boolean, initialDelayMs?: number): void;
}

/**
 * A node:stream Duplex over a ringcore socket, with enough of net.Socket (addresses,
 * setTimeout, setNoDelay, destroySoon...) for node:http and other stream code.
 * (Its prototype chain reaches Duplex's once the first one is made: see LazyDuplex.)
 */
export class RingcoreDuplex extends (LazyDuplex as unknown as typeof Duplex) {
  private incoming: DuplexChunks | null = null;
  /** Reading from the socket: the next chunk is asked for (false once push() said the readable side is full). */
  private pumping = false;
  /** The callback reader, made on the first read where the chunks come by callback. */
  private sink: DuplexSink | null = null;
  private timeoutMs = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Bytes received and pushed to the readable side. */
  bytesRead = 0;
  /** Bytes handed to the socket and written. */
  written = 0;
  /** Always false: the socket is connected before it is wrapped (net.Socket's field). */
  connecting = false;

  constructor(
    /** The ringcore socket underneath. */
    readonly socket: DuplexSource,
    options: DuplexOptions = {},
  ) {
    super({ allowHalfOpen: options.allowHalfOpen ?? false, highWaterMark: options.highWaterMark, decodeStrings: true });
    this.read(0);
  }

  /** Starts pulling chunks from the socket's recv, until push() says the readable side is full. */
  override _read(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      const incoming = (this.incoming ??= this.socket.chunks());
      if (incoming.byCallback === true) incoming.read!((this.sink ??= new DuplexSink(this)));
      else void this.pump();
    } catch (error) {
      if (!this.destroyed) this.destroy(error as Error);
    }
  }

  /** The pump for chunks that come only by next(): one awaited at a time. */
  private async pump(): Promise<void> {
    try {
      for (;;) {
        const result = await this.incoming!.next();
        if (result.done) return this.chunksEnded(null);
        if (!this.pushChunk(result.value)) return;
      }
    } catch (error) {
      this.chunksEnded(error);
    }
  }

  /** Pushes a chunk; whether to read the next one now (false: the readable side is full, or the Duplex destroyed). */
  private pushChunk(chunk: Buffer): boolean {
    if (this.destroyed) return false;
    this.bytesRead += chunk.length;
    this.activity();
    if (this.push(chunk)) return true;
    // Full: the next _read() (the consumer caught up) starts the pump again.
    this.pumping = false;
    return false;
  }

  /** @internal A chunk read by callback (DuplexSink): pushed, and the next asked for while there is room. */
  chunkReceived(chunk: Buffer): void {
    let more: boolean;
    try {
      more = this.pushChunk(chunk);
    } catch (error) {
      // A 'data' listener threw (push() runs it): the Duplex ends with that error, as the awaited pump's did.
      if (!this.destroyed) this.destroy(error as Error);
      return;
    }
    if (more) this.incoming!.read!(this.sink!);
  }

  /** @internal The chunks ended: null at the peer's end, else the recv's error. */
  chunksEnded(error: unknown): void {
    if (this.destroyed) return;
    if (error !== null) {
      this.destroy(error as Error);
      return;
    }
    this.push(null);
    // Ends a readable side nobody reads ('end' only comes from a read), as net.Socket does at EOF.
    this.read(0);
  }

  /**
   * Writes one chunk to the socket; the callback runs once it is written: at
   * once when the socket took it all (as net.Socket's, whose libuv write
   * does the same), else when the rest is out.
   */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const socket = this.socket;
    const writing = socket.writeNow !== undefined ? socket.writeNow(chunk) : socket.write(chunk);
    if (writing === undefined) {
      this.wrote(chunk.length);
      callback();
      return;
    }
    writing.then(() => {
      this.wrote(chunk.length);
      callback();
    }, callback);
  }

  private wrote(bytes: number): void {
    this.written += bytes;
    this.activity();
  }

  /** Writes the buffered chunks with one call to the socket's writev(). */
  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    const buffers = chunks.map((c) => c.chunk);
    this.socket.writev(buffers).then(() => {
      let bytes = 0;
      for (const b of buffers) bytes += b.length;
      this.wrote(bytes);
      callback();
    }, callback);
  }

  /** Ending the writable side sends a FIN (shutdown('write')). */
  override _final(callback: (error?: Error | null) => void): void {
    // ENOTCONN: the peer is already gone; nothing is left to finish.
    this.socket.shutdown('write').then(
      () => callback(),
      (error: NodeJS.ErrnoException) => callback(error.code === 'ENOTCONN' ? null : error),
    );
  }

  /**
   * Stops reading and closes the socket. A write still in the ring (node:http's 408 or 400, written
   * just before a destroy) has its first try before the close ends it (SocketStream.destroy()), and
   * one that waits for a peer that does not read is ended, not waited for.
   */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.clearTimer();
    this.incoming?.return();
    this.socket.destroy().then(
      () => callback(error),
      () => callback(error),
    );
  }

  // ---- net.Socket look-alikes -------------------------------------------------

  /**
   * Emits 'timeout' after `ms` without reads or writes (0: off, and takes
   * `callback` off again), as net.Socket does, with its argument checks;
   * nothing once destroyed, as net.Socket.
   */
  setTimeout(ms: number, callback?: () => void): this {
    if (this.destroyed) return this;
    this.timeoutMs = socketTimeout(ms, callback);
    this.clearTimer();
    if (this.timeoutMs > 0) {
      this.timer = setTimeout(() => this.emit('timeout'), this.timeoutMs);
      this.timer.unref();
      if (callback !== undefined) this.once('timeout', callback);
    } else if (callback !== undefined) {
      this.removeListener('timeout', callback);
    }
    return this;
  }

  private activity(): void {
    if (this.timer !== null && this.timeoutMs > 0) this.timer.refresh();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** TCP_NODELAY on the socket, where it has setNoDelay (a TcpStream); a no-op otherwise, and once destroyed (as net.Socket). */
  setNoDelay(noDelay = true): this {
    if (!this.destroyed) this.socket.setNoDelay?.(noDelay);
    return this;
  }

  /** SO_KEEPALIVE (and TCP_KEEPIDLE) where the socket has setKeepAlive (a TcpStream); `enable` defaults to false, as net.Socket. A no-op once destroyed. */
  setKeepAlive(enable = false, initialDelayMs = 0): this {
    if (!this.destroyed) this.socket.setKeepAlive?.(enable, initialDelayMs);
    return this;
  }

  /** Ends once what was written has gone out (net.Socket's destroySoon). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }

  /** Bytes written to the socket (acknowledged by the ring, not by the peer). */
  get bytesWritten(): number {
    return this.written;
  }

  private inet(which: 'localAddress' | 'remoteAddress'): SocketAddress | undefined {
    try {
      const value = this.socket[which];
      return typeof value === 'object' && value !== null ? value : undefined;
    } catch {
      return undefined;
    }
  }

  /** The peer's IP address; undefined for a socket without one (Unix). */
  get remoteAddress(): string | undefined {
    return this.inet('remoteAddress')?.address;
  }

  /** The peer's port; undefined for a socket without one. */
  get remotePort(): number | undefined {
    return this.inet('remoteAddress')?.port;
  }

  /** 'IPv4' or 'IPv6'; undefined for a socket without an IP address. */
  get remoteFamily(): string | undefined {
    return this.inet('remoteAddress')?.family;
  }

  /** This end's IP address; undefined for a socket without one. */
  get localAddress(): string | undefined {
    return this.inet('localAddress')?.address;
  }

  /** This end's port; undefined for a socket without one. */
  get localPort(): number | undefined {
    return this.inet('localAddress')?.port;
  }

  /** `{ address, family, port }` of this end, as net.Socket's address(); `{}` without one. */
  address(): SocketAddress | Record<string, never> {
    return this.inet('localAddress') ?? {};
  }

  /** No-op, kept for net.Socket's API. */
  ref(): this {
    return this;
  }

  /** No-op, kept for net.Socket's API. */
  unref(): this {
    return this;
  }
}

/** Wraps a ringcore socket in a RingcoreDuplex (net.Socket-like node:stream Duplex). */
export function toDuplex(socket: DuplexSource, options?: DuplexOptions): RingcoreDuplex {
  return new RingcoreDuplex(socket, options);
}
