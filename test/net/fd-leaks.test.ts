// No fd leaks: a round of every socket API, error paths included, leaves
// /proc/self/fd as it found it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { netRing } from '../../src/net/index.js';
import { serveHttp, socketpair, TcpListener, TcpStream, UdpSocket, UnixListener, UnixStream } from '../../src/net/index.js';
import { leakedAfterWaiting, openFds } from '../../test-support/fds.js';
import { nodeConnect, until } from '../../test-support/net.js';

test('every API, and every error path, closes what it opened', async () => {
  netRing(); // the thread's ring lives on: made before counting
  const before = openFds();
  for (let round = 0; round < 3; round++) {
    const listener = await TcpListener.bind({ host: '127.0.0.1' });
    const port = listener.address().port;
    // errors
    await assert.rejects(TcpListener.bind({ host: '127.0.0.1', port }), { code: 'EADDRINUSE' });
    const dead = await TcpListener.bind({ host: '127.0.0.1' });
    const deadPort = dead.address().port;
    await dead.close();
    await assert.rejects(TcpStream.connect({ host: '127.0.0.1', port: deadPort }), { code: 'ECONNREFUSED' });
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(TcpStream.connect({ host: '127.0.0.1', port, signal: ac.signal }), { name: 'AbortError' });
    // streams, iterators, duplexes
    const accepting = (async () => {
      for await (const conn of listener) {
        void (async () => {
          try {
            for await (const chunk of conn) await conn.write(chunk);
          } finally {
            await conn.close();
          }
        })().catch(() => {});
      }
    })();
    const clients = await Promise.all(Array.from({ length: 20 }, () => TcpStream.connect({ host: '127.0.0.1', port })));
    await Promise.all(
      clients.map(async (c, i) => {
        await c.write(`n${i}`);
        const buf = Buffer.alloc(8);
        await c.read(buf);
        await c.close();
      }),
    );
    const rude = await nodeConnect(port);
    rude.resetAndDestroy();
    const [a, b] = socketpair();
    const da = a.toDuplex();
    b.toDuplex().resume();
    da.resume();
    da.end('bye');
    await new Promise((r) => da.once('close', r));
    await b.close();
    const udp = await UdpSocket.bind({ host: '::1' });
    await udp.send('x', udp.address().port, '::1');
    await udp.recv();
    await udp.close();
    const path = `/tmp/ringcore-leak-${process.pid}.sock`;
    const unix = await UnixListener.bind({ path });
    const uc = UnixStream.connect({ path });
    const us = await unix.accept();
    await (await uc).close();
    await us.close();
    await unix.close();
    const server = http.createServer((_req, res) => res.end('ok'));
    const httpListener = await TcpListener.bind({ host: '127.0.0.1' });
    const handle = serveHttp(server, httpListener);
    await new Promise((resolve) => http.get({ host: '127.0.0.1', port: httpListener.address().port, agent: false }, (res) => res.resume().on('end', resolve)));
    await handle.close();
    handle.closeAllConnections();
    await listener.close();
    await accepting;
    await until(() => handle.connections.size === 0, 2000, 'http connections to close');
  }
  assert.deepEqual(await leakedAfterWaiting(before, 2000), []);
});
