// CQ overflow: when more completions are posted than the CQ holds, the kernel
// (IORING_FEAT_NODROP) keeps the rest aside and raises IORING_SQ_CQ_OVERFLOW;
// an enter with GETEVENTS brings them back. None may be lost, neither at the
// raw ring layer nor through the submitter, nor for a multishot op the kernel
// ends early because its CQEs found the CQ full.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { IoUring, Ring, addTraceListener, constants as C } from '../../src/index.js';
import { interval, sleep } from '../../src/time/index.js';
import { hasMultishotTimeout } from '../../test-support/kernel.js';

/** Submits `batches` × sqEntries NOPs without reaping; user_data = (i, tag). Returns how many. */
function postNops(uring: IoUring, batches: number, firstSlot: number, tag: number): number {
  let n = 0;
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < uring.sqEntries; i++) {
      const sqe = uring.getSqe();
      assert.notEqual(sqe, null);
      uring.prepNop(sqe!);
      uring.setUserData(sqe!, firstSlot + n++, tag);
    }
    assert.equal(uring.submit(), uring.sqEntries);
  }
  return n;
}

test('raw ring: 20 NOP completions into an 8-entry CQ, all reaped after flushing the overflow', (t) => {
  const uring = new IoUring({ entries: 4 });
  try {
    if ((uring.features & C.IORING_FEAT_NODROP) === 0) return void t.skip('the kernel lacks IORING_FEAT_NODROP (before 5.5): overflowed CQEs are dropped');
    assert.equal(uring.cqEntries, 8);
    const posted = postNops(uring, 5, 0, 0xbeef);
    assert.equal(posted, 20);
    assert.equal(uring.cqReady(), 8, 'the CQ is full');
    assert.equal(uring.cqOverflowed(), true, 'the rest waits in the overflow list');

    const seen: number[] = [];
    let flushes = 0;
    for (;;) {
      uring.reap((slot, generation, res) => {
        assert.equal(generation, 0xbeef);
        assert.equal(res, 0);
        seen.push(slot);
      });
      if (!uring.cqOverflowed()) break;
      assert.ok(++flushes < 100, 'the overflow flag clears');
      assert.ok(uring.enter(0, 0, C.IORING_ENTER_GETEVENTS) >= 0);
    }
    assert.ok(flushes >= 1);
    assert.deepEqual(
      seen,
      Array.from({ length: 20 }, (_, i) => i),
      'every user_data exactly once, in order',
    );
    assert.equal(uring.cqReady(), 0);
    assert.equal(uring.cqOverflowed(), false);
  } finally {
    uring.close();
  }
});

test('submitter: reapAll() brings back every overflowed CQE (unknown slots count as stale)', async (t) => {
  const ring = new Ring({ entries: 4 });
  const seen: number[] = [];
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id && event.type === 'cqe') seen.push(event.slot);
  });
  try {
    if ((ring.uring.features & C.IORING_FEAT_NODROP) === 0) return void t.skip('the kernel lacks IORING_FEAT_NODROP (before 5.5)');
    const staleBefore = ring.stats.stale;
    // Slots past the table's size: no op owns them.
    const posted = postNops(ring.uring, 6, 1000, 7);
    assert.equal(ring.uring.cqOverflowed(), true);
    assert.equal(ring.submitter.reapAll(), posted);
    assert.deepEqual(
      seen,
      Array.from({ length: posted }, (_, i) => 1000 + i),
    );
    assert.equal(ring.stats.stale - staleBefore, posted);
    assert.equal(ring.uring.cqOverflowed(), false);
    assert.equal(ring.uring.cqReady(), 0);
  } finally {
    stop();
    await ring.close();
  }
});

/** Whether the kernel has IORING_TIMEOUT_MULTISHOT (6.4): older ones reject it with EINVAL. */
test('interval(1, {count: 40}) on a 4-entry CQ while the thread is busy: all 40 ticks arrive', { timeout: 10_000 }, async (t) => {
  const ring = new Ring({ entries: 2 });
  try {
    if (!(await hasMultishotTimeout(ring))) return void t.skip('the kernel lacks IORING_TIMEOUT_MULTISHOT (Linux 6.4)');
    assert.equal(ring.uring.cqEntries, 4);
    const ticker = interval(1, { count: 40, ring });
    const ticks: number[] = [];
    const reading = (async () => {
      for await (const tick of ticker) ticks.push(tick);
    })();
    // Let the timer start, then keep the thread from reaping for ~80 ticks.
    await sleep(0, { ring });
    const until = Date.now() + 80;
    while (Date.now() < until);
    await reading;
    assert.deepEqual(
      ticks,
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    t.diagnostic(`the kernel ended the multishot timeout early ${ticker.arms - 1} time(s); it was re-armed`);
    assert.equal(ring.inFlight, 0);
  } finally {
    await ring.close();
  }
});
