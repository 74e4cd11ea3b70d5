// A write aborted while its bytes wait for a peer that does not read. On
// io_uring its SEND is cancelled: the write rejects with AbortError, the bytes
// the kernel had taken before the cancel stay sent (a prefix of the write),
// and a close() behind it goes on. On the node backend the bytes wait in
// node:net's buffer instead: the abort must drop them there the same way,
// or close() waits for ever for a peer that never reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

import { socketpair } from '../../src/net/index.js';

/** Resolves with `p`'s outcome, or 'pending' after 10 s: a hang fails the test instead of stalling the suite. */
function within<T>(p: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([p, sleep(10_000, 'pending' as const, { ref: false })]);
}

/** `bytes` bytes counting up as 32-bit words: a prefix shows as one. */
function counting(bytes: number): Buffer {
  const buf = Buffer.alloc(bytes);
  for (let i = 0; i + 4 <= bytes; i += 4) buf.writeUInt32LE(i, i);
  return buf;
}

for (const how of ['write', 'writev'] as const) {
  test(`a ${how} aborted while the peer does not read rejects with AbortError, and close() behind it resolves`, async () => {
    const [a, b] = socketpair();
    try {
      const payload = counting(16 << 20);
      const ac = new AbortController();
      const writing =
        how === 'write' ? a.write(payload, { signal: ac.signal }) : a.writev([payload.subarray(0, 8 << 20), payload.subarray(8 << 20)], { signal: ac.signal });
      const outcome = writing.then(
        () => 'resolved',
        (error: Error) => error,
      );
      // The socket's buffers fill long before 16 MiB: the write is waiting now, not finished.
      await sleep(20);
      ac.abort();
      const error = await within(outcome);
      assert.ok(error instanceof Error, `the write ${String(error)}`);
      assert.equal(error.name, 'AbortError');
      const closed = await within(a.close().then(() => 'closed'));
      assert.equal(closed, 'closed', 'close() after the aborted write resolves');
      // What the peer gets is a prefix of the write (what went before the abort), then the end.
      const got = Buffer.alloc(payload.length);
      let at = 0;
      for (let n = 1; n > 0; at += n) n = await b.read(got.subarray(at, at + (1 << 20)));
      assert.ok(at < payload.length, 'not every byte went out');
      assert.ok(got.subarray(0, at).equals(payload.subarray(0, at)), 'what arrived is the start of the write, in order');
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });
}

test('a close() already waiting for a write resolves once that write is aborted', async () => {
  const [a, b] = socketpair();
  try {
    const ac = new AbortController();
    const outcome = a.write(Buffer.alloc(16 << 20, 0x61), { signal: ac.signal }).then(
      () => 'resolved',
      (error: Error) => error.name,
    );
    await sleep(20);
    const closed = a.close().then(() => 'closed');
    await sleep(20);
    ac.abort();
    assert.equal(await within(outcome), 'AbortError');
    assert.equal(await within(closed), 'closed', 'close() ends once the only write it waits for is aborted');
  } finally {
    await Promise.all([a.destroy(), b.destroy()]);
  }
});
