// The HTTP servers' receive buffers, incrementally consumed where the kernel
// can (Linux 6.12: RECV_BUFFERS' 64 of 64 KiB, several connections' chunks in
// one buffer): uploads spanning buffers, small requests of many connections
// and pipelined ones arrive byte for byte; and a connection whose handler
// waits lets go of its chunk, so that waiting handlers cannot hold every
// buffer and stop the server receiving the request they wait for. Real
// clients over real TCP; on older kernels the same hold with 4 KiB buffers.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';

import { createServer, HttpResponse, serve } from '../../src/http/index.js';
import { until } from '../../test-support/net.js';

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Bytes that differ from offset to offset and from request to request, so that a moved or mixed byte shows. */
function pattern(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed * 7 + (i >>> 8)) & 0xff;
  return out;
}

test('createServer: uploads of 1 B to 300 KiB on 12 connections at once and pipelined GETs, byte for byte', { timeout: 60_000 }, async () => {
  const server = createServer((req, res) => {
    const hash = createHash('sha256');
    req.on('data', (chunk: Buffer) => hash.update(chunk));
    req.on('end', () => res.end(`${req.url} ${hash.digest('hex')}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const sizes = [1, 89, 4095, 4097, 16_473, 65_535, 65_537, 100_000, 300_000];
    const uploads = Array.from({ length: 12 }, async (_, c) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (let i = 0; i < sizes.length; i++) {
          const body = pattern(sizes[(i + c) % sizes.length]!, c * 100 + i);
          const text = await new Promise<string>((resolve, reject) => {
            const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: `/${c}/${i}`, agent }, (res) => {
              let got = '';
              res.setEncoding('latin1');
              res.on('data', (d: string) => (got += d));
              res.on('end', () => resolve(got));
            });
            req.on('error', reject);
            req.end(body);
          });
          assert.equal(text, `/${c}/${i} ${sha(body)}`, `connection ${c}, upload ${i} (${body.length} bytes)`);
        }
      } finally {
        agent.destroy();
      }
    });
    // 200 GETs in one write, behind the uploads: answered in order.
    const pipelined = (async () => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      let received = '';
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => (received += d));
      socket.write(Array.from({ length: 200 }, (_, i) => `GET /p${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
      const empty = sha(Buffer.alloc(0));
      await until(() => received.includes(`/p199 ${empty}`), 20_000, 'every pipelined answer');
      socket.destroy();
      const order = [...received.matchAll(/\/p(\d+) /g)].map((m) => Number(m[1]));
      assert.deepEqual(
        order,
        Array.from({ length: 200 }, (_, i) => i),
      );
    })();
    await Promise.all([...uploads, pipelined]);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('serve(): 150 handlers waiting after 40 KB bodies do not hold the buffers the request they wait for needs', { timeout: 60_000 }, async () => {
  let waiting = 0;
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  const server = await serve({
    host: '127.0.0.1',
    port: 0,
    fetch: async (req) => {
      if (req.pathname === '/open') {
        open();
        return new HttpResponse('opened');
      }
      waiting++;
      await opened;
      return new HttpResponse('done');
    },
  });
  const sockets: net.Socket[] = [];
  try {
    const port = server.address.port;
    const answers = Array.from({ length: 150 }, (_, i) => {
      const socket = net.connect({ port, host: '127.0.0.1' });
      sockets.push(socket);
      let received = '';
      socket.setEncoding('latin1');
      socket.on('data', (d: string) => (received += d));
      socket.write(`POST /wait HTTP/1.1\r\nHost: x\r\nContent-Length: 40000\r\n\r\n`);
      socket.write(pattern(40_000, i));
      return until(() => received.endsWith('done'), 30_000, `waiter ${i} answered`);
    });
    await until(() => waiting === 150, 20_000, 'every waiting handler called');
    const res = await fetch(`http://127.0.0.1:${port}/open`);
    assert.equal(await res.text(), 'opened');
    await Promise.all(answers);
  } finally {
    for (const socket of sockets) socket.destroy();
    await server.close();
  }
});
