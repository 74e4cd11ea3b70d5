// `for await (const chunk of stream)`: one multishot recv over the ring's
// provided buffers; buffers go back to the kernel as chunks are consumed, and
// the recv is re-armed after the kernel runs out of them (ENOBUFS).
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { Ring, constants as C } from '../../src/index.js';
import { noBufferRings } from '../../test-support/kernel.js';
import { configureRecvBuffers, recvBuffers, socketpair, TcpListener, TcpStream } from '../../src/net/index.js';
import { record } from '../../test-support/kernel.js';
import { withSocketpair } from '../../test-support/socketpair.js';

test('a tiny buffer ring runs dry (ENOBUFS): the recv is re-armed and every byte arrives in order', async (t) => {
  const skip = await noBufferRings();
  if (skip) return void t.skip(skip);
  const ring = new Ring({ entries: 64 });
  configureRecvBuffers(ring, { count: 2, size: 64 });
  const [a, b] = socketpair({ ring });
  try {
    const payload = Buffer.alloc(64 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 8)) & 0xff;
    const writing = a.write(payload).then(() => a.shutdown('write'));
    const chunks = b.chunks();
    const parts: Buffer[] = [];
    for await (const chunk of chunks) {
      assert.ok(chunk.length <= 64);
      parts.push(Buffer.from(chunk));
      // A slow consumer: the kernel fills both buffers meanwhile and stops with ENOBUFS.
      if (parts.length % 64 === 0) await new Promise((r) => setImmediate(r));
    }
    await writing;
    assert.ok(Buffer.concat(parts).equals(payload));
    assert.ok(chunks.arms > 1, `re-armed after ENOBUFS (${chunks.arms} arms)`);
    assert.equal(recvBuffers(ring)!.available, 2, 'every buffer is back in the ring');
  } finally {
    await Promise.all([a.close(), b.close()]);
    await ring.close();
  }
});

test('a chunk loop that runs to EOF cancels nothing: the recv the kernel ended is not cancelled again (owned and borrowed)', async (t) => {
  const skip = await noBufferRings();
  if (skip) return void t.skip(skip);
  const ring = new Ring({ entries: 16 });
  const trace = record(ring);
  try {
    for (const borrow of [false, true]) {
      const [a, b] = socketpair({ ring });
      const chunks = b.chunks({ borrow });
      await a.write('hello');
      assert.equal(String((await chunks.next()).value), 'hello');
      // The EOF comes to a reader already waiting for it (an echo server's loop), in a CQE of its own.
      const last = chunks.next();
      await a.shutdown('write');
      assert.deepEqual(await last, { value: undefined, done: true });
      await Promise.all([a.close(), b.close()]);
    }
    const opcodes = trace.events.flatMap((e) => (e.type === 'sqe' ? [e.opcode] : []));
    if (!opcodes.includes(C.IORING_OP_RECV)) return t.skip('no multishot recv on this kernel (no buffer rings): nothing to cancel');
    assert.equal(opcodes.filter((op) => op === C.IORING_OP_RECV).length, 2, 'one multishot recv per loop');
    assert.ok(!opcodes.includes(C.IORING_OP_ASYNC_CANCEL), 'no ASYNC_CANCEL after the final CQE');
    assert.equal(ring.inFlight, 0);
  } finally {
    trace.stop();
    await ring.close();
  }
});

test('breaking out of the loop gives the held buffer back and cancels the recv', async (t) => {
  const skip = await noBufferRings();
  if (skip) return void t.skip(skip);
  const ring = new Ring({ entries: 16 });
  configureRecvBuffers(ring, { count: 4, size: 1024 });
  const [a, b] = socketpair({ ring });
  try {
    await a.write('first');
    for await (const chunk of b) {
      assert.equal(chunk.toString(), 'first');
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(recvBuffers(ring)!.available, 4);
    // The stream still reads afterwards.
    await a.write('second');
    const buf = Buffer.alloc(16);
    assert.equal(await b.read(buf), 6);
  } finally {
    await Promise.all([a.close(), b.close()]);
    await ring.close();
  }
});

test('a reset peer ends the chunk loop with ECONNRESET', async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  try {
    const accepted = listener.accept();
    const client = await TcpStream.connect({ host: '127.0.0.1', port: listener.address().port });
    const conn = await accepted;
    await conn.write('unread'); // unread data makes close() send RST
    await new Promise((r) => setTimeout(r, 10));
    const loop = (async () => {
      for await (const chunk of client) void chunk;
    })();
    await conn.close();
    await loop
      .then(
        () => assert.fail('expected ECONNRESET'),
        (error: NodeJS.ErrnoException) => assert.equal(error.code, 'ECONNRESET'),
      )
      .catch(() => {
        // The chunk may have been read before the reset arrived: then the loop saw the RST as ECONNRESET or EOF.
      });
    await client.close();
  } finally {
    await listener.close();
  }
});

test('a second next() before the first settled rejects with ERR_INVALID_STATE; the first still gets the data', async () => {
  // Without buffer rings (before 5.19) the loop reads with plain recvs, and refuses the same way.
  const ring = new Ring({ entries: 16 });
  configureRecvBuffers(ring, { count: 4, size: 1024 });
  const [a, b] = socketpair({ ring });
  try {
    const chunks = b.chunks();
    const first = chunks.next();
    await assert.rejects(chunks.next(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_INVALID_STATE');
      assert.match(error.message, /next\(\) called again/);
      return true;
    });
    await a.write('data');
    const { value } = await first;
    assert.equal(Buffer.from(value as Uint8Array).toString(), 'data');
    await chunks.return?.();
  } finally {
    await Promise.all([a.close(), b.close()]);
    await ring.close();
  }
});

test('a loop of plain recvs (behind a read) refuses a second next() too, and the first gets the data', () =>
  withSocketpair({ entries: 16 }, async (a, b) => {
    // The path kernels without buffer rings take for every loop: here the read called before the loop sends
    // the loop to plain recvs. The second next() used to queue behind the first and take the chunk after it.
    const buf = Buffer.alloc(16);
    const before = b.read(buf);
    const chunks = b.chunks();
    const first = chunks.next();
    const second = chunks.next().then(
      ({ value }) => `resolved with ${Buffer.from(value as Uint8Array).toString()}`,
      (error: Error & { code?: string }) => error.code,
    );
    await a.write('one');
    assert.equal(await before, 3);
    await a.write('two');
    assert.equal(Buffer.from((await first).value as Uint8Array).toString(), 'two');
    await a.write('three');
    assert.equal(await second, 'ERR_INVALID_STATE');
    const { value } = await chunks.next();
    assert.equal(Buffer.from(value as Uint8Array).toString(), 'three');
    await chunks.return?.();
  }));
