// server.close() while a keep-alive connection has a request in progress:
// createServer answers the busy connections with `Connection: close`
// (docs/http.md), so nothing after the response that says it may be
// processed (RFC 9112 9.6). It marked every response not yet begun, and
// went on reading: a request pipelined behind the slow one, or sent after
// close(), still ran its handler (a POST's effects happened), and its
// response was lost when the first one closed the connection. node:http
// (which keeps such connections alive) answers every request it runs. Now
// only the last response owed says close and nothing after it is read, so
// every request whose handler runs is answered, and the connection ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import net from 'node:net';

import { backend } from '../../src/index.js';
import { createServer } from '../../src/http/index.js';
import { nodeHttpThenRingcore } from '../../test-support/twin-servers.js';
import { test as ioUringTest } from '../../test-support/backend.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const get = (path: string): string => `GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`;

/** Runs `steps` on a connection to a server whose /slow answers after 300 ms; what ran, and what the client got. */
async function scenario(
  make: typeof http.createServer,
  steps: (client: net.Socket, server: http.Server) => Promise<void>,
): Promise<{ ran: string[]; received: string; ended: boolean }> {
  const ran: string[] = [];
  const server = make((req, res) => {
    ran.push(req.url!);
    if (req.url === '/slow') setTimeout(() => res.end('answer /slow'), 300);
    else res.end(`answer ${req.url}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  let received = '';
  client.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  try {
    await once(client, 'connect');
    await steps(client, server);
    const ended = await Promise.race([once(client, 'close').then(() => true), sleep(1500).then(() => false)]);
    return { ran, received, ended };
  } finally {
    client.destroy();
    server.closeAllConnections();
  }
}

const SCENARIOS: [string, (client: net.Socket, server: http.Server) => Promise<void>][] = [
  [
    'a request pipelined behind the slow one before close()',
    async (client, server) => {
      client.write(get('/slow') + get('/next'));
      await sleep(100);
      server.close();
    },
  ],
  [
    'a request sent after close(), before the slow one is answered',
    async (client, server) => {
      client.write(get('/slow'));
      await sleep(100);
      server.close();
      await sleep(50);
      client.write(get('/next'));
    },
  ],
];

for (const [name, steps] of SCENARIOS) {
  test(`server.close() with a request in progress and ${name}: every request whose handler ran is answered`, async () => {
    for (const [server, make] of [
      ['node:http', http.createServer],
      ['createServer', createServer as unknown as typeof http.createServer],
    ] as const) {
      const { ran, received, ended } = await scenario(make, steps);
      assert.ok(ran.includes('/slow'), `${server}: ran ${ran}`);
      for (const path of ran) assert.ok(received.includes(`answer ${path}`), `${server}: ${path} ran; the client got ${JSON.stringify(received)}`);
      // node:http keeps the connection alive (for keepAliveTimeout); createServer ends it after the answers.
      if (server === 'createServer' && backend() === 'io_uring') assert.ok(ended, 'the connection ends');
    }
  });
}

// (On the node backend createServer() is node:http's, where a listener's throw ends the process.)
ioUringTest('a handler that throws, with a request pipelined behind it: the 500 closes the connection, and the request behind it does not run', async () => {
  const ran: string[] = [];
  const server = createServer((req, res) => {
    ran.push(req.url!);
    if (req.url === '/throws') throw new Error('careless handler');
    res.end(`answer ${req.url}`);
  });
  server.reportError = () => {};
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  let received = '';
  client.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  try {
    client.write(get('/throws') + get('/next'));
    await once(client, 'close');
    assert.match(received, /^HTTP\/1.1 500 /);
    assert.deepEqual(ran, ['/throws'], `the client got ${JSON.stringify(received)}`);
  } finally {
    client.destroy();
    server.close();
  }
});

// An async handler that throws: its 500 comes from captureRejections, a microtask after the handlers of the
// requests pipelined behind it ran. The 500 said close, and their answers were lost. node:http (with
// captureRejections on, else its process ends) answers them all, its 500 keeping the connection; so does
// createServer now (test/http/rejected-handler).
test('an async handler that throws, with requests pipelined behind it: each of them is answered, in order', async () => {
  for (const [name, make] of nodeHttpThenRingcore()) {
    const capture = EventEmitter.captureRejections;
    EventEmitter.captureRejections = true;
    const server = make(async (req, res) => {
      if (req.url === '/throws') throw new Error('careless async handler');
      if (req.url === '/late') await sleep(50);
      res.end(`answer ${req.url}`);
    });
    EventEmitter.captureRejections = capture;
    (server as unknown as { reportError: () => void }).reportError = () => {};
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    let received = '';
    // Until the last answer, or the end of the connection (answers lost).
    const answered = new Promise<void>((resolve) => {
      client.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (received.endsWith('answer /late')) resolve();
      });
      client.on('close', resolve);
    });
    try {
      await once(client, 'connect');
      client.write(get('/a') + get('/throws') + get('/b') + get('/late'));
      await answered;
      const statuses = [...received.matchAll(/HTTP\/1.1 (\d+)/g)].map((m) => m[1]);
      assert.deepEqual(statuses, ['200', '500', '200', '200'], `${name}: the client got ${JSON.stringify(received)}`);
      assert.deepEqual(
        [...received.matchAll(/answer \/[a-z]+/g)].map((m) => m[0]),
        ['answer /a', 'answer /b', 'answer /late'],
        name,
      );
      // None says close: the connection goes on.
      assert.doesNotMatch(received, /^connection: close\r$/im, name);
    } finally {
      client.destroy();
      server.closeAllConnections();
      server.close();
    }
  }
});
