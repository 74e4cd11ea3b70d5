// Backpressure: an op that finds the SQ full, or every slot taken, waits for
// room (it neither throws nor spins), and ops in flight never outnumber the CQ.
// Some slots stay reserved for cancellations, so an abort never waits for an
// unrelated op to complete.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';

import { Ring, addTraceListener, constants as C } from '../../src/index.js';
import { sleep } from '../../src/time/index.js';
import { drained } from '../../test-support/kernel.js';

test('257 ops at once on a 256-entry ring complete (an op that retried a full SQ without entering the kernel would hang here)', {
  timeout: 10_000,
}, async () => {
  const ring = new Ring({ entries: 256 });
  try {
    const ops = Array.from({ length: 257 }, () => ring.nop());
    assert.equal(ring.waiting, 1, 'the 257th waits for room');
    await Promise.all(ops);
    assert.equal(ring.inFlight, 0);
    assert.equal(ring.waiting, 0);
  } finally {
    await ring.close();
  }
});

test('more sleeps than the CQ holds: all complete, and in-flight ops never exceed the CQ size', { timeout: 10_000 }, async () => {
  const ring = new Ring({ entries: 4 });
  assert.equal(ring.uring.cqEntries, 8);
  let maxInFlight = 0;
  // Outstanding in the kernel's view: SQEs submitted minus final CQEs seen.
  let outstanding = 0;
  let maxOutstanding = 0;
  const stop = addTraceListener((event) => {
    if (event.ring !== ring.uring.id) return;
    if (event.type === 'sqe') maxOutstanding = Math.max(maxOutstanding, ++outstanding);
    else if (event.type === 'cqe' && (event.flags & C.IORING_CQE_F_MORE) === 0) outstanding--;
    maxInFlight = Math.max(maxInFlight, ring.inFlight);
  });
  const sampler = setInterval(() => (maxInFlight = Math.max(maxInFlight, ring.inFlight)), 1);
  try {
    let resolved = 0;
    await Promise.all(Array.from({ length: 50 }, (_, i) => sleep(20 + i, { ring }).then(() => void resolved++)));
    assert.equal(resolved, 50);
    assert.ok(maxInFlight > 4, `ops in flight went past the SQ size (max ${maxInFlight})`);
    assert.ok(maxInFlight <= ring.uring.cqEntries, `at most ${ring.uring.cqEntries} in flight, saw ${maxInFlight}`);
    assert.ok(maxOutstanding <= ring.uring.cqEntries, `the kernel held at most the CQ size, saw ${maxOutstanding}`);
    assert.equal(outstanding, 0);
    assert.equal(ring.inFlight, 0);
  } finally {
    clearInterval(sampler);
    stop();
    await ring.close();
  }
});

test('room freed by a submit goes to waiting ops at once, not after some later CQE', { timeout: 5_000 }, async () => {
  // 2 SQEs, 4 slots of which 1 is kept for cancellations: 3 sleeps fit.
  const ring = new Ring({ entries: 2 });
  const stop = new AbortController();
  try {
    const sleeps = Array.from({ length: 3 }, (_, i) => sleep(10_000 + i, { ring, signal: stop.signal }));
    assert.equal(ring.waiting, 1, 'the third found the SQ full');
    await turn();
    assert.equal(ring.inFlight, 3, 'the third was placed as soon as the first two were submitted');
    assert.equal(ring.waiting, 0);
    stop.abort();
    for (const p of sleeps) await assert.rejects(p, { name: 'AbortError' });
  } finally {
    stop.abort();
    await ring.close();
  }
});

test('an abort issued while the SQ is full is submitted right after it, not when a sleep ends', { timeout: 5_000 }, async () => {
  const ring = new Ring({ entries: 2 });
  try {
    const abort = new AbortController();
    const a = sleep(10_000, { ring, signal: abort.signal });
    // Due in another millisecond: a timer of its own (src/time/shared-sleep.ts).
    const b = sleep(10_001, { ring, signal: abort.signal });
    // Both SQEs are written and not yet submitted: the cancellations find no SQE free.
    abort.abort();
    await assert.rejects(a, { name: 'AbortError' });
    await assert.rejects(b, { name: 'AbortError' });
    // Sleeps reject at once; their timers' cancels complete after (a cancel never submitted would hang here).
    await drained(ring);
  } finally {
    await ring.close();
  }
});

test('a slot table filled one op at a time still has a slot to cancel with', { timeout: 5_000 }, async () => {
  const ring = new Ring({ entries: 2 });
  const controllers: AbortController[] = [];
  const sleeps: Promise<void>[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      const controller = new AbortController();
      controllers.push(controller);
      // Each due in another millisecond: a timer each (src/time/shared-sleep.ts).
      sleeps.push(sleep(10_000 + i, { ring, signal: controller.signal }));
      await turn();
    }
    assert.equal(ring.inFlight, 3, 'one of the 4 slots is kept back');
    assert.equal(ring.waiting, 1);
    controllers[0]!.abort();
    await assert.rejects(sleeps[0]!, { name: 'AbortError' });
    // Its slot went to the sleep that was waiting, once the kernel gave it back (a sleep rejects at once).
    while (ring.waiting > 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await turn();
    assert.equal(ring.inFlight, 3);
    assert.equal(ring.waiting, 0);
  } finally {
    for (const controller of controllers) controller.abort();
    await Promise.allSettled(sleeps);
    await ring.close();
  }
});

test('a ring whose CQ has a single entry runs ops one after another', { timeout: 5_000 }, async () => {
  const ring = new Ring({ entries: 1, cqEntries: 1 });
  try {
    assert.equal(ring.uring.cqEntries, 1);
    await Promise.all(Array.from({ length: 20 }, () => ring.nop()));
    await Promise.all([sleep(1, { ring }), sleep(2, { ring }), ring.nop()]);
    assert.equal(ring.inFlight, 0);
    assert.equal(ring.waiting, 0);
  } finally {
    await ring.close();
  }
});
