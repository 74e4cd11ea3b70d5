// ChunkIterator.read(sink): a socket's chunks by callback (what ringcore/http's
// connections read with: no promise per chunk), through ProvidedRecv.read and
// Multishot.read. Same guarantees as next(): in order, one read at a time,
// end at EOF, the recv's errors, and the bounded queue that pauses the recv
// while the reader does not ask for more (issue #9: a stalled reader must not
// take the ring's buffers).
import { nodeChildSkip, test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';

import { Ring, type RingOptions } from '../../src/index.js';
import { recvBuffers, socketpair, type BorrowedChunk, type UnixStream } from '../../src/net/index.js';
import type { MultishotSink } from '../../src/op/multishot.js';
import type { InPlaceSink } from '../../src/net/provided-recv.js';

/** Runs `body` with a ring and a socketpair on it, closed after; skips where the kernel has no provided buffer rings. */
async function withPair(t: TestContext, options: RingOptions, body: (ring: Ring, a: UnixStream, b: UnixStream) => Promise<void>): Promise<void> {
  const ring = new Ring({ entries: 64, ...options });
  const [a, b] = socketpair({ ring });
  try {
    if (recvBuffers(ring) === null) {
      t.skip('no provided buffer rings (Linux < 5.19): chunks come from plain reads, by promise only');
      return;
    }
    await body(ring, a, b);
  } finally {
    await a.close();
    await b.close();
    await ring.close();
  }
}

async function until(what: string, condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(condition(), what);
}

/** The chunks a callback reader's op holds for the next read() (an internal count). */
function queuedChunks(chunks: unknown): number {
  return (chunks as { reader: { op: { unread: number } } }).reader.op.unread;
}

test('chunks come by callback in order; queued ones are handed over in a loop, not by recursion; EOF ends', { timeout: 20_000 }, async (t) => {
  await withPair(t, {}, async (_ring, a, b) => {
    const chunks = b.chunks({ borrow: true });
    const got: string[] = [];
    let depth = 0;
    let deepest = 0;
    let more = false;
    let ended: unknown = 'not yet';
    const sink: MultishotSink<BorrowedChunk> = {
      value: (chunk) => {
        deepest = Math.max(deepest, ++depth);
        got.push(chunk.toString()); // borrowed: copied before the next read
        if (more) chunks.read(sink);
        depth--;
      },
      end: (error) => {
        ended = error;
      },
    };
    chunks.read(sink);
    await a.write(Buffer.from('a'));
    await until('the first chunk came', () => got.length === 1);
    // Nobody reads now: what comes next waits in the op's queue. Each chunk is waited for (a write the socket
    // takes at once resolves before the peer's recv completes; the thread driver's wake-up can take turns).
    for (const [i, part] of ['b', 'c', 'd'].entries()) {
      await a.write(Buffer.from(part));
      await until(`chunk ${part} queued`, () => queuedChunks(chunks) === i + 1);
    }
    more = true;
    chunks.read(sink);
    assert.equal(got.join(''), 'abcd', 'the queued chunks were handed over at once, within read()');
    assert.equal(deepest, 1, 'a read() from inside the sink does not nest the next delivery');
    assert.equal(ended, 'not yet');
    await a.close();
    await until('EOF ended the reader', () => ended !== 'not yet');
    assert.equal(ended, null);
    assert.equal(chunks.active, false);
  });
});

test('one read at a time: a second read() while one is pending throws ERR_INVALID_STATE', async (t) => {
  await withPair(t, {}, async (_ring, _a, b) => {
    const chunks = b.chunks({ borrow: true });
    const sink: MultishotSink<BorrowedChunk> = { value: () => {}, end: () => {} };
    chunks.read(sink);
    assert.throws(() => chunks.read(sink), { code: 'ERR_INVALID_STATE' });
    chunks.return();
  });
});

test('an abort ends a pending read with an AbortError, and the recv is gone from the kernel', async (t) => {
  await withPair(t, {}, async (ring, _a, b) => {
    const controller = new AbortController();
    const chunks = b.chunks({ borrow: true, signal: controller.signal });
    const ended = new Promise<unknown>((resolve) => chunks.read({ value: () => resolve('a value'), end: resolve }));
    await turn();
    controller.abort();
    const error = (await ended) as Error & { code?: string };
    assert.equal(error?.name, 'AbortError');
    assert.equal(error.code, 'ABORT_ERR');
    await until('the recv left the kernel', () => ring.inFlight === 0);
  });
});

for (const borrow of [true, false]) {
  test(`a callback reader that stops asking holds few of the ring's buffers; nothing is lost (${borrow ? 'borrowed' : 'owned'})`, {
    timeout: 60_000,
  }, async (t) => {
    await withPair(t, { entries: 256, cqEntries: 1024 }, async (ring, a, b) => {
      const chunks = b.chunks({ borrow });
      const size = 8 << 20;
      const payload = Buffer.allocUnsafe(size);
      for (let i = 0; i < size; i += 4) payload.writeUInt32LE((i * 2246822519) >>> 0, i);
      const sending = a.write(payload).then(() => a.close());
      const parts: Buffer[] = [];
      let more = false;
      let done: (error: unknown) => void = () => {};
      const ended = new Promise((resolve) => (done = resolve));
      const sink: MultishotSink<Buffer> = {
        value: (chunk) => {
          parts.push(Buffer.from(chunk));
          if (more) chunks.read(sink);
        },
        end: (error) => done(error),
      };
      chunks.read(sink);
      await until('the first chunk came', () => parts.length === 1);
      // Let the data come in while nobody asks for it (no assertion on this time).
      await new Promise((resolve) => setTimeout(resolve, 300));
      const pool = recvBuffers(ring)!;
      assert.ok(pool.available >= pool.count - 5, `a stalled reader holds at most a few buffers (${pool.available} of ${pool.count} free)`);
      more = true;
      chunks.read(sink);
      assert.equal(await ended, null);
      await sending;
      assert.ok(Buffer.concat(parts).equals(payload), 'every byte came, in order');
      assert.equal(pool.available, pool.count, 'every buffer is back');
    });
  });
}

test('a sink that throws while read() hands over queued chunks: reported as uncaught, and no chunk comes out of order', {
  timeout: 20_000,
  skip: nodeChildSkip(),
}, async (t) => {
  // In a child: the throw is an uncaught exception, which the program survives with a handler.
  const src = (path: string): string => JSON.stringify(new URL(`../../src/${path}`, import.meta.url).href);
  const program = `
    const { Ring } = await import(${src('index.js')});
    const { recvBuffers, socketpair } = await import(${src('net/index.js')});
    const uncaught = [];
    process.on('uncaughtException', (error) => uncaught.push(error.message));
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const ring = new Ring({ entries: 64 });
    const [a, b] = socketpair({ ring });
    if (recvBuffers(ring) === null) { console.log(JSON.stringify({ skip: true })); process.exit(0); }
    const chunks = b.chunks();
    const got = [];
    let threw = false;
    const sink = {
      value: (chunk) => {
        got.push(chunk.toString());
        if (got.length === 1) return;
        chunks.read(sink);
        if (!threw) { threw = true; throw new Error('the sink threw'); }
      },
      end: () => {},
    };
    chunks.read(sink);
    await a.write(Buffer.from('a'));
    while (got.length < 1) await turn();
    // Nobody reads: these wait in the op's queue, one chunk each. A write that the socket takes at once
    // resolves before the peer's recv completes, and the thread driver's wake-up (Bun, Deno) can take
    // several turns: wait for each chunk to be queued, not for a number of turns.
    for (const part of ['b', 'c', 'd']) {
      const before = chunks.reader.op.unread;
      await a.write(Buffer.from(part));
      const until = Date.now() + 5000;
      while (chunks.reader.op.unread === before && Date.now() < until) await turn();
    }
    const queued = chunks.reader.op.unread;
    let thrownAtCaller = null;
    try { chunks.read(sink); } catch (error) { thrownAtCaller = error.message; }
    await a.write(Buffer.from('e'));
    const deadline = Date.now() + 5000;
    while (got.join('').length < 5 && Date.now() < deadline) await turn();
    console.log(JSON.stringify({ queued, got: got.join(''), uncaught, thrownAtCaller }));
    process.exit(0);`;
  const { execFile } = await import('node:child_process');
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', program], (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
  const result = JSON.parse(out) as { skip?: boolean; queued: number; got: string; uncaught: string[]; thrownAtCaller: string | null };
  if (result.skip) return void t.skip('no provided buffer rings (Linux < 5.19): chunks come from plain reads, by promise only');
  assert.ok(result.queued >= 2, `chunks were queued when read() was called (${result.queued})`);
  assert.equal(result.got, 'abcde', 'every chunk, in order');
  assert.equal(result.thrownAtCaller, null, 'the throw does not unwind read() with chunks still queued');
  assert.deepEqual(result.uncaught, ['the sink threw']);
});

test('ring.close() from inside a sink, the next read registered: the chunks already received come in order, then the read ends with ERR_RINGCORE_CLOSED, and close() resolves', {
  timeout: 20_000,
}, async (t) => {
  await withPair(t, {}, async (ring, a, b) => {
    const chunks = b.chunks();
    const payload = Buffer.alloc(256 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + (i >> 11)) & 0xff;
    const parts: Buffer[] = [];
    let closing: Promise<void> | null = null;
    let done: (error: unknown) => void = () => {};
    const ended = new Promise<unknown>((resolve) => (done = resolve));
    const sink: MultishotSink<Buffer> = {
      value: (chunk) => {
        parts.push(chunk);
        chunks.read(sink);
        closing ??= ring.close();
      },
      end: (error) => done(error),
    };
    chunks.read(sink);
    const writing = a.write(payload).catch(() => {});
    const error = (await ended) as { code?: string };
    assert.equal(error?.code, 'ERR_RINGCORE_CLOSED');
    await closing;
    assert.equal(ring.closed, true);
    assert.ok(parts.length >= 1);
    const got = Buffer.concat(parts);
    assert.ok(got.equals(payload.subarray(0, got.length)), `the ${got.length} bytes received are the first ones sent, in order`);
    await writing;
  });
});

test('readInPlace: borrowed chunks come as (memory, start, end) of the ring buffer they lie in, in order, with no view made; EOF ends', {
  timeout: 20_000,
}, async (t) => {
  await withPair(t, {}, async (ring, a, b) => {
    const chunks = b.chunks({ borrow: true });
    const pool = recvBuffers(ring)!;
    const got: string[] = [];
    let views = 0;
    let ended: unknown = 'not yet';
    const sink: InPlaceSink<BorrowedChunk> = {
      valueIn: (memory, start, end) => {
        assert.ok(start >= 0 && end >= start && end <= memory.length);
        assert.ok(end - start <= pool.size, 'within one buffer of the ring');
        got.push(memory.toString('latin1', start, end)); // borrowed: copied before the next read
        chunks.readInPlace(sink);
      },
      value: () => {
        views++;
        chunks.readInPlace(sink);
      },
      end: (error) => {
        ended = error;
      },
    };
    chunks.readInPlace(sink);
    for (const part of ['GET ', '/ HTTP/1.1\r\n', 'Host: x\r\n\r\n']) {
      await a.write(Buffer.from(part));
      await until(`"${part}" came`, () => got.join('').endsWith(part));
    }
    assert.equal(got.join(''), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(views, 0, 'no chunk came as a Buffer');
    await a.close();
    await until('EOF ended the reader', () => ended !== 'not yet');
    assert.equal(ended, null);
  });
});

test('at EOF the recv is forgotten before the end is handed over: no recv of the loop is left in the kernel, and a destroy then closes at once', {
  timeout: 20_000,
}, async (t) => {
  await withPair(t, {}, async (ring, a, b) => {
    const chunks = b.chunks({ borrow: true });
    let activeAtEnd: boolean | null = null;
    let ended: unknown = 'not yet';
    const sink: MultishotSink<BorrowedChunk> = {
      value: () => chunks.read(sink),
      end: (error) => {
        ended = error;
        // The stream's destroy() asks this to choose a plain close(2) over a CLOSE op that waits for the recv.
        activeAtEnd = chunks.active;
      },
    };
    chunks.read(sink);
    await a.write(Buffer.from('x'));
    await a.shutdown('write');
    await until('the loop ended', () => ended !== 'not yet');
    assert.equal(ended, null);
    assert.equal(activeAtEnd, false, 'the ended recv was still counted as in the kernel when its end came');
    assert.equal(chunks.stopping, false);
    assert.equal(ring.stats.stale, 0);
  });
});
