// Seeded random careless use of ringcore/http's servers, serve() and the
// createServer() drop-in, by real clients over real TCP (node:net sockets, so
// the bytes and their timing are the test's): per seed, a few connections at
// once, each sending requests pipelined or one at a time, cut at random byte
// boundaries with random pauses, bodies by Content-Length or chunked (0 B to
// ~1 MiB), keep-alive or `Connection: close`, bad request lines, heads over
// the limit, bad Content-Lengths, clients that half-close (after their
// requests or in the middle of one), that reset or go away mid-request or
// mid-response, that stop reading for a while; handlers that answer at once
// or after a timer, throw, reject, return what is not a response, write the
// body in many pieces, never read the request body, end twice.
// The model:
//   - every complete well-formed request on a connection the client keeps
//     open gets exactly its response, in order, with the body its handler
//     wrote (the request's index and a hash of the body it got, echoed);
//   - a refused request gets its documented status (400 bad request line or
//     Content-Length, 431 head over the limit) and the connection closes; so
//     does a `Connection: close` request after its response, and nothing
//     pipelined behind either is answered; a handler's throw or rejection is
//     a 500 (serve(): the connection goes on; createServer(): a throw closes
//     it after the 500, a rejection keeps it, as node:http's; the model lets
//     any answer after a failure say close);
//   - a client that half-closes gets the responses owed, then the close;
//   - a client that resets or leaves gets a prefix of its responses;
//   - nothing hangs (a deadline per seed), no rejection goes unhandled, no
//     error but the handlers' own is reported, the server answers a new
//     connection after every seed, and its fds return to what they were.
// The seeds are fixed; a failure prints its seed and each connection's
// plan and log. RANDOM_CARELESS_SEEDS=7,9 reruns those;
// RANDOM_CARELESS_COUNT=1000 explores more (CI runs a few seconds' worth).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { backend } from '../../src/index.js';
import { createServer, HttpResponse, serve, type HttpRequest } from '../../src/http/index.js';
import { runtime } from '../../src/sys/runtime.js';
import { leakedAfterWaiting, openFds } from '../../test-support/fds.js';
import { onlySeeds, prng } from '../../test-support/random.js';

const COUNT = Number(process.env.RANDOM_CARELESS_COUNT ?? 24);
/** Seeds that once failed, run whatever the count (see the commits that fixed them). */
// createServer 100004: a bad request pipelined behind good ones was answered 400 at once, and their responses lost.
// createServer 100252: a body whose last bytes nobody read left the connection paused after it: the requests after it never read.
// createServer 100365: the client's reset after the server's FIN (node:net had ended its side) leaked the client's own fd (the test's bug).
const REGRESSIONS: { [kind: string]: number[] } = { serve: [], createServer: [100004, 100252, 100365] };
const SEED_DEADLINE_MS = 20_000;

type Kind = 'serve' | 'createServer';
type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const sha1 = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');

/** What the handlers do, by kind of server (the request's `m=`). */
const MODES: { [kind in Kind]: string[] } = {
  serve: ['now', 'read', 'late', 'throw', 'reject', 'wrongtype', 'stream'],
  createServer: ['now', 'read', 'late', 'throw', 'reject', 'pieces', 'noread', 'endtwice'],
};
/** Modes whose answer is a 500. */
const FAILING = new Set(['throw', 'reject', 'wrongtype']);

/** The response body's padding: `pad` bytes, different for each request. */
function padding(conn: number, idx: number, pad: number): Buffer {
  const b = Buffer.allocUnsafe(pad);
  for (let j = 0; j < pad; j++) b[j] = 97 + ((conn * 7 + idx * 13 + j) % 26);
  return b;
}

/** What a handler answers: the request's place, what it got as body (unless it did not read it), and padding. */
function answerBody(conn: number, idx: number, body: Uint8Array | null, pad: number): Buffer {
  const head = body === null ? `${conn}:${idx}:unread\n` : `${conn}:${idx}:${body.length}:${sha1(body)}\n`;
  return Buffer.concat([Buffer.from(head), padding(conn, idx, pad)]);
}

interface Query {
  conn: number;
  idx: number;
  mode: string;
  pad: number;
  delay: number;
  pieces: number;
}

function query(target: string): Query {
  const q = new URLSearchParams(target.slice(target.indexOf('?') + 1));
  const n = (k: string): number => Number(q.get(k) ?? 0);
  return { conn: n('c'), idx: n('i'), mode: q.get('m') ?? 'now', pad: n('p'), delay: n('d'), pieces: n('k') };
}

class Careless extends Error {}

// ---- the servers' handlers ----

function serveHandler(req: HttpRequest): HttpResponse | Response | Promise<HttpResponse | Response> {
  const q = query(req.target);
  switch (q.mode) {
    case 'now':
      return new HttpResponse(answerBody(q.conn, q.idx, null, q.pad));
    case 'read':
      return req.bytes().then((body) => new HttpResponse(answerBody(q.conn, q.idx, body, q.pad)));
    case 'late':
      return req.bytes().then((body) => sleep(q.delay).then(() => new HttpResponse(answerBody(q.conn, q.idx, body, q.pad))));
    case 'throw':
      throw new Careless('careless throw');
    case 'reject':
      return sleep(q.delay).then(() => Promise.reject(new Careless('careless reject')));
    case 'wrongtype':
      return 42 as unknown as HttpResponse;
    case 'stream':
      // A WHATWG Response whose body comes in pieces, some after a timer.
      return req.bytes().then((body) => {
        const all = answerBody(q.conn, q.idx, body, q.pad);
        let at = 0;
        const step = Math.max(1, Math.ceil(all.length / Math.max(1, q.pieces)));
        const stream = new ReadableStream<Uint8Array>({
          async pull(controller) {
            if (at >= all.length) return controller.close();
            if (q.delay > 0 && at > 0) await sleep(1);
            controller.enqueue(all.subarray(at, at + step));
            at += step;
          },
        });
        return new Response(stream, { headers: { 'content-type': 'application/octet-stream' } });
      });
    default:
      throw new Error(`unknown mode ${q.mode}`);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

async function nodeHandler(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const q = query(req.url ?? '/');
  // The client may leave at any time: a request's error is not the handler's to crash on.
  req.on('error', () => {});
  res.on('error', () => {});
  switch (q.mode) {
    case 'now':
      res.end(answerBody(q.conn, q.idx, null, q.pad));
      return;
    case 'noread':
      // Answered at once, the body never read: the server drops it and reads the next request.
      res.setHeader('content-length', answerBody(q.conn, q.idx, null, q.pad).length);
      res.write(answerBody(q.conn, q.idx, null, q.pad));
      res.end();
      return;
    case 'throw':
      throw new Careless('careless throw');
    case 'reject':
      await sleep(q.delay);
      throw new Careless('careless reject');
  }
  const body = await readBody(req).catch(() => null);
  if (body === null) return;
  const all = answerBody(q.conn, q.idx, body, q.pad);
  switch (q.mode) {
    case 'read':
      res.end(all);
      return;
    case 'late':
      await sleep(q.delay);
      res.end(all);
      return;
    case 'endtwice':
      res.end(all);
      res.end();
      return;
    case 'pieces': {
      // Chunked: many writes, some after a timer, without waiting for 'drain'.
      const step = Math.max(1, Math.ceil(all.length / Math.max(1, q.pieces)));
      for (let at = 0; at < all.length; at += step) {
        if (res.destroyed) return;
        res.write(all.subarray(at, at + step));
        if (q.delay > 0 && (at / step) % 3 === 2) await sleep(1);
      }
      res.end();
      return;
    }
    default:
      throw new Error(`unknown mode ${q.mode}`);
  }
}

// ---- the plans ----

interface Expected {
  status: number;
  /** The body, or null where only the status is fixed. */
  body: Buffer | null;
  /** The server closes after this response. */
  closes: boolean;
  /**
   * createServer: a handler's failure at or before this request: the server may close after this response (which
   * then says close). A rejection is answered once the requests read behind it have run their handlers (docs/http.md).
   */
  mayClose?: boolean;
}

interface PlannedRequest {
  what: string;
  bytes: Buffer;
  /** Wait for every response before this request's before sending it. */
  waitFirst: boolean;
  /** null: never answered (pipelined behind a request that closes). */
  expect: Expected | null;
}

type Ending = 'close' | 'half-close' | 'half-close-mid-request' | 'reset-mid-send' | 'destroy-mid-send' | 'reset-mid-receive' | 'destroy-mid-receive';

interface ConnPlan {
  conn: number;
  requests: PlannedRequest[];
  ending: Ending;
  /** For the mid-send endings: after this many bytes; mid-receive: after this many response bytes. */
  cutAt: number;
  /** Pieces: the most bytes sent in one write. */
  maxPiece: number;
  /** Pause after a piece: 0 none, 1 setImmediate, >1 that many ms - 1. */
  pauses: number[];
  /** Stop reading for this many ms once the first response byte came (0: read at once). */
  slowRead: number;
}

function bodySize(r: Rand): number {
  const x = r();
  if (x < 0.35) return 0;
  if (x < 0.6) return int(r, 1, 100);
  if (x < 0.88) return int(r, 101, 16_384);
  if (x < 0.97) return int(r, 16_385, 200_000);
  return int(r, 200_001, 1_000_000);
}

function padSize(r: Rand): number {
  const x = r();
  if (x < 0.6) return int(r, 0, 50);
  if (x < 0.9) return int(r, 51, 20_000);
  return int(r, 20_001, 600_000);
}

function requestBody(conn: number, idx: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let j = 0; j < size; j++) b[j] = (conn * 31 + idx * 17 + j * 7) & 0xff;
  return b;
}

function chunked(r: Rand, body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const n = Math.min(body.length - at, r() < 0.5 ? int(r, 1, 64) : int(r, 65, 70_000));
    parts.push(Buffer.from(`${n.toString(16)}${r() < 0.1 ? ';ext=1' : ''}\r\n`), body.subarray(at, at + n), Buffer.from('\r\n'));
    at += n;
  }
  parts.push(Buffer.from(r() < 0.2 ? '0\r\nx-trailer: t\r\n\r\n' : '0\r\n\r\n'));
  return Buffer.concat(parts);
}

function makePlan(kind: Kind, seed: number): ConnPlan[] {
  const r = prng(seed);
  const conns: ConnPlan[] = [];
  const nConns = int(r, 1, 4);
  for (let c = 0; c < nConns; c++) {
    const conn = seed * 10 + c;
    const requests: PlannedRequest[] = [];
    const n = int(r, 1, 8);
    let closed = false;
    let failed = false;
    for (let i = 0; i < n; i++) {
      const waitFirst = i > 0 && r() < 0.3;
      const x = r();
      if (x < 0.04) {
        requests.push({
          what: `#${i} bad request line`,
          bytes: Buffer.from(`GET  /?c=${conn}&i=${i} HTTP/1.1\r\nHost: a\r\n\r\n`),
          waitFirst,
          expect: closed ? null : { status: 400, body: null, closes: true },
        });
        closed = true;
        continue;
      }
      if (x < 0.08) {
        const big = 'a'.repeat(int(r, 17_000, 40_000));
        requests.push({
          what: `#${i} head over the limit`,
          bytes: Buffer.from(`GET /?c=${conn}&i=${i} HTTP/1.1\r\nHost: a\r\nx-big: ${big}\r\n\r\n`),
          waitFirst,
          expect: closed ? null : { status: 431, body: null, closes: true },
        });
        closed = true;
        continue;
      }
      if (x < 0.1) {
        requests.push({
          what: `#${i} bad Content-Length`,
          bytes: Buffer.from(`POST /?c=${conn}&i=${i} HTTP/1.1\r\nHost: a\r\nContent-Length: 4, 5\r\n\r\nabcd`),
          waitFirst,
          expect: closed ? null : { status: 400, body: null, closes: true },
        });
        closed = true;
        continue;
      }
      const mode = pick(r, MODES[kind]);
      const size = bodySize(r);
      const pad = padSize(r);
      const delay = r() < 0.5 ? 0 : int(r, 1, 30);
      const pieces = int(r, 1, 40);
      const close = r() < 0.1;
      const isChunked = r() < 0.4;
      const body = requestBody(conn, i, size);
      const target = `/?c=${conn}&i=${i}&m=${mode}&p=${pad}&d=${delay}&k=${pieces}`;
      const head = [`${size > 0 || r() < 0.3 ? 'POST' : 'GET'} ${target} HTTP/1.1`, 'Host: example.test'];
      if (isChunked) head.push('Transfer-Encoding: chunked');
      else if (size > 0 || r() < 0.5) head.push(`Content-Length: ${size}`);
      if (close) head.push('Connection: close');
      const bytes = Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), isChunked ? chunked(r, body) : body]);
      let expect: Expected | null = null;
      if (!closed) {
        const failing = FAILING.has(mode);
        const status = failing ? 500 : 200;
        const answer = failing ? null : answerBody(conn, i, mode === 'now' || mode === 'noread' ? null : body, pad);
        // createServer answers a handler's throw with Connection: close; a rejection keeps the connection (docs/http.md).
        failed ||= failing && kind === 'createServer';
        expect = { status, body: answer, closes: close, mayClose: failed };
      }
      requests.push({ what: `#${i} ${mode} ${isChunked ? 'chunked' : 'length'} ${size} B, pad ${pad}${close ? ', close' : ''}`, bytes, waitFirst, expect });
      if (expect?.closes) closed = true;
      // Most connections stop sending once one closes; some pipeline more behind it.
      if (closed && r() < 0.6) break;
    }
    const total = requests.reduce((s, q) => s + q.bytes.length, 0);
    const x = r();
    const ending: Ending =
      x < 0.45
        ? 'close'
        : x < 0.65
          ? 'half-close'
          : x < 0.72
            ? 'half-close-mid-request'
            : x < 0.8
              ? 'reset-mid-send'
              : x < 0.86
                ? 'destroy-mid-send'
                : x < 0.94
                  ? 'reset-mid-receive'
                  : 'destroy-mid-receive';
    const cutAt = ending.endsWith('mid-send') || ending === 'half-close-mid-request' ? int(r, 0, Math.max(0, total - 1)) : int(r, 0, 4000);
    const maxPiece = pick(r, [1, 7, 100, 1500, 16_384, 1 << 20]);
    const pauses = Array.from({ length: 8 }, () => (r() < 0.5 ? 0 : r() < 0.5 ? 1 : int(r, 2, 6)));
    const slowRead = r() < 0.25 ? int(r, 10, 250) : 0;
    // At most ~300 pieces a connection: tiny pieces of a large request would take the seed's time.
    conns.push({ conn, requests, ending, cutAt, maxPiece: Math.max(maxPiece, Math.ceil(total / 300)), pauses, slowRead });
  }
  return conns;
}

// ---- the client's side ----

interface Got {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

/** Parses the responses in `buf` from `at`; returns them and where the unparsed rest starts. `eof`: a body without framing ends here. */
function parseResponses(buf: Buffer, eof: boolean): { responses: Got[]; used: number; error: string | null } {
  const responses: Got[] = [];
  let at = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end < 0) return { responses, used: at, error: null };
    const lines = buf.toString('latin1', at, end).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3}) /.exec(`${lines[0]!} `);
    if (m === null) return { responses, used: at, error: `not a status line: ${JSON.stringify(lines[0]!.slice(0, 80))}` };
    const status = Number(m[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    let p = end + 4;
    if (status === 100) {
      at = p;
      continue;
    }
    let body: Buffer;
    if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') {
      const parts: Buffer[] = [];
      for (;;) {
        const le = buf.indexOf('\r\n', p);
        if (le < 0) return { responses, used: at, error: null };
        const n = parseInt(buf.toString('latin1', p, le), 16);
        if (!(n >= 0)) return { responses, used: at, error: `bad chunk size ${JSON.stringify(buf.toString('latin1', p, Math.min(le, p + 20)))}` };
        if (n === 0) {
          const te = buf.indexOf('\r\n\r\n', le);
          if (te < 0 && buf.length - le < 4) return { responses, used: at, error: null };
          // Trailers, or the bare CRLF that ends the chunked body.
          const fin = buf.subarray(le, le + 4).toString('latin1') === '\r\n\r\n' ? le + 4 : te < 0 ? -1 : te + 4;
          if (fin < 0) return { responses, used: at, error: null };
          p = fin;
          break;
        }
        if (buf.length < le + 2 + n + 2) return { responses, used: at, error: null };
        parts.push(buf.subarray(le + 2, le + 2 + n));
        p = le + 2 + n + 2;
      }
      body = Buffer.concat(parts);
    } else if (headers.has('content-length')) {
      const n = Number(headers.get('content-length'));
      if (buf.length < p + n) return { responses, used: at, error: null };
      body = buf.subarray(p, p + n);
      p += n;
    } else if (status === 204 || status === 304) {
      body = Buffer.alloc(0);
    } else {
      if (!eof) return { responses, used: at, error: null };
      body = buf.subarray(p);
      p = buf.length;
    }
    responses.push({ status, headers, body: Buffer.from(body) });
    at = p;
  }
}

interface ConnResult {
  plan: ConnPlan;
  log: string[];
  problems: string[];
}

/** Runs one connection's plan against the server on `port`; its problems (empty when the model holds). */
async function runConnection(kind: Kind, port: number, plan: ConnPlan, stop: AbortSignal): Promise<ConnResult> {
  const log: string[] = [];
  const problems: string[] = [];
  const socket = net.connect({ port, host: '127.0.0.1' });
  const expected = plan.requests.filter((q) => q.expect !== null).map((q) => q.expect!);
  const received: Got[] = [];
  let buf: Buffer = Buffer.alloc(0);
  let bytesIn = 0;
  let eof = false;
  let closed = false;
  let error: string | null = null;
  let cut = false; // the client reset or destroyed the connection
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const until = async (cond: () => boolean): Promise<void> => {
    while (!cond() && !stop.aborted) await new Promise<void>((resolve) => (wake = resolve));
  };
  stop.addEventListener('abort', poke);
  const cutNow = (how: 'reset' | 'destroy'): void => {
    if (cut || closed) return;
    cut = true;
    // A socket whose write side is shut (its own end(), or node:net's after the server's FIN) cannot be reset:
    // libuv refuses (uv_tcp_close_reset after uv_shutdown: EINVAL), and Node 20's resetAndDestroy() then drops
    // the handle unclosed: the client's fd leaks and the process never exits. It is destroyed instead.
    if (how === 'reset' && socket.writableEnded) how = 'destroy';
    log.push(`${how} after ${bytesIn} response bytes`);
    if (how === 'reset' && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
  };
  let paused = false;
  socket.on('data', (chunk: Buffer) => {
    if (bytesIn === 0 && plan.slowRead > 0 && !paused) {
      paused = true;
      socket.pause();
      log.push(`stops reading for ${plan.slowRead} ms`);
      setTimeout(() => socket.resume(), plan.slowRead);
    }
    bytesIn += chunk.length;
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    const parsed = parseResponses(buf, false);
    received.push(...parsed.responses);
    buf = buf.subarray(parsed.used);
    if (parsed.error !== null) error ??= parsed.error;
    if (plan.ending.endsWith('mid-receive') && bytesIn >= plan.cutAt) cutNow(plan.ending === 'reset-mid-receive' ? 'reset' : 'destroy');
    poke();
  });
  socket.on('end', () => {
    eof = true;
    log.push(`EOF after ${bytesIn} response bytes`);
    poke();
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    log.push(`socket error ${e.code}`);
    // What the client sent after the server closed may be answered with a reset.
    if (e.code !== 'ECONNRESET' && e.code !== 'EPIPE') error ??= `client socket error ${e.code}`;
  });
  socket.on('close', () => {
    closed = true;
    poke();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });

  // Sending: each request's bytes in pieces, with pauses; stops at a cut.
  let sent = 0;
  let piece = 0;
  const midSend = plan.ending.endsWith('mid-send') || plan.ending === 'half-close-mid-request';
  let expectedBefore = 0;
  sending: for (const q of plan.requests) {
    if (q.waitFirst) {
      const want = expectedBefore;
      log.push(`waits for ${want} responses`);
      await until(() => received.length >= want || eof || closed);
    }
    if (closed || cut) break;
    log.push(`sends ${q.what} (${q.bytes.length} B)`);
    for (let at = 0; at < q.bytes.length; ) {
      let n = Math.min(q.bytes.length - at, plan.maxPiece);
      if (midSend && sent + n > plan.cutAt) n = plan.cutAt - sent;
      if (n > 0) {
        socket.write(q.bytes.subarray(at, at + n));
        at += n;
        sent += n;
      }
      if (midSend && sent >= plan.cutAt) {
        log.push(`cut after ${sent} request bytes: ${plan.ending}`);
        if (plan.ending === 'half-close-mid-request') socket.end();
        else cutNow(plan.ending === 'reset-mid-send' ? 'reset' : 'destroy');
        break sending;
      }
      const pause = plan.pauses[piece++ % plan.pauses.length]!;
      if (pause === 1) await new Promise((resolve) => setImmediate(resolve));
      else if (pause > 1) await sleep(pause - 1);
      if (closed) break sending;
    }
    if (q.expect !== null) expectedBefore++;
  }
  const sentAll = !midSend || sent < plan.cutAt;
  if (sentAll && plan.ending === 'half-close') {
    log.push('half-closes');
    socket.end();
  }
  // Waiting: for every response owed, or the server's close.
  const closing = expected.findIndex((e) => e.closes);
  const owed = plan.ending === 'half-close-mid-request' || !sentAll ? expectedBefore : expected.length;
  await until(() => cut || closed || eof || received.length >= owed);
  // A cut planned past the last response byte comes once they are all in.
  if (plan.ending.endsWith('mid-receive')) cutNow(plan.ending === 'reset-mid-receive' ? 'reset' : 'destroy');
  if (!cut && !closed && !eof && plan.ending === 'close' && closing < 0) {
    // Everything answered on a connection that stays open: the client ends it.
    log.push('ends');
    socket.end();
  }
  // The server closes after the client's FIN, a closing response or a refused request.
  if (!cut) await until(() => closed);
  if (!cut && buf.length > 0) {
    const last = parseResponses(buf, true);
    received.push(...last.responses);
    buf = buf.subarray(last.used);
    if (last.error !== null) error ??= last.error;
  }
  stop.removeEventListener('abort', poke);
  if (stop.aborted && !closed) {
    problems.push(`hung: the connection was still open at the seed's deadline (received ${received.length} responses, eof ${eof})`);
    socket.destroy();
  }
  log.push(`received ${received.map((g) => g.status).join(' ') || 'nothing'}${buf.length > 0 ? ` and ${buf.length} bytes more` : ''}`);

  // The model.
  if (error !== null && !cut) problems.push(error);
  // A half-close in the middle of a request: that request may get its answer (a handler that did not wait for the
  // body) or a 400 (docs/http.md); nothing after it.
  const cutRequest = plan.ending === 'half-close-mid-request' && !sentAll ? expectedBefore : -1;
  // (createServer: a 400 may follow that request's own answer, as node:http's socketOnEnd writes it.)
  const answerable = cutRequest >= 0 ? cutRequest + 2 : expected.length;
  /** The response that said close where the server may close (mayClose), if one did: the last. */
  let closedAt = -1;
  for (let k = 0; k < received.length; k++) {
    if (closedAt >= 0) {
      problems.push(`response ${k} (${received[k]!.status}) follows response ${closedAt}, which said close`);
      break;
    }
    const got = received[k]!;
    if (k === cutRequest + 1 && cutRequest >= 0 && got.status === 400 && kind === 'createServer' && received[cutRequest]!.status !== 400) continue;
    const want = k < answerable && k <= cutRequest + (cutRequest >= 0 ? 0 : expected.length) ? expected[k] : undefined;
    if (want === undefined) {
      problems.push(`response ${k} (${got.status}) answers no request the server should answer`);
      break;
    }
    if (k === cutRequest && got.status === 400) continue;
    if (got.status !== want.status)
      problems.push(`response ${k}: status ${got.status}, expected ${want.status} (body ${JSON.stringify(got.body.toString('latin1', 0, 80))})`);
    else if (want.body !== null && !got.body.equals(want.body))
      problems.push(
        `response ${k}: body of ${got.body.length} B (${JSON.stringify(got.body.toString('latin1', 0, 60))}) is not the ${want.body.length} B the handler wrote (${JSON.stringify(want.body.toString('latin1', 0, 60))})`,
      );
    const says = (got.headers.get('connection') ?? '').toLowerCase() === 'close';
    if (says && want.mayClose === true) closedAt = k;
    if (want.closes && !says && want.status < 400) problems.push(`response ${k}: no Connection: close, though the connection closes after it`);
    // (A response before a half-close may still say keep-alive, as node:http's do, or close.)
    if (!want.closes && !want.mayClose && says && cutRequest < 0 && plan.ending !== 'half-close')
      problems.push(`response ${k}: Connection: close where the connection should go on`);
  }
  if (!cut && !stop.aborted) {
    // The responses owed all came (up to the first that closes), nothing more.
    const ends = closedAt >= 0 && (closing < 0 || closedAt < closing) ? closedAt : closing;
    const owedNow = ends >= 0 ? Math.min(owed, ends + 1) : owed;
    // serve(): a client that half-closed while a handler ran has left (docs/net.md, as node:http):
    // the response to come is dropped, and those behind it; the ones before it went out.
    const leftEarly = kind === 'serve' && (plan.ending === 'half-close' || plan.ending === 'half-close-mid-request');
    if (received.length < owedNow && !leftEarly) problems.push(`lost: ${owedNow} responses owed, ${received.length} came before the close`);
    if (buf.length > 0) problems.push(`${buf.length} bytes after the last whole response: ${JSON.stringify(buf.toString('latin1', 0, 80))}`);
  }
  return { plan, log, problems };
}

// ---- the servers ----

interface Harness {
  port: number;
  close(): Promise<void>;
  /** Errors reported by the server (onError / reportError) since the last call. */
  takeErrors(): unknown[];
}

async function startServe(): Promise<Harness> {
  const errors: unknown[] = [];
  const server = await serve({ host: '127.0.0.1', fetch: serveHandler, onError: (e) => errors.push(e) });
  return { port: server.address.port, close: () => server.close(), takeErrors: () => errors.splice(0) };
}

async function startCreateServer(): Promise<Harness> {
  const errors: unknown[] = [];
  const server = createServer(nodeHandler);
  server.reportError = (e: unknown) => errors.push(e);
  server.on('error', (e: unknown) => errors.push(e));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    takeErrors: () => errors.splice(0),
  };
}

/** A fresh connection gets its answer: the server still serves. */
async function stillServes(kind: Kind, port: number): Promise<string | null> {
  const plan: ConnPlan = {
    conn: 0,
    requests: [
      {
        what: 'check',
        bytes: Buffer.from('GET /?c=0&i=0&m=now&p=3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n'),
        waitFirst: false,
        expect: { status: 200, body: answerBody(0, 0, null, 3), closes: true },
      },
    ],
    ending: 'close',
    cutAt: 0,
    maxPiece: 1 << 20,
    pauses: [0],
    slowRead: 0,
  };
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 5000);
  const result = await runConnection(kind, port, plan, ac.signal);
  clearTimeout(timer);
  return result.problems.length === 0 ? null : `a new connection after the seed: ${result.problems.join('; ')}`;
}

async function runAll(kind: Kind): Promise<{ seeds: number; failures: string[]; endings: Set<string> }> {
  const only = onlySeeds();
  const base = kind === 'serve' ? 1 : 100_001;
  const seeds = [...new Set([...REGRESSIONS[kind]!, ...Array.from({ length: COUNT }, (_, i) => base + i)])].filter((s) => only === null || only.has(s));
  const server = kind === 'serve' ? await startServe() : await startCreateServer();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const failures: string[] = [];
  const endings = new Set<string>();
  // One exchange first, so that what the first connection opens for good (recv buffers) is counted before.
  const warm = await stillServes(kind, server.port);
  if (warm !== null) failures.push(`before any seed: ${warm}`);
  const before = openFds();
  try {
    for (const seed of seeds) {
      // RANDOM_CARELESS_CONN=21 runs one connection of a seed alone (to narrow a failure down).
      const plans = makePlan(kind, seed).filter((p) => process.env.RANDOM_CARELESS_CONN === undefined || p.conn === Number(process.env.RANDOM_CARELESS_CONN));
      for (const p of plans) endings.add(p.ending);
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), SEED_DEADLINE_MS);
      const results = await Promise.all(plans.map((p) => runConnection(kind, server.port, p, ac.signal)));
      clearTimeout(timer);
      const problems = results.flatMap((res) => res.problems.map((p) => `conn ${res.plan.conn}: ${p}`));
      const check = await stillServes(kind, server.port);
      if (check !== null) problems.push(check);
      await new Promise((resolve) => setImmediate(resolve));
      for (const e of server.takeErrors())
        if (!(e instanceof Careless) && !(kind === 'serve' && e instanceof TypeError && /must return an HttpResponse/.test(e.message)))
          problems.push(`the server reported ${String((e as Error)?.stack ?? e)}`);
      for (const reason of unhandled.splice(0)) problems.push(`unhandled rejection: ${String((reason as Error)?.stack ?? reason)}`);
      const leaked = await leakedAfterWaiting(before);
      if (leaked.length > 0) problems.push(`fds left open after every client closed: ${leaked.join(', ')}`);
      if (problems.length > 0) {
        failures.push(
          `seed ${seed} (${kind}, ${backend()} backend; rerun: RANDOM_CARELESS_SEEDS=${seed}):\n  ${problems.join('\n  ')}\n${results
            .map(
              (res) =>
                `  conn ${res.plan.conn} (ending ${res.plan.ending} at ${res.plan.cutAt}, pieces ≤ ${res.plan.maxPiece}, slow read ${res.plan.slowRead} ms):\n    ${res.log.join('\n    ')}`,
            )
            .join('\n')}`,
        );
        if (failures.length >= 5) break;
      }
    }
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await server.close();
  }
  return { seeds: seeds.length, failures, endings };
}

test(`serve(): random careless clients and handlers keep the model (${backend()} backend)`, async () => {
  const result = await runAll('serve');
  console.log(`# serve: ${result.seeds} seeds, endings ${[...result.endings].sort().join(' ')}`);
  assert.deepEqual(result.failures, [], result.failures.join('\n\n'));
});

test(`createServer(): random careless clients and handlers keep the model (${backend()} backend)`, {
  // On the node backend createServer() is node:http's own server, whose answers differ (docs/http.md);
  // on Bun and Deno it is not tested (test/portable/run-suite.sh says why).
  skip:
    backend() !== 'io_uring'
      ? "createServer() is node:http's own server on the node backend"
      : runtime !== 'node'
        ? "createServer() builds on Node's own node:http internals"
        : false,
}, async () => {
  const result = await runAll('createServer');
  console.log(`# createServer: ${result.seeds} seeds, endings ${[...result.endings].sort().join(' ')}`);
  assert.deepEqual(result.failures, [], result.failures.join('\n\n'));
});
