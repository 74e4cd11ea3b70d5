// reap() hands each CQE to its handler exactly once, even when the handler
// reaps again (a nested flush: an op's map() that closes the ring, say), and
// it gives the entries back to the kernel: the CQ head it publishes lets the
// kernel post more than a CQ's worth over time.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { IoUring, constants as C } from '../../src/index.js';

function submitNops(uring: IoUring, count: number, first: number): void {
  for (let i = 0; i < count; i++) {
    const sqe = uring.getSqe();
    assert.notEqual(sqe, null);
    uring.prepNop(sqe!);
    uring.setUserData(sqe!, first + i, 7);
  }
  assert.equal(uring.submit(), count);
}

test('raw ring: a handler that reaps again sees the rest once, and the outer reap does not see them again', () => {
  const uring = new IoUring({ entries: 8 });
  try {
    submitNops(uring, 6, 0);
    assert.equal(uring.cqReady(), 6);
    const seen: number[] = [];
    let nested = -1;
    const outer = uring.reap((slot) => {
      seen.push(slot);
      if (slot === 1) nested = uring.reap((inner) => seen.push(inner));
    });
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5], 'every user_data exactly once, in order');
    assert.equal(nested, 4);
    assert.equal(outer, 2);
    assert.equal(uring.cqReady(), 0);
  } finally {
    uring.close();
  }
});

test('raw ring: reaped entries go back to the kernel, so 100 CQ-fulls pass through without overflow', () => {
  const uring = new IoUring({ entries: 8 });
  try {
    let next = 0;
    let submitted = 0;
    for (let round = 0; round < 100; round++) {
      submitNops(uring, uring.sqEntries, submitted);
      submitted += uring.sqEntries;
      // A full CQ's worth (twice the SQ) at every other round: an unpublished head would overflow it.
      if (round % 2 === 0) continue;
      const seen: number[] = [];
      uring.reap((slot) => seen.push(slot));
      assert.equal(uring.cqOverflowed(), false, `round ${round}: no CQE waits in the overflow list`);
      assert.deepEqual(
        seen,
        Array.from({ length: 2 * uring.sqEntries }, (_, i) => next + i),
      );
      next += seen.length;
    }
    // The kernel's view agrees: a GETEVENTS enter finds nothing left and returns at once.
    assert.equal(uring.enter(0, 0, C.IORING_ENTER_GETEVENTS), 0);
    assert.equal(uring.cqReady(), 0);
  } finally {
    uring.close();
  }
});
