// A write that destroy() cuts short must not resolve: its caller would
// believe bytes were sent that never left. On io_uring the SEND in flight is
// ended and the write rejects with ERR_RINGCORE_CLOSED. On the node backend,
// node:net calls the callback of a write it had handed to libuv without an
// error once the socket is destroyed, and the write resolved. The file runs
// on both backends (test/fallback/suites.test.ts runs it on the node backend).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';

import { TcpStream } from '../../src/net/index.js';

const MiB = 1024 * 1024;

/**
 * A server whose connection reads its first `take` bytes, then stops reading;
 * resolves with its port, what it received, `took()` (resolves once it has
 * stopped reading) and a way to stop it.
 */
async function readsOnly(take: number): Promise<{ port: number; received: () => number; took: () => Promise<void>; stop: () => void }> {
  let received = 0;
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= take) socket.pause();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => received,
    took: async () => {
      while (received < take) await new Promise((resolve) => setTimeout(resolve, 5));
      // What the peer will not read fills the socket buffers meanwhile: the second write is in flight.
      await new Promise((resolve) => setTimeout(resolve, 50));
    },
    stop: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const settled = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (error: Error & { code?: string }) => `rejected ${error.code}`,
  );

test('destroy() while a write waits for a peer that stopped reading: the write rejects with ERR_RINGCORE_CLOSED (it resolved on the node backend)', async () => {
  const server = await readsOnly(4 * MiB);
  try {
    const stream = await TcpStream.connect({ host: '127.0.0.1', port: server.port });
    // The first write is read whole; the second cannot all go out (the peer has stopped reading), and is in flight.
    const first = settled(stream.write(Buffer.alloc(4 * MiB, 1)));
    const second = settled(stream.write(Buffer.alloc(64 * MiB, 2)));
    // (On the node backend the first write's callback waits for the second: node:net writes them out together.)
    await server.took();
    await stream.destroy();
    assert.equal(await first, 'resolved');
    assert.equal(await second, 'rejected ERR_RINGCORE_CLOSED');
  } finally {
    server.stop();
  }
});

test('destroy() after close() while a write waits: the write rejects with ERR_RINGCORE_CLOSED, close() resolves', async () => {
  const server = await readsOnly(4 * MiB);
  try {
    const stream = await TcpStream.connect({ host: '127.0.0.1', port: server.port });
    const first = settled(stream.write(Buffer.alloc(4 * MiB, 1)));
    const second = settled(stream.write(Buffer.alloc(64 * MiB, 2)));
    const closing = stream.close();
    await server.took();
    await stream.destroy();
    assert.equal(await first, 'resolved');
    assert.equal(await settled(closing), 'resolved');
    assert.equal(await second, 'rejected ERR_RINGCORE_CLOSED');
  } finally {
    server.stop();
  }
});

test('destroy() after writes the kernel took whole: they resolve (they were sent)', async () => {
  const server = await readsOnly(Number.POSITIVE_INFINITY);
  try {
    const stream = await TcpStream.connect({ host: '127.0.0.1', port: server.port });
    const writes = [stream.write('one'), stream.write(Buffer.from('two'))];
    assert.deepEqual(await Promise.all(writes.map(settled)), ['resolved', 'resolved']);
    await stream.destroy();
    while (server.received() < 6) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(server.received(), 6);
  } finally {
    server.stop();
  }
});

test('destroy() while a write waits for a peer that never read: the write rejects with ERR_RINGCORE_CLOSED, by write() or writev(), not EPIPE', async () => {
  // pauseOnConnect: the peer reads nothing; the kernel's buffers fill with what write() sent at once, and the
  // SEND (or WRITEV) of the rest waits without sending a byte. destroy()'s shutdown then fails it with EPIPE.
  const sockets: net.Socket[] = [];
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  try {
    for (const vectored of [false, true]) {
      const stream = await TcpStream.connect({ host: '127.0.0.1', port });
      const data = Buffer.alloc(64 * MiB, 3);
      const write = settled(vectored ? stream.writev([data.subarray(0, 32 * MiB), data.subarray(32 * MiB)]) : stream.write(data));
      // (The node backend's write is in node:net's buffer: destroy() drops it.)
      await new Promise((resolve) => setTimeout(resolve, 50));
      await stream.destroy();
      assert.equal(await write, 'rejected ERR_RINGCORE_CLOSED', vectored ? 'writev' : 'write');
    }
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});
