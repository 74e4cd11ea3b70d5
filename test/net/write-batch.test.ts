// Small writes called while an earlier write is under way are sent together
// (src/net/stream.ts, WriteBatch): a loop of unawaited writes was one SEND,
// and one trip through the loop, per write. Their bytes must still arrive
// whole and in call order, mixed with the calls that do not join a batch.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import net from 'node:net';

import { Ring, constants as C, type TraceEvent } from '../../src/index.js';
import { TcpListener, type TcpStream } from '../../src/net/index.js';
import { setIntOption } from '../../src/net/socket.js';
import { addressOf } from '../../src/sys/memory.js';
import { MSG_DONTWAIT, MSG_NOSIGNAL, SOL_SOCKET, SO_SNDBUF } from '../../src/sys/socket-constants.js';
import { record } from '../../test-support/kernel.js';

const sends = (events: TraceEvent[]) => events.filter((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_SEND).length;

/**
 * Runs `body` with a ringcore stream on a ring of its own, accepted from a node:net client, and everything the client
 * receives until EOF; then destroys the client and closes the stream and the ring, whatever `body` did.
 */
async function withConnected(body: (c: { stream: TcpStream; received: Promise<Buffer>; client: net.Socket; ring: Ring }) => Promise<void>): Promise<void> {
  const ring = new Ring({ entries: 64 });
  const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0, ring });
  const client = net.connect({ host: '127.0.0.1', port: listener.address().port });
  const stream = await listener.accept();
  await listener.close();
  const chunks: Buffer[] = [];
  const received = new Promise<Buffer>((resolve, reject) => {
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.on('end', () => resolve(Buffer.concat(chunks)));
    client.on('error', reject);
  });
  try {
    await body({ stream, received, client, ring });
  } finally {
    client.destroy();
    await stream.close();
    await ring.close();
  }
}

test('1000 small writes not awaited: a few SENDs, not one each; every byte arrives in call order', () =>
  withConnected(async ({ stream, received, ring }) => {
    const trace = record(ring);
    try {
      const parts = Array.from({ length: 1000 }, (_, i) => Buffer.from(`${String(i).padStart(4, '0')}:${'x'.repeat(59)}\n`));
      const writes = parts.map((part) => stream.write(part));
      await Promise.all(writes);
      await stream.shutdown('write');
      assert.deepEqual(await received, Buffer.concat(parts));
      // The first write's SEND, then the other 999 (63,936 bytes) gathered into one; before the batches, 1000 SENDs.
      assert.ok(sends(trace.events) <= 4, `${sends(trace.events)} SENDs for 1000 writes`);
    } finally {
      trace.stop();
    }
  }));

test('batched writes keep their place among strings, writes with a signal, big writes, writev and shutdown', () =>
  withConnected(async ({ stream, received }) => {
    const expected: Buffer[] = [];
    const writes: Promise<void>[] = [];
    const signal = new AbortController().signal;
    for (let i = 0; i < 300; i++) {
      const small = Buffer.from(`s${i};`);
      const kind = i % 6;
      if (kind === 0) {
        writes.push(stream.write(small));
        expected.push(small);
      } else if (kind === 1) {
        writes.push(stream.write(`t${i};`));
        expected.push(Buffer.from(`t${i};`));
      } else if (kind === 2) {
        // Options keep a write out of a batch: it waits on its own, between batches.
        writes.push(stream.write(small, { signal }));
        expected.push(small);
      } else if (kind === 3) {
        const big = Buffer.alloc(40_000 + i, 0x41 + (i % 26));
        writes.push(stream.write(big));
        expected.push(big);
      } else if (kind === 4) {
        const pair = [Buffer.from(`v${i}a;`), Buffer.from(`v${i}b;`)];
        writes.push(stream.writev(pair));
        expected.push(...pair);
      } else {
        // A batch stops at 64 KiB: these fill several.
        const fill = Buffer.alloc(16_000, 0x61 + (i % 26));
        writes.push(stream.write(fill.subarray(0, 15_000)), stream.write(fill.subarray(15_000)));
        expected.push(fill);
      }
    }
    const fin = stream.shutdown('write');
    await Promise.all([...writes, fin]);
    const got = await received;
    const want = Buffer.concat(expected);
    assert.equal(got.length, want.length);
    assert.ok(got.equals(want), 'the bytes arrived in call order');
  }));

test('every write of a batch rejects when the stream is destroyed before the batch is sent', () =>
  withConnected(async ({ stream, client }) => {
    client.pause();
    // The first write fills the socket and waits for room; the small ones behind it wait in one batch.
    const first = stream.write(Buffer.alloc(32 << 20));
    const small = Array.from({ length: 10 }, (_, i) => stream.write(`w${i}`));
    const settled = Promise.allSettled([first, ...small]);
    stream.destroy();
    const results = await settled;
    for (const r of results.slice(1)) assert.equal(r.status, 'rejected');
  }));

test('a buffer filled again right after write() returns: each write sends the bytes it was called with, as node:net does', () =>
  withConnected(async ({ stream, received }) => {
    // One scratch buffer, refilled for every write, none awaited (node:net sends each at the call while the
    // socket has room): the first write starts at once, the others join batches; a write with a signal waits alone.
    const scratch = Buffer.alloc(8);
    const writes: Promise<void>[] = [];
    const expected: Buffer[] = [];
    const signal = new AbortController().signal;
    for (let i = 0; i < 1000; i++) {
      scratch.writeUInt32BE(i, 0);
      scratch.writeUInt32BE(~i >>> 0, 4);
      writes.push(i % 100 === 50 ? stream.write(scratch, { signal }) : stream.write(scratch));
      expected.push(Buffer.from(scratch));
    }
    scratch.fill(0xee);
    await Promise.all(writes);
    await stream.shutdown('write');
    const got = await received;
    const want = Buffer.concat(expected);
    assert.equal(got.length, want.length);
    for (let at = 0; at < want.length; at += 8) {
      if (!got.subarray(at, at + 8).equals(want.subarray(at, at + 8))) assert.fail(`write ${at / 8} sent ${got.subarray(at, at + 8).toString('hex')}`);
    }
  }));

test('a small write a full socket cannot take at once sends the bytes it was called with, not the refilled buffer', () =>
  withConnected(async ({ stream, received, client, ring }) => {
    client.pause();
    setIntOption(stream.fd, SOL_SOCKET, SO_SNDBUF, 4096);
    // Fill the socket with sends that never wait, until EAGAIN: no write of the stream is under way.
    const filler = Buffer.alloc(64 * 1024, 0x61);
    let filled = 0;
    for (;;) {
      const n = await ring
        .submit({
          syscall: 'send',
          prep: (u, sqe) => u.prepSend(sqe, stream.fd, addressOf(filler), filler.byteLength, MSG_DONTWAIT | MSG_NOSIGNAL),
          pin: filler,
        })
        .catch((error: { code?: string }) => (error.code === 'EAGAIN' ? 0 : Promise.reject(error)));
      if (n === 0) break;
      filled += n;
    }
    const scratch = Buffer.from('the bytes at the call');
    const writing = stream.write(scratch);
    scratch.fill(0x65);
    client.resume();
    await writing;
    await stream.shutdown('write');
    const got = await received;
    assert.equal(got.length, filled + scratch.length);
    assert.equal(got.subarray(filled).toString(), 'the bytes at the call');
  }));

test('a peer that resets while batches wait: every write settles, each rejection with an error code', () =>
  withConnected(async ({ stream, client }) => {
    client.pause();
    // A write that fills the socket, then batches, big writes, writev and a write with a signal behind it.
    const writes: Promise<void>[] = [stream.write(Buffer.alloc(16 << 20))];
    for (let i = 0; i < 3000; i++) writes.push(stream.write(Buffer.alloc(50 + (i % 100), i)));
    for (let i = 0; i < 20; i++) writes.push(stream.write(Buffer.alloc(20_000)), stream.writev([Buffer.from('x'), Buffer.from('y')]));
    writes.push(stream.write('last', { signal: new AbortController().signal }));
    const settled = Promise.allSettled(writes);
    client.resetAndDestroy();
    const results = await settled;
    const codes = new Set(results.map((r) => (r.status === 'fulfilled' ? 'resolved' : (r.reason as NodeJS.ErrnoException).code)));
    // The first write's SEND fails with the reset; every write behind it finds the connection gone.
    assert.ok(
      [...codes].every((code) => code === 'ECONNRESET' || code === 'EPIPE'),
      [...codes].join(', '),
    );
  }));

test('two async loops writing multibyte strings to one stream: each loop’s writes arrive whole and in its order', () =>
  withConnected(async ({ stream, received }) => {
    // Strings of 2-, 3- and 4-byte characters, most not awaited, so that batches of 64 KiB end between any two writes.
    const glyphs = ['é', '€', '😀'];
    const loop = async (tag: string): Promise<void> => {
      for (let i = 0; i < 20_000; i++) {
        const write = stream.write(`${tag}${i}${glyphs[i % 3]!.repeat(1 + (i % 5))};`);
        if (i % 97 === 0) await write;
      }
    };
    await Promise.all([loop('a'), loop('b')]);
    await stream.shutdown('write');
    const records = (await received).toString('utf8').split(';').slice(0, -1);
    assert.equal(records.length, 40_000);
    for (const tag of ['a', 'b']) {
      const mine = records.filter((r) => r.startsWith(tag));
      mine.forEach((record, i) => {
        if (record !== `${tag}${i}${glyphs[i % 3]!.repeat(1 + (i % 5))}`) assert.fail(`loop ${tag}'s write ${i} arrived as ${record}`);
      });
    }
  }));
