// Shared sleeps (src/time/shared-sleep.ts) used carelessly: aborts at odd
// moments, one signal for many sleeps, sleeps started from a sleep's
// resolution, the ring closed under them, timeout() on a sleep that already
// ended, and bad lengths. Each sleep must settle once, as asked, and leave
// nothing behind: no timer in the kernel, no listener on a signal, no
// unhandled rejection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as events from 'node:events';

import { Ring, constants as C, type TraceEvent } from '../../src/index.js';
import { sleep, timeout } from '../../src/time/index.js';
import { requireIoUring } from '../../test-support/backend.js';
import { drained, withTracedRing } from '../../test-support/kernel.js';

const ioUring = requireIoUring();

const sqes = (trace: TraceEvent[], opcode: number) => trace.filter((e) => e.type === 'sqe' && e.opcode === opcode).length;

/** The 'abort' listeners left on `signal`, where the runtime can tell (node:events' getEventListeners). */
function abortListeners(signal: AbortSignal): number {
  const get = (events as { getEventListeners?: (target: EventTarget, type: string) => unknown[] }).getEventListeners;
  return get === undefined ? 0 : get(signal, 'abort').length;
}

/** Runs `work`, and fails if a promise was rejected with no handler meanwhile. */
async function noUnhandledRejection(work: () => Promise<void>): Promise<void> {
  const unhandled: unknown[] = [];
  const listener = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', listener);
  try {
    await work();
    // Unhandled rejections are reported after the microtasks of the turn that made them.
    await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    process.off('unhandledRejection', listener);
  }
  assert.deepEqual(unhandled, []);
}

test('an abort after the sleep ended changes nothing and leaves no listener', { timeout: 10_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  try {
    await noUnhandledRejection(async () => {
      const controller = new AbortController();
      const sleeps = Array.from({ length: 20 }, () => sleep(2, { ring, signal: controller.signal }));
      assert.deepEqual(await Promise.all(sleeps), new Array(20).fill(undefined));
      assert.equal(abortListeners(controller.signal), 0);
      controller.abort();
      for (const s of sleeps) assert.equal(await s, undefined);
    });
    await drained(ring);
  } finally {
    await ring.close();
  }
});

test('one signal for sleeps of several groups: an abort rejects exactly those, their emptied timers are cancelled', {
  timeout: 10_000,
}, async () => {
  const ring = new Ring({ entries: 16 });
  try {
    await noUnhandledRejection(async () => {
      const controller = new AbortController();
      const lengths = [5, 5_000, 30, 5_000, 60_000, 30, 5, 60_000];
      const withSignal = lengths.map((ms) => sleep(ms, { ring, signal: controller.signal }));
      const without = [sleep(5, { ring }), sleep(30, { ring })];
      // One listener for them all (src/op/abort-watch.ts), not one per sleep.
      assert.ok(abortListeners(controller.signal) <= 1);
      const reason = new Error('enough');
      controller.abort(reason);
      for (const s of withSignal) await assert.rejects(s, (error: Error) => error.name === 'AbortError' && error.cause === reason);
      assert.deepEqual(await Promise.all(without), [undefined, undefined]);
      assert.equal(abortListeners(controller.signal), 0);
    });
    // The 5 s and 60 s timers had no sleep left: cancelled, not left for a minute.
    await drained(ring);
  } finally {
    await ring.close();
  }
});

test('sleeps started and aborted from a sleep resolution', { timeout: 10_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  try {
    await noUnhandledRejection(async () => {
      const controller = new AbortController();
      const first = sleep(5, { ring });
      // Most likely in the same group as `first`: it ends with it, and the abort below comes after.
      const sibling = sleep(5, { ring, signal: controller.signal });
      const chained = first.then(() => {
        controller.abort();
        const start = performance.now();
        // Started from the resolution: new groups, each ending on time.
        return Promise.all(Array.from({ length: 10 }, (_, i) => sleep(i, { ring }).then(() => performance.now() - start - i)));
      });
      const siblingOutcome = await Promise.allSettled([sibling]);
      const late = await chained;
      // Node's timers count from the loop's time, taken at the start of the turn: on the node backend a sleep
      // started late in a turn may end up to 1 ms early (Node's own behaviour, not asked of it here).
      if (!ioUring.skip) for (const lateness of late) assert.ok(lateness >= 0, `a sleep ended ${-lateness} ms early`);
      // Ended with the group (the abort came after), or, on a timer of its own (a pause between the two calls, or
      // the node backend), aborted at once.
      const [outcome] = siblingOutcome;
      if (outcome!.status === 'fulfilled') assert.equal(outcome!.value, undefined);
      else assert.equal((outcome!.reason as Error).name, 'AbortError');
      // timeout() on sleeps that have ended: they keep their outcome.
      assert.equal(await timeout(first, 1, { ring }), undefined);
    });
    await drained(ring);
  } finally {
    await ring.close();
  }
});

// The node backend's sleeps are Node's timers, which a ring's close does not reach.
test('the ring closed under pending sleeps: each rejects once, close() resolves, later aborts change nothing', {
  skip: ioUring.skip,
  timeout: 10_000,
}, async () => {
  const ring = new Ring({ entries: 8 });
  await noUnhandledRejection(async () => {
    const controller = new AbortController();
    const plain = [1_000, 1_000, 2_000].map((ms) => sleep(ms, { ring }));
    const signalled = [1_000, 3_000].map((ms) => sleep(ms, { ring, signal: controller.signal }));
    const deadlined = timeout(sleep(5_000, { ring }), 4_000, { ring });
    const closed = ring.close();
    // Started while the ring closes: rejected too.
    const late = sleep(1_000, { ring });
    for (const s of [...plain, ...signalled, deadlined, late]) await assert.rejects(s, { code: 'ERR_RINGCORE_CLOSED' });
    await closed;
    controller.abort();
    assert.equal(abortListeners(controller.signal), 0);
    await assert.rejects(sleep(1, { ring }), { code: 'ERR_RINGCORE_CLOSED' });
  });
});

test('the longest sleep goes to the kernel and an abort cancels it', { skip: ioUring.skip, timeout: 10_000 }, () =>
  withTracedRing({ entries: 8 }, async (ring, events) => {
    const controller = new AbortController();
    const longest = sleep(Number.MAX_SAFE_INTEGER, { ring, signal: controller.signal });
    // A turn: its timer is submitted (and accepted: a refused one would have rejected it).
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ring.inFlight, 1);
    controller.abort();
    await assert.rejects(longest, { name: 'AbortError' });
    await drained(ring);
    assert.equal(sqes(events, C.IORING_OP_ASYNC_CANCEL), 1);
  }),
);

test('bad lengths and an aborted signal are refused before any SQE', { skip: ioUring.skip }, () =>
  withTracedRing({ entries: 8 }, async (ring, events) => {
    const range = { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' };
    const type = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
    for (const ms of [-1, -0.001, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER + 2, 1e300]) assert.throws(() => sleep(ms, { ring }), range);
    for (const ms of ['1', 1n, null, undefined, {}]) assert.throws(() => sleep(ms as never, { ring }), type);
    assert.throws(() => timeout(sleep(1, { ring }), -1, { ring }), range);
    await assert.rejects(sleep(1, { ring, signal: AbortSignal.abort('no') }), { name: 'AbortError', cause: 'no' });
    // Only the sleep(1) given to the refused timeout() went to the kernel.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sqes(events, C.IORING_OP_TIMEOUT), 1);
    await drained(ring);
  }),
);
