// SQPOLL: a kernel thread consumes the SQ, so ops need no io_uring_enter to be
// submitted, except to wake that thread once it has gone idle
// (IORING_SQ_NEED_WAKEUP). Ops must complete in both states.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { Ring, addTraceListener, constants as C, type TraceEvent } from '../../src/index.js';
import { sleep } from '../../src/time/index.js';

function sqPollRing(t: { skip(reason: string): void }): Ring | null {
  try {
    return new Ring({ entries: 16, sqPoll: { idleMs: 10 } });
  } catch (error) {
    t.skip(`the kernel refused IORING_SETUP_SQPOLL: ${(error as Error).message}`);
    return null;
  }
}

test('SQPOLL ring runs ops, and wakes its idle kernel thread', { timeout: 10_000 }, async (t) => {
  const ring = sqPollRing(t);
  if (ring === null) return;
  assert.ok(ring.uring.sqPoll);
  assert.ok((ring.uring.setupFlags & C.IORING_SETUP_SQPOLL) !== 0);
  const enters: TraceEvent[] = [];
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id && event.type === 'enter') enters.push(event);
  });
  try {
    await Promise.all(Array.from({ length: 100 }, () => ring.nop()));
    // Past sq_thread_idle the thread sleeps and says so in the SQ flags.
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok((ring.uring.sqFlags() & C.IORING_SQ_NEED_WAKEUP) !== 0, 'the idle SQ thread set IORING_SQ_NEED_WAKEUP');
    enters.length = 0;
    await Promise.all(Array.from({ length: 50 }, () => ring.nop()));
    await sleep(5, { ring });
    assert.ok(
      enters.some((event) => event.type === 'enter' && (event.flags & C.IORING_ENTER_SQ_WAKEUP) !== 0),
      'a submit after the idle period woke the thread with IORING_ENTER_SQ_WAKEUP',
    );
    assert.equal(ring.inFlight, 0);
  } finally {
    stop();
    await ring.close();
  }
});

test('SQPOLL ring under backpressure: 2000 ops through 16 entries', { timeout: 10_000 }, async (t) => {
  const ring = sqPollRing(t);
  if (ring === null) return;
  try {
    let done = 0;
    await Promise.all(Array.from({ length: 2000 }, () => ring.nop().then(() => done++)));
    assert.equal(done, 2000);
    assert.equal(ring.waiting, 0);
    // Each SQE counted once: a full SQ is waited for in the kernel (IORING_ENTER_SQ_WAIT),
    // not re-"submitted" in a loop that spins against the SQ thread for the CPU.
    assert.equal(ring.stats.submitted, 2000);
    assert.ok(ring.stats.enters <= 2000, `${ring.stats.enters} submit calls for 2000 SQEs`);
  } finally {
    await ring.close();
  }
});
