// What node:http's IncomingMessage and ServerResponse see as their socket
// (req.socket, res.socket): an EventEmitter shaped like net.Socket as far as
// node:http and the frameworks look (write/cork/uncork/_writableState,
// destroy, end, setTimeout, setNoDelay, remoteAddress...), with no stream
// machinery underneath. Writes are collected and go out in one SEND per
// turn (a whole response, or every response of a pipelined batch); one SEND
// is in flight at a time, so bytes leave in order. write() returns false,
// and 'drain' follows, while more than writableHighWaterMark bytes wait.
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { SocketAddress } from '../../net/address.js';
import { detachedWriteError, nodeHttpError } from '../../sys/errors.js';
import { socketTimeout } from '../../net/duplex.js';
import { Sender } from '../../net/sender.js';
import { asTcp, type ServedStream } from './served-stream.js';

type Callback = (error?: Error | null) => void;

/** What the socket needs from its connection. */
export interface SocketOwner {
  /** The request body's reader wants more bytes: pull from the network again. */
  resume(): void;
  /** Bytes were sent or received: the idle clock restarts. */
  touch(): void;
  /** setTimeout(ms) was called: the inactivity counts from now, and the checks must come often enough for it. */
  timeoutSet(ms: number): void;
  /** What was written has gone out after write() had said to wait ('drain'). */
  writesDrained(): void;
  /** Closes the connection (after the bytes already written have gone out). */
  close(): void;
  /** Ends gracefully: FIN after what was written, then a lingering close. */
  finish(): void;
  /** The request listener of `res`, one of this connection's responses, threw (`thrown`) or its promise rejected: answers it. */
  failed(error: unknown, res: ServerResponse, thrown: boolean): void;
}

const HIGH_WATER_MARK = 16 * 1024;
/** Rounds of write callbacks run before one SEND (each round can bring in the next pipelined response). */
const MAX_EARLY_ROUNDS = 1024;

function byteLength(parts: Buffer[]): number {
  let total = 0;
  for (const part of parts) total += part.length;
  return total;
}

function destroyedError(): Error {
  return nodeHttpError('ERR_STREAM_DESTROYED', 'Cannot call write after a stream was destroyed');
}

export class HttpSocket extends EventEmitter {
  /** The response that owns the socket now (node:http's own bookkeeping field). */
  _httpMessage: ServerResponse | null = null;
  /** Read by ServerResponse.end(), which sets corked = 1 to uncork fully. */
  readonly _writableState = { corked: 0, length: 0 };
  readonly writableHighWaterMark = HIGH_WATER_MARK;
  readonly readableHighWaterMark = HIGH_WATER_MARK;
  readable = true;
  writable = true;
  destroyed = false;
  connecting = false;
  bytesRead = 0;
  bytesWritten = 0;
  /** setTimeout()'s ms (0: off), enforced by the server's sweep. */
  timeout = 0;
  /** The server that accepted the connection (net.Socket has it too). */
  server: unknown = null;
  private pending: Buffer[] = [];
  /** `pending` holds a caller's Buffer (not one made here from a string), which its caller may change once called back. */
  private borrowed = false;
  private pendingBytes = 0;
  private callbacks: Callback[] = [];
  private inflightBytes = 0;
  private scheduled = false;
  private needDrain = false;
  /** The response whose write() this socket answered false: it waits for 'drain' (see drained()). */
  private refused: ServerResponse | null = null;
  private ending = false;
  private peer: SocketAddress | null | undefined = undefined;
  private local: SocketAddress | null | undefined = undefined;
  private readonly flushNow = (): void => this.flush();
  private readonly sender: Sender;
  /** The batch in flight: its bytes, and the write callbacks that wait for it (a large batch's). */
  private batch: { total: number; callbacks: Callback[] } = { total: 0, callbacks: [] };
  /** Who waits for written() (an upgrade's duplex): called once nothing written waits to be sent. */
  private whenFlushed: (() => void)[] | null = null;

  constructor(
    readonly stream: ServedStream,
    /** The connection (its requests' failures are answered there: the server finds it through req.socket). */
    readonly owner: SocketOwner,
  ) {
    super();
    this.sender = new Sender(stream);
  }

  // ---- writing ---------------------------------------------------------------

  write(data: string | Uint8Array, encoding?: BufferEncoding | Callback, callback?: Callback): boolean {
    if (typeof encoding === 'function') {
      callback = encoding;
      encoding = undefined;
    }
    if (this.destroyed || this.ending) {
      if (typeof callback === 'function') process.nextTick(callback, destroyedError());
      return false;
    }
    const bytes =
      typeof data === 'string'
        ? Buffer.from(data, encoding ?? 'utf8')
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.length > 0) {
      if (typeof data !== 'string') this.borrowed = true;
      this.pending.push(bytes);
      this.pendingBytes += bytes.length;
      this._writableState.length = this.pendingBytes + this.inflightBytes;
    }
    if (typeof callback === 'function') this.callbacks.push(callback);
    if (!this.scheduled && this.inflightBytes === 0) {
      this.scheduled = true;
      queueMicrotask(this.flushNow);
    }
    const ok = this.pendingBytes + this.inflightBytes < HIGH_WATER_MARK;
    if (!ok) {
      this.needDrain = true;
      this.refused = this._httpMessage;
    }
    return ok;
  }

  /** Sends what was written since the last SEND, as one SEND (or one writev for a large batch). */
  private flush(): void {
    this.scheduled = false;
    if (this.inflightBytes > 0) return;
    if (this.destroyed) {
      // Written behind a send that was in flight at destroy(): not sent, and its callbacks are still called.
      const error = destroyedError();
      for (const callback of this.dropPending()) callback(error);
      this.releaseFlushed(true);
      return;
    }
    // A small batch counts as sent once handed over, so its callbacks run first: a response that
    // finishes hands the socket to the next pipelined one, whose bytes then join this same SEND.
    // (Bounded in rounds too: a callback that always writes again cannot hold the turn.)
    let owned = 0;
    for (let round = 0; round < MAX_EARLY_ROUNDS && this.callbacks.length > 0 && this.pendingBytes < HIGH_WATER_MARK; round++) {
      // A callback may refill or reuse a Buffer it wrote, as it may once a net.Socket's write has called back: the
      // batch is first copied into a Buffer of its own (as its SEND copies a batch of parts anyway). Not with a
      // transferred view in it: the batch fails below.
      if (this.borrowed) {
        this.borrowed = false;
        if (byteLength(this.pending) !== this.pendingBytes) break;
        // Only the parts written since the last round's copy.
        const added = this.pending.splice(owned);
        if (added.length > 0) this.pending.push(Buffer.concat(added));
      }
      owned = this.pending.length;
      const early = this.callbacks;
      this.callbacks = [];
      this.runEarly(early);
      if (this.inflightBytes > 0) return; // a callback's destroy() flushed already
    }
    const parts = this.pending;
    const callbacks = this.callbacks;
    const total = this.pendingBytes;
    this.pending = [];
    this.borrowed = false;
    this.callbacks = [];
    this.pendingBytes = 0;
    if (total === 0) {
      this.releaseFlushed(false);
      for (const callback of callbacks) callback();
      if (this.ending && !this.destroyed) this.owner.finish();
      return;
    }
    this.inflightBytes = total;
    // The callbacks left (a large batch's) wait for the SEND.
    this.batch = { total, callbacks };
    // A part whose ArrayBuffer was transferred since its write() is empty now: the batch fails as a failed send would.
    // (Buffer.concat threw in this microtask, which ended the process; a lone part went out as nothing, a short body.)
    if (byteLength(parts) !== total) {
      this.sent(detachedWriteError());
      return;
    }
    if (parts.length === 1) this.sender.start(parts[0]!, this.sent);
    else if (total <= 65536) this.sender.start(Buffer.concat(parts, total), this.sent);
    else this.stream.writev(parts).then(() => this.sent(null), this.sent);
  }

  /** Runs write callbacks before their SEND; should one throw (a 'finish' listener), the rest and the SEND still follow, a microtask later. */
  private runEarly(callbacks: Callback[]): void {
    let called = 0;
    try {
      while (called < callbacks.length) callbacks[called++]!();
    } catch (error) {
      this.callbacks = callbacks.slice(called).concat(this.callbacks);
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(this.flushNow);
      }
      throw error;
    }
  }

  /** The batch in flight is out (error null) or failed. */
  private readonly sent = (error: Error | null): void => {
    const { total, callbacks } = this.batch;
    this.inflightBytes = 0;
    if (error !== null) {
      // What waits behind the failed send is not sent on the dead connection either: its callbacks get the error too.
      const waiting = this.dropPending();
      this.destroy();
      for (const callback of callbacks) callback(error);
      for (const callback of waiting) callback(error);
      this.releaseFlushed(true);
      return;
    }
    this.bytesWritten += total;
    this._writableState.length = this.pendingBytes;
    this.owner.touch();
    for (const callback of callbacks) callback();
    if (this.pendingBytes > 0 || this.callbacks.length > 0) {
      this.flush();
    } else {
      this.releaseFlushed(false);
      if (this.needDrain) this.drained();
      if (this.ending && !this.destroyed) this.owner.finish();
    }
  };

  /** Forgets what waits to be sent; returns its write callbacks, for the caller to call with the error. */
  private dropPending(): Callback[] {
    const callbacks = this.callbacks;
    this.pending = [];
    this.borrowed = false;
    this.pendingBytes = 0;
    this.callbacks = [];
    this._writableState.length = this.inflightBytes;
    return callbacks;
  }

  /**
   * Settles once every byte written so far is out, or its send failed; null when nothing waits.
   * An upgraded connection's duplex writes to the fd itself, past this queue: it writes after this.
   */
  written(): Promise<void> | null {
    if (this.flushed) return null;
    return new Promise((resolve) => (this.whenFlushed ??= []).push(resolve));
  }

  /** Wakes written()'s waiters once nothing waits to be sent, or (`failed`) a send failed. */
  private releaseFlushed(failed: boolean): void {
    const waiters = this.whenFlushed;
    if (waiters === null || (!failed && !this.flushed)) return;
    this.whenFlushed = null;
    for (const resolve of waiters) resolve();
  }

  private drained(): void {
    this.needDrain = false;
    this.emit('drain');
    // node:http's own check is the response's writableNeedDrain. Bun's ServerResponse, on a socket of ours, says
    // false there although its write() returned ours (false): a pipe into it then waited for ever.
    const response = this._httpMessage;
    const refused = this.refused;
    this.refused = null;
    if (response !== null && (response.writableNeedDrain || (response === refused && !response.writableEnded && !response.destroyed))) {
      response.emit('drain');
    }
    this.owner.writesDrained();
  }

  /** True while nothing written waits to be sent. */
  get flushed(): boolean {
    return this.pendingBytes === 0 && this.inflightBytes === 0;
  }

  get writableLength(): number {
    return this.pendingBytes + this.inflightBytes;
  }

  get writableNeedDrain(): boolean {
    return this.needDrain;
  }

  get writableEnded(): boolean {
    return this.ending || this.destroyed;
  }

  // Writes are batched per turn anyway: corking only keeps node:http's count.
  cork(): void {
    this._writableState.corked++;
  }

  uncork(): void {
    if (this._writableState.corked > 0) this._writableState.corked--;
  }

  setDefaultEncoding(): this {
    return this;
  }

  // ---- ending ----------------------------------------------------------------

  /** Sends FIN after what was written, then closes (reading what the client still sends, briefly). */
  end(data?: string | Uint8Array | Callback, encoding?: BufferEncoding | Callback, callback?: Callback): this {
    if (typeof data === 'function') callback = data;
    else if (typeof encoding === 'function') callback = encoding;
    // The data's write takes no callback: `callback` waits for 'finish' (given to both, it was called twice).
    if (typeof data !== 'function' && data !== undefined && data !== null) this.write(data, typeof encoding === 'string' ? encoding : undefined);
    // As net.Socket: a second end() waits for 'finish' too, and one after destroy() gets ERR_STREAM_DESTROYED (never called before).
    if (typeof callback === 'function') {
      if (this.destroyed) process.nextTick(callback, destroyedError());
      else this.once('finish', callback);
    }
    if (this.ending || this.destroyed) return this;
    this.ending = true;
    this.writable = false;
    if (this.flushed && !this.scheduled) this.owner.finish();
    return this;
  }

  destroySoon(): void {
    this.end();
  }

  /** Closes the connection; bytes written and not yet sent still go out first (net.Socket writes them at once, too). */
  destroy(error?: Error): this {
    if (this.destroyed) return this;
    // What was written and not yet sent goes out now, ahead of the shutdown (a 400 written just before a destroy).
    if (this.pendingBytes > 0 && this.inflightBytes === 0) this.flush();
    this.destroyed = true;
    this.readable = this.writable = false;
    if (error !== undefined && this.listenerCount('error') > 0) process.nextTick(() => this.emit('error', error));
    this.owner.close();
    return this;
  }

  /** The connection has ended: emitted once, as net.Socket's 'close'. */
  closed(hadError: boolean): void {
    this.destroyed = true;
    this.readable = this.writable = false;
    if (this.ending) this.emit('finish');
    this.emit('end');
    this.emit('close', hadError);
  }

  // ---- reading (the connection pushes into the request) ----------------------

  resume(): this {
    this.owner.resume();
    return this;
  }

  pause(): this {
    return this;
  }

  isPaused(): boolean {
    return false;
  }

  // ---- net.Socket look-alikes ------------------------------------------------

  /** Emits 'timeout' after `ms` without reads or writes (0: off); checked by the server's sweep. Arguments checked as net.Socket's. */
  setTimeout(ms: number, callback?: () => void): this {
    if (this.destroyed) return this;
    ms = socketTimeout(ms, callback);
    this.timeout = ms;
    this.owner.timeoutSet(ms);
    if (callback !== undefined) {
      if (ms === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    return this;
  }

  setNoDelay(noDelay = true): this {
    if (!this.destroyed) asTcp(this.stream)?.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable = false, initialDelay = 0): this {
    if (!this.destroyed) asTcp(this.stream)?.setKeepAlive(enable, initialDelay);
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  private remote(): SocketAddress | null {
    if (this.peer === undefined) {
      try {
        this.peer = asTcp(this.stream)?.remoteAddress ?? null;
      } catch {
        this.peer = null; // the peer has gone (ENOTCONN)
      }
    }
    return this.peer;
  }

  private own(): SocketAddress | null {
    if (this.local === undefined) {
      try {
        this.local = asTcp(this.stream)?.localAddress ?? null;
      } catch {
        this.local = null;
      }
    }
    return this.local;
  }

  get remoteAddress(): string | undefined {
    return this.remote()?.address;
  }

  get remotePort(): number | undefined {
    return this.remote()?.port;
  }

  get remoteFamily(): string | undefined {
    return this.remote()?.family;
  }

  get localAddress(): string | undefined {
    return this.own()?.address;
  }

  get localPort(): number | undefined {
    return this.own()?.port;
  }

  address(): SocketAddress | Record<string, never> {
    const local = this.own();
    return local === null ? {} : { ...local };
  }

  get readyState(): string {
    return this.destroyed ? 'closed' : this.ending ? 'readOnly' : 'open';
  }
}
