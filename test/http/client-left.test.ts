// serve(): a client that leaves while its handler runs. The connection reads
// nothing while it waits for a handler, so a client that had gone was never
// seen: a handler that never answered kept the connection (and its fd) for
// good, and server.close() never resolved. node:http drops the response and
// closes on the client's FIN; serve() does so on a reset, and idleTimeout
// after a FIN (a client that only half-closed still reads its answers)
// (PeerWatch; on the node backend the socket's 'end', 'error' and 'close':
// test/fallback/suites.test.ts runs this file there). Without a client that
// left, a slow handler is still answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { openSync } from 'node:fs';

import { HttpResponse, serve } from '../../src/http/index.js';
import type { Server } from '../../src/http/server.js';
import type { HttpRequest } from '../../src/http/request.js';
import { netRing } from '../../src/net/net-ring.js';
import { leakedAfterWaiting, openFds } from '../../test-support/fds.js';
import { until } from '../../test-support/net.js';
import { setIntOption } from '../../src/net/socket.js';
import { SO_RCVBUF, SO_SNDBUF, SOL_SOCKET } from '../../src/sys/socket-constants.js';

/** Sends one request on a fresh connection; resolves with the socket once it is written. */
async function requestOn(port: number, path: string): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  await new Promise((resolve) => socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`, resolve));
  return socket;
}

test('a handler that never answers: the client leaves (FIN, or reset), the connection ends and close() resolves', { timeout: 30_000 }, async () => {
  const started: string[] = [];
  netRing(); // the thread's socket ring (and its eventfd) stay: made before the count
  const before = openFds();
  // A FIN may be a client that only half-closed: it is one that left once idleTimeout has passed (a reset at once).
  const server = await serve({
    host: '127.0.0.1',
    port: 0,
    idleTimeout: 1000,
    fetch: (req: HttpRequest) => {
      started.push(req.pathname);
      return new Promise<HttpResponse>(() => {});
    },
  });
  const port = server.address.port;
  const clients: net.Socket[] = [];
  try {
    const gone = await requestOn(port, '/fin');
    const reset = await requestOn(port, '/reset');
    clients.push(gone, reset);
    await until(() => started.length === 2, 10_000, 'both handlers to start');
    gone.end(); // FIN
    reset.resetAndDestroy(); // RST
    await until(() => server.connections === 0, 20_000, 'the connections to end'); // timed out before: they stayed for good
  } finally {
    for (const client of clients) client.destroy(); // (after a failure: the server would stay open for them, and the file never end)
    await server.close();
  }
  assert.deepEqual(await leakedAfterWaiting(before), [], 'no fd left open');
});

test('a file body answered after its client left is given back (done()), and a slow handler whose client stays is answered', { timeout: 30_000 }, async () => {
  let answerLate!: () => void;
  const late = new Promise<void>((resolve) => (answerLate = resolve));
  let done = 0;
  const server = await serve({
    host: '127.0.0.1',
    port: 0,
    idleTimeout: 1000, // how long after its FIN a client is one that left
    fetch: async (req: HttpRequest) => {
      await late;
      if (req.pathname === '/file') return new HttpResponse({ fd: openSync(new URL(import.meta.url), 'r'), offset: 0, length: 10, done: () => void done++ });
      return new HttpResponse('answered');
    },
  });
  const port = server.address.port;
  const clients: net.Socket[] = [];
  try {
    const leaving = await requestOn(port, '/file');
    const staying = await requestOn(port, '/stays');
    clients.push(leaving, staying);
    let received = '';
    staying.on('data', (d: Buffer) => (received += d.toString('latin1')));
    await until(() => server.connections === 2, 10_000, 'two connections');
    leaving.end();
    await until(() => server.connections === 1, 20_000, 'the connection of the client that left to end');
    answerLate();
    await until(() => received.endsWith('answered'), 10_000, 'the answer to the client that stayed');
    assert.match(received, /^HTTP\/1\.1 200 OK\r\n/);
    await until(() => done === 1, 5000, "the abandoned file body's done()");
  } finally {
    answerLate();
    for (const client of clients) client.destroy();
    await server.close();
  }
});

test('pipelined requests: the client leaves while the second handler runs (its connection held from the first answer): the connection ends', {
  timeout: 30_000,
}, async () => {
  const started: string[] = [];
  const fetch = async (req: HttpRequest): Promise<HttpResponse> => {
    started.push(req.pathname);
    return req.pathname === '/never' ? new Promise<HttpResponse>(() => {}) : new HttpResponse('first');
  };
  const server = await serve({ host: '127.0.0.1', port: 0, idleTimeout: 1000, fetch }); // (how long after its FIN a client is one that left)
  const socket = net.connect(server.address.port, '127.0.0.1');
  try {
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /never HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => started.length === 2, 10_000, 'the second handler to start');
    socket.end();
    await until(() => server.connections === 0, 20_000, 'the connection to end');
    assert.deepEqual(started, ['/first', '/never']);
  } finally {
    socket.destroy();
    await server.close();
  }
});

/** The fd numbers of this process's sockets. */
function socketFds(): Set<number> {
  const fds = new Set<number>();
  for (const entry of openFds()) {
    const [fd, target] = entry.split(' -> ');
    if (target!.startsWith('socket:')) fds.add(Number(fd));
  }
  return fds;
}

/** Answers bigger than the kernel holds while the client does not read: the first fills the client's buffer, the second stays in the server's output buffer (below LARGE_BODY). */
const FILL = 'f'.repeat(50_000);
const BODY = 'm'.repeat(60_000);

/**
 * A client of `server` that reads nothing until read() is called (Node's
 * onread: a read into a 1-byte buffer, then a pause), with 4 kB socket
 * buffers on both ends. It asks for /fill (answered, unread), then for
 * /mid and `held` pipelined: /mid's answer waits in a SEND that cannot
 * finish, when `held`'s handler holds the connection.
 */
async function unreadAnswerBeforeHeld(server: Server, started: string[], held: string) {
  const socketsBefore = socketFds();
  let reading = false;
  const chunks: Buffer[] = [];
  const small = Buffer.alloc(1);
  const large = Buffer.alloc(65536);
  const onread = {
    buffer: () => (reading ? large : small),
    callback: (n: number, buf: Buffer) => {
      chunks.push(Buffer.from(buf.subarray(0, n)));
      return reading;
    },
  };
  const socket = net.connect({ port: server.address.port, host: '127.0.0.1', onread } as net.NetConnectOpts);
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  await until(() => server.connections === 1, 10_000, 'the connection');
  // The new sockets (the client's, the server's): small buffers both ways.
  const fds = [...socketFds()].filter((fd) => !socketsBefore.has(fd));
  assert.ok(fds.length >= 2, 'the two ends of the connection');
  for (const fd of fds) {
    setIntOption(fd, SOL_SOCKET, SO_SNDBUF, 4096);
    setIntOption(fd, SOL_SOCKET, SO_RCVBUF, 4096);
  }
  socket.write('GET /fill HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => started.length === 1, 10_000, 'the first handler');
  socket.write(`GET /mid HTTP/1.1\r\nHost: x\r\n\r\nGET ${held} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await until(() => started.length === 3, 10_000, 'the held handler to start');
  /** Reads everything until the end; the bodies of the 200 answers received. */
  const read = async (): Promise<string[]> => {
    // 'close' too: a connection reset (no 'end') gives the assertions what came, instead of a wait that never ends.
    const ended = new Promise((resolve) => socket.once('end', resolve).once('close', resolve));
    reading = true;
    socket.resume();
    await ended;
    const text = Buffer.concat(chunks).toString('latin1');
    return text
      .split(/HTTP\/1\.1 200 OK\r\n/)
      .slice(1)
      .map((answer) => answer.slice(answer.indexOf('\r\n\r\n') + 4));
  };
  return { socket, read };
}

test('pipelined: the answers before a held handler still go out, whole, when the client half-closes and reads them only later', {
  timeout: 30_000,
}, async () => {
  // Before: the client's FIN made the server shut its side down (lingering close) with those answers'
  // send still waiting for room in the socket: it failed (EPIPE), and the client got a cut response.
  const started: string[] = [];
  const fetch = (req: HttpRequest): HttpResponse | Promise<HttpResponse> => {
    started.push(req.pathname);
    return req.pathname === '/never' ? new Promise<HttpResponse>(() => {}) : new HttpResponse(req.pathname === '/fill' ? FILL : BODY);
  };
  // The sweep, which watches a held handler's client, runs every 50 ms (a quarter of the shorter timeout).
  // The idle timeout is both how long a half-closed client's answers may take (then it is a client that
  // left) and how long a client may take to read what is sent to it: the client reads between the two,
  // with 3 s to read them (a slow machine, qemu's TCG, took more than 1 s).
  const server = await serve({ host: '127.0.0.1', port: 0, headersTimeout: 200, idleTimeout: 4000, fetch });
  let client: Awaited<ReturnType<typeof unreadAnswerBeforeHeld>> | undefined;
  try {
    client = await unreadAnswerBeforeHeld(server, started, '/never');
    client.socket.end(); // FIN: the sweep's watch sees it; 4 s later it is a client that left
    await new Promise((resolve) => setTimeout(resolve, 5000)); // the connection has left, its send waits for the client
    const answers = await client.read();
    assert.deepEqual(
      answers.map((answer) => answer.length),
      [FILL.length, BODY.length],
    ); // before: [50000], the second answer lost whole
    assert.equal(answers[1], BODY);
    assert.deepEqual(started, ['/fill', '/mid', '/never']);
  } finally {
    client?.socket.destroy();
    await server.close();
  }
});

test('pipelined: a held handler answers while the answers before it wait for a client that reads nothing: the idle timeout ends the connection', {
  timeout: 30_000,
}, async () => {
  // Before: the connection waited for that send with no deadline (0 while a handler holds it): it and
  // its fd stayed for good, and server.close() never resolved.
  const started: string[] = [];
  let answerLate!: () => void;
  const late = new Promise<void>((resolve) => (answerLate = resolve));
  const fetch = (req: HttpRequest): HttpResponse | Promise<HttpResponse> => {
    started.push(req.pathname);
    return req.pathname === '/late' ? late.then(() => new HttpResponse('late')) : new HttpResponse(req.pathname === '/fill' ? FILL : BODY);
  };
  const server = await serve({ host: '127.0.0.1', port: 0, idleTimeout: 200, fetch });
  let client: Awaited<ReturnType<typeof unreadAnswerBeforeHeld>> | undefined;
  try {
    client = await unreadAnswerBeforeHeld(server, started, '/late');
    answerLate();
    await until(() => server.connections === 0, 10_000, 'the idle timeout to end the connection of a client that reads nothing');
    assert.deepEqual(started, ['/fill', '/mid', '/late']);
  } finally {
    client?.socket.destroy();
    await server.close();
  }
});
