// Runs an unchanged node:http (or https, http2 with allowHTTP1...) server on
// ringcore sockets: connections are accepted by the listener's multishot
// accept and handed to the server as Duplexes, exactly as net.Server would
// hand it net.Sockets ('connection' event).
import type { Server } from 'node:http';
import type { Listener } from './listener.js';
import type { DuplexOptions, RingcoreDuplex } from './duplex.js';
import type { SocketStream } from './stream.js';

export interface ServeHttpHandle {
  /** Resolves when the accept loop has ended (after close(), or on an accept error, also emitted as 'error' on the server). */
  readonly done: Promise<void>;
  /** Open connections. */
  readonly connections: ReadonlySet<RingcoreDuplex>;
  /** Stops accepting and closes the listener; open connections finish on their own. */
  close(): Promise<void>;
  /**
   * Destroys every open connection. (server.closeAllConnections() knows only
   * connections of a server that called listen(), so it does not see these.)
   */
  closeAllConnections(): void;
}

export function serveHttp(server: Server, listener: Listener<SocketStream>, options?: DuplexOptions): ServeHttpHandle {
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
  return {
    done,
    connections,
    close: () => listener.close(),
    closeAllConnections: () => {
      for (const duplex of connections) duplex.destroy();
    },
  };
}
