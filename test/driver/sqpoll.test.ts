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

test('SQPOLL: a linked chain that needs more SQ room than is left is placed once the thread takes what is ahead of it', { timeout: 60_000 }, async (t) => {
  let ring: Ring;
  try {
    // The thread sleeps 1 ms after its last SQE, so each round's submit has to wake it first.
    ring = new Ring({ entries: 4, sqPoll: { idleMs: 1 } });
  } catch (error) {
    t.skip(`the kernel refused IORING_SETUP_SQPOLL: ${(error as Error).message}`);
    return;
  }
  const nop = { syscall: 'nop', prep: (uring: Ring['uring'], sqe: number) => uring.prepNop(sqe) };
  try {
    for (let round = 0; round < 20; round++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const stop = new AbortController();
      // Three ops that complete only when aborted take 3 of the 4 SQEs; the chain of two waits
      // for the thread to take them. No CQE comes meanwhile to say so: before the fix the
      // chain waited for one (here for ever) whenever the thread had not taken them by the
      // time the flush looked for room again.
      const held = [1, 2, 3].map((i) => sleep(60_000 + i, { ring, signal: stop.signal }).catch(() => {}));
      const chain = ring.link([nop, nop]);
      let watchdog: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        Promise.all(chain).then(() => 'placed'),
        new Promise((resolve) => {
          watchdog = setTimeout(resolve, 5000, `still waiting (waiting ${ring.waiting}, SQ room ${ring.uring.sqSpace()})`);
        }),
      ]);
      clearTimeout(watchdog);
      stop.abort();
      await Promise.all(held);
      await Promise.all(chain);
      assert.equal(outcome, 'placed', `round ${round}`);
    }
  } finally {
    await ring.close();
  }
});
