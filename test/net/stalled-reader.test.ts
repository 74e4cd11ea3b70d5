// Issue #9, fault 5: one stalled reader starved every connection on its ring.
// A client sent 32 MiB, the server read one chunk and paused, and the
// multishot recv kept queueing chunks, each holding one of the ring-wide
// provided buffers, until none was left for anybody. Now each chunk queue is
// bounded: the recv pauses in the kernel (the data waits in the socket, TCP
// slows the sender) and re-arms when the reader catches up.
// Provided buffer rings and the ring's CQ bound: io_uring only; on the node backend these skip (test-support/backend.ts).
// Before Linux 5.19 (no buffer rings) chunks come from plain reads, which read only when asked: nothing is
// shared to starve, and nothing pauses. The 32 MiB tests still check the second connection and the data there.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import net from 'node:net';

import { Ring } from '../../src/index.js';
import { recvBuffers, TcpListener, type TcpStream } from '../../src/net/index.js';
import { noBufferRings } from '../../test-support/kernel.js';
import { nodeConnect } from '../../test-support/net.js';
import { withSocketpair } from '../../test-support/socketpair.js';

async function echoOnce(listener: TcpListener, text: string): Promise<string> {
  const client = await nodeConnect(listener.address().port);
  const conn = await listener.accept();
  const serving = (async () => {
    for await (const chunk of conn) await conn.write(chunk);
  })();
  try {
    client.write(text);
    let got = '';
    for await (const chunk of client) {
      got += (chunk as Buffer).toString();
      if (got.length >= text.length) break;
    }
    return got;
  } finally {
    client.destroy();
    await serving.catch(() => {});
    await conn.close();
  }
}

for (const borrow of [false, true]) {
  test(`a reader that stalls on 32 MiB does not starve a second connection (${borrow ? 'borrowed' : 'owned'} chunks)`, { timeout: 120_000 }, async (t) => {
    const ring = new Ring({ entries: 256, cqEntries: 1024 });
    const listener = await TcpListener.bind({ host: '127.0.0.1', ring });
    const size = 32 << 20;
    const payload = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i += 4) payload.writeUInt32LE((i * 2246822519) >>> 0, i);
    const flooder = net.connect({ port: listener.address().port, host: '127.0.0.1' });
    let stalled: TcpStream | null = null;
    try {
      stalled = await listener.accept();
      flooder.end(payload);
      const chunks = stalled.chunks({ borrow });
      const hash = createHash('sha256');
      const first = await chunks.next();
      assert.equal(first.done, false);
      hash.update(first.value!);
      let received = first.value!.length;
      // Let the flood come in while nobody reads (no assertion on this time).
      await new Promise((r) => setTimeout(r, 300));
      const pool = recvBuffers(ring);
      if (pool === null) t.diagnostic('no provided buffer rings (Linux < 5.19): no shared buffers to count');
      // Before the fix every buffer was queued on the stalled connection and this never answered.
      assert.equal(await echoOnce(listener, 'ping'), 'ping');
      if (pool !== null)
        assert.ok(pool.available >= pool.count - 5, `a stalled reader holds at most a few shared buffers (${pool.available} of ${pool.count} free)`);
      assert.ok(flooder.writableLength > 0, 'the sender is held back: the rest of its data waits on its side');
      // The stalled reader resumes, and nothing was lost meanwhile.
      for (;;) {
        const { value, done } = await chunks.next();
        if (done) break;
        hash.update(value);
        received += value.length;
      }
      assert.equal(received, size);
      assert.equal(hash.digest('hex'), createHash('sha256').update(payload).digest('hex'));
      if (pool !== null) assert.equal(pool.available, pool.count, 'every buffer is back');
    } finally {
      flooder.destroy();
      await stalled?.close();
      await listener.close();
      await ring.close();
    }
  });
}

test('a sender that trickles to a stalled reader: the recv pauses at its bound, resumes when read, nothing lost', { timeout: 60_000 }, async (t) => {
  // Without a multishot recv nothing reads ahead: the writes would wait for a reader that never comes.
  const skip = await noBufferRings();
  if (skip) return void t.skip(skip);
  await withSocketpair({ entries: 64 }, async (a, b, ring) => {
    const chunks = b.chunks();
    const first = chunks.next(); // armed, then not read for a while
    const sent: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const piece = Buffer.alloc(1024, i);
      sent.push(piece);
      await a.write(piece);
      // One CQE per piece, each reaped on its own: the queue grows one by one and reaches the bound.
      await new Promise((r) => setTimeout(r, 1));
      if (chunks.pauses > 0) break;
    }
    assert.ok(chunks.pauses > 0, 'the recv paused once the unread chunks reached the bound');
    const pool = recvBuffers(ring)!;
    assert.equal(pool.available, pool.count, 'owned chunks hold no buffer while they wait');
    const more = Buffer.alloc(64 * 1024, 0xee);
    sent.push(more);
    const writing = a.write(more).then(() => a.shutdown('write'));
    const got: Buffer[] = [];
    const head = await first;
    got.push(head.value!);
    for await (const chunk of chunks) got.push(chunk);
    await writing;
    assert.ok(Buffer.concat(got).equals(Buffer.concat(sent)));
    assert.ok(chunks.arms > 1, 'armed again after the pause');
  });
});
