// Sleeps on one ring due in the same millisecond share one IORING_OP_TIMEOUT
// (src/time/shared-sleep.ts): 1000 sleeps started together were 1000 kernel
// timers. Each must still end no sooner than asked, in due order; an abort
// drops only its own sleep, and the last one gone cancels the kernel timer.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Ring, constants as C, type TraceEvent } from '../../src/index.js';
import { sleep, timeout } from '../../src/time/index.js';
import { requireIoUring } from '../../test-support/backend.js';
import { drained, withTracedRing } from '../../test-support/kernel.js';

/** The tests that count SQEs or look at the ring skip on the node backend (docs/fallback.md). */
const ioUring = requireIoUring();

const timeouts = (events: TraceEvent[]) => events.filter((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_TIMEOUT).length;

test('1000 sleeps started together: a few TIMEOUT SQEs, not one each', { skip: ioUring.skip, timeout: 10_000 }, () =>
  withTracedRing({ entries: 64 }, async (ring, events) => {
    const start = performance.now();
    const sleeps = Array.from({ length: 1000 }, () => sleep(1, { ring }));
    const end = performance.now();
    assert.deepEqual(await Promise.all(sleeps), new Array(1000).fill(undefined));
    // At most two per millisecond the loop above spanned (the first sleep of a millisecond has a timer of its own); before the sharing, 1000.
    const spanned = Math.ceil(end + 1) - Math.ceil(start + 1) + 1;
    assert.ok(timeouts(events) <= Math.min(2 * spanned, 500), `${timeouts(events)} TIMEOUT SQEs for 1000 sleeps over ${spanned} ms`);
    assert.equal(ring.inFlight, 0);
  }),
);

test('sleeps started in one turn share one TIMEOUT, due with the last of them', { skip: ioUring.skip, timeout: 10_000 }, () =>
  withTracedRing({ entries: 64 }, async (ring, events) => {
    const start = performance.now();
    const sleeps = Array.from({ length: 100 }, () => sleep(1, { ring }));
    const lastDue = performance.now() + 1;
    const span = lastDue - 1 - start;
    await Promise.all(sleeps);
    assert.ok(performance.now() >= lastDue, 'the timer fired before the last sleep was due');
    // Its SQE not yet submitted, the group's timer moves to each later sleep's due time (main: one at the first
    // sleep's due time, one at the end of its millisecond). A new group only past 1 ms after a group's first.
    assert.ok(timeouts(events) <= Math.floor(span) + 1, `${timeouts(events)} TIMEOUT SQEs for 100 sleeps over ${span} ms`);
  }),
);

test('a sleep started once a group timer has gone to the kernel does not move that timer', { skip: ioUring.skip, timeout: 10_000 }, () =>
  withTracedRing({ entries: 8 }, async (ring, events) => {
    const first = sleep(30, { ring });
    // A turn: the flush submits the first timer.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(timeouts(events), 1);
    const due = performance.now() + 30;
    await Promise.all([first, sleep(30, { ring })]);
    assert.ok(performance.now() >= due, 'the second sleep ended early');
    assert.equal(timeouts(events), 2);
  }),
);

test('a timer counts from its call, not from its submit: synchronous code after the call does not make it later', { skip: ioUring.skip, timeout: 10_000 }, () =>
  withTracedRing({ entries: 8 }, async (ring, events) => {
    const start = performance.now();
    const slept = sleep(60, { ring });
    const timedOut = assert.rejects(timeout(new Promise(() => {}), 60, { ring }), { code: 'ETIMEDOUT' });
    // The turn runs past both due times before its flush submits their timers.
    while (performance.now() - start < 100);
    const later = sleep(30, { ring });
    await Promise.all([slept, timedOut, later]);
    // The kernel's order (by expiry, whatever pauses the process took; the promises' order may differ by a
    // microtask or two): counted from the submit (before the fix), the first two expired at 160 ms, after the last at 130.
    const sqes = events.flatMap((e) => (e.type === 'sqe' && e.opcode === C.IORING_OP_TIMEOUT ? [e.userData] : []));
    assert.equal(sqes.length, 3);
    const expired = events.flatMap((e) => (e.type === 'cqe' && sqes.includes(e.userData) ? [sqes.indexOf(e.userData)] : []));
    assert.equal(expired[2], 2, `the timers expired in the order ${expired.join(', ')} (0, 1: due at 60 ms; 2: at 130 ms)`);
  }),
);

test('sleeps of mixed lengths end in due order and never before their time', { skip: ioUring.skip, timeout: 10_000 }, async () => {
  const ring = new Ring({ entries: 32 });
  try {
    const lengths = [7, 0, 60, 3, 1.5, 12, 30, 1, 0.2, 5, 3, 60, 20, 0, 9, 30];
    // Each sleep is due between its first and its last moment in sleep() (plus ms): a loaded machine may pause in between.
    const ends: { ms: number; earliest: number; latest: number; late: number }[] = [];
    const slept = lengths.map((ms) => {
      const start = performance.now();
      const slept = sleep(ms, { ring });
      const earliest = start + ms;
      const latest = performance.now() + ms;
      return slept.then(() => ends.push({ ms, earliest, latest, late: performance.now() - earliest }));
    });
    // The timers reach the kernel after this turn: sleeps already due by then may end in any order.
    const submitted = performance.now();
    await Promise.all(slept);
    for (const end of ends) assert.ok(end.late >= 0, `sleep(${end.ms}) ended ${-end.late} ms early`);
    // In due order. Not asked of timers due a few ms apart: when the process was paused while both fired,
    // their CQEs were seen in either order (the task work that posts them runs when the process is back).
    // Nor of sleeps both due before their timers were submitted (a pause while the sleeps were started).
    for (let i = 0; i < ends.length; i++) {
      for (const later of ends.slice(i + 1)) {
        assert.ok(
          ends[i]!.earliest < Math.max(later.latest, submitted) + 20,
          `sleep(${ends[i]!.ms}) due at ${ends[i]!.earliest} ended before sleep(${later.ms}) due by ${later.latest}`,
        );
      }
    }
  } finally {
    await ring.close();
  }
});

test('aborting some sleeps of a group rejects just those; the others still end', { timeout: 10_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  try {
    const reason = new Error('stop these');
    const controller = new AbortController();
    const sleeps = Array.from({ length: 10 }, (_, i) => sleep(30, { ring, signal: i % 3 === 0 ? controller.signal : undefined }));
    controller.abort(reason);
    const outcomes = await Promise.allSettled(sleeps);
    outcomes.forEach((outcome, i) => {
      if (i % 3 !== 0) return assert.deepEqual(outcome, { status: 'fulfilled', value: undefined });
      assert.equal(outcome.status, 'rejected');
      assert.equal((outcome as PromiseRejectedResult).reason.name, 'AbortError');
      assert.equal((outcome as PromiseRejectedResult).reason.code, 'ABORT_ERR');
      assert.equal((outcome as PromiseRejectedResult).reason.cause, reason);
    });
    // Already aborted: rejects at once, with the reason as cause, and joins no group.
    await assert.rejects(sleep(1, { ring, signal: AbortSignal.abort('before') }), { name: 'AbortError', cause: 'before' });
  } finally {
    await ring.close();
  }
});

test('aborting every sleep of a group cancels its kernel timer; a later sleep due then gets a timer of its own', { skip: ioUring.skip, timeout: 10_000 }, () =>
  withTracedRing({ entries: 8 }, async (ring, events) => {
    const controller = new AbortController();
    const sleeps = Array.from({ length: 5 }, () => sleep(60_000, { ring, signal: controller.signal }));
    // Same due millisecond, nearly always: the count checks it, and the rest holds either way.
    const shared = timeouts(events);
    controller.abort();
    for (const s of sleeps) await assert.rejects(s, { name: 'AbortError' });
    await drained(ring);
    assert.ok(
      events.some((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_ASYNC_CANCEL),
      'the timer was cancelled in the kernel',
    );
    assert.ok(shared <= 2, `${shared} TIMEOUT SQEs for 5 sleeps`);
    // The emptied group is gone: sleeps started after the abort are not left waiting on its cancelled timer.
    const again = new AbortController();
    const first = sleep(20, { ring, signal: again.signal });
    again.abort();
    await assert.rejects(first, { name: 'AbortError' });
    assert.equal(await sleep(20, { ring }), undefined);
    await drained(ring);
  }),
);

test('closing the ring rejects every sleep of every group; a sleep on a closed ring rejects', { skip: ioUring.skip, timeout: 10_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  const sleeps = [1_000, 1_000, 2_000, 3_000, 3_000].map((ms) => sleep(ms, { ring }));
  const closed = ring.close();
  for (const s of sleeps) await assert.rejects(s, { code: 'ERR_RINGCORE_CLOSED' });
  await closed;
  await assert.rejects(sleep(1, { ring }), { code: 'ERR_RINGCORE_CLOSED' });
});

test('timeout() on one sleep of a group ends that one with ETIMEDOUT; the others still end', { skip: ioUring.skip, timeout: 10_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  try {
    const sleeps = Array.from({ length: 4 }, () => sleep(200, { ring }));
    await assert.rejects(timeout(sleeps[1]!, 20, { ring }), { code: 'ETIMEDOUT' });
    await assert.rejects(sleeps[1]!, { code: 'ETIMEDOUT' });
    assert.deepEqual(await Promise.all([sleeps[0], sleeps[2], sleeps[3]]), [undefined, undefined, undefined]);
  } finally {
    await ring.close();
  }
});
