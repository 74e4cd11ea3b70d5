// An op whose prep (the function filling its SQE) throws: the op rejects with
// that error, its SQE and slot are taken back, and nothing half-filled reaches
// the kernel, whether the op was placed at once or later from the queue
// (inside a flush, where a throw would have crashed the process).

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';

import { constants as C, type OpSpec, type TraceEvent } from '../../src/index.js';
import { sleep } from '../../src/time/index.js';
import { withTracedRing } from '../../test-support/kernel.js';

const sqeOpcodes = (events: TraceEvent[]) => events.flatMap((e) => (e.type === 'sqe' ? [e.opcode] : []));

/** Writes part of a READ SQE, then fails, as a prep with a bad argument might. */
const halfFilled = (message: string): OpSpec<unknown> => ({
  syscall: 'read',
  prep: (u, sqe) => {
    u.prepRw(sqe, C.IORING_OP_READ, 0, 0, 4096, 0);
    throw new TypeError(message);
  },
});
const nopSpec = (): OpSpec<unknown> => ({ syscall: 'nop', prep: (u, sqe) => u.prepNop(sqe) });

test('a prep that throws rejects the op, and no SQE reaches the kernel', () =>
  withTracedRing({ entries: 4 }, async (ring, events) => {
    const before = { ...ring.stats };
    await assert.rejects(ring.submit(halfFilled('bad buffer')), { name: 'TypeError', message: 'bad buffer' });
    assert.equal(ring.inFlight, 0, 'the slot was given back');
    assert.equal(ring.uring.sqPending(), 0, 'the SQE was given back');
    await ring.nop();
    assert.deepEqual(sqeOpcodes(events), [C.IORING_OP_NOP]);
    assert.equal(ring.stats.submitted, before.submitted + 1);
  }));

test('a queued op whose prep throws when its turn comes rejects; the process and the ring carry on', { timeout: 5_000 }, () =>
  withTracedRing({ entries: 2 }, async (ring, events) => {
    const sleeps = Array.from({ length: 3 }, (_, i) => sleep(20 + i, { ring }));
    const failing = ring.submit(halfFilled('late failure'));
    const after = ring.nop();
    assert.ok(ring.waiting >= 2, 'both wait for room');
    await assert.rejects(failing, { message: 'late failure' });
    await Promise.all(sleeps);
    assert.equal(await after, undefined);
    assert.ok(!sqeOpcodes(events).includes(C.IORING_OP_READ));
    assert.equal(ring.inFlight, 0);
    assert.equal(ring.waiting, 0);
  }),
);

test('a prep that throws inside a linked chain rejects the whole chain; none of it is submitted', () =>
  withTracedRing({ entries: 8 }, async (ring, events) => {
    const chain = ring.link([nopSpec(), halfFilled('middle'), nopSpec()]);
    for (const p of chain) await assert.rejects(p, { message: 'middle' });
    await turn();
    assert.deepEqual(sqeOpcodes(events), []);
    assert.equal(ring.inFlight, 0);
    assert.deepEqual(await Promise.all(ring.link([nopSpec(), nopSpec()])), [0, 0]);
  }));
