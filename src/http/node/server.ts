// createServer(): a drop-in for node:http's createServer([options], [listener])
// on ringcore sockets. The listener is a TcpListener (multishot accept), each
// connection a NodeConnection (multishot recv, ringcore's parser, node:http's
// own IncomingMessage and ServerResponse). The API is node:http.Server's:
// listen() in its forms, close(), closeIdleConnections(),
// closeAllConnections(), address(), the timeouts with node:http's defaults
// (checked by one sweep timer for all connections), and its events.
import { EventEmitter } from 'node:events';
import type * as Http from 'node:http';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { requireIoUring, usesNode } from '../../backend/backend.js';
import type { Ring } from '../../driver/ring.js';
import { configureRecvBuffers } from '../../net/buffer-ring.js';
import { netRing } from '../../net/net-ring.js';
import type { SocketAddress } from '../../net/address.js';
import { TcpListener } from '../../net/tcp-listener.js';
import { UnixListener } from '../../net/unix.js';
import { errnoException, invalidArgType, nodeHttpError, outOfRange } from '../../sys/errors.js';
import { resolveLimits, type Limits } from '../limits.js';
import { RECV_BUFFERS } from '../recv-buffers.js';
import { listenArguments, type ListenOptions } from './listen-arguments.js';
import { asTcp, type ServedStream } from './served-stream.js';
import { NodeConnection } from './node-connection.js';
import type { HttpSocket } from './http-socket.js';
import { lazyBuiltin } from '../../sys/builtins.js';
import { listenerClasses, type MessageClasses } from './listener-prototypes.js';

// node:http (its IncomingMessage, ServerResponse, and its own server for the node backend) is loaded by the
// first createServer(), not at import: with node:net and node:stream, 8 ms of CPU of each import of ringcore/http.
const http = lazyBuiltin<typeof Http>('node:http');

/** createServer()'s options: node:http's, plus noDelay and ring. */
export interface ServerOptions {
  /** The request class to construct. Default: node:http's IncomingMessage. */
  IncomingMessage?: typeof IncomingMessage;
  /** The response class to construct. Default: node:http's ServerResponse. */
  ServerResponse?: typeof ServerResponse;
  /** Bytes of request line plus headers. Default (and 0): 16384 (node:http's --max-http-header-size); over it: 431. */
  maxHeaderSize?: number;
  /** ms; default 300000, as node:http. */
  requestTimeout?: number;
  /** ms; default min(60000, requestTimeout), as node:http (0, off, when requestTimeout is 0). */
  headersTimeout?: number;
  /** ms; default 5000, as node:http. */
  keepAliveTimeout?: number;
  /** ms an idle kept-alive connection is kept past keepAliveTimeout; default 1000, as node:http. */
  keepAliveTimeoutBuffer?: number;
  /** The longest the timeouts are checked apart (ms). Default 30000, as node:http. */
  connectionsCheckingInterval?: number;
  /** TCP_NODELAY on accepted connections. Default true. */
  noDelay?: boolean;
  /** The ring for the server's sockets (default: this thread's socket ring). */
  ring?: Ring;
}

function serverNotRunning(): Error {
  return nodeHttpError('ERR_SERVER_NOT_RUNNING', 'Server is not running.');
}

/** An option checked as node:http checks it (an integer >= 0: ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE); `fallback` when not given. */
function integerOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value)) throw outOfRange(name, 'an integer', value);
  if (value < 0) throw outOfRange(name, '>= 0', value);
  return value;
}

/** requestClasses()'s "no listener looked at yet". */
const requestClassesUnset = Symbol('unset');

/** node:http.Server's API and events on ringcore sockets; made by createServer(). */
export class Server extends EventEmitter {
  /** ms from a request's start until it must be fully received (0: none), as node:http. */
  requestTimeout: number;
  /** ms from a request's start until its headers must be complete, as node:http. */
  headersTimeout: number;
  /** ms a kept-alive connection may wait for its next request (the `Keep-Alive: timeout` responses announce), as node:http. */
  keepAliveTimeout: number;
  /**
   * ms added to keepAliveTimeout before an idle connection is closed (default 1000), as node:http:
   * a client that reuses the connection just before the announced timeout must not meet a close.
   */
  keepAliveTimeoutBuffer: number;
  /** Connections beyond this many are closed at once, with a 'drop' event, as net.Server's (default: no limit). */
  maxConnections = Number.POSITIVE_INFINITY;
  /** Socket inactivity (ms) before 'timeout' (0: none, node:http's default). */
  timeout = 0;
  /** Headers kept per request (node:http's default 2000; 0: no limit). */
  maxHeadersCount: number | null = null;
  /** Requests per keep-alive connection (0: no limit). */
  maxRequestsPerSocket = 0;
  /** The request class this server constructs. */
  readonly IncomingMessage: typeof IncomingMessage;
  /** The response class this server constructs. */
  readonly ServerResponse: typeof ServerResponse;
  private readonly limits: Limits;
  private readonly checkingInterval: number;
  private readonly noDelay: boolean;
  private readonly ring: Ring | undefined;
  private listener: TcpListener | UnixListener | null = null;
  private binding = false;
  private readonly openConnections = new Set<NodeConnection>();
  private sweeper: NodeJS.Timeout | null = null;
  /** The sweep's period now (ms), and the shortest socket timeout set on a connection (socket.setTimeout). */
  private sweepPeriod = 0;
  private shortestSocketTimeout = Number.POSITIVE_INFINITY;
  private closingNow = false;
  /** The first 'request' listener requestClasses() last looked at (a unique object: none yet), and its classes. */
  private classesOf: unknown = requestClassesUnset;
  private classesFor: MessageClasses = this;

  constructor(options?: ServerOptions | RequestListener, requestListener?: RequestListener) {
    super({ captureRejections: true });
    if (typeof options === 'function') {
      requestListener = options;
      options = {};
    }
    options ??= {};
    if (typeof options !== 'object') throw invalidArgType('options', 'an object', options);
    this.IncomingMessage = options.IncomingMessage ?? http().IncomingMessage;
    this.ServerResponse = options.ServerResponse ?? http().ServerResponse;
    this.requestTimeout = integerOption('requestTimeout', options.requestTimeout, 300_000);
    // As node:http: requestTimeout 0 (off) turns the default headersTimeout off too.
    this.headersTimeout = integerOption('headersTimeout', options.headersTimeout, Math.min(60_000, this.requestTimeout));
    if (this.requestTimeout > 0 && this.headersTimeout > this.requestTimeout) throw outOfRange('headersTimeout', '<= requestTimeout', this.headersTimeout);
    this.keepAliveTimeout = integerOption('keepAliveTimeout', options.keepAliveTimeout, 5000);
    this.keepAliveTimeoutBuffer = integerOption('keepAliveTimeoutBuffer', options.keepAliveTimeoutBuffer, 1000);
    this.checkingInterval = integerOption('connectionsCheckingInterval', options.connectionsCheckingInterval, 30_000);
    this.noDelay = options.noDelay ?? true;
    this.ring = options.ring;
    this.limits = resolveLimits({
      maxHeaderBytes: integerOption('maxHeaderSize', options.maxHeaderSize, 0) || 16 * 1024,
      maxHeaderCount: 100_000,
      maxBodyBytes: Number.MAX_SAFE_INTEGER,
    });
    if (requestListener !== undefined) this.on('request', requestListener);
  }

  /** Whether the server is bound and accepting. */
  get listening(): boolean {
    return this.listener !== null;
  }

  /** True once close() was called: responses say Connection: close and idle connections end. */
  get closing(): boolean {
    return this.closingNow;
  }

  // ---- listening ---------------------------------------------------------------

  /** node:http's listen() in its forms (port, host, backlog, options, callback); 'listening' once bound. */
  listen(...args: unknown[]): this {
    const { options, callback } = listenArguments(args);
    if (this.listener !== null || this.binding) {
      throw nodeHttpError('ERR_SERVER_ALREADY_LISTEN', 'Listen method has been called more than once without closing.');
    }
    if (callback !== undefined) this.once('listening', callback);
    if (options.signal?.aborted) {
      process.nextTick(() => this.emit('close'));
      return this;
    }
    this.binding = true;
    this.closingNow = false;
    if (!this.bindNow(options)) void this.bind(options);
    return this;
  }

  /**
   * A TCP listen() without a host binds at once, as node:http's does (with a host it looks the name up first, even
   * a numeric one), so that address() answers as soon as listen() returns (supertest, and many test suites, read
   * the port right after `listen(0)`); 'listening' or 'error' follow a tick later, as node:http's. False for the
   * rest, and on the node backend: bind().
   */
  private bindNow(options: ListenOptions): boolean {
    if (options.path !== undefined || options.host !== undefined || usesNode()) return false;
    let listener: TcpListener;
    try {
      const common = this.tcpOptions(options);
      listener = anyAddress((host) => TcpListener.bindNow({ ...common, host }));
    } catch (error) {
      this.binding = false;
      process.nextTick(() => this.emit('error', asListenError(error)));
      return true;
    }
    this.binding = false;
    this.start(listener, options);
    process.nextTick(() => {
      // Not if close() came first, as node:http's.
      if (this.listener === listener) this.emit('listening');
    });
    return true;
  }

  /** The ring, its receive buffers set up for serving, and a TCP listener's options. */
  private tcpOptions(options: ListenOptions) {
    const ring = this.ring ?? netRing();
    configureRecvBuffers(ring, RECV_BUFFERS);
    return { port: options.port, backlog: options.backlog, reusePort: options.reusePort, ipv6Only: options.ipv6Only, noDelay: this.noDelay, ring };
  }

  private async bind(options: ListenOptions): Promise<void> {
    let listener: TcpListener | UnixListener;
    try {
      // The Server class itself, on the node backend (createServer() gives node:http's there): say so, not the buffers.
      requireIoUring('ringcore/http Server (createServer() gives node:http on the node backend)');
      const common = this.tcpOptions(options);
      if (options.path !== undefined) {
        listener = await UnixListener.bind({ path: options.path, backlog: options.backlog, ring: common.ring });
      } else {
        // A host that needs a lookup (bindNow() took the others).
        listener = await TcpListener.bind({ ...common, host: options.host });
      }
    } catch (error) {
      this.binding = false;
      this.emit('error', asListenError(error));
      return;
    }
    this.binding = false;
    if (this.closingNow) {
      // close() came while binding: the server never starts.
      await listener.close();
      this.closeIfDrained();
      return;
    }
    this.start(listener, options);
    this.emit('listening');
  }

  /** Serves what `listener` accepts. */
  private start(listener: TcpListener | UnixListener, options: ListenOptions): void {
    this.listener = listener;
    options.signal?.addEventListener('abort', () => this.close(), { once: true });
    this.sweep();
    void this.accept(listener);
  }

  private async accept(listener: TcpListener | UnixListener): Promise<void> {
    try {
      for await (const stream of listener) {
        if (this.openConnections.size >= this.maxConnections) {
          this.drop(stream);
          continue;
        }
        let connection: NodeConnection;
        try {
          connection = new NodeConnection(stream, this, this.limits);
        } catch (error) {
          // A `timeout` that net.Socket's setTimeout() refuses: as node:http's, each connection throws it, uncaught.
          void stream.destroy();
          process.nextTick(() => {
            throw error;
          });
          continue;
        }
        this.openConnections.add(connection);
        this.emit('connection', connection.socket);
      }
    } catch (error) {
      if (this.listener === listener) this.emit('error', error);
    }
  }

  /** A connection over maxConnections: 'drop' with its addresses, as net.Server's, then closed. */
  private drop(stream: ServedStream): void {
    const addresses = (get: () => SocketAddress | null) => {
      try {
        return get();
      } catch {
        return null; // the peer has gone already (ENOTCONN)
      }
    };
    const local = addresses(() => asTcp(stream)?.localAddress ?? null);
    const remote = addresses(() => asTcp(stream)?.remoteAddress ?? null);
    void stream.destroy();
    this.emit('drop', {
      localAddress: local?.address,
      localPort: local?.port,
      localFamily: local?.family,
      remoteAddress: remote?.address,
      remotePort: remote?.port,
      remoteFamily: remote?.family,
    });
  }

  /** The connections open now (net.Server's deprecated field, which @types/node still declares). */
  get connections(): number {
    return this.openConnections.size;
  }

  /** net.Server's: `callback(null, count)` with the connections open now. */
  getConnections(callback: (error: Error | null, count: number) => void): this {
    if (typeof callback !== 'function') throw invalidArgType('callback', 'a function', callback);
    const count = this.openConnections.size;
    process.nextTick(() => callback(null, count));
    return this;
  }

  /** The bound `{ address, family, port }` (a Unix socket's path), or null when not listening. */
  address(): SocketAddress | string | null {
    return this.listener?.address() ?? null;
  }

  // ---- the timeouts --------------------------------------------------------------

  /** One timer for every connection's timeouts, re-armed at a quarter of the shortest one (at most checkingInterval apart). */
  private sweep(): void {
    const shortest = Math.min(
      ...[this.headersTimeout, this.requestTimeout, this.keepAliveTimeout].filter((t) => t > 0),
      this.shortestSocketTimeout,
      this.checkingInterval * 4,
    );
    const period = (this.sweepPeriod = Math.max(10, Math.min(this.checkingInterval || 1000, shortest / 4)));
    this.sweeper = setTimeout(() => {
      const now = Date.now();
      for (const connection of this.openConnections) connection.sweep(now);
      if (this.listener !== null || this.openConnections.size > 0) this.sweep();
      else this.sweeper = null;
    }, period);
    this.sweeper.unref();
  }

  /** A connection's socket timeout was set to `ms` (the server's `timeout` too): the sweep comes often enough for it (a quarter of it) from now on. */
  socketTimeoutSet(ms: number): void {
    if (ms <= 0 || ms >= this.shortestSocketTimeout) return;
    this.shortestSocketTimeout = ms;
    if (this.sweeper !== null && this.sweepPeriod > Math.max(10, ms / 4)) {
      clearTimeout(this.sweeper);
      this.sweep();
    }
  }

  /**
   * Sets `timeout` (socket inactivity, ms); `callback` listens for 'timeout'. As node:http's, it applies to the
   * connections accepted from now on, and to those open at their next request after a keep-alive wait, not at once.
   * And as node:http's, nothing is checked here: `timeout` is what was given (`setTimeout(callback)` makes it the
   * function, and adds no listener), and each connection takes it as net.Socket's setTimeout() takes it, which
   * throws for one that is not a non-negative finite number (or 0, undefined, null, NaN: none).
   * The socket the callback gets is the connection's net.Socket look-alike, typed as node:http types `req.socket`.
   */
  setTimeout(msecs?: number, callback?: (socket: Socket) => void): this;
  setTimeout(callback: (socket: Socket) => void): this;
  setTimeout(msecs?: unknown, callback?: (socket: Socket) => void): this {
    this.timeout = msecs as number;
    if (callback) this.on('timeout', callback);
    return this;
  }

  // ---- closing ---------------------------------------------------------------------

  /** Stops accepting and ends idle connections; 'close' (and `callback`) once every connection has ended. */
  close(callback?: (error?: Error) => void): this {
    if (callback !== undefined) {
      if (this.listener === null && !this.binding) this.once('close', () => callback(serverNotRunning()));
      else this.once('close', callback);
    }
    this.closingNow = true;
    const listener = this.listener;
    this.listener = null;
    if (listener !== null) {
      void listener.close().then(() => this.closeIfDrained());
    } else {
      process.nextTick(() => this.closeIfDrained());
    }
    this.closeIdleConnections();
    for (const connection of this.openConnections) connection.lastResponses();
    return this;
  }

  /** Destroys the connections that have no request in progress. */
  closeIdleConnections(): void {
    for (const connection of this.openConnections) if (connection.idle) connection.socket.destroy();
  }

  /** Destroys every connection, except those handed over by an upgrade or CONNECT. */
  closeAllConnections(): void {
    for (const connection of this.openConnections) if (!connection.handedOver) connection.socket.destroy();
  }

  /** A connection has ended (or an upgraded one closed). */
  forget(connection: NodeConnection): void {
    this.openConnections.delete(connection);
    if (this.closingNow) this.closeIfDrained();
  }

  private closeIfDrained(): void {
    if (this.listener !== null || this.binding || this.openConnections.size > 0 || !this.closingNow) return;
    this.closingNow = false;
    if (this.sweeper !== null) clearTimeout(this.sweeper);
    this.sweeper = null;
    this.emit('close');
  }

  /** close(), resolved on 'close', for `await using`; does nothing when not listening. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.listener === null) return;
    await new Promise<void>((resolve) => this.close(() => resolve()));
  }

  /** No-op, kept for node:http's API. */
  ref(): this {
    return this;
  }

  /** No-op, kept for node:http's API. */
  unref(): this {
    return this;
  }

  // ---- requests ------------------------------------------------------------------

  /**
   * The classes a request that goes to 'request' first is built with: node:http's, or, when the first listener
   * carries request/response prototypes derived from them (an Express app), constructors that build the objects
   * with those prototypes from the start (listener-prototypes.ts). Only for node:http's own classes.
   */
  requestClasses(): MessageClasses {
    const listeners = (this as { _events?: Record<string, unknown> })._events?.request;
    const first = Array.isArray(listeners) ? (listeners[0] as unknown) : listeners;
    if (first !== this.classesOf) {
      this.classesOf = first;
      const own = this.IncomingMessage === http().IncomingMessage && this.ServerResponse === http().ServerResponse;
      this.classesFor = (own ? listenerClasses(first, this) : null) ?? this;
    }
    return this.classesFor;
  }

  /**
   * Emits 'request'; a listener's exception, or its returned promise's
   * rejection, is reported and answered with a 500 (or a closed socket if
   * the response has begun), never a crashed process.
   */
  handle(req: IncomingMessage, res: ServerResponse): void {
    this.emit('request', req, res);
  }

  /** captureRejections: a listener's rejected promise lands here (a 500 for 'request', from its connection). */
  [Symbol.for('nodejs.rejection')](error: unknown, event: string, ...args: unknown[]): void {
    if (event !== 'request') {
      this.emit('error', error);
      return;
    }
    const res = args[1] as ServerResponse;
    (res.req.socket as unknown as HttpSocket).owner.failed(error, res, false);
  }

  /** Where listener errors go: console.error. */
  reportError(error: unknown): void {
    console.error('ringcore/http createServer:', error);
  }

  /** The connections open now (for tests and tools). */
  get connectionCount(): number {
    return this.openConnections.size;
  }
}

/** node:http's createServer([options], [requestListener]), on ringcore. */
export function createServer(options?: ServerOptions | RequestListener, requestListener?: RequestListener): Server {
  // On the node backend (io_uring refused) the drop-in is node:http's own server.
  if (usesNode()) return nodeHttpServer(options, requestListener) as unknown as Server;
  return new Server(options, requestListener);
}

/** node:http's server with createServer's options, minus the ring-only ones. */
function nodeHttpServer(options?: ServerOptions | RequestListener, requestListener?: RequestListener): Http.Server {
  if (typeof options === 'function') return http().createServer({ noDelay: true }, options);
  const { ring: _ring, connectionsCheckingInterval, noDelay = true, ...rest } = options ?? {};
  return http().createServer({ ...rest, noDelay, ...(connectionsCheckingInterval === undefined ? {} : { connectionsCheckingInterval }) }, requestListener);
}

/** A bind(2) error as node:http reports it: libuv binds at listen(), so its errors say 'listen'. */
function asListenError(error: unknown): unknown {
  const e = error as { syscall?: unknown; errno?: unknown; address?: string; port?: number };
  if (e.syscall !== 'bind' || typeof e.errno !== 'number') return error;
  return errnoException(e.errno, 'listen', { address: e.address, port: e.port });
}

/** As node:http with no host: the IPv6 any-address (dual stack) when there is IPv6, else IPv4's. */
function anyAddress(bind: (host: string) => TcpListener): TcpListener {
  try {
    return bind('::');
  } catch {
    return bind('0.0.0.0');
  }
}
