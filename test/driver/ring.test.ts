// Ring basics: creating one (and refusing bad options), NOP, probing opcodes,
// close() and what every kind of op does once the ring is closed.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { Ring, RingcoreError, constants as C, defaultRing, nop } from '../../src/index.js';
import { interval, sleep } from '../../src/time/index.js';
import { record, withTracedRing } from '../../test-support/kernel.js';
import { fdCount } from '../../test-support/fds.js';

test('new Ring({entries}) has that many SQEs and twice as many CQEs', async () => {
  const ring = new Ring({ entries: 16 });
  try {
    assert.equal(ring.uring.sqEntries, 16);
    assert.equal(ring.uring.cqEntries, 32);
    assert.ok(ring.uring.fd >= 0);
    assert.equal(ring.closed, false);
    assert.ok((ring.uring.features & C.IORING_FEAT_NODROP) !== 0, 'a 5.5+ kernel reports IORING_FEAT_NODROP');
  } finally {
    await ring.close();
  }
});

test('the kernel rounds entries up to a power of two, and cqEntries sets the CQ size', async () => {
  const ring = new Ring({ entries: 3, cqEntries: 100 });
  try {
    assert.equal(ring.uring.sqEntries, 4);
    assert.equal(ring.uring.cqEntries, 128);
  } finally {
    await ring.close();
  }
});

test('nop() goes through the kernel: one NOP SQE, one CQE with res 0', () =>
  withTracedRing({ entries: 8 }, async (ring, events) => {
    const before = { ...ring.stats };
    assert.equal(await ring.nop(), undefined);
    assert.equal(ring.stats.submitted, before.submitted + 1);
    assert.equal(ring.stats.completed, before.completed + 1);
    const sqes = events.filter((e) => e.type === 'sqe');
    const cqes = events.filter((e) => e.type === 'cqe');
    assert.equal(sqes.length, 1);
    assert.equal(sqes[0]!.type === 'sqe' && sqes[0]!.opcode, C.IORING_OP_NOP);
    assert.equal(cqes.length, 1);
    assert.equal(cqes[0]!.type === 'cqe' && cqes[0]!.res, 0);
    assert.equal(cqes[0]!.userData, sqes[0]!.userData);
    assert.equal(ring.inFlight, 0);
  }));

test('supports() takes a name, an IORING_OP_ name or a number; an opcode the kernel lacks is false', async () => {
  const ring = new Ring({ entries: 2 });
  try {
    assert.equal(ring.supports('NOP'), true);
    assert.equal(ring.supports('READ'), true);
    assert.equal(ring.supports('IORING_OP_READ'), true);
    assert.equal(ring.supports(C.IORING_OP_READ), true);
    assert.equal(ring.supports(C.IORING_OP_TIMEOUT), true);
    assert.equal(ring.supports(250), false);
    assert.equal(ring.supports(255), false);
    assert.throws(() => ring.supports('NOT_AN_OPCODE'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => ring.supports(null as unknown as number), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  } finally {
    await ring.close();
  }
});

test('bad options throw RangeError or TypeError, and leak no fd', () => {
  const before = fdCount();
  const range = { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' };
  const type = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
  assert.throws(() => new Ring({ entries: 0 }), range);
  assert.throws(() => new Ring({ entries: -1 }), range);
  assert.throws(() => new Ring({ entries: 1e6 }), range);
  assert.throws(() => new Ring({ entries: 1.5 }), range);
  assert.throws(() => new Ring({ entries: NaN }), range);
  assert.throws(() => new Ring({ entries: 'x' as unknown as number }), type);
  assert.throws(() => new Ring({ entries: 8, cqEntries: 4 }), range);
  assert.throws(() => new Ring({ entries: 8, cqEntries: 1e6 }), range);
  assert.throws(() => new Ring({ entries: 8, cqEntries: '16' as unknown as number }), type);
  assert.throws(() => new Ring(null as unknown as object), type);
  assert.throws(() => new Ring('x' as unknown as object), type);
  assert.equal(fdCount(), before);
});

test('close() is idempotent: the same promise; then the ring fd is gone', async () => {
  const ring = new Ring({ entries: 4 });
  await ring.nop();
  const first = ring.close();
  const second = ring.close();
  assert.equal(first, second);
  assert.equal(ring.closed, true);
  await first;
  assert.equal(ring.uring.fd, -1);
  assert.equal(ring.uring.closed, true);
  assert.equal(ring.close(), first);
  assert.throws(
    () => ring.uring.getSqe(),
    (error: unknown) => error instanceof RingcoreError && error.code === 'ERR_RINGCORE_CLOSED',
  );
});

test('ops started after close() reject with ERR_RINGCORE_CLOSED and write no SQE', async () => {
  const ring = new Ring({ entries: 4 });
  await ring.nop();
  const closing = ring.close();
  const { events, stop } = record(ring);
  const before = { ...ring.stats };
  const closed = { code: 'ERR_RINGCORE_CLOSED', name: 'RingcoreError' };
  try {
    // Started while close() is still pending, then after it resolved.
    await assert.rejects(ring.nop(), closed);
    await closing;
    await assert.rejects(ring.nop(), closed);
    await assert.rejects(ring.nop({ timeout: 10 }), closed);
    await assert.rejects(ring.submit({ syscall: 'nop', prep: (u, sqe) => u.prepNop(sqe) }), closed);
    const chain = ring.link([
      { syscall: 'nop', prep: (u, sqe) => u.prepNop(sqe) },
      { syscall: 'nop', prep: (u, sqe) => u.prepNop(sqe) },
    ]);
    assert.equal(chain.length, 2);
    for (const p of chain) await assert.rejects(p, closed);
    await assert.rejects(sleep(1, { ring }), closed);
    await assert.rejects(async () => {
      for await (const _ of interval(1, { ring })) assert.fail('an interval on a closed ring ticked');
    }, closed);
    await assert.rejects(
      ring.run(() => 1),
      closed,
    );
    assert.deepEqual(events, [], 'nothing reached the kernel');
    assert.deepEqual(ring.stats, before);
    assert.equal(ring.inFlight, 0);
    assert.equal(ring.waiting, 0);
  } finally {
    stop();
  }
});

test('the default ring is created once per thread, and again after it was closed', async () => {
  const first = defaultRing();
  assert.equal(defaultRing(), first);
  await nop();
  await first.close();
  const second = defaultRing();
  assert.notEqual(second, first);
  assert.equal(second.closed, false);
  assert.equal(await nop(), undefined);
  assert.equal(defaultRing(), second);
});
