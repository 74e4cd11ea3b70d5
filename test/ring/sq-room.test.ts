// getSqe() hands out at most sqEntries SQEs between submits, and all of them
// again once the kernel has consumed the last batch: the SQ head it keeps (to
// spare a read of the kernel's per SQE) is read again when it runs short.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { IoUring } from '../../src/index.js';

test('raw ring: a full SQ gives null, and a submit gives back every SQE, 1000 times over', () => {
  const uring = new IoUring({ entries: 8 });
  try {
    let reaped = 0;
    for (let round = 0; round < 1000; round++) {
      for (let i = 0; i < uring.sqEntries; i++) {
        const sqe = uring.getSqe();
        assert.notEqual(sqe, null, `round ${round}: SQE ${i} of ${uring.sqEntries}`);
        uring.prepNop(sqe!);
        uring.setUserData(sqe!, i, round);
      }
      assert.equal(uring.getSqe(), null, 'the SQ is full');
      assert.equal(uring.sqSpace(), 0);
      assert.equal(uring.sqPending(), uring.sqEntries);
      assert.equal(uring.submit(), uring.sqEntries);
      assert.equal(uring.sqSpace(), uring.sqEntries);
      reaped += uring.reap((_, generation) => assert.equal(generation, round));
    }
    assert.equal(reaped, 1000 * uring.sqEntries);
  } finally {
    uring.close();
  }
});
