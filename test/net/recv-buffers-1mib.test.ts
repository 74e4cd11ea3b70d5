// Issue #9, fault 3: receive buffers of 1 MiB or more corrupted memory (a
// chunk's buffer id and length were packed as bid * 2^20 + length, so a full
// 1 MiB buffer decoded as the next buffer id). Now every id and length is
// checked where it is packed, and sizes the packing or the kernel cannot
// carry are refused with a RangeError before anything is registered.
// Provided buffer rings and the ring's CQ bound: io_uring only; on the node backend these skip (test-support/backend.ts).
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { constants as bufferConstants } from 'node:buffer';
import { createHash } from 'node:crypto';
import net from 'node:net';

import { Ring } from '../../src/index.js';
import { serve, HttpResponse } from '../../src/http/index.js';
import { linuxBefore, noBufferRings } from '../../test-support/kernel.js';
import { configureRecvBuffers, recvBuffers, TcpListener } from '../../src/net/index.js';
import { leakedSince, openFds } from '../../test-support/fds.js';

test('4 × 1 MiB receive buffers: 24 MiB over TCP arrive intact, every buffer back afterwards', { timeout: 120_000 }, async (t) => {
  const skip = await noBufferRings();
  if (skip) return void t.skip(skip);
  const ring = new Ring({ entries: 64 });
  configureRecvBuffers(ring, { count: 4, size: 1 << 20 });
  const listener = await TcpListener.bind({ host: '127.0.0.1', ring });
  const size = 24 << 20;
  const payload = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i += 4) payload.writeUInt32LE((i * 2654435761) >>> 0, i);
  const client = net.connect({ port: listener.address().port, host: '127.0.0.1' });
  try {
    const conn = await listener.accept();
    client.end(payload);
    const hash = createHash('sha256');
    let received = 0;
    let largest = 0;
    let n = 0;
    for await (const chunk of conn) {
      hash.update(chunk);
      received += chunk.length;
      largest = Math.max(largest, chunk.length);
      // A slow consumer now and then, so that the kernel fills whole 1 MiB buffers.
      if (++n % 8 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(received, size);
    assert.equal(hash.digest('hex'), createHash('sha256').update(payload).digest('hex'));
    assert.ok(largest <= 1 << 20);
    assert.equal(recvBuffers(ring)!.available, 4, 'every buffer is back in the ring');
    await conn.close();
  } finally {
    client.destroy();
    await listener.close();
    await ring.close();
  }
});

test('configureRecvBuffers() refuses what the kernel or the packing cannot represent, with a RangeError', async () => {
  const ring = new Ring({ entries: 8 });
  try {
    for (const options of [
      { size: 0 },
      { size: 1.5 },
      { size: 2 ** 31 }, // over an s32 CQE res
      { size: 2 ** 32 }, // over the u32 io_uring_buf.len
      { count: 3 },
      { count: 0 },
      { count: 65536 }, // over 32768 entries (u16 bid)
      // 32 GiB: more than one Buffer holds on Node 20 (buffer.constants.MAX_LENGTH
      // is 4 GiB there; Node 22 raised it past what a test can allocate).
      ...(32768 * (1 << 20) > bufferConstants.MAX_LENGTH ? [{ count: 32768, size: 1 << 20 }] : []),
    ]) {
      assert.throws(() => configureRecvBuffers(ring, options), RangeError, JSON.stringify(options));
    }
    assert.throws(() => configureRecvBuffers(ring, { size: '4096' as unknown as number }), TypeError);
    assert.throws(() => configureRecvBuffers(ring, { count: '4' as unknown as number }), TypeError);
    configureRecvBuffers(ring, { count: 2, size: 3 << 20 }); // any legal size works
  } finally {
    await ring.close();
  }
});

test('serve({ recvBuffers }) checks its sizes before any ring, registration or socket exists', async () => {
  const before = openFds();
  const fetch = () => new HttpResponse('x');
  await assert.rejects(serve({ fetch, recvBuffers: { count: 4, size: 2 ** 31 } }), RangeError);
  await assert.rejects(serve({ fetch, recvBuffers: { count: 5, size: 4096 } }), RangeError);
  assert.deepEqual(leakedSince(before), []);
});

test("serve() without recvBuffers gives its ring createServer's buffers: 64 × 64 KiB incremental from Linux 6.12, else 1024 × 4 KiB (a 16 MiB ring's walk faulted uploads)", async (t) => {
  const skip = await noBufferRings();
  if (skip) return void t.skip(skip);
  const ring = new Ring({ entries: 64 });
  const server = await serve({ host: '127.0.0.1', ring, fetch: () => new HttpResponse('x') });
  try {
    const response = await fetch(`http://127.0.0.1:${server.address.port}/`);
    assert.equal(await response.text(), 'x');
    const pool = recvBuffers(ring)!;
    // src/http/recv-buffers.ts; docs/performance.md, "Session 19: serve()'s receive buffers" and "Session 30: uploads".
    const expected = linuxBefore(6, 12) ? { incremental: false, count: 1024, size: 4096 } : { incremental: true, count: 64, size: 65536 };
    assert.deepEqual({ incremental: pool.incremental, count: pool.count, size: pool.size }, expected);
  } finally {
    await server.close();
    await ring.close();
  }
});
