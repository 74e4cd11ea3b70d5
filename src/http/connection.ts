// One HTTP/1.1 connection: bytes from a multishot recv go into the parser;
// every complete request in them is answered in order (pipelining), the
// responses collected in one output buffer and sent with one send per batch.
// While handlers answer at once, a batch is answered synchronously and its
// send is started without being waited for (the Sender calls back): the
// connection waits only when the next batch is ready before the last one is
// out, which is also what holds a client that does not read.
// Keep-alive until the client or a response says close. A refused request
// (HttpError) gets its status and a close. Deadlines (idle, slow headers) are
// set here, from the batch's clock (clock.ts), and enforced by the server's
// sweep, which shuts the socket down.
import { usesNode } from '../backend/backend.js';
import * as nodeHttp from '../fallback/http.js';
import { watchPeer as watchNodePeer } from '../fallback/net.js';
import { Sender } from '../net/sender.js';
import { shutdownNow } from '../net/socket.js';
import type { TcpStream } from '../net/tcp-stream.js';
import type { SocketAddress } from '../net/address.js';
import { SHUT_RDWR } from '../sys/socket-constants.js';
import { unreachableError } from '../sys/errors.js';
import { rereadClock, turnNow } from './clock.js';
import { FileSender } from './file-send.js';
import { HttpError, LINGER_MS, type Limits } from './limits.js';
import { Output } from './output.js';
import { PeerWatch } from './peer-watch.js';
import { RequestParser, type ParsedRequest } from './parser.js';
import { HttpRequest } from './request.js';
import { HttpResponse, toHttpResponse } from './response.js';
import { HELD, Receiver, type Step } from './receiver.js';
import { isFileBody, LARGE_BODY, serialize, type Tail } from './serialize.js';
import { ECONNRESET, EPIPE } from '../sys/errno.js';

/** serve()'s `fetch`: answers a request with an HttpResponse or a WHATWG Response, or a promise of one. */
export type Handler = (request: HttpRequest) => HttpResponse | Response | Promise<HttpResponse | Response>;

/**
 * What a connection needs from its server. Plain data fields, read on every
 * request: an accessor here made each read a generic property load (V8 left
 * the server's object literal with a getter to its slow path).
 */
export interface ConnectionContext {
  handler: Handler;
  limits: Limits;
  /** ms a kept-alive connection may sit with no request (and a body may pause). */
  idleTimeout: number;
  /** ms from a request's first byte until its head must be complete. */
  headersTimeout: number;
  /** Reports a handler's exception (the client gets a 500). */
  onError(error: unknown): void;
  /** True once the server is closing (set by its close()): answer what is in progress, then close. */
  closing: boolean;
  /** Hand CONNECT requests to the handler (serve({ connect: true })); otherwise they are answered 501. */
  connect: boolean;
}

/** A request's remoteAddress, asked of its own stream. */
function peerOf(stream: TcpStream): () => SocketAddress | null {
  return () => {
    try {
      return stream.remoteAddress;
    } catch {
      return null;
    }
  };
}

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');
/**
 * CONNECT unless the server opted in: a 2xx would tell any proxy in front
 * that a tunnel is established. 501 (not 405): no resource here supports it,
 * and a 405 would have to list, in Allow, methods only the handler knows.
 */
const NO_CONNECT = 'CONNECT is not supported by this server\n';

/** Whether the connection goes on after what was buffered is answered: true, false (it closes), or HELD. */
type Open = boolean | typeof HELD;

export class Connection {
  /** When the sweep shuts this connection down (ms since the epoch); 0 while a handler runs. */
  deadline = 0;
  /** No request in progress: a closing server may shut it down at once. */
  idle = true;
  private readonly parser: RequestParser;
  private readonly out = new Output();
  /** Handler answers still to come to answer() (a promise's reaction, or one waiting for a send): a connection that leaves any is not reused. */
  private waiting = 0;
  /** A peer watch was made: not reused either (its callback is this connection's). */
  private watched = false;
  /** When the peer watch saw the client's FIN (ms since the epoch), 0 before: the answers owed get idleTimeout from then. */
  private halfClosedAt = 0;
  private files: FileSender | null = null;
  private headStart = 0;
  private continued = false;
  private lingering = false;
  private ended = false;
  private sender: Sender;
  /** Called once the send in flight is over (one waiter at a time: the run loop). */
  private whenSent: (() => void) | null = null;
  /** Why a send failed: the connection ends, and the run loop reports it. */
  private failure: Error | null = null;
  /** closeIdle() came while a send was in flight: shut down once it is over, unless a request came meanwhile. */
  private closeAfterSend = false;
  /** The request whose handler's promise holds the connection: its answer carries the receive loop on (answer()). */
  private answering: ParsedRequest | null = null;
  /** answer() and a handler's rejection as callbacks: made by the first async handler, then reused for every request. */
  private onAnswer: ((result: unknown) => void) | null = null;
  private onThrow: ((error: unknown) => void) | null = null;
  private receiver: Receiver | null = null;
  /** run()'s `ended`, until it is called. */
  private onEnd: ((connection: Connection) => void) | null = null;
  /** The receive loop has ended; stop() is queued or done. */
  private ending = false;
  /** Why the receive loop ended (null at a clean EOF), for stop(). */
  private endError: unknown = null;
  /** PeerWatch on io_uring; the socket's events on the node backend (fallback/net.ts). */
  private peerWatch: { stop(): void } | null = null;
  private readonly sent = (error: Error | null): void => {
    this.out.clear();
    if (error !== null) {
      this.failure ??= error;
      this.expire();
    } else if (this.closeAfterSend && this.idle) {
      this.expire();
    }
    const waiter = this.whenSent;
    this.whenSent = null;
    waiter?.();
  };
  /** The requests' remoteAddress: one per stream, so that a request kept past its connection never reads the next client's. */
  private peer: () => SocketAddress | null;

  constructor(
    private stream: TcpStream,
    private readonly context: ConnectionContext,
  ) {
    this.parser = new RequestParser(context.limits);
    this.sender = new Sender(stream);
    this.peer = peerOf(stream);
  }

  /**
   * Whether this connection, now ended, may serve another client
   * (connection-pool.ts): nothing of it can still be called back (a
   * handler's answer to come, a peer watch), which would reach that client.
   */
  get reusable(): boolean {
    return this.ended && this.waiting === 0 && !this.watched;
  }

  /**
   * The same objects for a new client's stream (the server's pool): a new
   * connection then allocates no parser, output or sender, and what it
   * touches per request is already in the old generation. Everything of
   * the last client is reset; only storage is kept.
   */
  reuse(stream: TcpStream): this {
    if (!this.reusable) throw unreachableError('Connection.reuse() of a connection that is not reusable');
    this.stream = stream;
    if (this.sender.ring === stream.ring) this.sender.rebind(stream);
    else this.sender = new Sender(stream);
    this.peer = peerOf(stream);
    this.parser.reset();
    this.out.reset();
    this.deadline = 0;
    this.idle = true;
    this.files = null;
    this.headStart = 0;
    this.continued = this.lingering = this.ended = this.closeAfterSend = false;
    this.halfClosedAt = 0;
    this.whenSent = null;
    this.failure = null;
    this.answering = null;
    this.receiver = null;
    this.peerWatch = null;
    return this;
  }

  /** For a closing server: shuts an idle connection down once its last response is out. */
  closeIdle(): void {
    if (this.sender.busy) this.closeAfterSend = true;
    else this.expire();
  }

  /** Shuts the socket down (both ways): the recv ends with EOF and run() returns. A send in flight ends with an error. */
  expire(): void {
    this.deadline = 0;
    // Once closing, the fd number may already belong to someone else.
    if (!this.ended) shutdownNow(this.stream.fd, SHUT_RDWR);
  }

  /**
   * For the server's sweep (`now`: its clock): a handler still running gets
   * its client watched (see peer-watch.ts). A client that reset has left. One
   * whose FIN came may only have half-closed, and still read: the answers owed
   * it (the held one and the requests pipelined before the FIN) still go out
   * if they come within idleTimeout of the FIN being seen, as they do when no
   * sweep comes while their handlers run; after that it is a client that left.
   */
  watchPeer(now: number): void {
    if (this.answering === null || this.ended) return;
    if (this.halfClosedAt !== 0) {
      if (now - this.halfClosedAt >= this.context.idleTimeout) this.leave();
      return;
    }
    if (this.peerWatch !== null) return;
    this.watched = true;
    const left = (gone: boolean): void => {
      if (gone) this.leave();
      else this.halfClosedAt = Date.now();
    };
    this.peerWatch = usesNode() ? watchNodePeer(this.stream, left) : new PeerWatch(this.stream.ring, this.stream.fd, left);
  }

  private stopWatch(): void {
    this.peerWatch?.stop();
    this.peerWatch = null;
  }

  /**
   * The client left while its handler runs (a reset, or a FIN idleTimeout
   * ago): as node:http, the response to come is dropped and the connection
   * closes. The receive loop, held by the handler's promise (which may never
   * settle), goes on from here: to the graceful close, as after a
   * Connection: close. The answers before the held one (drain() started their
   * send) go out first: a client that half-closed still reads them, and the
   * FIN (an IORING_OP_SHUTDOWN, which does not wait for the Sender's SEND)
   * would cut that send off.
   */
  private leave(): void {
    if (this.answering === null) return;
    this.answering = null;
    this.stopWatch();
    this.receiver!.after(this.settle(this.sender.busy ? this.clientReads().then(() => false) : false));
  }

  /**
   * Resolves once the send in flight is over (leave() and answer() wait for
   * it), which waits for the client to read: the idle deadline holds
   * meanwhile (deadline is 0 while a handler holds the connection), so that
   * a client that never reads is shut down by the sweep, as one that does
   * not read a batch's answers.
   */
  private clientReads(): Promise<void> {
    this.deadline = turnNow() + this.context.idleTimeout;
    return this.sendDone();
  }

  /**
   * Serves requests until the connection ends, then calls `ended` (once).
   * By callbacks made once per Connection rather than as an async function:
   * a pooled connection then allocates no generator, promises or closures
   * for a new client, which would live as long as the client and be copied
   * by the scavenges that follow a burst of new connections
   * (docs/performance.md, "Session 15: the tail at c=1000").
   */
  run(ended: (connection: Connection) => void): void {
    this.onEnd = ended;
    this.ending = false;
    this.endError = null;
    this.deadline = turnNow() + this.context.idleTimeout;
    try {
      // Borrowed chunks: the parser copies what it keeps before asking for the next one.
      this.receiver = new Receiver(this, this.stream.chunks({ borrow: true }), this.received, this.receiveFailed);
      this.receiver.next();
    } catch (error) {
      // As a throw inside the async run() was: this connection ends, not the server's accept loop.
      this.receiveFailed(error);
    }
  }

  // The receive loop's end (EOF, or the recv's error or what taking a chunk threw) is handled in a
  // microtask, as an awaited promise's would be: never inside the recv's own completion.
  private readonly received = (): void => {
    if (this.ending) return;
    // At EOF, a failed send is what ended the loop (reported once, as that).
    const failure = this.failure;
    this.failure = null;
    this.endReceive(failure);
  };

  private readonly receiveFailed = (error: unknown): void => this.endReceive(error);

  /** Once: the loop ends once, as a promise settles once. */
  private endReceive(error: unknown): void {
    if (this.ending) return;
    this.ending = true;
    this.endError = error;
    queueMicrotask(this.stop);
  }

  /** Reports why the connection ended, then closes it once no send of ours can still be placed with its fd. */
  private readonly stop = (): void => {
    const error = this.endError;
    this.endError = null;
    try {
      if (error !== null) this.report(error);
    } finally {
      this.deadline = 0;
      this.stopWatch();
      if (this.sender.busy) void this.sendDone().then(this.close);
      else this.close();
    }
  };

  private readonly close = (): void => {
    try {
      if (this.failure !== null) this.report(this.failure);
    } finally {
      this.ended = true;
      this.files?.close();
      this.stream.destroy().then(this.destroyed, this.destroyed);
    }
  };

  private readonly destroyed = (): void => {
    const ended = this.onEnd!;
    this.onEnd = null;
    ended(this);
  };

  /**
   * @internal Takes one chunk, lent where it lies: bytes [start, end) of
   * `memory` (from Receiver). A Step: the next chunk may be read now, or
   * once a promise settles, or (HELD) a handler's answer carries on.
   */
  takeIn(memory: Buffer, start: number, end: number): Step {
    if (this.lingering) return true;
    this.parser.pushIn(memory, start, end);
    return this.settle(this.drain());
  }

  /** @internal (Receiver) The take waits: the parser copies what it still needs of the chunk. */
  letGo(): boolean {
    this.parser.detach();
    return true;
  }

  /** What follows answering what was buffered: the deadline for the next request, or the graceful close. */
  private settle(open: Open | Promise<Open>): Step {
    if (open === true) {
      this.schedule();
      return true;
    }
    return open === HELD ? HELD : this.settleLater(open);
  }

  private async settleLater(open: false | Promise<Open>): Promise<true | typeof HELD> {
    const result = open === false ? false : await open;
    if (result === HELD) return HELD;
    if (result) this.schedule();
    else await this.lingerClose();
    return true;
  }

  /** A peer that resets or vanishes ends only its own connection, and is not an error worth reporting. */
  private report(error: unknown): void {
    const errno = (error as NodeJS.ErrnoException).errno;
    if (errno !== -ECONNRESET && errno !== -EPIPE && (error as { code?: string }).code !== 'ERR_RINGCORE_CLOSED') this.context.onError(error);
  }

  /** Throws (once) the error of a send that failed. */
  private throwFailure(): void {
    const failure = this.failure;
    if (failure === null) return;
    this.failure = null;
    throw failure;
  }

  /** Sends the output buffer and waits for it. */
  private async sendOut(): Promise<void> {
    if (this.out.length === 0) return;
    this.sender.start(this.out.view(), this.sent, this.out.address());
    await this.sendDone();
    this.throwFailure();
  }

  /** Resolves once the send in flight is over. */
  private sendDone(): Promise<void> {
    return new Promise((resolve) => {
      const before = this.whenSent;
      this.whenSent = () => {
        before?.();
        resolve();
      };
    });
  }

  /** Sets the deadline for what the connection waits for now. */
  private schedule(): void {
    const now = turnNow();
    const parser = this.parser;
    if (parser.inHead) {
      if (this.headStart === 0) this.headStart = now;
      this.deadline = this.headStart + this.context.headersTimeout;
    } else {
      this.headStart = 0;
      this.deadline = now + this.context.idleTimeout;
    }
    this.idle = parser.idle;
    if (this.idle && this.context.closing) this.closeIdle();
  }

  /**
   * Answers every complete request buffered, in order: synchronously while
   * each handler answers at once and no send is in flight, and then the
   * batch's send is started, not waited for. Returns false when the
   * connection must close (after a refused request or a Connection: close),
   * HELD when a handler returned a promise, or a promise of those when it
   * had to wait.
   */
  private drain(): Open | Promise<Open> {
    const out = this.out;
    for (;;) {
      // The output buffer is the send's until it is over. Bytes of a next request wait for it: a
      // closing server must answer that request rather than shut the connection down under it.
      if (this.sender.busy) {
        if (!this.parser.idle) this.idle = false;
        return this.sendDone().then(() => this.drain());
      }
      this.throwFailure();
      let parsed: ParsedRequest | null;
      try {
        parsed = this.parser.next();
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        const response = new HttpResponse(`${error.message}\n`, { status: error.status });
        serialize(out, response, { head: false, keepAlive: false, minor: 1 });
        return this.flush(null).then(() => false);
      }
      if (parsed === null) break;
      // A 100 sent was for this request's body: the next request that waits for its body gets its own.
      this.continued = false;
      if (parsed.method === 'CONNECT' && !this.context.connect) {
        // What follows a CONNECT is tunnel bytes, not requests: answer and close.
        serialize(out, new HttpResponse(NO_CONNECT, { status: 501 }), { head: false, keepAlive: false, minor: parsed.minor });
        return this.flush(null).then(() => false);
      }
      this.idle = false;
      this.deadline = 0; // the handler's time is not the client's
      this.headStart = 0;
      // A handler that returns its response directly costs no promise. One that returns a promise holds
      // the connection: its reaction (answer(), by callbacks made once per connection) carries the loop on.
      const answer = this.respond(parsed);
      if (!(answer instanceof HttpResponse)) {
        this.answering = parsed;
        this.waiting++;
        // The batch's answers so far leave now, not once this handler answers (which may take long).
        if (out.length > 0) this.sender.start(out.view(), this.sent, out.address());
        void answer.then((this.onAnswer ??= (result) => this.answer(result)), (this.onThrow ??= (error) => this.answer(this.failed(error))));
        return HELD;
      }
      const open = this.answered(parsed, answer);
      if (open !== true) return open === false ? false : open.then((more) => more && this.drain());
    }
    const waiting = this.parser.awaitingBody;
    if (waiting?.expectContinue && !this.continued) {
      this.continued = true;
      return this.flush(null).then(() => this.stream.write(CONTINUE).then(() => true));
    }
    if (out.length > 0) this.sender.start(out.view(), this.sent, out.address());
    return true;
  }

  /**
   * A handler's promise settled: its answer is written, the next requests
   * buffered are answered, and the receive loop goes on. Dropped if the
   * client left meanwhile (leave()), a file body given back (done()). What
   * is not an HttpResponse is converted (a WHATWG Response) or refused (a
   * 500) first, by adopt().
   */
  private answer(result: unknown): void {
    this.waiting--;
    const parsed = this.answering;
    if (parsed === null) {
      if (result instanceof HttpResponse && isFileBody(result.body)) result.body.done?.();
      return;
    }
    if (!(result instanceof HttpResponse)) {
      this.waiting++;
      void this.adopt(result as Response).then(this.onAnswer!);
      return;
    }
    // The output buffer is the send's until it is over (drain() sent the earlier answers when it held).
    if (this.sender.busy) {
      this.waiting++;
      void this.clientReads().then(() => this.answer(result));
      return;
    }
    this.answering = null;
    this.stopWatch();
    const receiver = this.receiver!;
    let step: Step;
    try {
      const open = this.answered(parsed, result);
      step = this.settle(open === true ? this.drain() : open === false ? false : open.then((more) => more && this.drain()));
    } catch (error) {
      receiver.fail(error);
      return;
    }
    receiver.after(step);
  }

  /**
   * Writes the handler's response into the output buffer. True: go on with
   * the next request; false: the connection closes (its bytes are sent); a
   * promise when a large body or a file had to be sent first.
   */
  private answered(parsed: ParsedRequest, response: HttpResponse): boolean | Promise<boolean> {
    const out = this.out;
    // The handler ran since the batch's reading, for as long as it liked: this response's Date, and the deadlines after it, read the clock again.
    rereadClock();
    // Asked after the handler: a server that started closing meanwhile says so in this response.
    // No tunnels here: after a CONNECT the handler answered, the connection closes.
    const keepAlive = parsed.keepAlive && !this.context.closing && parsed.method !== 'CONNECT';
    const framing = { head: parsed.method === 'HEAD', keepAlive, minor: parsed.minor };
    let tail: Tail;
    try {
      tail = serialize(out, response, framing);
    } catch (error) {
      // A header that could split the response (CR, LF) or an invalid name: nothing of it was written.
      this.context.onError(error);
      if (isFileBody(response.body)) response.body.done?.();
      tail = serialize(out, new HttpResponse('Internal Server Error\n', { status: 500 }), framing);
    }
    // A large body goes out now, behind what is buffered; small ones wait for the batch.
    if (!keepAlive) return this.flush(tail).then(() => false);
    if (tail !== null || out.length >= LARGE_BODY) return this.flush(tail).then(() => true);
    return true;
  }

  /**
   * Runs the handler; its exception is a 500 (and is reported), never the
   * connection's end. A promise it returns is handed back as it is: what it
   * resolves with is checked by answer().
   */
  private respond(parsed: ParsedRequest): HttpResponse | Promise<unknown> {
    try {
      const returned = this.context.handler(new HttpRequest(parsed, 'http', this.peer));
      if (returned instanceof HttpResponse || returned instanceof Promise) return returned;
      return this.adopt(returned);
    } catch (error) {
      return this.failed(error);
    }
  }

  /** A handler's answer that is not an HttpResponse: converted (a WHATWG Response, or a thenable's value) or refused (a 500). */
  private async adopt(returned: Promise<HttpResponse | Response> | Response): Promise<HttpResponse> {
    try {
      const result = await returned;
      if (result instanceof HttpResponse) return result;
      if (typeof Response === 'function' && result instanceof Response) return await toHttpResponse(result);
      throw new TypeError(`the handler must return an HttpResponse or a Response, got ${String(result)}`);
    } catch (error) {
      return this.failed(error);
    }
  }

  private failed(error: unknown): HttpResponse {
    this.context.onError(error);
    return new HttpResponse('Internal Server Error\n', { status: 500 });
  }

  /** Sends the output buffer, then `tail` (a large buffer in the same writev, or a file range by splice), and waits for both. */
  private async flush(tail: Tail): Promise<void> {
    const out = this.out;
    try {
      if (tail === null) {
        await this.sendOut();
      } else if (tail instanceof Uint8Array) {
        await this.stream.writev([out.view(), tail]);
      } else if (isFileBody(tail)) {
        try {
          await this.sendOut();
          if (usesNode()) await nodeHttp.sendFile(this.stream, tail);
          else await (this.files ??= new FileSender(this.stream.ring)).send(this.stream.fd, tail);
        } finally {
          tail.done?.();
        }
      }
    } finally {
      out.clear();
    }
  }

  /**
   * Closes gracefully: FIN after the last response, then drops whatever the
   * client still sends until it closes too (or LINGER_MS pass), so the
   * kernel does not answer unread bytes with a reset that could destroy the
   * response before the client reads it.
   */
  private async lingerClose(): Promise<void> {
    this.lingering = true;
    this.idle = true;
    this.deadline = turnNow() + LINGER_MS;
    await this.stream.shutdown('write').catch(() => {});
  }
}
