// The server's ended connections, kept for its next clients. A connection is
// a dozen objects (Connection, its parser, output buffer, sender and their
// op and callbacks); made afresh per client, each lives past a scavenge or
// two and is copied into the old generation, then left there as garbage at
// the close. A young server pays that for every connection it accepts
// (docs/performance.md, "Session 13: HTTP at c=1000"). Reused, a new
// connection allocates none of it, and the objects are already old.
import type { TcpStream } from '../net/tcp-stream.js';
import { Connection, type ConnectionContext } from './connection.js';

/** Connections kept at most: about what a busy server has open, so a burst of new clients allocates none. */
const POOLED_CONNECTIONS = 1024;

export class ConnectionPool {
  private readonly free: Connection[] = [];

  constructor(private readonly context: ConnectionContext) {}

  /** A connection for `stream`: a kept one, reset, or a new one. */
  take(stream: TcpStream): Connection {
    const kept = this.free.pop();
    return kept === undefined ? new Connection(stream, this.context) : kept.reuse(stream);
  }

  /** A connection whose run() is over: kept if nothing of its last client can still reach it (Connection.reusable). */
  give(connection: Connection): void {
    if (connection.reusable && this.free.length < POOLED_CONNECTIONS) this.free.push(connection);
  }
}
