// time.timeout(work, ms): settles like `work`, or rejects with ETIMEDOUT.
// On a ringcore op not yet submitted the deadline is a kernel LINK_TIMEOUT;
// on one already submitted a kernel timer cancels it (ASYNC_CANCEL); on any
// other promise it is only a race. Either way the timer goes away when the
// work settles first.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { setImmediate as turn } from 'node:timers/promises';

import { Ring, constants as C, type TraceEvent } from '../../src/index.js';
import { sleep, timeout } from '../../src/time/index.js';
import { drained, pipe, read, withTracedPipe, withTracedRing } from '../../test-support/kernel.js';
import { requireIoUring } from '../../test-support/backend.js';

/** The tests that look at SQEs, CQEs and the ring skip on the node backend (docs/fallback.md). */
const ioUring = requireIoUring();

const etimedout = (syscall: string) => (error: NodeJS.ErrnoException) => {
  assert.equal(error.code, 'ETIMEDOUT');
  assert.equal(error.errno, -constants.errno.ETIMEDOUT);
  assert.equal(error.syscall, syscall);
  assert.match(error.message, /\(deadline of 30 ms passed\)$/);
  return true;
};

// A sleep shares its kernel timer with the others due in the same millisecond
// (src/time/shared-sleep.ts), so no link timeout cuts it short: timeout()
// ends that sleep alone, and its timer, with no other sleep on it, is cancelled.
test('timeout(sleep(1000), 30) rejects with ETIMEDOUT and leaves nothing in flight', { skip: ioUring.skip, timeout: 5_000 }, () =>
  withTracedRing({ entries: 8 }, async (ring, events) => {
    await assert.rejects(timeout(sleep(1000, { ring }), 30, { ring }), etimedout('timeout'));
    // timeout()'s own timer fired; the sleep's is cancelled (its cancel completes just after), not left for 1000 ms.
    await drained(ring);
    assert.equal(events.filter((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_ASYNC_CANCEL).length, 1);
  }),
);

test('timeout(sleep(10), 1000) resolves, and leaves nothing in flight', { timeout: 5_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  try {
    assert.equal(await timeout(sleep(10, { ring }), 1000, { ring }), undefined);
    // timeout()'s own timer is cancelled, not left behind (its cancel completes just after).
    await drained(ring);
    // On the default ring too.
    assert.equal(await timeout(sleep(1), 1000), undefined);
  } finally {
    await ring.close();
  }
});

test('timeout() on an op already submitted: the kernel cancels it, and it rejects ETIMEDOUT', { skip: ioUring.skip, timeout: 5_000 }, () =>
  withTracedPipe(8, async (ring, readFd, writeFd, events) => {
    const buffer = Buffer.alloc(8, 0x22);
    const submittedBefore = ring.stats.submitted;
    const reading = read(ring, readFd, buffer);
    await Promise.resolve();
    await turn();
    assert.equal(ring.stats.submitted, submittedBefore + 1, 'the read is in the kernel');
    await assert.rejects(timeout(reading, 30, { ring }), etimedout('read'));
    const readSqe = events.find((e): e is Extract<TraceEvent, { type: 'sqe' }> => e.type === 'sqe' && e.opcode === C.IORING_OP_READ)!;
    assert.ok(
      events.some((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_ASYNC_CANCEL),
      'an ASYNC_CANCEL was submitted',
    );
    const readCqe = events.find((e) => e.type === 'cqe' && e.userData === readSqe.userData);
    assert.equal(readCqe?.type === 'cqe' && readCqe.res, -constants.errno.ECANCELED);
    assert.equal(ring.inFlight, 0);
    writeSync(writeFd, 'ok');
    assert.equal(await read(ring, readFd, Buffer.alloc(8)), 2);
    assert.ok(buffer.every((byte) => byte === 0x22));
  }),
);

test('timeout() on an op of another ring cancels that op, not whatever sits in this ring', { skip: ioUring.skip, timeout: 5_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  const other = new Ring({ entries: 8 });
  const [readFd, writeFd] = pipe();
  try {
    // Both rings have an unsubmitted SQE at index 0.
    const sleeping = sleep(50, { ring: other });
    const reading = read(ring, readFd, Buffer.alloc(8));
    await assert.rejects(timeout(reading, 30, { ring: other }), etimedout('read'));
    assert.equal(await sleeping, undefined, "the other ring's sleep was left alone");
    assert.equal(ring.inFlight, 0);
    assert.equal(other.inFlight, 0);
  } finally {
    await ring.close();
    await other.close();
    closeSync(readFd);
    closeSync(writeFd);
  }
});

test('timeout() on a plain promise: a race with a kernel timer', { timeout: 5_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  try {
    await assert.rejects(timeout(new Promise(() => {}), 30, { ring }), etimedout('timeout'));
    assert.equal(await timeout(Promise.resolve(7), 10_000, { ring }), 7);
    await assert.rejects(timeout(Promise.reject(new Error('own error')), 10_000, { ring }), /own error/);
    // The 10 s timers were removed when the work settled.
    for (let i = 0; ring.inFlight > 0 && i < 100; i++) await turn();
    assert.equal(ring.inFlight, 0);
  } finally {
    await ring.close();
  }
});

test('timeout() argument checks', () => {
  assert.throws(() => timeout('x' as unknown as Promise<void>, 10), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => timeout(Promise.resolve(), -1), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.throws(() => timeout(Promise.resolve(), NaN), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
});
