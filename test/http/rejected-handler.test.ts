// An async request handler that rejects (the error lands in captureRejections'
// handler). node:http's server removes the headers the handler set, and ends
// the response as a 500 with the body "Internal Server Error" (its length, or
// chunked when the handler had set a Content-Length, which node then no
// longer computes); a response that has begun is destroyed with its socket,
// and one that has ended is left as it is. The connection goes on.
// createServer's 500 kept the handler's headers (Content-Length included, with
// no body behind it: the client waited for bytes that never came) and said
// close. Now it gives node:http's bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import type http from 'node:http';
import net from 'node:net';

import { nodeHttpThenRingcore, withoutDates } from '../../test-support/twin-servers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const get = (path: string): string => `GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`;

/** The handler's steps before its promise rejects, per path. */
async function careless(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  await sleep(5);
  switch (req.url) {
    case '/headers':
      res.setHeader('x-secret', 'leaked?');
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-length', '99');
      throw new Error('after setting headers');
    case '/plain':
      res.setHeader('x-secret', 'leaked?');
      throw new Error('after setting a header');
    case '/begun':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('part');
      throw new Error('after the head went out');
    case '/ended':
      res.end('done');
      throw new Error('after ending');
  }
  res.end(`answer ${req.url}`);
}

/** What a raw client got for `path` with a request pipelined behind it: the bytes (no Date), and whether the connection closed. */
async function exchange(port: number, path: string): Promise<{ received: string; closed: boolean }> {
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => {});
  let received = '';
  const done = new Promise<boolean>((resolve) => {
    client.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.endsWith('answer /next')) resolve(false);
    });
    client.on('close', () => resolve(true));
  });
  try {
    client.write(get(path) + get('/next'));
    const closed = await Promise.race([done, sleep(3000).then(() => null)]);
    assert.notEqual(closed, null, `${path}: neither answered nor closed: ${JSON.stringify(received)}`);
    return { received: withoutDates(received), closed: closed === true };
  } finally {
    client.destroy();
  }
}

test('an async handler that rejects gets node:http 500: its headers removed, "Internal Server Error", the connection kept', async () => {
  const results: Record<string, Record<string, { received: string; closed: boolean }>> = {};
  for (const [name, make] of nodeHttpThenRingcore()) {
    const capture = EventEmitter.captureRejections;
    EventEmitter.captureRejections = true;
    const server = make(careless);
    EventEmitter.captureRejections = capture;
    (server as unknown as { reportError: () => void }).reportError = () => {};
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    try {
      const seen: Record<string, { received: string; closed: boolean }> = {};
      for (const path of ['/headers', '/plain', '/begun', '/ended']) seen[path] = await exchange(port, path);
      results[name] = seen;

      for (const path of ['/headers', '/plain']) {
        const { received, closed } = seen[path]!;
        const first = received.slice(0, received.indexOf('HTTP/1.1', 1));
        assert.match(first, /^HTTP\/1.1 500 Internal Server Error\r\n/, `${name} ${path}`);
        assert.doesNotMatch(first, /x-secret|application\/json|content-length: 99/i, `${name} ${path}: the handler's headers went out`);
        assert.match(first, /\r\n\r\n(15\r\n)?Internal Server Error(\r\n0\r\n\r\n)?$/, `${name} ${path}: ${JSON.stringify(first)}`);
        assert.ok(received.endsWith('answer /next') && !closed, `${name} ${path}: the connection goes on: ${JSON.stringify(received)}`);
      }
      assert.match(seen['/plain']!.received, /\r\ncontent-length: 21\r\n/i, name);
      // Begun: destroyed with its socket, nothing more after what was written.
      assert.ok(seen['/begun']!.closed && seen['/begun']!.received.endsWith('4\r\npart\r\n'), `${name}: ${JSON.stringify(seen['/begun'])}`);
      // Ended (and finished by the time the rejection is handled): left as it is.
      assert.match(seen['/ended']!.received, /^HTTP\/1.1 200 OK\r\n[\s\S]*\r\n\r\ndoneHTTP\/1.1 200 OK/, name);
      assert.ok(!seen['/ended']!.closed, name);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }
  if (results['node:http'] !== undefined) assert.deepEqual(results.createServer, results['node:http'], 'createServer (actual) against node:http (expected)');
});
