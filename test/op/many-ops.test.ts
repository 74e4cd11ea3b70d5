// Many more ops than the ring has entries: every one completes exactly once,
// none is lost, and the ring ends with nothing in flight or waiting.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { Ring } from '../../src/index.js';
import { sleep } from '../../src/time/index.js';

test('10,000 concurrent NOPs on a 64-entry ring all complete, once each', { timeout: 20_000 }, async () => {
  const ring = new Ring({ entries: 64 });
  try {
    const total = 10_000;
    const resolved = new Uint8Array(total);
    const before = { ...ring.stats };
    const ops: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      ops.push(ring.nop().then(() => void resolved[i]!++));
    }
    assert.ok(ring.waiting > 0, 'most of them had to wait for room');
    await Promise.all(ops);
    assert.equal(
      resolved.reduce((sum, n) => sum + n, 0),
      total,
    );
    assert.ok(
      resolved.every((n) => n === 1),
      'each op resolved exactly once',
    );
    assert.equal(ring.stats.submitted - before.submitted, total);
    assert.equal(ring.stats.completed - before.completed, total);
    assert.equal(ring.stats.stale, before.stale);
    // Batched: far fewer enters than ops (64 SQEs fit in one).
    assert.ok(ring.stats.enters - before.enters <= total / 32, `${ring.stats.enters - before.enters} enters for ${total} ops`);
    assert.equal(ring.inFlight, 0);
    assert.equal(ring.waiting, 0);
  } finally {
    await ring.close();
  }
});

test('300 sleeps of 1-20 ms on an 8-entry ring all resolve', { timeout: 20_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  try {
    const total = 300;
    let resolved = 0;
    const ops: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      // Mixed with NOPs, so short and long ops share the slots.
      ops.push(sleep(1 + (i % 20), { ring }).then(() => void resolved++));
      if (i % 3 === 0) ops.push(ring.nop());
    }
    await Promise.all(ops);
    assert.equal(resolved, total);
    assert.equal(ring.inFlight, 0);
    assert.equal(ring.waiting, 0);
  } finally {
    await ring.close();
  }
});
