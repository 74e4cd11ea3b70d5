// read() called while `for await (const chunk of conn)` runs, as a careless
// protocol parser does (`for await (...) { if (short) await conn.read(more) }`).
// On io_uring the loop's multishot recv and the read's RECV were both in the
// kernel: each arriving chunk went to whichever it woke (the read, armed
// last, first), so the read got bytes that came after those the loop still
// held and yielded next: the stream, read in program order, came out
// reordered. Nothing was lost or doubled, but no caller could put it back in
// order. Now read(), readv() and a second chunks() refuse with
// ERR_INVALID_STATE while a loop may still yield, and work once it has ended
// (its unyielded bytes first: chunks-ended-early.test.ts). The node backend
// serves a loop's next() and reads from one queue in call order: in order.
import assert from 'node:assert/strict';
import { type SocketStream, socketpair } from '../../src/net/index.js';
import { test } from '../../test-support/backend.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `body` with a fresh socket pair (a writes, b reads), closed after. */
async function withPair(body: (a: SocketStream, b: SocketStream) => Promise<void>): Promise<void> {
  const [a, b] = socketpair();
  try {
    await body(a, b);
  } finally {
    await a.close();
    await b.close();
  }
}

test('read() inside a chunk loop rejects with ERR_INVALID_STATE, and the loop still yields every byte in order', async () => {
  await withPair(async (a, b) => {
    const sent = Buffer.alloc(256 * 1024);
    for (let i = 0; i < sent.length; i++) sent[i] = i % 251;
    const sending = (async () => {
      for (let at = 0; at < sent.length; at += 8192) {
        await a.write(sent.subarray(at, at + 8192));
        await delay(1);
      }
      await a.shutdown('write');
    })();
    const got: Buffer[] = [];
    const refused: string[] = [];
    for await (const chunk of b) {
      got.push(chunk);
      // The careless parser wants more before it goes on.
      await b.read(Buffer.alloc(4096)).then(
        () => refused.push('read'),
        (error: { code?: string }) => refused.push(error.code ?? 'no code'),
      );
      await b.readv([Buffer.alloc(10)]).catch((error: { code?: string }) => refused.push(error.code ?? 'no code'));
      assert.throws(() => b.chunks(), { code: 'ERR_INVALID_STATE' });
    }
    await sending;
    assert.ok(refused.length >= 2);
    assert.deepEqual(new Set(refused), new Set(['ERR_INVALID_STATE']), 'each read() and readv() inside the loop is refused');
    assert.ok(Buffer.concat(got).equals(sent), 'the loop yields every byte, in order');
    // The loop has ended (EOF): reads work again.
    assert.equal(await b.read(Buffer.alloc(10)), 0);
  });
}); // before: the reads inside the loop took bytes from the middle of the stream (the loop's concatenation had holes)

test('read() after a loop left with break, or after its signal aborted, is not refused', async () => {
  await withPair(async (a, b) => {
    await a.write('head');
    for await (const chunk of b) {
      assert.equal(chunk.toString(), 'head');
      break;
    }
    await a.write('rest');
    const buf = Buffer.alloc(4);
    assert.equal(await b.read(buf), 4);
    assert.equal(buf.toString(), 'rest');
    const stop = new AbortController();
    const loop = b.chunks({ signal: stop.signal });
    const waiting = loop.next();
    await assert.rejects(b.read(buf), { code: 'ERR_INVALID_STATE' });
    stop.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
    await a.write('more');
    assert.equal(await b.read(buf), 4);
    assert.equal(buf.toString(), 'more');
  });
});
