// time.interval(ms): one multishot IORING_OP_TIMEOUT (Linux 6.4; before, one
// timeout per tick), read with `for await`. It ends after `count` ticks; breaking out of the loop or an
// abort cancels it in the kernel and gives its slot back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';

import { Ring, addTraceListener, constants as C, type TraceEvent } from '../../src/index.js';
import { interval, sleep } from '../../src/time/index.js';
import { hasMultishotTimeout, timerOp } from '../../test-support/kernel.js';
import { requireIoUring } from '../../test-support/backend.js';

/** The tests that look at SQEs, CQEs and the ring skip on the node backend (docs/fallback.md). */
const ioUring = requireIoUring();

/** Whether the kernel has IORING_TIMEOUT_MULTISHOT (6.4): older ones reject it with EINVAL. */
const NO_MULTISHOT = 'the kernel lacks IORING_TIMEOUT_MULTISHOT (Linux 6.4)';

/**
 * 1 when an interval of `count` ticks reached the kernel late (a loaded machine: src/time LATE_ARM_MS) and its
 * first tick went as a single timeout (count, the SQE's off, 0), followed by the multishot one for the rest; else 0.
 */
function lateArm(offs: number[], count: number): number {
  if (offs[0] !== 0) return 0;
  assert.equal(offs[1], count - 1, `the SQEs' counts: ${offs.join(', ')}`);
  return 1;
}

async function settleInFlight(ring: Ring): Promise<void> {
  for (let i = 0; ring.inFlight > 0 && i < 1000; i++) await turn();
}

test('interval() ticks on every kernel: before 6.4 (no IORING_TIMEOUT_MULTISHOT) one timeout per tick', { skip: ioUring.skip, timeout: 10_000 }, async () => {
  const ring = new Ring({ entries: 4 });
  let offs: number[] = [];
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id && event.type === 'sqe' && event.opcode === C.IORING_OP_TIMEOUT) offs.push(event.off);
  });
  try {
    const multishot = await hasMultishotTimeout(ring);
    offs = [];
    const ticks: number[] = [];
    for await (const tick of interval(5, { count: 3, ring })) ticks.push(tick);
    assert.deepEqual(ticks, [1, 2, 3]);
    // Multishot: one SQE (one more when it reached the kernel late: lateArm). Refused (EINVAL on the first
    // multishot one): that SQE, then one per tick.
    assert.equal(offs.length, multishot ? 1 + lateArm(offs, 3) : 4);
    // A second interval on that ring goes straight to the kind that works.
    offs = [];
    for await (const tick of interval(5, { count: 2, ring })) ticks.push(tick);
    assert.deepEqual(ticks, [1, 2, 3, 1, 2]);
    assert.equal(offs.length, multishot ? 1 + lateArm(offs, 2) : 2);
    assert.equal(ring.inFlight, 0);
  } finally {
    stop();
    await ring.close();
  }
});

test('interval() counts from its call, not from its submit: synchronous code after the call does not make its first tick later', {
  skip: ioUring.skip,
  timeout: 10_000,
}, async () => {
  const ring = new Ring({ entries: 8 });
  const events: TraceEvent[] = [];
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id) events.push(event);
  });
  try {
    const start = performance.now();
    const ticker = interval(50, { count: 2, ring });
    // The turn runs past the first tick's due time before its flush submits the timer. The marker is a timer
    // of 30 ms from the submit (a sleep counts from its call: on a slow machine, such as a guest under qemu
    // TCG, its 30 ms may pass too before the flush, and two timers due at once expire in either order).
    while (performance.now() - start < 100);
    const later = timerOp(30, { ring });
    const at: number[] = [];
    for await (const tick of ticker) at[tick - 1] = performance.now() - start;
    await later;
    // Never early: tick n comes n periods after the call at the soonest.
    assert.equal(at.length, 2);
    assert.ok(at[0]! >= 50 && at[1]! >= 100, `the ticks came after ${at.join(', ')} ms`);
    // The kernel's order: counted from the submit (before the fix), the first tick expired 50 ms after it, after the marker's 30.
    const sqes = events.flatMap((e) => (e.type === 'sqe' && e.opcode === C.IORING_OP_TIMEOUT ? [e.userData] : []));
    const [tick, marker] = sqes;
    const expired = events.flatMap((e) =>
      e.type === 'cqe' && (e.userData === tick || e.userData === marker) ? [e.userData === tick ? 'tick' : 'marker'] : [],
    );
    assert.equal(expired[0], 'tick', `the timers expired in the order ${expired.join(', ')} (tick: 50 ms from the call; marker: 30 from the submit)`);
    assert.equal(ring.inFlight, 0);
  } finally {
    stop();
    await ring.close();
  }
});

test('interval(5, {count: 3}) yields 1, 2, 3 from one SQE, then ends', { skip: ioUring.skip, timeout: 5_000 }, async (t) => {
  const ring = new Ring({ entries: 4 });
  let offs: number[] = [];
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id && event.type === 'sqe' && event.opcode === C.IORING_OP_TIMEOUT) offs.push(event.off);
  });
  try {
    if (!(await hasMultishotTimeout(ring))) return void t.skip(NO_MULTISHOT);
    offs = [];
    const ticks: number[] = [];
    const ticker = interval(5, { count: 3, ring });
    for await (const tick of ticker) ticks.push(tick);
    assert.deepEqual(ticks, [1, 2, 3]);
    assert.equal(offs.length, 1 + lateArm(offs, 3));
    assert.equal(ticker.cqes, 3);
    assert.deepEqual(await ticker.next(), { value: undefined, done: true });
    assert.equal(ring.inFlight, 0);
  } finally {
    stop();
    await ring.close();
  }
});

test('breaking out of the loop early cancels the interval in the kernel', { skip: ioUring.skip, timeout: 5_000 }, async (t) => {
  const ring = new Ring({ entries: 4 });
  let cancels = 0;
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id && event.type === 'sqe' && event.opcode === C.IORING_OP_ASYNC_CANCEL) cancels++;
  });
  try {
    if (!(await hasMultishotTimeout(ring))) return void t.skip(NO_MULTISHOT);
    const ticks: number[] = [];
    for await (const tick of interval(2, { ring })) {
      ticks.push(tick);
      if (tick === 3) break;
    }
    assert.deepEqual(ticks, [1, 2, 3]);
    await settleInFlight(ring);
    assert.equal(ring.inFlight, 0, 'the cancelled timer gave its slot back');
    assert.equal(cancels, 1);
  } finally {
    stop();
    await ring.close();
  }
});

test('aborting an interval rejects the loop with an AbortError and cancels it', { skip: ioUring.skip, timeout: 5_000 }, async (t) => {
  const ring = new Ring({ entries: 4 });
  try {
    if (!(await hasMultishotTimeout(ring))) return void t.skip(NO_MULTISHOT);
    const controller = new AbortController();
    const reason = new Error('enough');
    const ticks: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const tick of interval(2, { ring, signal: controller.signal })) {
          ticks.push(tick);
          if (tick === 2) controller.abort(reason);
        }
      })(),
      { name: 'AbortError', code: 'ABORT_ERR', cause: reason },
    );
    assert.deepEqual(ticks, [1, 2]);
    await settleInFlight(ring);
    assert.equal(ring.inFlight, 0);
    // Already aborted: rejects without reaching the kernel, with the reason as cause.
    const before = ring.stats.submitted;
    await assert.rejects(
      (async () => {
        for await (const _ of interval(2, { ring, signal: AbortSignal.abort(reason) })) assert.fail('ticked');
      })(),
      { name: 'AbortError', cause: reason },
    );
    assert.equal(ring.stats.submitted, before);
  } finally {
    await ring.close();
  }
});

test('an interval stopped while it waits for room ends quietly; aborted, it rejects; neither reaches the kernel', {
  skip: ioUring.skip,
  timeout: 5_000,
}, async () => {
  const ring = new Ring({ entries: 2 });
  const fill = new AbortController();
  const sleeps: Promise<unknown>[] = [];
  let timeouts = 0;
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id && event.type === 'sqe' && event.opcode === C.IORING_OP_TIMEOUT && event.off !== 0) timeouts++;
  });
  try {
    while (ring.waiting === 0) {
      sleeps.push(sleep(10_000, { ring, signal: fill.signal }).catch(() => {}));
      await turn();
    }
    const waiting = ring.waiting;
    const stopped = interval(5, { ring, count: 3 });
    const controller = new AbortController();
    const aborted = interval(5, { ring, count: 3, signal: controller.signal });
    assert.equal(ring.waiting, waiting + 2);
    // return() is what `break` calls.
    assert.deepEqual(await stopped.return(), { value: undefined, done: true });
    assert.deepEqual(await stopped.next(), { value: undefined, done: true });
    controller.abort('no more');
    await assert.rejects(aborted.next(), { name: 'AbortError', cause: 'no more' });
    assert.equal(ring.waiting, waiting);
    assert.equal(timeouts, 0, 'no multishot TIMEOUT SQE was written');
  } finally {
    stop();
    fill.abort();
    await Promise.all(sleeps);
    await ring.close();
  }
});

test('interval() argument checks', () => {
  assert.throws(() => interval(-1), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => interval(1, { count: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => interval(1, { count: 1.5 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => interval('1' as unknown as number), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});
