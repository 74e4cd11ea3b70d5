// A write larger than the socket's send buffer: one SEND with MSG_WAITALL,
// which the kernel (5.18+) carries on by itself each time the peer makes
// room, rather than one trip through JavaScript per buffer-full; every byte
// arrives, in order. A large write first sends what fits with a
// non-blocking send(2) and makes an op only for the rest.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import net from 'node:net';
import { release } from 'node:os';

import { Ring, constants as C } from '../../src/index.js';
import { TcpStream, socketpair } from '../../src/net/index.js';
import { record } from '../../test-support/kernel.js';
import { assertNextRead, withSocketpair } from '../../test-support/socketpair.js';

const SIXTEEN_KIB = 16 * 1024;

test('write() of 8 MiB to a slow reader is one SEND op, and the reader gets every byte in order', async (t) => {
  const [major = 0, minor = 0] = release().split('.').map(Number);
  if (major < 5 || (major === 5 && minor < 18)) {
    t.skip(`Linux ${release()} ignores MSG_WAITALL on IORING_OP_SEND (5.18+): short sends go round through JavaScript`);
    return;
  }
  const ring = new Ring({ entries: 16 });
  const [a, b] = socketpair({ ring });
  const trace = record(ring);
  try {
    const payload = Buffer.alloc(8 << 20);
    for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE(i, i);
    const writing = a.write(payload);
    // The reader starts late and reads in small steps: the writer's socket fills many times over.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const got = Buffer.alloc(payload.length);
    let at = 0;
    while (at < got.length) {
      const n = await b.read(got.subarray(at, Math.min(got.length, at + 64 * 1024)));
      assert.ok(n > 0);
      at += n;
    }
    await writing;
    assert.ok(got.equals(payload), 'every byte, in order');
    const sends = trace.events.filter((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_SEND);
    assert.equal(sends.length, 1, 'the kernel sent the rest of a short send itself');
  } finally {
    trace.stop();
    await Promise.all([a.close(), b.close()]);
    await ring.close();
  }
});

/** `bytes` bytes counting up as 32-bit words from `start`: any loss, repeat or reordering shows. */
function counting(bytes: number, start: number): Buffer {
  const buf = Buffer.alloc(bytes);
  let i = 0;
  for (; i + 4 <= bytes; i += 4) buf.writeUInt32LE((start + i) >>> 0, i);
  for (; i < bytes; i++) buf[i] = (start + i) & 0xff;
  return buf;
}

test('a large write the socket takes at once is no op: a non-blocking send(2), as libuv writes', async () => {
  const ring = new Ring({ entries: 16 });
  const [a, b] = socketpair({ ring });
  const trace = record(ring);
  try {
    const payload = counting(SIXTEEN_KIB * 4, 0);
    await a.write(payload);
    const sends = trace.events.filter((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_SEND);
    assert.equal(sends.length, 0, 'the socket took it all without a SEND');
    const got = Buffer.alloc(payload.length);
    let at = 0;
    while (at < got.length) at += await b.read(got.subarray(at));
    assert.ok(got.equals(payload));
  } finally {
    trace.stop();
    await Promise.all([a.close(), b.close()]);
    await ring.close();
  }
});

test('a large write with bad options throws before sending a byte, as a small one does', () =>
  withSocketpair({ entries: 16 }, async (a, b) => {
    const payload = counting(SIXTEEN_KIB * 2, 0);
    const bad = [{ signal: 'no' }, { timeout: -1 }, 7] as unknown as object[];
    for (const options of bad) {
      assert.throws(
        () => a.write(payload, options as never),
        (e: NodeJS.ErrnoException) => e instanceof TypeError || e instanceof RangeError,
      );
    }
    // Nothing reached the peer: its first bytes are those of a good write made after.
    await assertNextRead(a, b, 'after');
  }));

test('large writes to a TCP peer that reads slowly: part sent at once, the rest (or a full socket) waits in one SEND, every byte in order', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const ring = new Ring({ entries: 16 });
  const stream = await TcpStream.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, ring });
  const trace = record(ring);
  try {
    const peer = await accepted;
    peer.pause();
    // The first write fills the socket and waits; the ones called meanwhile find it full (EAGAIN) or take part of it.
    const sizes = [4 << 20, 256 << 10, 64 << 10, 1 << 20, SIXTEEN_KIB, 300_003];
    const payloads: Buffer[] = [];
    let offset = 0;
    for (const size of sizes) {
      payloads.push(counting(size, offset));
      offset += size;
    }
    const writes = payloads.map((p) => stream.write(p));
    const expected = Buffer.concat(payloads);
    const chunks: Buffer[] = [];
    let received = 0;
    const done = new Promise<void>((resolve) => {
      peer.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        received += chunk.length;
        // Read slowly: a pause after each chunk, so the writer's socket fills again and again.
        peer.pause();
        setTimeout(() => peer.resume(), 1);
        if (received === expected.length) resolve();
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    peer.resume();
    await Promise.all(writes);
    await done;
    assert.ok(Buffer.concat(chunks).equals(expected), 'every byte, once, in call order');
    const sends = trace.events.filter((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_SEND);
    assert.ok(sends.length >= 1 && sends.length <= sizes.length, `one SEND at most per write that did not fit (${sends.length})`);
    peer.destroy();
  } finally {
    trace.stop();
    await stream.close();
    await ring.close();
    server.close();
  }
});

test('a peer that resets mid-write: the waiting write rejects (ECONNRESET or EPIPE), the next large write with EPIPE at once', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const stream = await TcpStream.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
  try {
    const peer = await accepted;
    peer.pause();
    const writing = stream.write(counting(16 << 20, 0));
    // Let the socket fill and the write wait for room, then reset (SO_LINGER 0: an RST, unread bytes dropped).
    await new Promise((resolve) => setTimeout(resolve, 50));
    peer.resetAndDestroy();
    const error = await writing.then(
      () => assert.fail('a 16 MiB write to a peer that never read cannot have completed'),
      (e: NodeJS.ErrnoException) => e,
    );
    assert.ok(['ECONNRESET', 'EPIPE'].includes(error.code!), error.code);
    assert.equal(error.syscall, 'write');
    await assert.rejects(stream.write(counting(SIXTEEN_KIB * 2, 0)), { code: 'EPIPE', syscall: 'write' });
  } finally {
    await stream.close();
    server.close();
  }
});
