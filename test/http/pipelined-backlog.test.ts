// A client that pipelines many requests and does not read the responses (a
// careless or slow client): node:http stops reading requests from the socket
// while the responses owed back up past the socket's high-water mark
// (_http_server's outgoingData and socket 'drain'), so it holds a bounded
// number of them. createServer read and dispatched every request the client
// sent, and held every response in memory (40,000 requests for 10 KiB each:
// 540 MB of RSS, where node:http ran 2,427 handlers). Both must now run a
// bounded number of handlers while the client reads nothing, and answer
// every request, in order, once it reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';

import { createServer } from '../../src/http/index.js';

const REQUESTS = 20_000;
const RESPONSE = 10 * 1024;
const STATUS = 'HTTP/1.1 200 OK';

async function flood(make: typeof http.createServer): Promise<{ whileNotReading: number; responses: number; bytes: number }> {
  let handled = 0;
  const server = make((req, res) => {
    handled++;
    res.end(Buffer.alloc(RESPONSE, req.url === '/last' ? 'z' : 'r'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  try {
    await once(client, 'connect');
    client.pause();
    client.write(`${'GET / HTTP/1.1\r\nhost: x\r\n\r\n'.repeat(REQUESTS - 1)}GET /last HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const whileNotReading = handled;
    let bytes = 0;
    let tail = '';
    let responses = 0;
    client.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      const text = tail + chunk.toString('latin1');
      responses += text.split(STATUS).length - 1;
      // Enough to find a status line cut across chunks, not enough to hold a whole one.
      tail = text.slice(-(STATUS.length - 1));
    });
    client.resume();
    await once(client, 'end');
    return { whileNotReading, responses, bytes };
  } finally {
    client.destroy();
    server.closeAllConnections();
    server.close();
  }
}

test('a client that pipelines and does not read: handlers run a bounded number of times until it reads, then every request is answered', {
  timeout: 60_000,
}, async () => {
  for (const [name, make] of [
    ['node:http', http.createServer],
    ['createServer', createServer as unknown as typeof http.createServer],
  ] as const) {
    const { whileNotReading, responses, bytes } = await flood(make);
    // node:http: about one 64 KiB read of requests (2,400 here); the kernel's socket buffers hold a few hundred responses more.
    assert.ok(whileNotReading < REQUESTS / 4, `${name}: ${whileNotReading} of ${REQUESTS} handlers ran while the client read nothing`);
    assert.equal(responses, REQUESTS, `${name}: every request is answered`);
    assert.ok(bytes > REQUESTS * RESPONSE, `${name}: ${bytes} bytes`);
  }
});
