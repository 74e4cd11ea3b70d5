// time.sleep(ms): an IORING_OP_TIMEOUT whose expiry (-ETIME) is its normal
// completion, not an error, though a negative res is an error for every other op.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';

import { Ring, addTraceListener, constants as C, defaultRing } from '../../src/index.js';
import { sleep } from '../../src/time/index.js';
import { requireIoUring } from '../../test-support/backend.js';

/** The tests that look at SQEs, CQEs and the ring skip on the node backend (docs/fallback.md). */
const ioUring = requireIoUring();

test('sleep() resolves with undefined when the kernel reports -ETIME', { skip: ioUring.skip }, async () => {
  const ring = new Ring({ entries: 4 });
  const results: number[] = [];
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id && event.type === 'cqe') results.push(event.res);
  });
  try {
    assert.equal(await sleep(5, { ring }), undefined);
    assert.equal(await sleep(0, { ring }), undefined);
    assert.equal(await sleep(1.5, { ring }), undefined);
    assert.deepEqual(results, [-constants.errno.ETIME, -constants.errno.ETIME, -constants.errno.ETIME]);
    assert.equal(ring.inFlight, 0);
  } finally {
    stop();
    await ring.close();
  }
});

test("sleep() without a ring uses this thread's default ring", { skip: ioUring.skip }, async () => {
  const seen: number[] = [];
  const stop = addTraceListener((event) => {
    if (event.type === 'sqe' && event.opcode === C.IORING_OP_TIMEOUT) seen.push(event.ring);
  });
  try {
    await sleep(1);
    assert.deepEqual(seen, [defaultRing().uring.id]);
  } finally {
    stop();
  }
});

test('sleeps of different lengths resolve shortest first', { timeout: 5_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  try {
    const order: number[] = [];
    await Promise.all([60, 1, 30].map((ms) => sleep(ms, { ring }).then(() => order.push(ms))));
    assert.deepEqual(order, [1, 30, 60]);
  } finally {
    await ring.close();
  }
});

test('sleep() argument checks', () => {
  assert.throws(() => sleep(-1), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => sleep(NaN), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => sleep(Infinity), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => sleep('10' as unknown as number), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => sleep(1, { signal: 'x' as unknown as AbortSignal }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
});
