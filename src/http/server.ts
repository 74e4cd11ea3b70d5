// serve(): a TcpListener (multishot accept) and a Connection per client, plus
// one sweep timer for every connection's deadline: a connection that sits
// idle too long, or sends its headers too slowly (slowloris), is shut down.
// One timer for all, not one per connection: arming and clearing a timer per
// request would cost more than the request.
import { usesNode } from '../backend/backend.js';
import type { Ring } from '../driver/ring.js';
import { netRing } from '../net/net-ring.js';
import { checkBufferRingOptions, configureRecvBuffers, type BufferRingOptions } from '../net/buffer-ring.js';
import { TcpListener } from '../net/tcp-listener.js';
import type { SocketAddress } from '../net/address.js';
import { invalidArgType } from '../sys/errors.js';
import type { Connection, ConnectionContext, Handler } from './connection.js';
import { ConnectionPool } from './connection-pool.js';
import { resolveLimits, type Limits } from './limits.js';
import { RECV_BUFFERS } from './recv-buffers.js';

/** serve()'s options: only `fetch` (the handler) is required. */
export interface ServeOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default '0.0.0.0'. */
  host?: string;
  /** The request handler, as in Bun.serve. */
  fetch: Handler;
  /** Size and count limits on requests (headers, body, …); unset ones take their defaults. */
  limits?: Partial<Limits>;
  /** ms a kept-alive connection may wait for its next request, and a client that half-closed for its answers. Default 5000 (as node:http's keepAliveTimeout). */
  idleTimeout?: number;
  /** ms from a request's first byte until its headers are complete. Default 10000. */
  headersTimeout?: number;
  /** Listen backlog. Default 511. */
  backlog?: number;
  /** SO_REUSEPORT, for one server per worker thread on one port. */
  reusePort?: boolean;
  /**
   * Hand CONNECT requests to the handler. Default false: they are answered
   * 501 and the connection closes, since a 2xx to CONNECT tells any proxy in
   * front that a tunnel is up. Even when true, the connection closes after
   * the handler's response: this server does not tunnel.
   */
  connect?: boolean;
  /** Called with a handler's exception (the client gets a 500). Default: console.error. */
  onError?: (error: unknown) => void;
  /**
   * The ring's provided receive buffers (shared by every connection on the
   * ring), if this server is the first to use them. Default 64 × 64 KiB
   * consumed incrementally from Linux 6.12, else 1024 × 4 KiB (RECV_BUFFERS,
   * as createServer): a connection holds its chunk's buffer while it parses
   * it, and when none is left a recv waits for one to come back.
   */
  recvBuffers?: BufferRingOptions;
  /**
   * The ring for the server's sockets. Default: this thread's socket ring
   * (ringcore/net's netRing(), 16384 CQ entries, DEFER_TASKRUN: socket
   * completions are posted in one batch per enter; docs/net.md, "Which ring").
   */
  ring?: Ring;
}

/** What serve() resolves with: the bound address, the open connection count, close(). */
export interface Server {
  /** The bound address: { address, family, port }. */
  readonly address: SocketAddress;
  /** Connections open right now. */
  readonly connections: number;
  /**
   * Stops accepting, closes idle connections at once and the others after
   * their current response. Resolves when every connection has ended.
   */
  close(): Promise<void>;
}

/** At most one "cannot accept" line per this many ms. */
const SHED_LOG_MS = 10_000;

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`options.${name} must be a positive number of ms, got ${String(value)}`);
  return value;
}

/**
 * Starts an HTTP/1.1 server on ringcore sockets that answers each request with
 * `options.fetch` (Bun.serve style); resolves once the socket is listening.
 */
export async function serve(options: ServeOptions): Promise<Server> {
  if (typeof options !== 'object' || options === null) throw invalidArgType('options', 'an object', options);
  if (typeof options.fetch !== 'function') throw invalidArgType('options.fetch', 'a function', options.fetch);
  const idleTimeout = positive('idleTimeout', options.idleTimeout, 5000);
  const headersTimeout = positive('headersTimeout', options.headersTimeout, 10_000);
  const onError = options.onError ?? ((error: unknown) => console.error('ringcore/http:', error));
  if (options.connect !== undefined && typeof options.connect !== 'boolean') throw invalidArgType('options.connect', 'a boolean', options.connect);
  // Checked before any ring, registration or socket exists.
  const recvBuffers = checkBufferRingOptions(options.recvBuffers ?? RECV_BUFFERS, 'options.recvBuffers');
  const context: ConnectionContext = {
    handler: options.fetch,
    limits: resolveLimits(options.limits),
    idleTimeout,
    headersTimeout,
    onError,
    connect: options.connect ?? false,
    closing: false,
  };

  const ring = options.ring ?? netRing();
  if (!usesNode()) configureRecvBuffers(ring, recvBuffers);
  const listener = await TcpListener.bind({
    host: options.host ?? '0.0.0.0',
    port: options.port ?? 0,
    backlog: options.backlog ?? 511,
    reusePort: options.reusePort ?? false,
    ring,
  });
  const open = new Set<Connection>();
  const pool = new ConnectionPool(context);
  // close() waits for the last connection's run() to end.
  let allEnded: (() => void) | null = null;
  // One callback for every connection's end (no closure or promise per client: see Connection.run).
  const ended = (connection: Connection): void => {
    open.delete(connection);
    pool.give(connection);
    if (open.size === 0 && allEnded !== null) allEnded();
  };
  // Out of fds (or kernel memory): the listener pauses and retries, as Go and nginx do; new
  // clients wait in the backlog (the kernel refuses them once it is full). Said once per period.
  let lastShed = -Infinity;
  listener.onPause = (error) => {
    const now = Date.now();
    if (now - lastShed < SHED_LOG_MS) return;
    lastShed = now;
    const what = error.code === 'EMFILE' || error.code === 'ENFILE' ? 'out of file descriptors' : 'out of kernel memory';
    console.error(
      `ringcore/http: cannot accept (${error.code}: ${what}) with ${open.size} connections open; new clients wait in the listen backlog until connections close (said at most every ${SHED_LOG_MS / 1000} s)`,
    );
  };

  // The sweep: often enough that a deadline is kept within a quarter of the shorter timeout.
  const period = Math.max(10, Math.min(1000, Math.min(idleTimeout, headersTimeout) / 4));
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const connection of open) {
      if (connection.deadline === 0)
        connection.watchPeer(now); // a handler runs: did its client leave?
      else if (now >= connection.deadline) connection.expire();
    }
  }, period);
  sweep.unref();

  const accepting = (async () => {
    for await (const stream of listener) {
      const connection = pool.take(stream);
      open.add(connection);
      connection.run(ended);
    }
  })().catch((error: unknown) => {
    if (!context.closing) onError(error);
  });

  let closing: Promise<void> | null = null;
  return {
    address: listener.address(),
    get connections() {
      return open.size;
    },
    close() {
      closing ??= (async () => {
        context.closing = true;
        await listener.close();
        await accepting;
        for (const connection of open) if (connection.idle) connection.closeIdle();
        if (open.size > 0) await new Promise<void>((resolve) => (allEnded = resolve));
        clearInterval(sweep);
      })();
      return closing;
    },
  };
}
