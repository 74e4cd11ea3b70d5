// One connection of createServer(): bytes from the socket's multishot recv go
// into ringcore's RequestParser; each request head becomes node:http's own
// IncomingMessage and ServerResponse, and its body is pushed into the
// request as it arrives. Responses go out through an HttpSocket, one at a
// time in request order (a pipelined request's response waits, buffered in
// its ServerResponse, until the one before it has finished).
//
// Backpressure: while the request does not want more body (push() said
// no, or it is paused), or pipelined requests' responses back up past the
// socket's high-water mark (node:http's rule), the next chunk is not pulled
// from the socket.
//
// Chunks are taken by callback (receiver.ts), each as its completion is
// reaped: the parser reads it where the kernel put it, and the request's
// handler runs as soon as its head is in, not after the whole batch. The
// body is copied once, into blocks of up to 64 KiB (body-blocks.ts); what a
// batch of completions brought goes to the request as one 'data' once the
// batch is reaped (a microtask), as node:http gives what one read brought.
import type { EventEmitter } from 'node:events';
import type * as Http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toDuplex, type RingcoreDuplex } from '../../net/duplex.js';
import type { BorrowedChunk, ChunkIterator, ChunkOptions } from '../../net/chunks.js';
import { HttpError, LINGER_MS, type Limits } from '../limits.js';
import { RequestParser, type ParsedRequest } from '../parser.js';
import { HELD, Receiver, type Step } from '../receiver.js';
import { HttpSocket, type SocketOwner } from './http-socket.js';
import { asTcp, type ServedStream } from './served-stream.js';
import { shutdownNow } from '../../net/socket.js';
import { SHUT_RDWR } from '../../sys/socket-constants.js';
import { nodeHttpError } from '../../sys/errors.js';
import { ECONNRESET, EPIPE } from '../../sys/errno.js';
import { lazyBuiltin } from '../../sys/builtins.js';
import type { MessageClasses } from './listener-prototypes.js';
import { checkEncodings } from './encoding-check.js';
import { countHeldOutput } from './held-output.js';

/** Chunks are parsed where they are (the parser and the body copy what they keep): borrowed views, no copy. */
// node:http's reason phrases, read by the first refusal: loaded on first use, not at import (../status.ts).
const http = lazyBuiltin<typeof Http>('node:http');
const BORROWED = { borrow: true } as const satisfies ChunkOptions;

/** What a connection needs from its server (createServer's Server). */
export interface ConnectionHost extends EventEmitter {
  readonly IncomingMessage: typeof IncomingMessage;
  readonly ServerResponse: typeof ServerResponse;
  readonly maxHeadersCount: number | null;
  readonly maxRequestsPerSocket: number;
  readonly keepAliveTimeout: number;
  readonly keepAliveTimeoutBuffer: number;
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly timeout: number;
  readonly closing: boolean;
  /** The classes a request that goes to 'request' first is built with (the first listener's prototypes, see listener-prototypes.ts). */
  requestClasses(): MessageClasses;
  handle(req: IncomingMessage, res: ServerResponse): void;
  reportError(error: unknown): void;
  forget(connection: NodeConnection): void;
  socketTimeoutSet(ms: number): void;
}

/** What the connection waits for now (the server's sweep applies the matching timeout). */
export const enum Phase {
  /** Between requests (keepAliveTimeout once a response has finished). */
  Idle,
  /** Part of a request head is here (headersTimeout). */
  Head,
  /** The head is here, the body is coming (requestTimeout). */
  Body,
  /** Closing: FIN sent, reading what is left. */
  Closing,
}

// IncomingMessage's and ServerResponse's members that node:http's own server sets, untyped in @types/node.
interface Incoming extends IncomingMessage {
  _addHeaderLines(headers: string[], n: number): void;
  _dump(): void;
  _consuming: boolean;
  _readableState: { resumeScheduled: boolean; flowing: boolean | null };
}
interface Outgoing extends ServerResponse {
  _keepAliveTimeout: number;
  _maxRequestsPerSocket: number;
  _last: boolean;
  _closed: boolean;
  _header: string | null;
  _expect_continue: boolean;
  _onPendingData: (delta: number) => void;
  assignSocket(socket: unknown): void;
  detachSocket(socket: unknown): void;
}

function connectionReset(message: string): Error {
  return nodeHttpError('ECONNRESET', message);
}

/** The error a refused request is reported as ('clientError'), with node:http's codes where frameworks look for them. */
function clientError(error: HttpError): HttpError & { status: number } {
  const code = error.status === 431 ? 'HPE_HEADER_OVERFLOW' : error.status === 413 ? 'HPE_BODY_TOO_LARGE' : 'HPE_INVALID';
  return Object.defineProperty(Object.assign(error, { status: error.status }), 'code', { value: code });
}

export class NodeConnection implements SocketOwner {
  readonly socket: HttpSocket;
  phase = Phase.Head;
  /** When the current phase began (ms since the epoch). */
  since: number;
  /** The last byte received or sent. */
  lastActivity: number;
  /** When setTimeout() last armed the socket's inactivity timeout: it counts from then, or from the last activity since. */
  private timeoutArmed = 0;
  /** The inactivity timeout came ('timeout'): as net.Socket's timer, not again until the next activity or setTimeout(). */
  private timeoutNoticed = false;
  /** Requests on this connection so far. */
  requests = 0;
  private readonly parser: RequestParser;
  private iterator: ChunkIterator<BorrowedChunk> | null = null;
  /** The request whose body is arriving. */
  private body: Incoming | null = null;
  private readonly parts: Buffer[] = [];
  /** Requests whose responses have not finished, in order; the first owns the socket. */
  private readonly active: { req: Incoming; res: Outgoing }[] = [];
  private paused = false;
  private wake: (() => void) | null = null;
  /** Bytes the responses behind the first hold, not yet the socket's (node:http's outgoingData, kept by their _onPendingData). */
  private queued = 0;
  /** A flush of the body bytes gathered so far is queued (flushBody, a microtask). */
  private flushQueued = false;
  private upgraded = false;
  private closing = false;
  /** The parser refused a request: nothing more the client sends is parsed (see refuse()). */
  private refused = false;
  /** A refused request's status (no 'clientError' listener), held until the responses owed before it are out (finished()); 0: none. */
  private refusedStatus = 0;
  /** The request the client's EOF cut short, left in `active` (refuse() with abortBody false): its answer, if it comes, replaces the status. */
  private refusedCut: Incoming | null = null;
  /**
   * Every response has finished and the connection waits for the next request (keepAliveTimeout on): that request
   * starts with the server's timeout as the socket's, as node:http's resetSocketTimeout (server.setTimeout() since).
   */
  private keptAlive = false;
  /** A request without keep-alive was read: RFC 9112 9.6, nothing after it on the connection is processed. */
  private lastRead = false;
  private ended = false;
  /** finish() or close() was called: the connection is on its way out (what run() waits for after the client's EOF). */
  private leaving = false;
  private left: (() => void) | null = null;
  /**
   * When the client half-closed with responses still owed (ms since the epoch; 0: it has not). Those responses
   * still go out, but for requestTimeout at most: a client that closed (FIN) is indistinguishable from one that
   * half-closed, and a handler that never answered held the connection and its fd for good (node:http ends it
   * at the FIN), and server.close() never completed.
   */
  private clientEndedAt = 0;

  constructor(
    private readonly stream: ServedStream,
    private readonly server: ConnectionHost,
    limits: Limits,
  ) {
    this.parser = new RequestParser(limits);
    this.socket = new HttpSocket(stream, this);
    this.socket.server = server;
    // As node:http's connection listener: net.Socket's rules, its errors.
    if (server.timeout) this.socket.setTimeout(server.timeout);
    this.since = this.lastActivity = Date.now();
    void this.run();
  }

  /** No request in progress (none being answered, none partly received): closeIdleConnections() and a closing server may end it now. */
  get idle(): boolean {
    return !this.upgraded && this.active.length === 0 && this.phase !== Phase.Body && this.body === null && !this.parser.inHead;
  }

  /** Handed over by 'upgrade' or 'connect': no longer HTTP, and not the server's to close (as in node:http). */
  get handedOver(): boolean {
    return this.upgraded;
  }

  /** The response that owns the socket, if its head has gone out (a timeout can then no longer answer 408). */
  get responding(): boolean {
    const first = this.active[0];
    return first?.res.headersSent;
  }

  private async run(): Promise<void> {
    let failed = false;
    try {
      const iterator = (this.iterator = this.stream.chunks(BORROWED));
      // Resolves at the client's EOF; never once the connection is handed over (takeIn: HELD).
      await new Promise<void>((resolve, reject) => new Receiver(this, iterator, resolve, reject).next());
      this.flushBody();
      await this.clientEnded();
    } catch (error) {
      failed = true;
      const errno = (error as NodeJS.ErrnoException).errno;
      const code = (error as { code?: string }).code;
      if (errno === -ECONNRESET) this.reset(error as Error);
      else if (errno !== -EPIPE && code !== 'ERR_RINGCORE_CLOSED' && code !== 'ECANCELED') this.server.reportError(error);
    }
    this.ended = true;
    this.iterator?.return();
    // The client is gone (or we are): what was still being received or answered is aborted.
    if (this.body !== null && !this.body.complete) {
      failed = true;
    }
    await this.stream.destroy().catch(() => {});
    // As node:http's socketOnClose: the requests are aborted first, then the socket's 'close' reaches the responses.
    // (Marked destroyed first, so that an unfinished request's destroy does not destroy the socket again; and
    // neither readable nor writable, as node's socket is by then: on-finished, which body-parser waits on after
    // an aborted body, takes a socket that is still readable for one still open.)
    this.socket.destroyed = true;
    this.socket.readable = this.socket.writable = false;
    for (const { req } of this.active.splice(0)) if (!req.destroyed) req.destroy(connectionReset('aborted'));
    if (this.body !== null && !this.body.destroyed) this.body.destroy(connectionReset('aborted'));
    this.body = null;
    this.socket.closed(failed);
    this.server.forget(this);
  }

  /**
   * The client reset the connection (its recv failed with ECONNRESET): as
   * node:http's socketOnError, 'clientError' with the error and the socket,
   * which is destroyed already (not writable: no answer can go out), whether
   * a request was in progress or the connection was idle between requests.
   * Without a listener nothing more is done: the requests are aborted next.
   */
  private reset(error: Error): void {
    this.socket.destroyed = true;
    this.socket.readable = this.socket.writable = false;
    if (this.server.listenerCount('clientError') > 0) this.server.emit('clientError', error, this.socket);
  }

  /**
   * The client half-closed (EOF). As node:http's socketOnEnd: a request cut
   * short is refused (400), and the responses it is owed still go out
   * before the connection closes; it closes after the last of them. Waits
   * until the connection is on its way out.
   */
  private async clientEnded(): Promise<void> {
    if (!this.closing && !this.refused) {
      if (this.body !== null || this.parser.inHead) {
        // node:http's parser.finish(): HPE_INVALID_EOF_STATE.
        const error = clientError(new HttpError(400, 'the client closed the connection in the middle of a request'));
        this.refuse(Object.defineProperty(error, 'code', { value: 'HPE_INVALID_EOF_STATE' }), false);
      } else if (this.active.length > 0) {
        // As node:http (which still says keep-alive in them): the connection ends after the last.
        this.active[this.active.length - 1]!.res._last = true;
        this.clientEndedAt = Date.now();
      } else {
        return;
      }
    }
    if (!this.leaving) await new Promise<void>((resolve) => (this.left = resolve));
  }

  /**
   * @internal (Receiver) Takes one chunk, lent where it lies: bytes [start,
   * end) of `memory`, which the parser copies what it keeps of before this
   * returns. The next chunk is read at once, or once the request wants more
   * body, or never (handed over).
   */
  takeIn(memory: Buffer, start: number, end: number): Step {
    this.socket.bytesRead += end - start;
    this.lastActivity = Date.now();
    this.timeoutNoticed = false;
    if (this.closing || this.refused) return true;
    this.parser.pushIn(memory, start, end);
    this.consume();
    if (this.upgraded) return HELD;
    if ((this.paused || this.backedUp) && !this.closing) return new Promise<true>((resolve) => (this.wake = () => resolve(true)));
    return true;
  }

  /** @internal (Receiver) The take waits: the parser copies what it still needs of the chunk; not once handed over. */
  letGo(): boolean {
    if (this.upgraded) return false;
    this.parser.detach();
    return true;
  }

  /**
   * Pipelined requests wait for their turn and the responses owed back up past the socket's high-water mark: as
   * node:http, no more requests are read until they drain. (Every request read ran its handler and kept its
   * response in memory: a client that pipelined and did not read grew the server without bound.)
   */
  private get backedUp(): boolean {
    return this.active.length > 1 && (this.queued >= this.socket.writableHighWaterMark || this.socket.writableNeedDrain);
  }

  private readonly pendingData = (delta: number): void => {
    this.queued += delta;
  };

  /** The body bytes gathered and not yet given to the request go to it now (queued once the batch of completions is reaped). */
  private readonly flushBody = (): void => {
    this.flushQueued = false;
    const req = this.body;
    if (req === null || this.closing || this.refused || this.parser.bodyPending === 0) return;
    const parts = this.parts;
    this.parser.flushBody(parts);
    for (let i = 0; i < parts.length; i++) this.give(req, parts[i]!);
    parts.length = 0;
  };

  /**
   * Pushes body bytes into the request. A push() that says no pauses the receive, unless the request
   * is about to flow: a handler's on('data') or resume() starts the flow a tick later (resumeScheduled),
   * so the first 64 KiB block, pushed within the reap that ran the handler, always says no. Pausing
   * there left the rest of that batch of completions to be copied out of the ring one by one (16 per
   * 200 KiB upload) and parsed a turn later; they are in memory either way, now copied once, into
   * the blocks. The next push() after the flow has started pauses as before, and so does this one
   * if the handler paused the request (flowing false) in the same turn.
   */
  private give(req: Incoming, chunk: Buffer): void {
    const state = req._readableState;
    if (!req.push(chunk) && !(state.resumeScheduled && state.flowing === true)) this.paused = true;
  }

  /** Parses what is buffered: starts each request, feeds its body. */
  private consume(): void {
    const parser = this.parser;
    try {
      for (;;) {
        const req = this.body;
        if (req !== null) {
          const parts = this.parts;
          const complete = parser.takeBody(parts);
          for (let i = 0; i < parts.length; i++) this.give(req, parts[i]!);
          parts.length = 0;
          if (!complete) {
            if (!this.flushQueued && parser.bodyPending > 0) {
              this.flushQueued = true;
              queueMicrotask(this.flushBody);
            }
            return;
          }
          req.complete = true;
          // Once complete, node:http's _addHeaderLines fills req.trailers / req.rawTrailers.
          const trailers = parser.takeTrailers();
          if (trailers !== null) req._addHeaderLines(trailers, this.keptLines(trailers.length));
          req.push(null);
          // The body's backpressure ends with it (node:http's parserOnMessageComplete: readStart): a push() that said
          // no to its last bytes is never followed by a _read() (the request has ended), so nothing else would resume.
          this.paused = false;
          this.body = null;
          this.phase = Phase.Idle;
          this.since = this.lastActivity;
          continue;
        }
        if (this.lastRead) {
          // What follows a request without keep-alive is dropped, not answered.
          parser.discard();
          return;
        }
        const parsed = parser.nextHead();
        if (parsed === null) {
          if (parser.inHead && this.phase === Phase.Idle) {
            this.phase = Phase.Head;
            this.since = this.lastActivity;
          }
          return;
        }
        if (this.phase === Phase.Idle) this.since = this.lastActivity;
        this.phase = parsed.body === null ? Phase.Idle : Phase.Body;
        // A request without keep-alive, or one read while the server closes (its response says close), is the last.
        if (!parsed.keepAlive || this.server.closing) this.lastRead = true;
        this.dispatch(parsed);
        if (this.upgraded || this.closing) return;
      }
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      this.refuse(clientError(error));
    }
  }

  /**
   * A request the parser refused: 'clientError', or (without listeners) its status, then close.
   * `abortBody` false: the request whose body was arriving is left to be aborted when the connection
   * closes (ECONNRESET 'aborted'), as node:http does after the client's EOF.
   */
  private refuse(error: HttpError & { status: number }, abortBody = true): void {
    // Until the answer is out and the connection closes, chunks still come, and are dropped: the
    // parser lets go of the refused one now, which goes back to the kernel as the next is taken.
    this.refused = true;
    this.parser.discard();
    this.paused = false;
    // The requests before the refused one (or the one the client's EOF cut short) are whole: pipelined
    // requests are answered in order, its status after theirs.
    const body = this.body;
    const cut = !abortBody && body !== null && this.active.some((a) => a.req === body) ? body : null;
    const afterOwed = this.active.length > (cut !== null ? 1 : 0) && (body === null || cut !== null);
    const aborted = abortBody ? body : null;
    if (abortBody) this.body = null;
    if (this.server.listenerCount('clientError') > 0) {
      this.server.emit('clientError', error, this.socket);
      if (!this.socket.destroyed && !this.closing) this.startClosing();
    } else if (afterOwed) {
      this.refusedStatus = error.status;
      this.refusedCut = cut;
    } else {
      // As node:http: the status goes out unless the response that owns the socket has begun.
      if (this.responding !== true && this.socket.writable) this.socket.write(statusOnly(error.status));
      this.socket.end();
    }
    // Last: destroying an unfinished request destroys its socket (node:http's IncomingMessage), and the answer is written by now.
    if (aborted !== null && !aborted.destroyed) aborted.destroy(error);
  }

  /** The timeouts' answer (node:http's): 408 when no response has begun, then close. */
  timedOut(): void {
    // As after a refusal: what the client sends while the 408 goes out is not parsed (no request after it).
    this.refused = true;
    this.parser.discard();
    const error = nodeHttpError('ERR_HTTP_REQUEST_TIMEOUT', 'Request timeout');
    if (this.server.listenerCount('clientError') > 0) {
      this.server.emit('clientError', error, this.socket);
      if (!this.socket.destroyed && !this.closing) this.startClosing();
      return;
    }
    if (this.responding || !this.socket.writable) {
      this.socket.destroy();
      return;
    }
    this.socket.write(statusOnly(408));
    this.socket.end();
  }

  private dispatch(parsed: ParsedRequest): void {
    const server = this.server;
    const socket = this.socket;
    const minor = parsed.minor;
    const headers = parsed.headers;
    let upgrade = false;
    let expect: string | undefined;
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      if (name === 'upgrade') upgrade = true;
      else if (name === 'expect') expect = headers[i + 1];
    }
    upgrade = parsed.method === 'CONNECT' || (upgrade && hasToken(headers, 'connection', 'upgrade'));

    if (upgrade && (parsed.method === 'CONNECT' ? server.listenerCount('connect') > 0 : server.listenerCount('upgrade') > 0)) {
      this.handOver(parsed);
      return;
    }
    if (parsed.method === 'CONNECT') {
      // No 'connect' listener: node:http closes the connection; it never tunnels (no 2xx).
      socket.destroy();
      return;
    }

    if (this.keptAlive) {
      this.keptAlive = false;
      // As node:http's resetSocketTimeout (nothing to do when neither has one: not a call per request).
      if (server.timeout || socket.timeout !== 0) socket.setTimeout(server.timeout || 0);
    }
    this.requests++;
    const max = server.maxRequestsPerSocket;
    const dropped = max > 0 && this.requests > max;
    // A request that 'checkContinue', 'checkExpectation' or 'dropRequest' sees first is node:http's plain one.
    const continues = expect !== undefined && (parsed.expectContinue || /^100-continue$/i.test(expect));
    const plain = dropped || (expect !== undefined && (!continues || server.listenerCount('checkContinue') > 0));
    const classes: MessageClasses = plain ? server : server.requestClasses();
    const req = new classes.IncomingMessage(socket as never) as Incoming;
    this.fill(req, parsed);
    if (parsed.body === null) {
      req.complete = true;
      req.push(null);
    } else {
      this.body = req;
    }

    const res = new classes.ServerResponse(req) as unknown as Outgoing;
    checkEncodings(res, http());
    countHeldOutput(res, http());
    res.shouldKeepAlive = parsed.keepAlive && !server.closing;
    res._keepAliveTimeout = server.keepAliveTimeout;
    res._maxRequestsPerSocket = max;
    if (max > 0 && this.requests >= max) (res as { maxRequestsOnConnectionReached?: boolean }).maxRequestsOnConnectionReached = true;
    res._onPendingData = this.pendingData;
    this.active.push({ req, res });
    if (this.active.length === 1) res.assignSocket(socket);
    res.on('finish', () => this.finished(req, res));

    try {
      if (dropped) {
        // As node:http: past maxRequestsPerSocket, 'dropRequest' and a 503, in its turn behind the responses before it.
        server.emit('dropRequest', req, socket);
        res.writeHead(503);
        res.end();
      } else if (expect !== undefined) {
        if (continues) {
          if (minor === 1) res._expect_continue = true;
          if (server.listenerCount('checkContinue') > 0) server.emit('checkContinue', req, res);
          else {
            if (minor === 1) res.writeContinue();
            server.handle(req, res);
          }
        } else if (server.listenerCount('checkExpectation') > 0) {
          server.emit('checkExpectation', req, res);
        } else {
          res.writeHead(417);
          res.end();
        }
      } else {
        server.handle(req, res);
      }
    } catch (error) {
      this.failed(error, res, true);
    }
    // A response that already says close is the last: nothing after it is read. The requests pipelined behind
    // it ran their handlers, and their responses were lost when it closed the connection.
    if (res._last) this.lastRead = true;
  }

  /**
   * A request listener threw (`thrown`), or its promise rejected (server.ts, captureRejections): the error is
   * reported, and the response is answered as node:http's server answers a rejection: the headers the listener
   * set are removed, and a 500 with the body "Internal Server Error" goes out; a response that has begun or ended
   * is destroyed instead (its socket, now or once it is its turn: node's destroy()). After a rejection the
   * connection goes on, as node:http's. A listener that threw (node:http's process would end) also ends it: its
   * 500 says close and nothing after it is read (it is the last response owed: the requests behind it are read after).
   */
  failed(error: unknown, res: ServerResponse, thrown: boolean): void {
    this.server.reportError(error);
    if (res.headersSent || res.writableEnded) {
      res.destroy();
      return;
    }
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    res.statusCode = 500;
    if (thrown) {
      res.setHeader('connection', 'close');
      this.lastRead = true;
    }
    res.end(http().STATUS_CODES[500]);
  }

  private fill(req: Incoming, parsed: ParsedRequest): void {
    req.method = parsed.method;
    req.url = parsed.target;
    req.httpVersionMajor = 1;
    req.httpVersionMinor = parsed.minor;
    req.httpVersion = parsed.minor === 1 ? '1.1' : '1.0';
    const headers = parsed.headers;
    req._addHeaderLines(headers, this.keptLines(headers.length));
  }

  /** How many of `length` flat header entries are kept: maxHeadersCount headers (node:http's default 2000; 0: all). */
  private keptLines(length: number): number {
    const max = this.server.maxHeadersCount ?? 2000;
    return max > 0 ? Math.min(length, max * 2) : length;
  }

  /** A response has finished: the next one in line gets the socket, as in node:http's resOnFinish. */
  private finished(req: Incoming, res: Outgoing): void {
    const active = this.active;
    if (active[0]?.res === res) active.shift();
    // Nobody read the body: drop it, so the next request can be read. node:http tells by _consuming (its
    // _read ran); a body pushed here before the flow began never calls _read, so a request whose 'end' was
    // emitted (read to the end) is not dumped either: node:http's keeps its 'data' listeners there too.
    if (!req._consuming && !req._readableState.resumeScheduled && !req.readableEnded) req._dump();
    res.detachSocket(this.socket);
    process.nextTick(closeResponse, res);
    // (Newer Node versions say Connection: close at maxRequestsPerSocket without setting _last;
    // the 503s of requests pipelined past it still go out, in turn, before the close.)
    const lastAllowed = (res as { maxRequestsOnConnectionReached?: boolean }).maxRequestsOnConnectionReached === true;
    if (res._last || (lastAllowed && active.length === 0)) {
      this.socket.destroySoon();
    } else if (this.refusedStatus !== 0 && (active.length === 0 || (active[0]!.req === this.refusedCut && !active[0]!.res.writableEnded))) {
      // The responses owed before a refused request are out: its status (none if the request cut short got its answer), then the close.
      if (this.socket.writable && (active.length > 0 || this.refusedCut === null)) this.socket.write(statusOnly(this.refusedStatus));
      this.socket.end();
    } else if (active.length === 0) {
      this.keptAlive = this.server.keepAliveTimeout > 0;
      if (this.phase === Phase.Idle) this.since = Date.now();
      if (this.server.closing && this.idle) this.socket.end();
    } else {
      active[0]!.res.assignSocket(this.socket);
      this.readOn();
    }
  }

  /**
   * The server is closing: the last response owed says Connection: close, and nothing after it is read (RFC 9112
   * 9.6). Not the ones before it: the first to say close ended the connection, and the responses behind it, whose
   * handlers ran, were lost. If its head is out, the next request read says close (dispatch), or the connection
   * ends once idle (finished).
   */
  lastResponses(): void {
    const last = this.active[this.active.length - 1];
    if (last === undefined || last.res.headersSent) return;
    last.res.shouldKeepAlive = false;
    this.lastRead = true;
  }

  /** 'upgrade' / 'connect': the socket leaves HTTP; the listener gets a Duplex over it and the bytes after the head. */
  private handOver(parsed: ParsedRequest): void {
    this.upgraded = true;
    this.phase = Phase.Idle;
    const head = this.parser.remaining();
    const stream = this.stream;
    const iterator = this.iterator!;
    // The responses written before the upgrade go out first (node:http's one socket keeps its writes in call order).
    const before = this.socket.written();
    const after = <T>(send: () => Promise<T>): Promise<T> => (before === null ? send() : before.then(send));
    const duplex: RingcoreDuplex = toDuplex({
      // The connection's chunks are borrowed (overwritten at the next read); the duplex keeps what it pushes: copies.
      chunks: () => ({
        next: () => iterator.next().then((result) => (result.done ? result : { done: false, value: Buffer.from(result.value) })),
        return: () => iterator.return(),
      }),
      write: (data) => after(() => stream.write(data)),
      writev: (data) => after(() => stream.writev(data)),
      shutdown: (how) => after(() => stream.shutdown(how)),
      destroy: () => stream.destroy(),
      get localAddress() {
        return asTcp(stream)?.localAddress ?? null;
      },
      get remoteAddress() {
        return asTcp(stream)?.remoteAddress ?? null;
      },
      setNoDelay: (noDelay) => asTcp(stream)?.setNoDelay(noDelay),
      setKeepAlive: (enable, delay) => asTcp(stream)?.setKeepAlive(enable, delay),
    });
    (duplex as { server?: unknown }).server = this.server;
    const req = new this.server.IncomingMessage(duplex as never) as Incoming;
    this.fill(req, parsed);
    (req as { upgrade?: boolean }).upgrade = true;
    req.complete = true;
    req.push(null);
    // The connection now belongs to the listener; the server forgets it once the duplex closes.
    duplex.once('close', () => this.server.forget(this));
    this.server.emit(parsed.method === 'CONNECT' ? 'connect' : 'upgrade', req, duplex, head);
  }

  // ---- SocketOwner ---------------------------------------------------------------

  resume(): void {
    this.paused = false;
    this.readOn();
  }

  writesDrained(): void {
    this.readOn();
  }

  /** Pulls the next chunk, if reading waits and nothing holds it back any more. */
  private readOn(): void {
    if (this.wake === null || ((this.paused || this.backedUp) && !this.closing)) return;
    const wake = this.wake;
    this.wake = null;
    wake();
  }

  touch(): void {
    this.lastActivity = Date.now();
    this.timeoutNoticed = false;
  }

  timeoutSet(ms: number): void {
    this.timeoutArmed = Date.now();
    this.timeoutNoticed = false;
    this.server.socketTimeoutSet(ms);
  }

  /** Ends now (destroy): the recv ends with EOF, and run() closes the socket and reports 'close'. */
  close(): void {
    if (this.ended) return;
    this.startClosing();
    this.leave();
    // A SEND still in the ring has its first try: the io_uring SHUTDOWN is placed behind it (and fails it if the peer stopped
    // reading). Not shutdown('both'), which would wait for it.
    if (this.socket.flushed) shutdownNow(this.stream.fd, SHUT_RDWR);
    else this.stream.cutOff().catch(() => {});
  }

  /** Ends gracefully: FIN after the last response, then reads (and drops) what the client still sends for a while. */
  finish(): void {
    if (this.ended) return;
    this.startClosing();
    this.leave();
    this.stream.shutdown('write').catch(() => {});
  }

  private leave(): void {
    this.leaving = true;
    const left = this.left;
    this.left = null;
    left?.();
  }

  private startClosing(): void {
    this.closing = true;
    this.phase = Phase.Closing;
    this.since = Date.now();
    this.resume();
  }

  /** The server's sweep: applies the timeout the connection is under now (node:http's answers). */
  sweep(now: number): void {
    if (this.upgraded || this.ended) return;
    const server = this.server;
    const idleFor = this.socket.timeout;
    if (idleFor > 0 && !this.timeoutNoticed && now - Math.max(this.lastActivity, this.timeoutArmed) >= idleFor) {
      this.timeoutNoticed = true;
      this.inactive();
    }
    // The client half-closed (or left) with answers owed: they get requestTimeout from its FIN, then the connection ends.
    if (this.clientEndedAt > 0 && server.requestTimeout > 0 && now - this.clientEndedAt >= server.requestTimeout && this.active.length > 0) {
      this.socket.destroy();
      return;
    }
    const elapsed = now - this.since;
    switch (this.phase) {
      case Phase.Head:
        if ((server.headersTimeout > 0 && elapsed >= server.headersTimeout) || (server.requestTimeout > 0 && elapsed >= server.requestTimeout)) this.timedOut();
        break;
      case Phase.Body:
        if (server.requestTimeout > 0 && elapsed >= server.requestTimeout) this.timedOut();
        break;
      case Phase.Idle:
        if (this.active.length === 0 && server.keepAliveTimeout > 0 && elapsed >= server.keepAliveTimeout + server.keepAliveTimeoutBuffer)
          this.socket.destroy();
        break;
      case Phase.Closing:
        if (elapsed >= LINGER_MS) this.close();
        break;
    }
  }

  /** socket.setTimeout()'s (and server.timeout's) 'timeout': whoever listens handles it; nobody: destroy. */
  private inactive(): void {
    const first = this.active[0];
    const req = this.body ?? first?.req;
    // node:http's own socket 'timeout' listener comes first: it destroys the socket unless the request,
    // the response or the server handles the timeout; a listener on the socket alone does not keep it.
    const handled = [
      req !== undefined && !req.complete && req.emit('timeout', this.socket),
      first?.res.emit('timeout', this.socket),
      this.server.emit('timeout', this.socket),
    ];
    if (!handled.includes(true)) this.socket.destroy();
    this.socket.emit('timeout');
  }
}

function closeResponse(res: Outgoing): void {
  if (res._closed) return;
  res.destroyed = true as never;
  res._closed = true;
  res.emit('close');
}

/** A status line and nothing else, for the answers the server gives itself. */
function statusOnly(status: number): string {
  return `HTTP/1.1 ${status} ${http().STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;
}

/** True when header `name` lists `token` (case-insensitive). */
function hasToken(headers: string[], name: string, token: string): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== name) continue;
    for (const part of headers[i + 1]!.split(',')) if (part.trim().toLowerCase() === token) return true;
  }
  return false;
}
