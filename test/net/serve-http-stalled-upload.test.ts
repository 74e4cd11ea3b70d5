// Issue #9, fault 5 with serveHttp: an upload the handler had not read yet
// filled the ring-wide receive buffers (node:http paused the Duplex, but the
// multishot recv under it kept queueing), and other clients' GETs got no
// answer. Now the Duplex's pause reaches the kernel: the recv stops.
// Provided buffer rings and the ring's CQ bound: io_uring only; on the node backend these skip (test-support/backend.ts).
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import http from 'node:http';

import { Ring } from '../../src/index.js';
import { configureRecvBuffers, serveHttp, TcpListener } from '../../src/net/index.js';
import { exchange, statuses } from '../../test-support/http.js';

test('serveHttp: an upload the handler has not read does not block other clients; it arrives whole later', { timeout: 120_000 }, async () => {
  const ring = new Ring({ entries: 256, cqEntries: 1024 });
  // Few buffers: an unread upload fills more than they hold before its TCP window closes.
  configureRecvBuffers(ring, { count: 4, size: 4096 });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const server = http.createServer((req, res) => {
    if (req.url !== '/upload') {
      res.end('fast');
      return;
    }
    void gate.then(async () => {
      let bytes = 0;
      for await (const chunk of req) bytes += (chunk as Buffer).length;
      res.end(String(bytes));
    });
  });
  const listener = await TcpListener.bind({ host: '127.0.0.1', ring });
  const handle = serveHttp(server, listener);
  const port = listener.address().port;
  const size = 4 << 20;
  try {
    const upload = new Promise<string>((resolve, reject) => {
      const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/upload', headers: { 'content-length': size } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end(Buffer.alloc(size, 'u'));
    });
    await new Promise((r) => setTimeout(r, 300)); // the upload comes in, unread (no assertion on this time)
    const other = await exchange(port, 'GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.deepEqual(statuses(other.data), [200]);
    assert.match(other.data, /\r\n\r\nfast$/);
    release();
    assert.equal(await upload, String(size));
  } finally {
    release();
    handle.closeAllConnections();
    await handle.close();
    await handle.done;
    await ring.close();
  }
});
