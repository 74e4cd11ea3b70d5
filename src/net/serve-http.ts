// Runs an unchanged node:http (or https, http2 with allowHTTP1...) server on
// ringcore sockets: connections are accepted by the listener's multishot
// accept and handed to the server as Duplexes, exactly as net.Server would
// hand it net.Sockets ('connection' event). node:http's parser and streams
// still run, so this gains little speed: for that, ringcore/http's
// createServer() (docs/http.md). This stays for https and http2 servers.
//
// The server is told it listens ('listening': node:http then starts its
// headersTimeout/requestTimeout checks, the 408s), and its listening,
// address() and close() are the listener's: close() stops accepting, ends
// idle connections and emits 'close' once every connection has ended.
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { Listener } from './listener.js';
import type { DuplexOptions, RingcoreDuplex } from './duplex.js';
import type { SocketStream } from './stream.js';

/** What serveHttp() returns: the accept loop's end, the open connections, and close(). */
export interface ServeHttpHandle {
  /** Resolves when the accept loop has ended (after close(), or on an accept error, also emitted as 'error' on the server). */
  readonly done: Promise<void>;
  /** Open connections. */
  readonly connections: ReadonlySet<RingcoreDuplex>;
  /** Stops accepting and closes the listener; open connections finish on their own. */
  close(): Promise<void>;
  /** Destroys every open connection. */
  closeAllConnections(): void;
}

/**
 * Runs a node:http (or https, http2) server on a ringcore listener: each accepted
 * connection is emitted as 'connection' as a Duplex; the server's listening, address() and close() become the listener's.
 */
export function serveHttp(server: Server, listener: Listener<SocketStream & { address?(): unknown }>, options?: DuplexOptions): ServeHttpHandle {
  const connections = new Set<RingcoreDuplex>();
  const loop = (async () => {
    for await (const connection of listener) {
      const duplex = connection.toDuplex(options);
      connections.add(duplex);
      duplex.once('close', () => connections.delete(duplex));
      server.emit('connection', duplex);
    }
  })();
  const done = loop.catch((error: unknown) => {
    server.emit('error', error);
  });
  const closeAllConnections = (): void => {
    for (const duplex of connections) duplex.destroy();
  };

  // node:http's own close() would answer ERR_SERVER_NOT_RUNNING (it has no handle of its own) and leave the listener accepting.
  const nodeClose = server.close;
  Object.defineProperty(server, 'listening', { configurable: true, get: () => !listener.closed });
  const bound = listener as { address?(): unknown };
  if (typeof bound.address === 'function') server.address = () => bound.address!() as ReturnType<Server['address']>;
  server.closeAllConnections = closeAllConnections;
  let _closing: Promise<void> | null = null;
  server.close = function close(callback?: (error?: Error) => void): Server {
    if (callback !== undefined) server.once('close', () => callback());
    _closing ??= (async () => {
      await listener.close();
      await done;
      // node:http knows the connections since 'listening': it ends the idle ones.
      server.closeIdleConnections();
      while (connections.size > 0) await once(connections.values().next().value!, 'close');
      // node:http's own close, now with nothing left: stops its timeout checks and emits 'close'.
      nodeClose.call(server);
    })();
    return server;
  };
  server.emit('listening');

  return { done, connections, close: () => listener.close(), closeAllConnections };
}
