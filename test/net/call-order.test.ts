// Calls that overlap on one stream, as a careless caller makes them: writes
// not awaited, a shutdown right behind them, two reads at once. The kernel
// keeps no order between ops in flight on one socket (src/net/call-order.ts),
// so each of these lost or reordered bytes before the stream put its calls
// in order. Runs on both backends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { TcpListener, type TcpStream, socketpair } from '../../src/net/index.js';
import { requireIoUring } from '../../test-support/backend.js';

/** A ringcore stream and a node:net client socket connected to it. */
async function connected(): Promise<{ stream: TcpStream; client: net.Socket; close(): Promise<void> }> {
  const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 });
  const client = net.connect({ host: '127.0.0.1', port: listener.address().port });
  const stream = await listener.accept();
  await listener.close();
  return {
    stream,
    client,
    async close() {
      client.destroy();
      await stream.close();
    },
  };
}

/** Everything the client receives until the peer's FIN. */
function receiveAll(client: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.on('end', () => resolve(Buffer.concat(chunks)));
    client.on('error', reject);
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('writes that are not awaited arrive whole and in call order, and shutdown() sends FIN after them', async () => {
  const { stream, client, close } = await connected();
  try {
    // Each write is larger than the socket takes at once, and the reader starts late: every SEND waits for room.
    const size = 4 << 20;
    const parts = Array.from({ length: 6 }, (_, i) => Buffer.alloc(size, 0x41 + i));
    client.pause();
    const received = receiveAll(client);
    const writes = [
      stream.write(parts[0]!),
      stream.writev([parts[1]!, parts[2]!]),
      stream.write(parts[3]!),
      stream.writev([parts[4]!]),
      stream.write(parts[5]!),
    ];
    const fin = stream.shutdown('write');
    await delay(50);
    client.resume();
    await Promise.all([...writes, fin]);
    const got = await received;
    assert.equal(got.length, parts.length * size, 'every byte arrived before EOF');
    for (let i = 0; i < parts.length; i++) {
      const part = got.subarray(i * size, (i + 1) * size);
      assert.ok(part.equals(parts[i]!), `write ${i} arrived whole, in its place`);
    }
  } finally {
    await close();
  }
});

test('overlapping reads are filled in call order', async () => {
  const [a, b] = socketpair();
  try {
    for (let i = 0; i < 20; i++) {
      const first = Buffer.alloc(4);
      const second = Buffer.alloc(4);
      const reads = [b.read(first), b.read(second)];
      await delay(1);
      await a.write('1111');
      await delay(1);
      await a.write('2222');
      assert.deepEqual(await Promise.all(reads), [4, 4]);
      assert.equal(first.toString(), '1111', `round ${i}: the first read got the first bytes`);
      assert.equal(second.toString(), '2222');
    }
  } finally {
    await a.close();
    await b.close();
  }
});

const BIG = 8 << 20;

/**
 * With the client not reading: a write of BIG bytes of 'a' that waits for
 * room, and behind it a write of 1 KiB of 'b' that `ac` aborts.
 */
function bigWriteAndOneBehind(stream: TcpStream, client: net.Socket) {
  client.pause();
  const received = receiveAll(client);
  const big = stream.write(Buffer.alloc(BIG, 0x61));
  const ac = new AbortController();
  const aborted = stream.write(Buffer.alloc(1024, 0x62), { signal: ac.signal });
  return { received, big, ac, aborted };
}

// On the node backend a write is handed to node:net at once, and node:net cannot take it back (docs/fallback.md).
test('a write aborted while it waits behind another rejects at once and sends nothing; the next still goes out', requireIoUring(), async () => {
  const { stream, client, close } = await connected();
  try {
    const { received, big, ac, aborted } = bigWriteAndOneBehind(stream, client);
    const last = stream.write(Buffer.alloc(1024, 0x63));
    ac.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    // Bad options are refused at the call, even for a write that would wait.
    assert.throws(() => stream.write('x', { signal: 'no' as never }), TypeError);
    client.resume();
    await Promise.all([big, last]);
    await stream.shutdown('write');
    const got = await received;
    assert.equal(got.length, BIG + 1024);
    assert.equal(got.indexOf(0x62), -1, 'nothing of the aborted write was sent');
    assert.ok(got.subarray(BIG).equals(Buffer.alloc(1024, 0x63)), 'the write after it came next');
  } finally {
    await close();
  }
});

// The queue of waiting calls exists only while one waits: the abort of the only one
// must leave the order idle again, or every later write would wait for ever.
test('after the only waiting write is aborted, later writes start and arrive in order', requireIoUring(), async () => {
  const { stream, client, close } = await connected();
  try {
    const { received, big, ac, aborted } = bigWriteAndOneBehind(stream, client);
    ac.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    client.resume();
    await big;
    // Nothing waits now: each of these starts at once or behind the one before it.
    await stream.write(Buffer.alloc(1024, 0x63));
    await Promise.all([stream.write(Buffer.alloc(1024, 0x64)), stream.write(Buffer.alloc(1024, 0x65))]);
    await stream.shutdown('write');
    const got = await received;
    assert.equal(got.length, BIG + 3 * 1024);
    assert.equal(got.indexOf(0x62), -1, 'nothing of the aborted write was sent');
    assert.ok(got.subarray(BIG).equals(Buffer.concat([0x63, 0x64, 0x65].map((b) => Buffer.alloc(1024, b)))), 'the later writes came in call order');
  } finally {
    await close();
  }
});

test('destroy() with writes waiting behind one in flight settles every one of them (close() would wait for them: the peer does not read)', async () => {
  const { stream, client, close } = await connected();
  try {
    client.pause();
    const writes = Array.from({ length: 4 }, (_, i) => stream.write(Buffer.alloc(8 << 20, i)));
    await delay(20);
    await stream.destroy();
    const results = await Promise.allSettled(writes);
    assert.equal(results.length, 4);
    for (const r of results.slice(1)) assert.equal(r.status, 'rejected', 'a write that had not started does not start after destroy()');
  } finally {
    await close();
  }
});

test('a write not awaited before destroy() goes out, as write(2) then close(2) sends it', async () => {
  for (let round = 0; round < 5; round++) {
    const { stream, client, close } = await connected();
    try {
      const received = receiveAll(client);
      const write = stream.write('last words');
      await stream.destroy();
      await write;
      assert.equal((await received).toString(), 'last words', `round ${round}`);
    } finally {
      await close();
    }
  }
});

// Found by test/net/random-careless.test.ts (seed 18): chunks() armed its
// multishot recv at once, which raced the reads called before it for the
// bytes, and the earlier read got bytes that came after the loop's.
test('a chunk loop started while a read waits takes the bytes after that read', async () => {
  const [a, b] = socketpair();
  try {
    const first = Buffer.alloc(4);
    const read = a.read(first);
    const loop = a.chunks();
    const next = loop.next();
    await b.write('1111');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await b.write('2222');
    assert.equal(await read, 4);
    assert.equal(first.toString(), '1111');
    const chunk = await next;
    assert.equal(chunk.done, false);
    assert.equal(chunk.value?.toString(), '2222');
    await loop.return();
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

// Found by test/net/random-careless.test.ts (seed 155): the kernel runs
// IORING_OP_SHUTDOWN in a worker thread and looks the fd up only there, so
// the CLOSE close() placed after it ran first: the shutdown failed with
// EBADF, or shut down the socket that had taken the fd number since.
test("shutdown('read') not awaited, then close(): the shutdown runs on this socket, never after the close", async () => {
  const codes = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const [a, b] = socketpair();
    const shut = a.shutdown('read').then(
      () => 'ok',
      (error: NodeJS.ErrnoException) => error.code ?? String(error),
    );
    const reading = a.read(Buffer.alloc(8)).catch(() => 0);
    await a.close();
    codes.add(await shut);
    await reading;
    await b.close();
  }
  assert.deepEqual([...codes], ['ok']);
});

// Found by test/net/random-careless.test.ts: a RECV of 0 bytes waits in
// the kernel until bytes come, so read() of an empty buffer on an idle
// connection held up every read called after it (readv() and the node
// backend gave 0 at once).
test('read() into an empty buffer resolves 0 without waiting for bytes', async () => {
  const [a, b] = socketpair();
  try {
    const empty = a.read(Buffer.alloc(0));
    const turn = new Promise((resolve) => setImmediate(() => resolve('still waiting')));
    assert.equal(await Promise.race([empty, turn]), 0);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
