// Issue #9, fault 6, on sockets: writev/readv of more than IOV_MAX (1024)
// buffers, and node:http over serveHttp answering with 5000 res.write()s
// (the Duplex hands them to writev at once). Before the fix each failed with
// EINVAL; the HTTP client got 14 bytes, then ECONNRESET.
import { test } from 'node:test';
import { requireIoUring } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

import { serveHttp, socketpair, TcpListener, TcpStream } from '../../src/net/index.js';

function lines(count = 5000): { buffers: Buffer[]; all: Buffer } {
  const buffers = Array.from({ length: count }, (_, i) => Buffer.from(`chunk ${i} ${'y'.repeat(i % 17)}\n`));
  return { buffers, all: Buffer.concat(buffers) };
}

test('fault 6: TcpStream.writev of 5000 buffers: a node:net server receives every byte, in order', async () => {
  const { buffers, all } = lines();
  const server = net.createServer();
  const received = new Promise<Buffer>((resolve) => {
    server.once('connection', (socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d)).on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const stream = await TcpStream.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
  try {
    await stream.writev(buffers);
    await stream.shutdown('write');
    assert.ok((await received).equals(all));
  } finally {
    await stream.close();
    server.close();
  }
});

// On the node backend a readv of more than IOV_MAX buffers is Node's own, which returns a short read (libuv caps it at IOV_MAX).
test('fault 6: readv into 5000 buffers on a socket: all that is there, in order; a short read when less is', requireIoUring(), async () => {
  const { buffers, all } = lines();
  const [a, b] = socketpair();
  try {
    await a.writev(buffers);
    const into = buffers.map((x) => Buffer.alloc(x.length));
    assert.equal(await b.readv(into), all.length);
    assert.ok(Buffer.concat(into).equals(all));
    // Less than the buffers hold: readv returns what arrived rather than wait for more.
    await a.write('just this');
    const room = Array.from({ length: 5000 }, () => Buffer.alloc(4));
    const n = await b.readv(room);
    assert.equal(n, 'just this'.length);
    assert.equal(Buffer.concat(room).subarray(0, n).toString(), 'just this');
  } finally {
    await a.close();
    await b.close();
  }
});

test('fault 6: node:http over serveHttp answers with 5000 res.write()s whole', async () => {
  const { buffers, all } = lines();
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (const b of buffers) res.write(b);
    res.end();
  });
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  const handle = serveHttp(server, listener);
  try {
    const body = await new Promise<Buffer>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: listener.address().port, path: '/', agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (d: Buffer) => chunks.push(d)).on('end', () => resolve(Buffer.concat(chunks)));
        })
        .on('error', reject);
    });
    assert.equal(body.length, all.length);
    assert.ok(body.equals(all));
  } finally {
    await handle.close();
  }
});
