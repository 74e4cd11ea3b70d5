// A chunk loop that ends early (a break, an abort of its signal) and a read
// after it, as a careless caller writes them: read a header with
// `for await`, break, then read() the rest. The multishot recv behind the
// loop had already received bytes it never yielded; they were dropped, and
// the read after it went on past them as if nothing was missing. Now the
// stream keeps them, and reads and the next loop take them first.
// Runs on both backends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type SocketStream, socketpair } from '../../src/net/index.js';
import { useNoRecvBuffers } from '../../src/net/buffer-ring.js';
import { Ring } from '../../src/index.js';
import { requireIoUring } from '../../test-support/backend.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The writer sends `parts`, one at a time with a pause between, so each comes as a chunk of its own. */
async function sendApart(writer: SocketStream, parts: string[]): Promise<void> {
  for (const part of parts) {
    await writer.write(part);
    await delay(2);
  }
}

/** Every byte read() gives until EOF. */
async function readToEnd(stream: SocketStream, into = Buffer.alloc(3)): Promise<string> {
  let text = '';
  for (;;) {
    const n = await stream.read(into);
    if (n === 0) return text;
    text += into.toString('latin1', 0, n);
  }
}

const PARTS = ['head', 'AAAA', 'BBBB', 'CCCC'];

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

test('read() after a break gets the bytes the loop had received and not yielded', async () => {
  for (let round = 0; round < 5; round++) {
    await withPair(async (a, b) => {
      const loop = b[Symbol.asyncIterator]();
      const head = loop.next();
      // The rest arrives while the loop's body would run: the recv behind the loop takes it.
      await sendApart(a, PARTS);
      const first = await head;
      await loop.return!();
      await a.shutdown('write');
      // A small buffer: one chunk kept takes several reads.
      assert.equal((first.value as Buffer).toString() + (await readToEnd(b)), PARTS.join(''), `round ${round}`);
    });
  }
});

test('a second loop after a break of a borrowing one starts where the first stopped', () =>
  withPair(async (a, b) => {
    let text = '';
    const sending = sendApart(a, PARTS);
    for await (const chunk of b.chunks({ borrow: true })) {
      text += chunk.toString();
      await sending;
      break;
    }
    await a.shutdown('write');
    for await (const chunk of b) text += chunk.toString();
    assert.equal(text, PARTS.join(''));
  }));

/** A loop whose signal aborts after its first chunk; readv() then gets every byte the loop had not yielded. */
async function readvAfterAbort(a: SocketStream, b: SocketStream): Promise<void> {
  const ac = new AbortController();
  const loop = b.chunks({ signal: ac.signal });
  const first = await Promise.all([loop.next(), sendApart(a, PARTS)]);
  ac.abort();
  await a.shutdown('write');
  let text = (first[0].value as Buffer).toString();
  const parts = [Buffer.alloc(5), Buffer.alloc(2)];
  for (;;) {
    const n = await b.readv(parts);
    if (n === 0) break;
    text += Buffer.concat(parts).toString('latin1', 0, n);
  }
  assert.equal(text, PARTS.join(''));
}

test('readv() after the loop signal aborts gets what the loop had received', () => withPair(readvAfterAbort));

test('the same without buffer rings: the aborted loop lets readv() through', requireIoUring(), async () => {
  const ring = new Ring({ entries: 64 });
  useNoRecvBuffers(ring);
  const [a, b] = socketpair({ ring });
  try {
    await readvAfterAbort(a, b);
  } finally {
    await a.close();
    await b.close();
    await ring.close();
  }
}); // before (the loop's own abort not looked at): ERR_INVALID_STATE on 5.10 and here

test(
  "a loop made after one that ended early, out of memory for a chunk's copy: it ends with ERR_RINGCORE_OUT_OF_MEMORY in that chunk's place, and nothing after (no gap)",
  requireIoUring(),
  async () => {
    // Such a loop reads through read() into a buffer of its own and copies each chunk out. An allocation that
    // fails is made to happen here (Buffer.from throws, as it does out of memory, for the chunk of 'Z's): the
    // RangeError used to reach the loop with the stream still going, and the next next() gave the bytes after
    // the lost ones. The multishot path ends the stream there (test/net/owned-chunks.test.ts); so does this one.
    await withPair(async (a, b) => {
      const first = b[Symbol.asyncIterator]();
      const head = first.next();
      await sendApart(a, PARTS);
      await head;
      await first.return!(); // what it had received is kept: the next loop reads through read()
      const loop = b.chunks();
      let received = '';
      while (received.length < 12) received += ((await loop.next()).value as Buffer).toString('latin1');
      assert.equal(received, 'AAAABBBBCCCC');
      const from = Buffer.from;
      Buffer.from = function (this: unknown, ...args: unknown[]) {
        const source = args[0];
        if (Buffer.isBuffer(source) && source.includes(0x5a)) throw new RangeError('Array buffer allocation failed');
        return (from as (...a: unknown[]) => Buffer).apply(this, args);
      } as typeof Buffer.from;
      let failure = null as { code?: string; cause?: unknown } | null;
      try {
        await sendApart(a, ['ZZZZ', 'tail']);
        await a.shutdown('write');
        for (;;) {
          const r = await loop.next();
          if (r.done) break;
          received += r.value.toString('latin1');
        }
      } catch (error) {
        failure = error as typeof failure;
      } finally {
        Buffer.from = from;
      }
      assert.equal(failure?.code, 'ERR_RINGCORE_OUT_OF_MEMORY', `got ${String(failure)} after ${JSON.stringify(received)}`); // was the RangeError
      assert.ok(failure?.cause instanceof RangeError);
      assert.deepEqual(await loop.next(), { value: undefined, done: true }); // was 'tail': the Z's lost, the stream going on
    });
  },
);

// read() while a loop runs, as a careless parser does (`for await (...) { if (short) await conn.read(more) }`). On io_uring
// the loop's multishot recv and the read's RECV were both in the kernel: each chunk went to whichever the kernel woke (the
// read, armed last, first), so the read got bytes from after those the loop still held and yielded next. Now read(), readv()
// and a second chunks() refuse with ERR_INVALID_STATE while the loop may still yield. (The node backend serves a loop's
// next() and reads from one queue, in call order.)
/** A careless parser's read() and readv() inside a chunk loop: each refused, the loop's bytes whole. */
async function readsInsideLoop(a: SocketStream, b: SocketStream): Promise<void> {
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
}

test('read() inside a chunk loop rejects with ERR_INVALID_STATE, and the loop still yields every byte in order', requireIoUring(), async () => {
  await withPair(readsInsideLoop);
}); // before: the reads inside the loop took bytes from the middle of the stream (the loop's concatenation had holes)

test('the same without buffer rings (before Linux 5.19 the loop reads with single recvs): reads inside it are refused too', requireIoUring(), async () => {
  const ring = new Ring({ entries: 64 });
  useNoRecvBuffers(ring);
  const [a, b] = socketpair({ ring });
  try {
    await readsInsideLoop(a, b);
  } finally {
    await a.close();
    await b.close();
    await ring.close();
  }
}); // before: on 5.10 (and here) the fallback loop let them through, and lost the bytes they took

test('read() after a loop left with break, or after its signal aborted, is not refused', requireIoUring(), async () => {
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
