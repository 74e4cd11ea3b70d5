// The HTTP connection's promise-free path (receive by callback, SEND settled
// by callback, repeated heads) under the cases where a fast path loses data or
// hangs: a ring closed under a handler, heads that repeat all but one byte,
// handlers that change their request, pipelining across chunk boundaries.
import assert from 'node:assert/strict';
import net from 'node:net';

import { Ring } from '../../src/index.js';
import { HttpResponse, serve } from '../../src/http/index.js';
import { exchange, statuses } from '../../test-support/http.js';
import { until } from '../../test-support/net.js';
import { test } from 'node:test';
import { requireIoUring } from '../../test-support/backend.js';

test('a ring closed while a handler runs: its Connection: close response does not leave the connection hanging', {
  timeout: 20_000,
  ...requireIoUring(),
}, async () => {
  const ring = new Ring({ entries: 64 });
  let entered: () => void = () => {};
  const handlerRuns = new Promise<void>((resolve) => (entered = resolve));
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const server = await serve({
    host: '127.0.0.1',
    port: 0,
    ring,
    onError: () => {},
    fetch: async () => {
      entered();
      await gate;
      return new HttpResponse('late');
    },
  });
  const client = net.connect({ port: server.address.port, host: '127.0.0.1' });
  client.on('error', () => {});
  client.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await handlerRuns;
  const closing = ring.close();
  release();
  // The response's send is refused at once (the ring is closed): the connection must still end, and the server close.
  await closing;
  await server.close();
  client.destroy();
});

test('pipelined heads that repeat but for one header value, or in length, split at every byte: each parsed as sent, in order, bodies intact', {
  timeout: 60_000,
}, async () => {
  const server = await serve({
    host: '127.0.0.1',
    port: 0,
    onError: () => {},
    fetch: async (req) => {
      const body = await req.text();
      const seen = `${req.target}|${req.headers.get('x-v')}|${req.headers.get('x-added')}|${body}`;
      // A handler that changes its request's headers must not change the next request's.
      (req.headers.raw() as string[]).push('x-added', 'by-handler');
      return new HttpResponse(seen);
    },
  });
  try {
    const head = (v: string, length: number): string => `POST /p HTTP/1.1\r\nHost: h\r\nX-V: ${v}\r\nContent-Length: ${length}\r\n\r\n`;
    const stream = `${head('a', 3)}one${head('a', 3)}two${head('b', 3)}thr${head('bb', 4)}four${head('bb', 4)}five${head('a', 3)}six`;
    const last = 'GET /end HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n';
    const expected = ['/p|a|null|one', '/p|a|null|two', '/p|b|null|thr', '/p|bb|null|four', '/p|bb|null|five', '/p|a|null|six', '/end|null|null|'];
    for (let cut = 1; cut < stream.length; cut++) {
      const { data } = await exchange(server.address.port, [stream.slice(0, cut), stream.slice(cut) + last], 1);
      assert.deepEqual(statuses(data), [200, 200, 200, 200, 200, 200, 200], `cut at ${cut}`);
      const bodies = data.split(/HTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\n/).slice(1);
      assert.deepEqual(bodies, expected, `cut at ${cut}`);
    }
  } finally {
    await server.close();
  }
});

/** A client that writes `writes` in turn, half-closing with the last; resolves with what it received once the server closed. */
function halfClosingClient(port: number, ...writes: string[]): Promise<string> {
  const client = net.connect({ port, host: '127.0.0.1' });
  const received: Buffer[] = [];
  client.on('data', (chunk: Buffer) => received.push(chunk));
  writes.forEach((piece, i) => (i === writes.length - 1 ? client.end(piece) : client.write(piece)));
  return new Promise((resolve) => client.on('close', () => resolve(Buffer.concat(received).toString('latin1'))));
}

/** The bodies of the half-close tests' answers ('body /x' or 'sync'), in the order received. */
function answerBodies(data: string): string[] {
  return [...data.matchAll(/\r\n\r\n(body \/\w|sync)/g)].map((m) => m[1]!);
}

test('pipelined requests, then a half-close: the EOF waits behind them; async and sync answers go out in request order, then the server closes', async () => {
  const gates = new Map<string, () => void>();
  const server = await serve({
    host: '127.0.0.1',
    port: 0,
    onError: () => {},
    fetch: (req) => {
      if (req.pathname === '/sync') return new HttpResponse('sync');
      const answer = new HttpResponse(`body ${req.pathname}`);
      return new Promise<HttpResponse>((resolve) => gates.set(req.pathname, () => resolve(answer)));
    },
  });
  try {
    const closed = halfClosingClient(
      server.address.port,
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /sync HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    // The handlers are called one after the other: answer each once it has been called.
    for (const path of ['/a', '/b', '/c']) {
      await until(() => gates.has(path), 30_000, `the handler of ${path}`);
      gates.get(path)!();
    }
    const data = await closed;
    assert.deepEqual(statuses(data), [200, 200, 200, 200]);
    assert.deepEqual(answerBodies(data), ['body /a', 'sync', 'body /b', 'body /c']);
  } finally {
    await server.close();
  }
});

test('pipelined requests, then a half-close, with handlers that run across sweeps: every answer still goes out, in order', { timeout: 30_000 }, async () => {
  // The sweep (every 50 ms here: a quarter of headersTimeout) watches a held handler's client and sees its
  // FIN. Before, that FIN was a client that left: the answer to come was dropped and the requests after it
  // never answered, so a half-closed client got its answers only when no sweep came while a handler ran
  // (on a slow machine the first one, a second after serve(), did: 3 answers of 4).
  const server = await serve({
    host: '127.0.0.1',
    port: 0,
    headersTimeout: 200,
    onError: () => {},
    fetch: (req) =>
      req.pathname === '/sync'
        ? new HttpResponse('sync')
        : new Promise<HttpResponse>((resolve) => setTimeout(() => resolve(new HttpResponse(`body ${req.pathname}`)), 300)),
  });
  try {
    const data = await halfClosingClient(
      server.address.port,
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /sync HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    assert.deepEqual(answerBodies(data), ['body /a', 'sync', 'body /b']); // before: [], the FIN seen while /a's handler ran
    assert.deepEqual(statuses(data), [200, 200, 200]);
  } finally {
    await server.close();
  }
});

test('pipelined: a sync answer leaves before the next handler (async) answers, not with it', { timeout: 30_000 }, async () => {
  let release = null as (() => void) | null; // (set by the handler: not narrowed to null)
  const server = await serve({
    host: '127.0.0.1',
    port: 0,
    fetch: (req) => {
      if (req.pathname === '/sync') return new HttpResponse('sync');
      return new Promise<HttpResponse>((resolve) => (release = () => resolve(new HttpResponse('slow'))));
    },
  });
  const client = net.connect({ port: server.address.port, host: '127.0.0.1' });
  try {
    let received = '';
    const gotSync = new Promise<void>((resolve) =>
      client.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (received.includes('sync')) resolve();
      }),
    );
    client.write('GET /sync HTTP/1.1\r\nHost: x\r\n\r\nGET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    // The slow handler answers only once the first response has arrived: before the fix that was never.
    const first = await Promise.race([gotSync.then(() => 'sync'), new Promise((resolve) => setTimeout(resolve, 5000, 'timed out'))]);
    assert.equal(first, 'sync', 'the first response came while the second handler was still running');
    await until(() => release !== null, 30_000, 'the slow handler');
    release!();
    await until(() => received.includes('slow'), 30_000, 'the slow answer');
    assert.deepEqual(statuses(received), [200, 200]);
  } finally {
    client.destroy(); // a client that left ends its connection: close() does not wait for a handler a failure left waiting
    await server.close();
  }
});

test("a client that resets while a large response is going out ends only its own connection (never the next client's), reported as nothing", {
  timeout: 30_000,
}, async () => {
  const errors: unknown[] = [];
  const server = await serve({
    host: '127.0.0.1',
    port: 0,
    onError: (error) => errors.push(error),
    fetch: (req) => (req.pathname === '/big' ? new HttpResponse(Buffer.alloc(8 << 20, 'b')) : new HttpResponse('small')),
  });
  try {
    const port = server.address.port;
    // Each client is accepted while the last one's connection is still failing its sends: its fd number may be the one just freed.
    for (let round = 0; round < 3; round++) {
      const client = net.connect({ port, host: '127.0.0.1' });
      client.on('error', () => {});
      client.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\n\r\n');
      const first = await new Promise((resolve) => {
        client.once('data', () => resolve('data'));
        client.once('close', () => resolve('closed'));
      });
      assert.equal(first, 'data', `client ${round}: its response came before its connection ended`);
      client.resetAndDestroy();
    }
    const { data } = await exchange(port, 'GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.deepEqual(statuses(data), [200]);
    await until(() => server.connections === 0, 30_000, 'the connections to end');
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test('a receive buffer ring that keeps running dry (2 buffers of 64 bytes): several clients pipelining bodies get every answer whole, in order', {
  timeout: 60_000,
  ...requireIoUring(),
}, async () => {
  const ring = new Ring({ entries: 64 });
  const server = await serve({
    host: '127.0.0.1',
    port: 0,
    ring,
    recvBuffers: { count: 2, size: 64 },
    onError: () => {},
    fetch: async (req) => {
      const body = await req.text();
      return new HttpResponse(`${req.pathname}=${body.length}:${body.slice(-3)}`);
    },
  });
  try {
    const port = server.address.port;
    const request = (i: number): string => {
      const body = `${'x'.repeat(100 + i * 37)}${String(i).padStart(3, '0')}`;
      return `POST /r${i} HTTP/1.1\r\nHost: h\r\nX-Pad: ${'p'.repeat(i)}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    };
    const clients = Array.from({ length: 4 }, async (_, c) => {
      const requests = Array.from({ length: 20 }, (_, i) => request(i + c));
      const { data } = await exchange(port, `${requests.join('')}GET /end HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`);
      const bodies = data.split(/HTTP\/1\.1 200 OK\r\n[\s\S]*?\r\n\r\n/).slice(1);
      const expected = Array.from({ length: 20 }, (_, i) => `/r${i + c}=${103 + (i + c) * 37}:${String(i + c).padStart(3, '0')}`);
      assert.deepEqual(bodies, [...expected, '/end=0:'], `client ${c}`);
    });
    await Promise.all(clients);
  } finally {
    await server.close();
    await ring.close();
  }
});

test('Expect: 100-continue, twice on one connection, the second head arriving with the first body: each gets its 100', async () => {
  const server = await serve({ host: '127.0.0.1', port: 0, onError: () => {}, fetch: async (req) => new HttpResponse(`got ${await req.text()}`) });
  const client = net.connect({ port: server.address.port, host: '127.0.0.1' });
  try {
    let data = '';
    client.setEncoding('latin1');
    client.on('data', (chunk: string) => (data += chunk));
    const count = (text: string): number => data.split(text).length - 1;
    const head = 'POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n';
    client.write(head);
    await until(() => count('100 Continue') === 1, 5000, 'the first 100 Continue');
    // The first body and the next head in one write: the second head waits for a 100 of its own.
    client.write(`abc${head}`);
    await until(() => count('100 Continue') === 2, 5000, 'the second 100 Continue');
    client.write('def');
    await until(() => count('got ') === 2, 5000, 'both answers');
    assert.deepEqual(statuses(data), [100, 200, 100, 200]);
    assert.match(data, /got abc[\s\S]*got def$/);
  } finally {
    client.destroy();
    await server.close();
  }
});
