// serve() keeps ended connections (their parser, output buffer, sender) for
// its next clients (src/http/connection-pool.ts). Nothing of one client may
// reach the next: bytes of a half-sent request or body, a 100 Continue
// already sent, a connection closing, or a handler's answer that comes after
// its client left. Each case: client A leaves the server's only connection in
// that state and goes; once the server has no connection open, client B
// connects (and so gets A's connection, if it was kept) and must be served as
// on a new server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';

import { HttpResponse, serve } from '../../src/http/index.js';
import type { Server } from '../../src/http/server.js';
import type { HttpRequest } from '../../src/http/request.js';
import { until } from '../../test-support/net.js';

/** What the handler saw, as the response body. */
async function describe(req: HttpRequest): Promise<HttpResponse> {
  const body = await req.text();
  return new HttpResponse(JSON.stringify({ method: req.method, target: req.target, headers: [...req.headers.entries()], body }));
}

/** Connects, writes `bytes`, and collects what comes back until `done(text)` or the end; then ends the socket. */
async function exchange(port: number, bytes: string, done: (text: string) => boolean): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  let text = '';
  await new Promise<void>((resolve) => {
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (done(text)) resolve();
    });
    socket.on('close', () => resolve());
    socket.write(bytes);
    if (done(text)) resolve();
  });
  socket.end();
  return text;
}

/** A whole response: its head, and as many body bytes as its Content-Length says. */
function whole(text: string): boolean {
  const blank = text.indexOf('\r\n\r\n');
  if (blank < 0) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, blank));
  return length !== null && text.length - (blank + 4) >= Number(length[1]);
}

function bodyOf(text: string): { method: string; target: string; headers: [string, string][]; body: string } {
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/, `a 200, got ${JSON.stringify(text)}`);
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
}

async function quiet(server: Server): Promise<void> {
  await until(() => server.connections === 0, 10_000, 'the connection to end');
}

/** B's request, and what its handler must have seen. */
const NEXT = 'POST /b HTTP/1.1\r\nHost: b\r\nX-Client: b\r\nContent-Length: 2\r\n\r\nhi';
const SEEN = {
  method: 'POST',
  target: '/b',
  headers: [
    ['host', 'b'],
    ['x-client', 'b'],
    ['content-length', '2'],
  ],
  body: 'hi',
};

// What A leaves behind when it goes: sent bytes, and whether it waits for something first.
const leftovers: { name: string; sends: string; waitsFor?: (text: string) => boolean }[] = [
  { name: 'half a head', sends: 'GET /a HTTP/1.1\r\nHost: a\r\nX-Secret: 1' },
  { name: 'a head and part of its body', sends: 'POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nabc' },
  { name: 'part of a chunked body', sends: 'POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab' },
  { name: 'a chunked body in its trailers', sends: 'POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\nX-Trailer: 1' },
  {
    name: 'a request answered, then the same head again, half sent',
    sends: 'POST /b HTTP/1.1\r\nHost: b\r\nX-Client: a\r\nContent-Length: 2\r\n\r\nhiPOST /b HTTP/1.1\r\nHost: b\r\nX-Client: a\r\n',
    waitsFor: whole,
  },
  {
    name: 'a 100 Continue sent, the body never',
    sends: 'POST /a HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n',
    waitsFor: (text) => text.startsWith('HTTP/1.1 100 Continue\r\n\r\n'),
  },
  { name: 'Connection: close answered (the server lingers)', sends: 'GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n', waitsFor: whole },
  { name: 'a request refused (400)', sends: 'GET /a HTTP/1.1\r\nHost: a\r\nBad Header\r\n\r\n', waitsFor: whole },
  { name: 'a CONNECT refused (501)', sends: 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n', waitsFor: whole },
];

test('a kept connection carries nothing of its last client to the next', { timeout: 60_000 }, async () => {
  const server = await serve({ host: '127.0.0.1', port: 0, fetch: describe });
  const port = server.address.port;
  try {
    for (const { name, sends, waitsFor } of leftovers) {
      await exchange(port, sends, waitsFor ?? (() => true));
      await quiet(server);
      const answer = await exchange(port, NEXT, whole);
      assert.deepEqual(bodyOf(answer), SEEN, `after ${name}`);
      await quiet(server);
    }
    // A client that asks for a 100 Continue after one was sent to the last client gets its own.
    await exchange(port, 'POST /a HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n', (t) => t.includes('100 Continue'));
    await quiet(server);
    const text = await exchange(port, 'POST /c HTTP/1.1\r\nHost: c\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n', (t) => t.includes('100 Continue'));
    assert.equal(text, 'HTTP/1.1 100 Continue\r\n\r\n');
  } finally {
    await server.close();
  }
});

test("a handler's answer that comes after its client left reaches no later client", { timeout: 60_000 }, async () => {
  const resolvers = new Map<string, (response: HttpResponse) => void>();
  // idleTimeout: the sweep (which sees that a client left while its handler runs) comes every 50 ms.
  const server = await serve({
    host: '127.0.0.1',
    port: 0,
    idleTimeout: 200,
    fetch: (req: HttpRequest) => new Promise<HttpResponse>((resolve) => resolvers.set(req.target, resolve)),
  });
  const port = server.address.port;
  try {
    const first = net.connect(port, '127.0.0.1');
    first.on('error', () => {});
    first.write('GET /a HTTP/1.1\r\nHost: a\r\n\r\n');
    await until(() => resolvers.has('/a'), 10_000, "A's handler to start");
    first.end(); // A leaves while its handler runs
    await quiet(server);
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.write('GET /b HTTP/1.1\r\nHost: b\r\n\r\n');
    await until(() => resolvers.has('/b'), 10_000, "B's handler to start");
    resolvers.get('/a')!(new HttpResponse('for A'));
    // Turns for A's answer to arrive wherever it would go.
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    resolvers.get('/b')!(new HttpResponse('for B'));
    await until(() => whole(text), 10_000, "B's response");
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.ok(text.endsWith('\r\n\r\nfor B'), `B got its own answer only: ${JSON.stringify(text)}`);
    socket.destroy();
  } finally {
    await server.close();
  }
});

test('node:http clients one after another, each with headers of its own, each see only their own', { timeout: 60_000 }, async () => {
  const server = await serve({ host: '127.0.0.1', port: 0, fetch: describe });
  const port = server.address.port;
  try {
    for (let i = 0; i < 30; i++) {
      // A new connection each time (no agent), some with a body and some left half-sent before.
      const agent = new http.Agent({ keepAlive: false });
      const seen = await new Promise<string>((resolve, reject) => {
        const req = http.request(
          { port, host: '127.0.0.1', method: i % 2 ? 'POST' : 'GET', path: `/n${i}`, agent, headers: { [`x-only-${i}`]: String(i) } },
          (res) => {
            let body = '';
            res.setEncoding('latin1');
            res.on('data', (d: string) => (body += d));
            res.on('end', () => resolve(body));
          },
        );
        req.on('error', reject);
        req.end(i % 2 ? `body ${i}` : undefined);
      });
      agent.destroy();
      const got = JSON.parse(seen) as { method: string; target: string; headers: [string, string][]; body: string };
      assert.equal(got.target, `/n${i}`);
      assert.equal(got.body, i % 2 ? `body ${i}` : '');
      assert.deepEqual(
        got.headers.filter(([name]) => name.startsWith('x-')),
        [[`x-only-${i}`, String(i)]],
      );
      if (i % 3 === 0) await exchange(port, `GET /half${i} HTTP/1.1\r\nHost: h\r\nX-Left-${i}: 1`, () => true);
      await quiet(server);
    }
  } finally {
    await server.close();
  }
});
