// Incrementally consumed receive buffers (IOU_PBUF_RING_INC, Linux 6.12):
// each recv takes only what it needs of the buffer at the ring's head, so one
// buffer holds chunks of several recvs and sockets, one after the other. The
// kernel does not say where a chunk starts (BufferRing counts it), and a
// buffer may go back only once the kernel has moved on from it AND every chunk
// in it is let go of. Before 6.12 the registration's EINVAL falls back to the
// plain shape.
// Provided buffer rings: io_uring only; on the node backend these skip (test-support/backend.ts).
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

import { Ring } from '../../src/index.js';
import { configureRecvBuffers, recvBuffers, socketpair, type BorrowedChunk, type UnixStream } from '../../src/net/index.js';
import type { ChunkIterator } from '../../src/net/chunks.js';
import { linuxBefore, noBufferRings } from '../../test-support/kernel.js';
import { until } from '../../test-support/net.js';

const PLAIN = { count: 8, size: 4096 };

/** A ring whose receive buffers are `incremental`; null (the test skipped) where the kernel has no incremental buffers. */
async function incrementalRing(t: TestContext, incremental: { count: number; size: number }): Promise<Ring | null> {
  const skip = await noBufferRings();
  if (skip) {
    t.skip(skip);
    return null;
  }
  const ring = new Ring({ entries: 64 });
  configureRecvBuffers(ring, { ...PLAIN, incremental });
  if (!recvBuffers(ring)!.incremental) {
    await ring.close();
    t.skip('no incrementally consumed buffers (Linux < 6.12)');
    return null;
  }
  return ring;
}

/** Reads borrowed chunks until `length` bytes came; returns them (copied) and the chunks' offsets in their memory. */
async function readBytes(chunks: ChunkIterator<BorrowedChunk>, length: number): Promise<{ bytes: Buffer; offsets: number[] }> {
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let got = 0;
  while (got < length) {
    const { value, done } = await chunks.next();
    assert.ok(!done, 'the stream ended early');
    parts.push(Buffer.from(value)); // borrowed: copied before the next read
    offsets.push(value.byteOffset);
    got += value.length;
  }
  return { bytes: Buffer.concat(parts), offsets };
}

test('registration falls back to the plain shape where the kernel refuses incremental buffers (before Linux 6.12)', async (t) => {
  const skip = await noBufferRings();
  if (skip) return void t.skip(skip);
  const ring = new Ring({ entries: 8 });
  try {
    configureRecvBuffers(ring, { ...PLAIN, incremental: { count: 2, size: 65536 } });
    const pool = recvBuffers(ring)!;
    const shape = linuxBefore(6, 12) ? { incremental: false, ...PLAIN } : { incremental: true, count: 2, size: 65536 };
    assert.deepEqual({ incremental: pool.incremental, count: pool.count, size: pool.size }, shape);
  } finally {
    await ring.close();
  }
});

test('configureRecvBuffers() checks an incremental shape: TypeError, RangeError', async () => {
  const ring = new Ring({ entries: 8 });
  try {
    assert.throws(() => configureRecvBuffers(ring, { incremental: 4 as never }), TypeError);
    assert.throws(() => configureRecvBuffers(ring, { incremental: { count: 3, size: 4096 } }), RangeError);
    assert.throws(() => configureRecvBuffers(ring, { incremental: { count: 2, size: (1 << 20) + 1 } }), RangeError);
    assert.throws(() => configureRecvBuffers(ring, { incremental: { count: 8192, size: 1 << 20 } }), RangeError); // 8 GiB
  } finally {
    await ring.close();
  }
});

test('chunks of several sockets share one buffer, each read where the kernel put it; every buffer back after', { timeout: 30_000 }, async (t) => {
  const ring = await incrementalRing(t, { count: 4, size: 65536 });
  if (ring === null) return;
  const pairs: [UnixStream, UnixStream][] = [0, 1, 2].map(() => socketpair({ ring }));
  try {
    const readers = pairs.map(([, b]) => b.chunks({ borrow: true }));
    let shared = 0;
    for (let round = 0; round < 60; round++) {
      const sent = pairs.map((_, i) => Buffer.alloc(17 + ((round * 37 + i * 111) % 700), `${i}:${round};`));
      await Promise.all(pairs.map(([a], i) => a.write(sent[i]!)));
      const got = [];
      for (let i = 0; i < pairs.length; i++) got.push(await readBytes(readers[i]!, sent[i]!.length));
      for (let i = 0; i < pairs.length; i++) assert.deepEqual(got[i]!.bytes, sent[i], `socket ${i}, round ${round}`);
      // Sockets 0 and 1 in the same 64 KiB buffer: the kernel packed them.
      if (Math.floor(got[0]!.offsets[0]! / 65536) === Math.floor(got[1]!.offsets[0]! / 65536)) shared++;
    }
    assert.ok(shared > 30, `chunks of two sockets shared a buffer in ${shared} of 60 rounds`);
    for (const reader of readers) await reader.return();
    assert.equal(recvBuffers(ring)!.available, 4, 'every buffer is back in the ring');
  } finally {
    for (const [a, b] of pairs) await Promise.all([a.close(), b.close()]);
    await ring.close();
  }
});

test('a chunk still held keeps its buffer from the kernel after the kernel moved on; the recv out of buffers waits and loses nothing', {
  timeout: 30_000,
}, async (t) => {
  const ring = await incrementalRing(t, { count: 2, size: 4096 });
  if (ring === null) return;
  const [a1, b1] = socketpair({ ring });
  const [a2, b2] = socketpair({ ring });
  try {
    const pool = recvBuffers(ring)!;
    const held = b1.chunks({ borrow: true });
    await a1.write(Buffer.alloc(100, 'h'));
    const { value: chunk } = await held.next();
    assert.deepEqual(Buffer.from(chunk!), Buffer.alloc(100, 'h'));
    // The rest of the held chunk's buffer, the other buffer, and 5000 bytes more: the recv runs out of buffers (ENOBUFS).
    const payload = Buffer.alloc(3996 + 4096 + 5000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + 3) & 0xff;
    const writing = a2.write(payload);
    const { bytes } = await readBytes(b2.chunks({ borrow: true }), payload.length);
    await writing;
    assert.deepEqual(bytes, payload, 'every byte came, in order');
    assert.deepEqual(Buffer.from(chunk!), Buffer.alloc(100, 'h'), 'the held chunk was not written over');
    assert.ok(pool.available < 2, 'the held chunk keeps its buffer out of the ring');
    await held.return();
    await until(() => pool.available === 2, 5000, 'both buffers back once the chunk is let go of');
  } finally {
    await Promise.all([a1.close(), b1.close(), a2.close(), b2.close()]);
    await ring.close();
  }
});

/** The next chunk read by callback, where it lies (valueIn) or as a value of its own (value): a copy, and which it was. */
function readOne(chunks: ChunkIterator<BorrowedChunk>): Promise<{ bytes: Buffer; borrowed: boolean }> {
  return new Promise((resolve, reject) =>
    chunks.readInPlace({
      valueIn: (memory, start, end) => resolve({ bytes: Buffer.from(memory.subarray(start, end)), borrowed: true }),
      value: (chunk) => resolve({ bytes: Buffer.from(chunk), borrowed: false }),
      end: (error) => reject(error ?? new Error('the stream ended early')),
    }),
  );
}

test('a reader that lets go while it waits holds no buffer, whatever its peer sends meanwhile; nothing is lost', { timeout: 30_000 }, async (t) => {
  const ring = await incrementalRing(t, { count: 16, size: 4096 });
  if (ring === null) return;
  const [a, b] = socketpair({ ring });
  try {
    const pool = recvBuffers(ring)!;
    const chunks = b.chunks({ borrow: true });
    await a.write(Buffer.alloc(100, 'h'));
    assert.deepEqual(await readOne(chunks), { bytes: Buffer.alloc(100, 'h'), borrowed: true });
    // The reader waits (a handler's promise): it lets go of its chunk, and reads nothing for a while.
    chunks.release();
    const payload = Buffer.allocUnsafe(40_000);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 13 + (i >>> 9)) & 0xff;
    await a.write(payload);
    // Chunks came meanwhile (the recv pauses at its high-water mark): none of them keeps a buffer from the kernel.
    await until(() => chunks.pauses > 0, 5000, 'the recv paused, its high-water mark of chunks unread');
    assert.equal(pool.available, 16, 'no buffer held by the waiting reader');
    const parts: Buffer[] = [];
    let got = 0;
    while (got < payload.length) {
      const { bytes } = await readOne(chunks);
      parts.push(bytes);
      got += bytes.length;
    }
    assert.deepEqual(Buffer.concat(parts), payload, 'every byte came, in order');
    await chunks.return();
    await until(() => pool.available === 16, 5000, 'every buffer back');
  } finally {
    await Promise.all([a.close(), b.close()]);
    await ring.close();
  }
});
