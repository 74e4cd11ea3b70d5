// res.write(view), then the view's ArrayBuffer is transferred (postMessage
// with a transfer list, ArrayBuffer.prototype.transfer(), structuredClone)
// before the write has gone out. createServer holds a write's bytes until
// the turn's SEND, and its Buffer.concat of the turn's writes threw a
// TypeError ("detached ArrayBuffer") in a microtask: the process died. A
// single such write went out as nothing, the response short of its
// Content-Length and the client waiting. node:http sends nothing of the
// chunk either (its own quirk: a short response). Now the bytes of the
// turn are refused as a failed send: the connection closes, and the server
// serves on. (A small turn's write callbacks have run by then, as for any
// send that fails: they count a write as done once it is handed over.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';

import { backend } from '../../src/index.js';
import { createServer } from '../../src/http/index.js';

/** One request; what the client received, and whether the connection closed within the wait. */
async function exchange(port: number, request: string): Promise<{ received: string; closed: boolean }> {
  const client = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  client.on('data', (chunk: Buffer) => chunks.push(chunk));
  client.on('error', () => {});
  const closed = once(client, 'close').then(() => true);
  client.write(request);
  const result = await Promise.race([closed, new Promise<false>((resolve) => setTimeout(() => resolve(false), 2000))]);
  client.destroy();
  return { received: Buffer.concat(chunks).toString('latin1'), closed: result };
}

for (const writes of [1, 2]) {
  test(`a written view whose ArrayBuffer is transferred before it is sent (${writes} write${writes > 1 ? 's' : ''} in the turn): the connection closes and the process lives`, {
    skip: backend() === 'io_uring' ? false : 'createServer() is node:http on the node backend',
  }, async () => {
    let called = 0;
    const server = createServer((req, res) => {
      if (req.url === '/ok') return res.end('ok');
      res.setHeader('content-length', 8 * writes);
      const buffer = new ArrayBuffer(8);
      new Uint8Array(buffer).fill(0x61);
      if (writes > 1) res.write(Buffer.alloc(8, 'b'));
      res.write(new Uint8Array(buffer), () => called++);
      structuredClone(buffer, { transfer: [buffer] });
      res.end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    try {
      const { received, closed } = await exchange(port, 'GET / HTTP/1.1\r\nhost: x\r\n\r\n');
      assert.ok(closed, `the connection closes (received ${JSON.stringify(received)})`);
      assert.ok(!received.includes('\r\n\r\n') || !received.endsWith('a'.repeat(8)), 'no bytes of the transferred buffer');
      assert.equal(called, 1, 'the write callback is called once');
      // The process is alive and the server answers the next connection.
      assert.match((await exchange(port, 'GET /ok HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')).received, /\r\n\r\nok$/);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
}

test('node:http, for comparison: the transferred chunk is sent as nothing (a short response)', async () => {
  const server = http.createServer((_req, res) => {
    res.setHeader('content-length', 8);
    const buffer = new ArrayBuffer(8);
    res.write(new Uint8Array(buffer));
    structuredClone(buffer, { transfer: [buffer] });
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { received } = await exchange((server.address() as net.AddressInfo).port, 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
    assert.match(received, /content-length: 8\r\n.*\r\n\r\n$/s);
  } finally {
    server.close();
  }
});
