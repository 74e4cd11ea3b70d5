// Whether a client left while its handler runs. The connection reads nothing
// while it waits for a handler (the bytes after a request are the next
// request's), so a client that went away was not seen: a handler that never
// answered kept its connection and fd for good, and server.close() waited for
// it for ever. node:http sees the client's FIN, drops the response to come and
// closes. Here a one-shot IORING_OP_POLL_ADD for POLLRDHUP (FIN, reset: the
// kernel adds POLLHUP and POLLERR) reads the socket's state without taking
// its bytes. It is armed only for a handler still running at the server's
// sweep, so a request answered at once costs nothing more. On the node
// backend the socket's own 'end', 'error' and 'close' events say the same
// (fallback/net.ts, SocketIo.watchPeer). A FIN alone may be a client that
// only half-closed and still reads (connection.ts waits for its answers, for
// a while); a reset, or a socket shut down both ways, is a client gone.
import type { Ring } from '../driver/ring.js';
import { POLLERR, POLLHUP, POLLRDHUP } from '../sys/socket-constants.js';

/** Called once the peer shut down its side: `gone` when it reset (or more), false for a FIN alone. */
export type PeerLeft = (gone: boolean) => void;

export class PeerWatch {
  readonly #stop = new AbortController();

  /** Calls `left()` once if the peer on `fd` shuts down or resets, unless stop() came first. */
  constructor(ring: Ring, fd: number, left: PeerLeft) {
    ring.submitWith(
      { syscall: 'poll', prep: (uring, sqe) => uring.prepPollAdd(sqe, fd, POLLRDHUP) },
      (error, events = 0) => {
        if (error === null && !this.#stop.signal.aborted) left((events & (POLLHUP | POLLERR)) !== 0);
      },
      { signal: this.#stop.signal },
    );
  }

  /** Cancels the poll (before the fd is closed: the poll holds the socket open). */
  stop(): void {
    this.#stop.abort();
  }
}
