// A seeded differential test of createServer() against node:http: the same
// raw bytes go to a ringcore server and to a node:http server (llhttp) with
// the same echo handler, over real TCP, and what each handler saw and what
// the client got back are compared. Valid traffic (random methods, targets,
// headers, Content-Length and chunked bodies with extensions and trailers,
// pipelined batches cut at random byte boundaries, HTTP/1.0, keep-alive and
// close) must come out the same; hostile traffic (smuggling shapes, malformed
// framing, oversized heads, half-closes) must come out the same, or ringcore
// must refuse it with a 400-class status where node:http accepts it. The few
// differences judged acceptable by RFC 9112 are listed by name in ACCEPTED.
// A failure prints the seed, the case and both outcomes.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';

import { createServer } from '../../src/http/index.js';
import { prng } from '../../test-support/random.js';

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;

/** One case: the bytes (in writes, with delays), and whether the client half-closes after them. */
interface Case {
  name: string;
  pieces: Buffer[];
  delays: number[];
  halfClose: boolean;
}

/** What one server did with a case: the handler's log and the client's view of the responses. */
interface Outcome {
  seen: string[];
  responses: string[];
  /** The connection was still open when the client stopped waiting. */
  hung: boolean;
}

const SELECTED = ['host', 'x-a', 'x-b', 'content-type', 'transfer-encoding', 'content-length', 'expect'];

/**
 * The shared handler: logs method, url and the body (its length and bytes) in its connection's log, and
 * echoes them. (The client finds a connection's log by its port; ports are reused: each connection starts one.)
 */
function handler(logs: WeakMap<object, string[]>) {
  return (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const parts: Buffer[] = [];
    const entries = logs.get(req.socket)!;
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const headers = SELECTED.map((h) => `${h}=${JSON.stringify(req.headers[h] ?? null)}`).join(' ');
      const trailers = JSON.stringify(req.trailers);
      const line = `${req.method} ${req.url} ${req.httpVersion} ${headers} trailers=${trailers} ${body.length}:${body.toString('latin1')}`;
      entries.push(line);
      res.setHeader('content-type', 'text/plain');
      res.end(line);
    });
    req.on('aborted', () => entries.push(`${req.method} ${req.url} aborted after ${Buffer.concat(parts).length}`));
    req.on('error', () => {});
  };
}

/** Splits a response stream into status, headers (lowercased, no Date) and body; each as one comparable line. */
function parseResponses(data: Buffer): string[] {
  const out: string[] = [];
  let text = data.toString('latin1');
  while (text.length > 0) {
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) {
      out.push(`partial: ${JSON.stringify(text)}`);
      break;
    }
    const lines = text.slice(0, end).split('\r\n');
    const status = lines[0]!.split(' ')[1]!;
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    text = text.slice(end + 4);
    let body = '';
    if (headers.has('content-length')) {
      const n = Number(headers.get('content-length'));
      body = text.slice(0, n);
      text = text.slice(n);
    } else if (headers.get('transfer-encoding') === 'chunked') {
      for (;;) {
        const lf = text.indexOf('\r\n');
        const size = parseInt(text.slice(0, lf), 16);
        text = text.slice(lf + 2);
        if (size === 0) {
          text = text.slice(text.indexOf('\r\n') + 2);
          break;
        }
        body += text.slice(0, size);
        text = text.slice(size + 2);
      }
    } else if (!['204', '304', '100'].includes(status) && headers.get('connection') === 'close') {
      // Neither, closing: the body runs to the close (kept alive: none, as a HEAD's).
      body = text;
      text = '';
    }
    // An error answer's body and framing headers are the server's own wording: the status is what counts.
    if (status.startsWith('2') || status === '100') out.push(`${status} keep-alive=${headers.get('connection') !== 'close'} ${body}`);
    else out.push(status);
  }
  return out;
}

/** Sends a case to a server; resolves with the client's bytes once the server closes (or `waitMs` passes quietly). */
function send(port: number, c: Case, waitMs: number): Promise<{ local: number; data: Buffer; hung: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    let local = 0;
    const finish = (hung: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ local, data: Buffer.concat(chunks), hung });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(true), waitMs);
    };
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      arm();
    });
    socket.on('error', () => finish(false));
    socket.on('end', () => finish(false));
    socket.on('close', () => finish(false));
    socket.once('connect', async () => {
      local = socket.localPort!;
      for (let i = 0; i < c.pieces.length; i++) {
        if (socket.destroyed) return;
        socket.write(c.pieces[i]!);
        if (c.delays[i]! > 0) await new Promise((r) => setTimeout(r, c.delays[i]));
      }
      if (c.halfClose && !socket.destroyed) socket.end();
      arm();
    });
  });
}

// ---- generated valid traffic ----------------------------------------------------

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PURGE', 'MKCOL'];
const PATH_CHARS = "abcXYZ019-._~!$&'()*+,;=:@%2F/?";

function randomBody(r: Rand): Buffer {
  const n = pick(r, [0, 1, 5, 17, 100, 1000, int(r, 0, 5000)]);
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; i++) body[i] = r() < 0.9 ? int(r, 32, 126) : int(r, 0, 255);
  return body;
}

function randomRequest(r: Rand, last: boolean, closeLast: boolean): { bytes: Buffer; closes: boolean } {
  const method = pick(r, METHODS);
  let path = '/';
  for (let i = int(r, 0, 30); i > 0; i--) path += PATH_CHARS[int(r, 0, PATH_CHARS.length - 1)];
  const minor = r() < 0.15 ? 0 : 1;
  const lines = [`${method} ${path} HTTP/1.${minor}`];
  const headers: [string, string][] = [];
  if (minor === 1 || r() < 0.5) headers.push([pick(r, ['Host', 'host', 'HOST']), pick(r, ['a', 'example.com', 'x:8080', '[::1]:80'])]);
  for (let i = int(r, 0, 6); i > 0; i--) {
    const name = pick(r, ['X-A', 'x-b', 'Accept', 'User-Agent', 'X-Custom-Long-Header-Name', 'Cookie', 'content-type']);
    let value = '';
    for (let j = int(r, 0, 40); j > 0; j--) value += String.fromCharCode(r() < 0.95 ? int(r, 33, 126) : pick(r, [32, 9, 0xe9]));
    headers.push([name, pick(r, ['', ' ', '  ', '\t']) + value + pick(r, ['', ' ', '\t '])]);
  }
  const body = method === 'HEAD' || method === 'GET' ? (r() < 0.2 ? randomBody(r) : Buffer.alloc(0)) : randomBody(r);
  const chunked = minor === 1 && r() < 0.5;
  let closes = minor === 0;
  if (last && closeLast) {
    headers.push(['Connection', pick(r, ['close', 'Close', 'keep-alive, close'])]);
    closes = true;
  } else if (minor === 0 && r() < 0.5) {
    headers.push(['Connection', 'keep-alive']);
    closes = false;
  }
  if (r() < 0.1 && minor === 1 && body.length > 0) headers.push(['Expect', '100-continue']);
  const tail: Buffer[] = [];
  if (chunked) {
    headers.push(['Transfer-Encoding', pick(r, ['chunked', 'Chunked', 'CHUNKED', ' chunked '])]);
    let at = 0;
    while (at < body.length) {
      const size = Math.min(body.length - at, pick(r, [1, 2, 7, 64, 500, int(r, 1, 4096)]));
      const ext = pick(r, ['', '', ';a', ';a=b', ';name="q v"', ';a;b=1']);
      tail.push(
        Buffer.from(`${pick(r, [size.toString(16), size.toString(16).toUpperCase(), `00${size.toString(16)}`])}${ext}\r\n`),
        body.subarray(at, at + size),
        Buffer.from('\r\n'),
      );
      at += size;
    }
    tail.push(Buffer.from(`0${pick(r, ['', ';end'])}\r\n`));
    if (r() < 0.3) tail.push(Buffer.from(`X-Trailer: ${int(r, 0, 999)}\r\n`));
    tail.push(Buffer.from('\r\n'));
  } else if (body.length > 0 || r() < 0.3) {
    headers.push([pick(r, ['Content-Length', 'content-length']), `${pick(r, ['', ' '])}${body.length}`]);
    tail.push(body);
  }
  for (const [name, value] of headers) lines.push(`${name}:${value}`);
  const head = Buffer.from(`${pick(r, ['', '', '', '\r\n'])}${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return { bytes: Buffer.concat([head, ...tail]), closes };
}

function generated(seed: number): Case {
  const r = prng(seed);
  const count = pick(r, [1, 1, 2, 3, 5, 8]);
  const halfClose = r() < 0.4;
  const requests: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const { bytes, closes } = randomRequest(r, i === count - 1, !halfClose);
    requests.push(bytes);
    if (closes) break; // nothing after a close is read by either
  }
  const all = Buffer.concat(requests);
  // Cut at random boundaries: none, a few, or byte by byte for short inputs.
  const cuts = new Set<number>();
  const mode = r();
  if (mode < 0.2 && all.length < 400) for (let i = 1; i < all.length; i++) cuts.add(i);
  else if (mode < 0.8) for (let i = int(r, 1, 8); i > 0; i--) cuts.add(int(r, 1, all.length - 1));
  const at = [0, ...[...cuts].sort((a, b) => a - b), all.length];
  const pieces: Buffer[] = [];
  const delays: number[] = [];
  for (let i = 0; i + 1 < at.length; i++) {
    pieces.push(all.subarray(at[i], at[i + 1]));
    delays.push(at.length < 20 && r() < 0.3 ? int(r, 1, 5) : 0);
  }
  return { name: `generated seed ${seed}`, pieces, delays, halfClose };
}

// ---- hostile traffic ----------------------------------------------------------

// Closes, so that a server still reading ends the exchange without a wait.
const NEXT = 'GET /smuggled HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';
const HOSTILE: [name: string, bytes: string | Buffer, halfClose?: boolean][] = [
  ['CL and TE', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${NEXT}`],
  ['TE and CL', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n0\r\n\r\n${NEXT}`],
  ['duplicate CL, different', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc${NEXT}`],
  ['duplicate CL, same', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc${NEXT}`],
  ['CL list', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc${NEXT}`],
  ['TE chunked, identity', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n${NEXT}`],
  ['TE identity, chunked', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n${NEXT}`],
  ['TE gzip', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n3\r\nabc\r\n0\r\n\r\n${NEXT}`],
  ['TE twice', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n${NEXT}`],
  ['TE chunked in 1.0', `POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`],
  ['TE with a space before colon', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n${NEXT}`],
  ['TE vertical tab', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n${NEXT}`],
  ['TE xchunked', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${NEXT}`],
  ['bare LF everywhere', `GET / HTTP/1.1\nHost: a\n\n`],
  ['bare LF after a header', `GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n`],
  ['bare CR in a value', `GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n`],
  ['obs-fold', `GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n`],
  ['space before colon', `GET / HTTP/1.1\r\nHost : a\r\n\r\n`],
  ['empty header name', `GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n`],
  ['invalid header name', `GET / HTTP/1.1\r\nHost: a\r\nX@A: b\r\n\r\n`],
  ['chunk size 0x', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n${NEXT}`],
  ['chunk size negative', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n${NEXT}`],
  ['chunk size leading space', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n 3\r\nabc\r\n0\r\n\r\n${NEXT}`],
  ['chunk size trailing space', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n${NEXT}`],
  ['chunk size not hex', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\ng\r\nabc\r\n0\r\n\r\n${NEXT}`],
  ['chunk size empty', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\nabc\r\n0\r\n\r\n${NEXT}`],
  ['chunk size huge', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nabc\r\n0\r\n\r\n${NEXT}`],
  ['chunk size 2^64+3', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000003\r\nabc\r\n0\r\n\r\n${NEXT}`],
  ['chunk size bare LF', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n${NEXT}`],
  ['chunk data bare LF', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n${NEXT}`],
  ['chunk data too long', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n${NEXT}`],
  ['chunk extension with LF', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a\nb\r\nabc\r\n0\r\n\r\n${NEXT}`],
  ['chunk extension with NUL', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;a\0\r\nabc\r\n0\r\n\r\n${NEXT}`],
  ['last chunk without final CRLF', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n${NEXT}`],
  ['trailer bare LF', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\n\r\n${NEXT}`],
  ['trailer obs-fold', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n 2\r\n\r\n${NEXT}`],
  ['trailer Content-Length', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nContent-Length: 10\r\n\r\n${NEXT}`],
  ['CL negative', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n${NEXT}`],
  ['CL plus sign', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc${NEXT}`],
  ['CL hex', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x3\r\n\r\nabc${NEXT}`],
  ['CL empty', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n${NEXT}`],
  ['CL space inside', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 0\r\n\r\n${NEXT}`],
  ['CL overflow 2^64+3', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551619\r\n\r\nabc${NEXT}`],
  ['CL huge', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999999\r\n\r\nabc${NEXT}`],
  ['CL leading zeros', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0003\r\n\r\nabc${NEXT}`],
  ['head of 16000 bytes', `GET / HTTP/1.1\r\nHost: a\r\nX-A: ${'a'.repeat(15_950)}\r\n\r\n${NEXT}`],
  ['head of 17000 bytes', `GET / HTTP/1.1\r\nHost: a\r\nX-A: ${'a'.repeat(17_000)}\r\n\r\n${NEXT}`],
  ...[16_300, 16_370, 16_384, 16_390, 16_500].map((size): [string, string] => {
    const head = 'GET / HTTP/1.1\r\nHost: a\r\nX-A: \r\n\r\n';
    return [`head of exactly ${size} bytes`, `${head.replace('X-A: ', `X-A: ${'v'.repeat(size - head.length)}`)}${NEXT}`];
  }),
  // (Past about 1000 header lines node:http keeps fewer than maxHeadersCount's 2000 by default; not compared.)
  ['900 headers', `GET / HTTP/1.1\r\nHost: a\r\n${'X-B: b\r\n'.repeat(900)}\r\n${NEXT}`],
  ['head of 40000 bytes, one write', `GET / HTTP/1.1\r\nHost: a\r\n${'X-B: b\r\n'.repeat(5000)}\r\n${NEXT}`],
  ['NUL in a value', `GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n${NEXT}`],
  ['NUL in the target', `GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n${NEXT}`],
  ['NUL in the method', `G\0T / HTTP/1.1\r\nHost: a\r\n\r\n${NEXT}`],
  ['NUL before the request', `\0GET / HTTP/1.1\r\nHost: a\r\n\r\n${NEXT}`],
  ['NUL in a body', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\na\0b${NEXT}`],
  ['missing Host on 1.1', `GET / HTTP/1.1\r\n\r\n${NEXT}`],
  ['two Hosts', `GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n${NEXT}`],
  ['missing Host on 1.0', `GET / HTTP/1.0\r\n\r\n`],
  ['absolute-form', `GET http://a.example/b?c HTTP/1.1\r\nHost: a.example\r\n\r\n${NEXT}`],
  ['asterisk-form', `OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n${NEXT}`],
  ['HTTP/1.2', `GET / HTTP/1.2\r\nHost: a\r\n\r\n${NEXT}`],
  ['HTTP/2.0', `GET / HTTP/2.0\r\nHost: a\r\n\r\n${NEXT}`],
  ['HTTP/0.9 style', `GET /\r\n\r\n`],
  ['lowercase version', `GET / http/1.1\r\nHost: a\r\n\r\n${NEXT}`],
  ['two spaces in the request line', `GET  / HTTP/1.1\r\nHost: a\r\n\r\n${NEXT}`],
  ['tab in the request line', `GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n${NEXT}`],
  ['space at the end of the request line', `GET / HTTP/1.1 \r\nHost: a\r\n\r\n${NEXT}`],
  ['lowercase method', `get / HTTP/1.1\r\nHost: a\r\n\r\n${NEXT}`],
  ['DEL in the target', `GET /a\x7fb HTTP/1.1\r\nHost: a\r\n\r\n${NEXT}`],
  ['high byte in the target', Buffer.from(`GET /a\xffb HTTP/1.1\r\nHost: a\r\n\r\n${NEXT}`, 'latin1')],
  ['high byte in a value', Buffer.from(`GET / HTTP/1.1\r\nHost: a\r\nX-A: caf\xe9\r\n\r\n${NEXT}`, 'latin1')],
  ['empty lines before the request', `\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n${NEXT}`],
  ['Expect: 100-continue', `POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc${NEXT}`],
  ['Expect: something else', `POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 3\r\n\r\nabc${NEXT}`],
  ['half-close mid-body (CL)', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabcde`, true],
  ['half-close mid-body (chunked)', `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc`, true],
  ['half-close mid-head', `POST / HTTP/1.1\r\nHost: a\r\nContent-Le`, true],
  ['half-close after a request', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc`, true],
  ['half-close after two pipelined requests', `POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\nHost: a\r\n\r\n`, true],
  ['half-close after a 1.0 request', `GET / HTTP/1.0\r\n\r\n`, true],
  ['request after Connection: close', `GET /1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n${NEXT}`],
  ['GET with a CL body', `GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc${NEXT}`],
  ['CL 0 then data', `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n${NEXT}`],
];

function hostile(name: string, bytes: string | Buffer, halfClose = false): Case {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  return { name, pieces: [buffer], delays: [0], halfClose };
}

/**
 * Differences judged acceptable by RFC 9112/9110, by case name: what ringcore
 * answers last and how many requests its handler sees (both checked, so that
 * a change shows), and why it may differ.
 */
const ACCEPTED: Record<string, { ringcore: string; seen: number; why: string }> = {
  'TE gzip': { ringcore: '400', seen: 0, why: 'both 400; node:http calls the handler first, then aborts it' },
  'TE xchunked': { ringcore: '400', seen: 0, why: 'both 400; node:http calls the handler first, then aborts it' },
  'TE chunked in 1.0': { ringcore: '400', seen: 0, why: 'RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing; node:http decodes it' },
  'TE identity, chunked': { ringcore: '501', seen: 0, why: 'identity is no transfer coding (RFC 9112 7): 501; node:http ignores it' },
  'chunk size huge': { ringcore: '413', seen: 1, why: 'a clear refusal; node:http says 400' },
  'chunk size 2^64+3': { ringcore: '413', seen: 1, why: 'a clear refusal; node:http says 400' },
  'CL overflow 2^64+3': { ringcore: '413', seen: 0, why: 'a clear refusal; node:http says 400' },
  'CL huge': { ringcore: '413', seen: 0, why: 'a clear refusal; node:http says 400' },
  'missing Host on 1.1': { ringcore: '400', seen: 0, why: 'both 400; node:http still runs the handler of the request pipelined behind' },
  'head of exactly 16390 bytes': {
    ringcore: '431',
    seen: 0,
    why: 'ringcore counts the whole head against maxHeaderSize (16384), llhttp a few bytes less of it; a clear 431 either way',
  },
  'two Hosts': { ringcore: '400', seen: 0, why: 'RFC 9112 3.2: MUST answer 400; node:http accepts' },
  'HTTP/1.2': { ringcore: '505', seen: 0, why: 'both refuse' },
  'HTTP/2.0': { ringcore: '505', seen: 0, why: '505 is the status for it; node:http runs the handler, then 400' },
  'HTTP/0.9 style': { ringcore: '400', seen: 0, why: 'HTTP/0.9 is not served; node:http answers it' },
  'two spaces in the request line': { ringcore: '400', seen: 0, why: 'RFC 9112 3: single SP; lenient parsing is a MAY' },
  'request after Connection: close': {
    ringcore: '200',
    seen: 1,
    why: 'RFC 9112 9.6: answer it, process nothing after; node:http answers 400 and loses the 200',
  },
  'duplicate CL, same': { ringcore: '200', seen: 2, why: 'RFC 9110 8.6: identical values MAY be taken as one; no framing ambiguity' },
  'lowercase method': {
    ringcore: '200',
    seen: 2,
    why: 'methods are case-sensitive tokens (RFC 9110 9.1), the handler answers an unknown one; llhttp knows a fixed list',
  },
};

/** Outcomes with the body bytes a handler got before an abort left out (ringcore refuses a body as a whole). */
function normalized(o: Outcome): Outcome {
  return { seen: o.seen.map((line) => line.replace(/ aborted after \d+$/, ' aborted')), responses: o.responses, hung: o.hung };
}

/** Where two outcomes first part (for the failure message). */
function firstDifference(a: Outcome, b: Outcome): string {
  for (const key of ['seen', 'responses'] as const) {
    const length = Math.max(a[key].length, b[key].length);
    for (let i = 0; i < length; i++) {
      if (a[key][i] !== b[key][i])
        return `${key}[${i}]: ringcore ${JSON.stringify(a[key][i]?.slice(0, 300))} / node ${JSON.stringify(b[key][i]?.slice(0, 300))}`;
    }
  }
  return `hung: ringcore ${a.hung} / node ${b.hung}`;
}

function summarize(o: Outcome): string {
  return JSON.stringify({ seen: o.seen, responses: o.responses, hung: o.hung });
}

/** null when the outcomes agree or differ acceptably; otherwise the class of the difference. */
function judge(c: Case, ringcore: Outcome, node: Outcome): string | null {
  if (summarize(normalized(ringcore)) === summarize(normalized(node))) return null;
  const last = ringcore.responses.at(-1)?.slice(0, 3);
  const accepted = ACCEPTED[c.name];
  if (accepted !== undefined) {
    if (last === accepted.ringcore && ringcore.seen.length === accepted.seen) return null;
    return `listed as accepted with ${accepted.ringcore} and ${accepted.seen} requests handled, but ringcore answers ${last} and handles ${ringcore.seen.length}`;
  }
  // The same answers, and the handlers agree on every answered request: after a response that closes the
  // connection, node:http may still run the handlers of requests pipelined behind it (never answered).
  const answered = ringcore.responses.filter((r) => !r.startsWith('100 ')).length;
  const a = normalized(ringcore).seen;
  const b = normalized(node).seen;
  if (
    JSON.stringify(ringcore.responses) === JSON.stringify(node.responses) &&
    ringcore.hung === node.hung &&
    a.slice(0, answered).every((line, i) => b[i] === line) &&
    a.slice(answered).every((line, i) => line.endsWith(' aborted') || b[answered + i] === line)
  ) {
    return null;
  }
  // Two races of node:http's, both timing-dependent (0.35 % of 2000 seeds, never the same seed twice):
  // - at a client's half-close it aborts the requests in progress and drops the responses owed
  //   (socketOnEnd), where ringcore sends them: node:http's answers are a prefix of ringcore's;
  // - after a response that closes the connection (an HTTP/1.0 keep-alive request answered without
  //   a length), whether either server ran the handler of a request pipelined behind it depends on
  //   whether its bytes came in the same read: the answers are the same, and ringcore's extra
  //   handled requests are never answered;
  // - the same, the other way (Node 24, 2 to 6 in 10 runs of 100 seeds): node:http ran the handler of a request
  //   pipelined behind the HTTP/1.0 response that closes, whose abort destroyed the socket with that response, and
  //   those before it, still unsent: the client of seeds 71 and 88 got no answer at all, to requests sent whole.
  //   node:http's answers are a prefix of ringcore's, and its handlers ringcore's and more.
  const prefix = (x: string[], y: string[]) => x.length < y.length && x.every((line, i) => y[i] === line);
  if (c.halfClose && !ringcore.hung && prefix(node.responses, ringcore.responses) && b.every((line, i) => a[i] === line || line.endsWith(' aborted'))) {
    return null;
  }
  const closed = ringcore.responses.at(-1)?.includes(' keep-alive=false ') === true && a[answered - 1]?.split(' ')[2] === '1.0';
  if (closed && JSON.stringify(ringcore.responses) === JSON.stringify(node.responses) && b.every((line, i) => a[i] === line)) return null;
  if (closed && prefix(node.responses, ringcore.responses) && !node.hung && b.length > a.length && a.every((line, i) => b[i] === line)) return null;
  if (ringcore.hung && !node.hung) return 'ringcore leaves the connection open where node:http closes it';
  const refused = last !== undefined && /^[45]\d\d$/.test(last);
  if (refused && a.every((line, i) => b[i] === line)) return `stricter (unlisted): ringcore refuses with ${last}`;
  return 'differs';
}

async function listen(server: { listen(...a: unknown[]): unknown; address(): unknown }): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server as never, 'listening');
  return (server.address() as net.AddressInfo).port;
}

async function run(cases: Case[]): Promise<string[]> {
  const ringLog = new Map<number, string[]>();
  const nodeLog = new Map<number, string[]>();
  const ringLogs = new WeakMap<object, string[]>();
  const nodeLogs = new WeakMap<object, string[]>();
  const ringServer = createServer(handler(ringLogs));
  const nodeServer = http.createServer(handler(nodeLogs));
  const opened = (log: Map<number, string[]>, logs: WeakMap<object, string[]>) => (socket: net.Socket) => {
    const entries: string[] = [];
    log.set(socket.remotePort!, entries);
    logs.set(socket, entries);
  };
  ringServer.on('connection', opened(ringLog, ringLogs));
  nodeServer.on('connection', opened(nodeLog, nodeLogs));
  const ringPort = await listen(ringServer);
  const nodePort = await listen(nodeServer);
  const failures: string[] = [];
  const classes = new Map<string, string[]>();
  try {
    const outcome = async (port: number, log: Map<number, string[]>, c: Case, waitMs: number): Promise<Outcome> => {
      const { local, data, hung } = await send(port, c, waitMs);
      return { seen: log.get(local) ?? [], responses: parseResponses(data), hung };
    };
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        let [ringcore, node] = await Promise.all([outcome(ringPort, ringLog, c, 1500), outcome(nodePort, nodeLog, c, 1500)]);
        let verdict = judge(c, ringcore, node);
        // 'hung' means quiet for 1.5 s; on a loaded machine either server may just be late (node:http was, with
        // nothing seen): a case where one side went quiet is sent again, with 15 s of quiet before it counts.
        if (verdict !== null && (ringcore.hung || node.hung)) {
          [ringcore, node] = await Promise.all([outcome(ringPort, ringLog, c, 15_000), outcome(nodePort, nodeLog, c, 15_000)]);
          verdict = judge(c, ringcore, node);
        }
        if (verdict === null) continue;
        const key = verdict.replace(/\d{3}$/, 'NNN');
        classes.set(key, [...(classes.get(key) ?? []), c.name]);
        failures.push(
          `${c.name}: ${verdict}\n  input ${JSON.stringify(Buffer.concat(c.pieces).toString('latin1').slice(0, 600))}` +
            ` (${c.pieces.length} writes${c.halfClose ? ', then half-close' : ''})\n  first difference: ${firstDifference(ringcore, node)}\n  ringcore ${summarize(ringcore).slice(0, 1500)}\n  node     ${summarize(node).slice(0, 1500)}`,
        );
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
  } finally {
    ringServer.closeAllConnections();
    nodeServer.closeAllConnections();
    await Promise.all([new Promise((r) => ringServer.close(r)), new Promise((r) => nodeServer.close(r))]);
  }
  if (failures.length > 0) {
    console.log('classes of differences:');
    for (const [key, names] of classes) console.log(`  ${key}: ${names.length} (${names.slice(0, 8).join('; ')})`);
  }
  return failures;
}

test('generated valid traffic: ringcore createServer and node:http see and answer the same', async () => {
  const base = Number(process.env.RINGCORE_DIFF_SEED ?? 1);
  const count = Number(process.env.RINGCORE_DIFF_CASES ?? 100);
  const cases = Array.from({ length: count }, (_, i) => generated(base + i));
  const failures = await run(cases);
  assert.deepEqual(failures, [], failures.join('\n'));
});

test('hostile traffic: ringcore refuses at least what node:http refuses, and agrees on the rest', async () => {
  const failures = await run(HOSTILE.map(([name, bytes, halfClose]) => hostile(name, bytes, halfClose)));
  assert.deepEqual(failures, [], failures.join('\n'));
});
