// A request answered at once, then an Upgrade request on the same connection
// (sent together): the 'upgrade' listener's writes to the socket it is given
// must follow the bytes of the response written before it, as node:http's
// do (one net.Socket, one queue of writes). createServer's writes go through
// the connection's own send queue, and the upgraded socket wrote straight to
// the fd: its bytes went out ahead of a response still waiting to be sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';

import { createServer } from '../../src/http/index.js';

/** What a client that sends `GET /` and an Upgrade request in one write receives, until the server ends the connection. */
async function exchange(make: typeof http.createServer, size: number): Promise<string> {
  const server = make((_req, res) => res.end(Buffer.alloc(size, 'r')));
  server.on('upgrade', (_req, socket: net.Socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: x\r\nconnection: upgrade\r\n\r\nupgraded');
    socket.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  try {
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise<void>((resolve, reject) => {
      client.on('end', resolve);
      client.on('error', reject);
    });
    client.write('GET / HTTP/1.1\r\nhost: x\r\n\r\nGET /ws HTTP/1.1\r\nhost: x\r\nupgrade: x\r\nconnection: upgrade\r\n\r\n');
    await ended;
    return Buffer.concat(chunks).toString('latin1');
  } finally {
    client.destroy();
    server.closeAllConnections();
    server.close();
  }
}

for (const size of [10, 200_000]) {
  test(`an upgraded socket's writes follow the response (${size} B) written before the upgrade, as node:http's`, async () => {
    for (const [name, make] of [
      ['node:http', http.createServer],
      ['createServer', createServer as unknown as typeof http.createServer],
    ] as const) {
      const received = await exchange(make, size);
      const switching = received.indexOf('HTTP/1.1 101');
      const bodyEnd = received.lastIndexOf('r'.repeat(Math.min(size, 10))) + Math.min(size, 10);
      assert.ok(received.startsWith('HTTP/1.1 200'), `${name}: the response comes first, got ${JSON.stringify(received.slice(0, 40))}`);
      assert.ok(switching >= bodyEnd, `${name}: the 101 at byte ${switching}, the response's body ends at ${bodyEnd}`);
      assert.ok(received.endsWith('upgraded'), `${name}: the upgraded bytes come last`);
    }
  });
}
