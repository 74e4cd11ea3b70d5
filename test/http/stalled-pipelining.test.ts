// Issue #9, fault 5 at the HTTP level: a client pipelining GETs behind a slow
// handler had its whole stream queued in the ring-wide receive buffers, and
// other clients got no answer. Now the connection stops reading (its recv
// pauses) while its responses are pending, and every request is still
// answered once the handler returns.
// Provided buffer rings and the ring's CQ bound: io_uring only; on the node backend these skip (test-support/backend.ts).
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import net from 'node:net';

import { Ring } from '../../src/index.js';
import { HttpResponse, serve } from '../../src/http/index.js';
import { recvBuffers } from '../../src/net/index.js';
import { exchange, statuses } from '../../test-support/http.js';

test('a pipelining client behind a slow handler does not starve other clients, and gets every answer', { timeout: 120_000 }, async () => {
  const ring = new Ring({ entries: 256, cqEntries: 1024 });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const server = await serve({
    host: '127.0.0.1',
    ring,
    recvBuffers: { count: 64, size: 4096 }, // 256 KiB for every connection of the ring
    fetch: (req) => (req.pathname === '/slow' ? gate.then(() => new HttpResponse('slow')) : new HttpResponse('fast')),
  });
  const COUNT = 20_000; // about 600 KB of requests: more than all the buffers together
  const pipelined = `GET /slow HTTP/1.1\r\nHost: x\r\n\r\n${'GET /x HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(COUNT)}GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`;
  const greedy = net.connect({ port: server.address.port, host: '127.0.0.1' });
  try {
    const answers: Buffer[] = [];
    greedy.on('data', (c: Buffer) => answers.push(c));
    const ended = new Promise((resolve, reject) => {
      greedy.once('end', resolve);
      greedy.once('error', reject);
    });
    greedy.write(pipelined);
    // Let its requests come in while the handler holds the first (no assertion on this time).
    await new Promise((r) => setTimeout(r, 300));
    const other = await exchange(server.address.port, 'GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.deepEqual(statuses(other.data), [200]);
    assert.match(other.data, /\r\n\r\nfast$/);
    // Without buffer rings (before 5.19) a connection reads into a buffer of its own: no pool to check.
    const pool = recvBuffers(ring);
    if (pool !== null) assert.ok(pool.available >= 64 - 8, `the stalled connection holds at most a few buffers (${pool.available} of 64 free)`);
    release();
    await ended;
    const text = Buffer.concat(answers).toString('latin1');
    const codes = statuses(text);
    assert.equal(codes.length, COUNT + 2);
    assert.ok(codes.every((c) => c === 200));
    assert.match(text, /\r\n\r\nslow/);
  } finally {
    release();
    greedy.destroy();
    await server.close();
    await ring.close();
  }
});
