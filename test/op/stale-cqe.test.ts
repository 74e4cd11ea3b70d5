// A late CQE for a slot that has since been reused: user_data carries the
// slot's generation, so the CQE is recognised as stale and dropped, and the op
// now holding the slot is not settled by it.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { writeSync } from 'node:fs';

import { Ring, constants as C } from '../../src/index.js';
import { addressOf } from '../../src/sys/memory.js';
import { postStaleCqe, readInSlotOf, withTracedPipe } from '../../test-support/kernel.js';

test('a stale CQE for a reused slot is dropped and does not settle the new owner', { timeout: 10_000 }, () =>
  withTracedPipe(4, async (ring, readFd, writeFd, events) => {
    await ring.nop();
    const old = events.find((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_NOP);
    assert.ok(old?.type === 'sqe');
    events.length = 0;

    // A read that blocks until we write takes the freed slot (the free list is LIFO).
    const buffer = Buffer.alloc(8);
    let settled = false;
    const reading = ring
      .submit({ syscall: 'read', prep: (u, sqe) => u.prepRead(sqe, readFd, addressOf(buffer), buffer.length, -1), pin: buffer })
      .finally(() => (settled = true));
    const current = await readInSlotOf(events, old);

    // Post a CQE with the old owner's user_data, straight through the raw ring.
    await postStaleCqe(ring, old);
    assert.equal(settled, false, 'the read was not settled by the stale CQE');
    assert.equal(ring.inFlight, 1);

    // Its own CQE settles it.
    writeSync(writeFd, 'mine');
    assert.equal(await reading, 4);
    assert.equal(buffer.subarray(0, 4).toString(), 'mine');
    const own = events.find((e) => e.type === 'cqe' && e.slot === current.slot && e.generation === current.generation);
    assert.ok(own?.type === 'cqe' && own.res === 4);
    assert.equal(ring.inFlight, 0);
  }),
);

test('a CQE for a slot number past the table is stale too', async () => {
  const ring = new Ring({ entries: 2 });
  try {
    const staleBefore = ring.stats.stale;
    const sqe = ring.uring.getSqe()!;
    ring.uring.prepNop(sqe);
    ring.uring.setUserData(sqe, 0xfffffff0, 0);
    assert.equal(ring.uring.submit(), 1);
    assert.equal(ring.submitter.reapAll(), 1);
    assert.equal(ring.stats.stale, staleBefore + 1);
    assert.equal(ring.inFlight, 0);
  } finally {
    await ring.close();
  }
});
