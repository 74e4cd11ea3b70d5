// Unix domain stream sockets: UnixListener.bind({ path }) and
// UnixStream.connect({ path }). A path starting with '\0' is an abstract
// socket (no file). The listener removes its socket file when closed.
import { checkOptions } from '../op/op.js';
import { usesNode } from '../backend/backend.js';
import { nodeNet } from '../fallback/load-net.js';
import { unlinkSync } from 'node:fs';
import { netRing } from './net-ring.js';
import type { Ring } from '../driver/ring.js';
import { AF_UNIX, SOCK_STREAM } from '../sys/socket-constants.js';
import { decodeUnix, unixSockaddr } from './address.js';
import { Listener } from './listener.js';
import { bindSocket, closeFdNow, connectSocket, createSocket, listenSocket, localName, peerName } from './socket.js';
import { SocketStream } from './stream.js';

/** UnixStream.connect()'s options: `path` is required. */
export interface UnixConnectOptions {
  /** The socket's path; a leading '\0' names an abstract socket. */
  path: string;
  /** Aborting cancels the connect in the kernel. */
  signal?: AbortSignal;
  /** A deadline in ms (a kernel link timeout). */
  timeout?: number;
  /** The ring for the socket. Default: this thread's socket ring (netRing()). */
  ring?: Ring;
}

/** A Unix domain stream connection: a SocketStream with path addresses. */
export class UnixStream extends SocketStream {
  /** Connects to the socket at `options.path` (IORING_OP_CONNECT) and resolves with the stream. */
  static async connect(options: UnixConnectOptions): Promise<UnixStream> {
    const addr = unixSockaddr(options?.path);
    // Before either backend starts: node:net's socket would be left open, its errors unheard.
    checkOptions(options);
    const ring = options.ring ?? netRing();
    if (usesNode()) return (await nodeNet()).connectUnix(options, ring);
    const fd = await connectSocket(ring, AF_UNIX, addr, { address: options.path }, { signal: options.signal, timeout: options.timeout });
    return new UnixStream(fd, ring);
  }

  /** The path this end is bound to ('' when unnamed). ERR_RINGCORE_CLOSED after close(). */
  get localPath(): string {
    const name = localName(this.openFd('getsockname'));
    return decodeUnix(name.bytes, name.length);
  }

  /** The path the peer is bound to. ERR_RINGCORE_CLOSED after close(). */
  get remotePath(): string {
    const name = peerName(this.openFd('getpeername'));
    return decodeUnix(name.bytes, name.length);
  }
}

/** UnixListener.bind()'s options: `path` is required. */
export interface UnixListenOptions {
  /** Where to bind; a leading '\0' names an abstract socket (no file). */
  path: string;
  /** Listen backlog. Default 511. */
  backlog?: number;
  /** The ring for the socket and its connections. Default: this thread's socket ring (netRing()). */
  ring?: Ring;
}

/** A listening Unix domain stream socket; close() also removes its socket file. */
export class UnixListener extends Listener<UnixStream> {
  private constructor(
    fd: number,
    ring: Ring,
    /** The path it is bound to. */
    readonly path: string,
  ) {
    super(fd, ring);
  }

  /** Creates, binds and listens; resolves with the listener, or closes the socket and rejects. */
  static override async bind(options: UnixListenOptions): Promise<UnixListener> {
    const addr = unixSockaddr(options?.path);
    const ring = options.ring ?? netRing();
    if (usesNode()) return (await nodeNet()).listenUnix(options, ring);
    const context = { address: options.path };
    const fd = await createSocket(ring, AF_UNIX, SOCK_STREAM);
    try {
      await bindSocket(ring, fd, addr, context);
      await listenSocket(ring, fd, options.backlog ?? 511, context);
    } catch (error) {
      closeFdNow(fd);
      throw error;
    }
    return new UnixListener(fd, ring, options.path);
  }

  /** The bound path, as net.Server's address() gives for a pipe. */
  address(): string {
    return this.path;
  }

  protected override wrap(fd: number): UnixStream {
    return new UnixStream(fd, this.ring);
  }

  /** Closes the fd and removes the socket file (not for an abstract socket). */
  protected override afterClose(): Promise<void> {
    closeFdNow(this.fd);
    if (!this.path.startsWith('\0')) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
    return Promise.resolve();
  }
}
