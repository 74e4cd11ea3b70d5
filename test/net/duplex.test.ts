// stream.toDuplex(): a node:stream Duplex with backpressure and half-close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';

import { socketpair, TcpListener } from '../../src/net/index.js';
import { nodeConnect, readAll } from '../../test-support/net.js';
import { requireIoUring } from '../../test-support/backend.js';

test('pipeline() through the Duplex moves 16 MiB intact', async () => {
  const [a, b] = socketpair();
  const left = a.toDuplex();
  const right = b.toDuplex();
  const size = 16 * 1024 * 1024;
  const block = Buffer.alloc(64 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = i & 0xff;
  let received = 0;
  let intact = true;
  const sink = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (let i = 0; i < chunk.length; i += 997) if (chunk[i] !== ((received + i) % block.length) % 256) intact = false;
      received += chunk.length;
      cb();
    },
  });
  await Promise.all([
    pipeline(
      Readable.from(
        (function* () {
          for (let i = 0; i < size / block.length; i++) yield block;
        })(),
      ),
      left,
    ),
    pipeline(right, sink),
  ]);
  assert.equal(received, size);
  assert.ok(intact);
});

test('backpressure: a reader that does not read stops the recv loop; data waits in the socket and the writer', async () => {
  const [a, b] = socketpair();
  const reader = b.toDuplex({ highWaterMark: 1024 });
  const writer = a.toDuplex();
  const chunk = Buffer.alloc(64 * 1024, 1);
  const count = 128; // 8 MiB: far more than the socket buffers hold
  for (let i = 0; i < count; i++) writer.write(chunk);
  writer.end();
  reader.read(0); // start reading, then read nothing
  await new Promise((r) => setTimeout(r, 100));
  assert.ok(reader.readableLength <= 64 * 1024, `the reader buffered only ${reader.readableLength} bytes`);
  assert.ok(writer.writableLength > 1024 * 1024, `the writer holds what the socket would not take (${writer.writableLength})`);
  let total = 0;
  reader.on('data', (c: Buffer) => (total += c.length));
  await new Promise((r) => reader.once('end', r));
  assert.equal(total, count * chunk.length);
});

test('half-close: end() sends FIN, and with allowHalfOpen the other direction keeps working', async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  try {
    const client = await nodeConnect(listener.address().port);
    const server = (await listener.accept()).toDuplex({ allowHalfOpen: true });
    const fromServer = readAll(client);
    const closed = new Promise((r) => server.once('close', r));
    // The client ends its side; the server reads EOF but can still answer.
    client.end('request');
    let body = '';
    server.on('data', (c: Buffer) => (body += c));
    await new Promise((r) => server.once('end', r));
    assert.equal(body, 'request');
    server.end('response after the peer ended');
    assert.equal((await fromServer).toString(), 'response after the peer ended');
    await closed;
  } finally {
    await listener.close();
  }
});

// As net.Socket: reading starts at once and the peer's end is noticed without a reader, so a duplex
// that only writes and ends closes once the peer ends too (the old one never read: it stayed open).
// The timeout only guards against that hang.
test('a duplex that writes, ends and never reads closes once the peer ends', { timeout: 20_000 }, async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  try {
    const client = await nodeConnect(listener.address().port);
    const stream = await listener.accept();
    const duplex = stream.toDuplex();
    const closed = new Promise((resolve) => duplex.once('close', resolve));
    const fromServer = readAll(client);
    duplex.end('goodbye');
    // The client sees all of it, then ends its own side in turn.
    assert.equal((await fromServer).toString(), 'goodbye');
    client.end();
    await closed;
    assert.equal(duplex.readableEnded, true);
    assert.equal(stream.closed, true);
  } finally {
    await listener.close();
  }
});

test('net.Socket look-alikes: remoteAddress, remotePort, setTimeout emits timeout', async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  try {
    const client = await nodeConnect(listener.address().port);
    const duplex = (await listener.accept()).toDuplex();
    assert.equal(duplex.remoteAddress, '127.0.0.1');
    assert.equal(duplex.remotePort, client.localPort);
    assert.equal(duplex.localPort, listener.address().port);
    const timedOut = new Promise((r) => duplex.setTimeout(30, () => r('timeout')));
    assert.equal(await timedOut, 'timeout');
    duplex.destroy();
    client.destroy();
  } finally {
    await listener.close();
  }
});

test('setTimeout checks its arguments as net.Socket does, and setTimeout(0, callback) takes the callback off', async () => {
  const [a, b] = socketpair();
  const duplex = a.toDuplex();
  const socket = new (await import('node:net')).Socket();
  try {
    const codeOf = (call: () => unknown) => {
      try {
        call();
        return 'ok';
      } catch (error) {
        return (error as NodeJS.ErrnoException).code;
      }
    };
    for (const [ms, callback] of [
      ['1', undefined],
      [-1, undefined],
      [Number.NaN, undefined],
      [Number.POSITIVE_INFINITY, undefined],
      [null, undefined],
      [10, 'x'],
      [10, undefined],
    ] as const) {
      const shown = `${String(ms)}, ${String(callback)}`;
      assert.equal(
        codeOf(() => duplex.setTimeout(ms as number, callback as never)),
        codeOf(() => socket.setTimeout(ms as number, callback as never)),
        shown,
      );
    }
    const onTimeout = () => {};
    duplex.setTimeout(1000, onTimeout);
    assert.equal(duplex.listenerCount('timeout'), 1);
    duplex.setTimeout(0, onTimeout);
    assert.equal(duplex.listenerCount('timeout'), 0);
  } finally {
    socket.destroy();
    duplex.destroy();
    b.close();
  }
});

// The timeout only guards against a hang: destroy() waited for the write, which a peer that never reads never lets end.
test('destroy() with a write in flight to a peer that does not read closes the socket', { timeout: 20_000 }, async () => {
  const [a, b] = socketpair();
  const duplex = a.toDuplex();
  duplex.on('error', () => {});
  duplex.write(Buffer.alloc(32 << 20, 0x61));
  // Let the write reach the kernel and fill the socket, then give up on the peer.
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 20));
  duplex.destroy();
  await once(duplex, 'close');
  assert.equal(a.closed, true);
  // The peer reads what came, then the end.
  const buf = Buffer.alloc(1 << 20);
  let total = 0;
  for (;;) {
    const n = await b.read(buf).catch(() => 0);
    if (n === 0) break;
    total += n;
  }
  assert.ok(total < 32 << 20, `the peer got part of the write (${total} bytes), then the end`);
  await b.close();
});

test("pause() and resume() inside 'data' handlers: every byte arrives, in order", async () => {
  const [a, b] = socketpair();
  const reader = b.toDuplex({ highWaterMark: 4096 });
  const size = 4 * 1024 * 1024;
  const block = Buffer.alloc(64 * 1024);
  for (let i = 0; i < block.length; i++) block[i] = (i * 7) & 0xff;
  const writing = (async () => {
    for (let sent = 0; sent < size; sent += block.length) await a.write(block);
    await a.shutdown('write');
  })();
  let received = 0;
  let intact = true;
  let pauses = 0;
  reader.on('data', (chunk: Buffer) => {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] !== (((received + i) % block.length) * 7) % 256) intact = false;
    received += chunk.length;
    // Stop now and then, and start again from another turn.
    if (pauses++ % 5 === 0) {
      reader.pause();
      setImmediate(() => reader.resume());
    }
  });
  await Promise.all([once(reader, 'end'), writing]);
  assert.equal(received, size);
  assert.ok(intact, 'bytes out of order or changed');
  reader.destroy();
  await a.close();
});

// io_uring's RECV after the bytes fails with ECONNRESET; node:net (the node backend's) reads the same reset as an
// end of the stream here ('end', no 'error'), as a net.Socket server does.
test('a connection reset by the peer destroys the Duplex with ECONNRESET', requireIoUring(), async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 });
  const client = await nodeConnect(listener.address().port);
  const duplex = (await listener.accept()).toDuplex();
  await listener.close();
  const failed = once(duplex, 'error');
  const closed = new Promise((resolve) => duplex.once('close', resolve));
  duplex.resume();
  client.write('bytes first');
  client.resetAndDestroy();
  const [error] = (await failed) as [NodeJS.ErrnoException];
  assert.equal(error.code, 'ECONNRESET');
  await closed;
});

// The timeout only guards against a hang: with the error left uncaught, the Duplex never ended.
test("a 'data' listener that throws destroys the Duplex with its error, not the process", { timeout: 20_000 }, async () => {
  const [a, b] = socketpair();
  const duplex = b.toDuplex();
  const thrown = new Error('listener failed');
  duplex.on('data', () => {
    throw thrown;
  });
  const failed = once(duplex, 'error');
  await a.write('bytes');
  const [error] = await failed;
  assert.equal(error, thrown);
  await new Promise((resolve) => (duplex.closed ? resolve(undefined) : duplex.once('close', resolve)));
  await a.close();
});

// _write sends what the socket takes at once and calls back at once (as net.Socket's libuv write does); the rest of
// a write the socket takes in part, and the writes after a full socket, go through the ring and call back later.
test('writes taken at once, in part or not at all: each calls back in order, bytesWritten counts them, the bytes arrive in order', async () => {
  const [a, b] = socketpair();
  const writer = a.toDuplex();
  const size = 1000;
  const count = 4000;
  const chunkOf = (i: number) => Buffer.alloc(size, i & 0xff);
  const called: number[] = [];
  for (let i = 0; i < count; i++) writer.write(chunkOf(i), () => called.push(i));
  const finished = once(writer, 'finish');
  writer.end();
  // The peer reads 4 KiB a turn at first, so that the socket stays about full, then the rest at once.
  const buf = Buffer.alloc(64 * 1024);
  let received = 0;
  let intact = true;
  let reads = 0;
  while (received < size * count) {
    const n = await b.read(reads++ < 200 ? buf.subarray(0, 4096) : buf);
    assert.ok(n > 0, `the stream ended after ${received} bytes`);
    for (let i = 0; i < n; i++) if (buf[i] !== (Math.floor((received + i) / size) & 0xff)) intact = false;
    received += n;
    if (reads < 200) await new Promise((resolve) => setImmediate(resolve));
  }
  await finished;
  assert.ok(intact, 'bytes out of order or changed');
  assert.equal(called.length, count);
  assert.ok(
    called.every((v, i) => v === i),
    'callbacks out of order',
  );
  assert.equal(writer.bytesWritten, size * count);
  writer.destroy();
  await b.close();
});

test('a write to a peer that is gone fails with EPIPE: its callback and the Duplex get the error', async () => {
  const [a, b] = socketpair();
  // allowHalfOpen: the peer's end must not end the writable side before the write.
  const writer = a.toDuplex({ allowHalfOpen: true });
  await b.close();
  const failed = once(writer, 'error');
  const calledBack = new Promise<Error | null | undefined>((resolve) => writer.write(Buffer.from('late'), resolve));
  const [error] = (await failed) as [NodeJS.ErrnoException];
  assert.equal(error.code, 'EPIPE');
  assert.equal(((await calledBack) as NodeJS.ErrnoException).code, 'EPIPE');
  assert.equal(writer.bytesWritten, 0);
});
