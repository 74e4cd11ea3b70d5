// Issue #9: socket chunks were views of the kernel's buffers, typed as
// Buffer, and overwritten on the next iteration, so `chunks.push(c)` silently
// corrupted data. Chunks are now Buffers of their own by default; the
// zero-copy view is an opt-in (`{ borrow: true }`, typed BorrowedChunk).
// Provided buffer rings and the ring's CQ bound: io_uring only; on the node backend these skip (test-support/backend.ts).
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';

import { Ring } from '../../src/index.js';
import { configureRecvBuffers, recvBuffers, socketpair, UdpSocket, type BorrowedChunk } from '../../src/net/index.js';
import { CACHE_LINE, PAGE } from '../../src/sys/aligned-buffer.js';
import { native } from '../../src/sys/native.js';

function pattern(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + (i >> 9)) & 0xff;
  return b;
}

test('chunks kept with push() across many iterations stay intact (owned by default)', async () => {
  const ring = new Ring({ entries: 64 });
  configureRecvBuffers(ring, { count: 4, size: 256 }); // few small buffers: each is reused many times
  const [a, b] = socketpair({ ring });
  try {
    const payload = pattern(1 << 20);
    const writing = a.write(payload).then(() => a.shutdown('write'));
    const kept: Buffer[] = [];
    let n = 0;
    for await (const chunk of b) {
      kept.push(chunk);
      if (++n % 32 === 0) await new Promise((r) => setImmediate(r));
    }
    await writing;
    assert.ok(kept.length > 4096 / 256, `${kept.length} chunks`);
    assert.ok(Buffer.concat(kept).equals(payload), 'the kept chunks are the bytes sent');
  } finally {
    await Promise.all([a.close(), b.close()]);
    await ring.close();
  }
});

test('{ borrow: true } yields views (BorrowedChunk) that a copy keeps', async () => {
  const ring = new Ring({ entries: 64 });
  configureRecvBuffers(ring, { count: 4, size: 256 });
  const [a, b] = socketpair({ ring });
  try {
    const payload = pattern(256 * 1024);
    const writing = a.write(payload).then(() => a.shutdown('write'));
    const copies: Buffer[] = [];
    const chunks = b.chunks({ borrow: true });
    let views = 0;
    for await (const chunk of chunks) {
      const borrowed: BorrowedChunk = chunk;
      if (borrowed.buffer.byteLength === 4 * 256 + PAGE) views++; // a window on the ring's 4 × 256 bytes (page-aligned: a page of slack)
      copies.push(Buffer.from(borrowed));
    }
    await writing;
    assert.ok(views > 0, 'borrowed chunks are views of the ring buffers (those beyond the few that may wait are copies)');
    assert.ok(Buffer.concat(copies).equals(payload));
  } finally {
    await Promise.all([a.close(), b.close()]);
    await ring.close();
  }
});

test('UDP datagrams kept across iterations stay intact (owned by default)', async () => {
  const socket = await UdpSocket.bind({ host: '127.0.0.1', maxDatagram: 512, recvBuffers: 2 });
  const sender = dgram.createSocket('udp4');
  try {
    const port = socket.address().port;
    const COUNT = 40;
    const kept: Buffer[] = [];
    const reading = (async () => {
      for await (const { data } of socket) {
        kept.push(data);
        if (kept.length === COUNT) break;
      }
    })();
    for (let i = 0; i < COUNT; i++) {
      await new Promise<void>((resolve, reject) => sender.send(Buffer.alloc(100, i), port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
      // One at a time, so that none is dropped by the 2-buffer ring (the test is about keeping, not loss).
      while (kept.length <= i) await new Promise((r) => setTimeout(r, 1));
    }
    await reading;
    for (let i = 0; i < COUNT; i++) assert.ok(kept[i]!.equals(Buffer.alloc(100, i)), `datagram ${i}`);
  } finally {
    sender.close();
    await socket.close();
  }
});

test('borrow must be a boolean: anything else is a TypeError, before any recv is armed', async () => {
  const ring = new Ring({ entries: 16 });
  const [a, b] = socketpair({ ring });
  const socket = await UdpSocket.bind({ host: '127.0.0.1' });
  try {
    for (const borrow of ['yes', 1, null]) {
      assert.throws(() => a.chunks({ borrow } as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => socket.datagrams({ borrow } as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    }
    assert.equal(ring.inFlight, 0, 'no recv was armed');
  } finally {
    await socket.close();
    await a.close();
    await b.close();
    await ring.close();
  }
});

// Full buffers of 8 KiB and more are handed to the reader for good and replaced by new ones (src/net/buffer-ring.ts,
// handOff), instead of copied: a kept chunk must still never be written again, though its buffer id comes back many times.
for (const borrow of [false, true]) {
  test(`full buffers handed off, not copied: chunks kept over many reuses of each buffer id stay intact (${borrow ? 'borrowed' : 'owned'})`, async () => {
    const ring = new Ring({ entries: 64 });
    const size = 16 * 1024;
    configureRecvBuffers(ring, { count: 4, size });
    const [a, b] = socketpair({ ring });
    try {
      const payload = pattern(4 << 20);
      const writing = a.write(payload).then(() => a.shutdown('write'));
      const kept: Buffer[] = [];
      let full = 0;
      const chunks = b.chunks({ borrow });
      for await (const chunk of chunks) {
        // A handed-off chunk is the whole buffer, an allocation of its own holding these bytes and zeroed slack,
        // on a cache line (the kernel's copy into memory at 16 modulo 32 costs up to twice the CPU).
        if (chunk.length === size && chunk.buffer.byteLength === size + CACHE_LINE) {
          full++;
          assert.equal(native.address(chunk) % CACHE_LINE, 0, 'a receive buffer starts on a cache line');
          const all = new Uint8Array(chunk.buffer);
          assert.ok(
            all.subarray(0, chunk.byteOffset).every((x) => x === 0) && all.subarray(chunk.byteOffset + size).every((x) => x === 0),
            'the slack is zeroed',
          );
        }
        // Owned chunks are kept as they are; borrowed ones (lent views, or buffers handed off beyond the few lent) copied.
        kept.push(borrow ? Buffer.from(chunk) : chunk);
        if (kept.length % 16 === 0) await new Promise((r) => setImmediate(r));
      }
      await writing;
      assert.ok(kept.length > 64, `each of the 4 buffer ids came back many times (${kept.length} chunks)`);
      assert.ok(full > 0, 'some chunks are whole buffers');
      assert.ok(Buffer.concat(kept).equals(payload), 'the kept chunks are the bytes sent');
      assert.equal(recvBuffers(ring)!.available, 4, 'every buffer is back in the ring');
    } finally {
      await Promise.all([a.close(), b.close()]);
      await ring.close();
    }
  });
}
