// Per-op deadlines ({timeout: ms}): enforced by the kernel with an
// IORING_OP_LINK_TIMEOUT linked after the op. An op that finishes in time
// resolves; one that does not is cancelled and rejects with ETIMEDOUT.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { writeSync } from 'node:fs';
import { constants } from 'node:os';

import { Ring, RingcoreError, constants as C } from '../../src/index.js';
import { timeout } from '../../src/time/index.js';
import { read, record, timerOp, withPipe, withTracedRing } from '../../test-support/kernel.js';

test('nop({timeout: 100}) resolves; its LINK_TIMEOUT is removed by the kernel', () =>
  withTracedRing({ entries: 8 }, async (ring, events) => {
    assert.equal(await ring.nop({ timeout: 100 }), undefined);
    const sqes = events.filter((e) => e.type === 'sqe');
    assert.deepEqual(
      sqes.map((e) => e.type === 'sqe' && e.opcode),
      [C.IORING_OP_NOP, C.IORING_OP_LINK_TIMEOUT],
    );
    assert.equal(sqes[0]!.type === 'sqe' && sqes[0]!.flags & C.IOSQE_IO_LINK, C.IOSQE_IO_LINK);
    const linkCqe = events.find((e) => e.type === 'cqe' && e.userData === sqes[1]!.userData);
    assert.equal(linkCqe?.type === 'cqe' && linkCqe.res, -constants.errno.ECANCELED);
    assert.equal(ring.inFlight, 0, 'both slots were given back');
  }));

test('a pipe read with {timeout: 30} that gets no data rejects with ETIMEDOUT', { timeout: 5_000 }, () =>
  withPipe(8, async (ring, readFd, writeFd) => {
    const buffer = Buffer.alloc(8, 0x11);
    await assert.rejects(read(ring, readFd, buffer, { timeout: 30 }), (error: NodeJS.ErrnoException) => {
      assert.equal(error.code, 'ETIMEDOUT');
      assert.equal(error.errno, -constants.errno.ETIMEDOUT);
      assert.equal(error.syscall, 'read');
      assert.match(error.message, /^ETIMEDOUT: .*, read \(deadline of 30 ms passed\)$/);
      return true;
    });
    assert.equal(ring.inFlight, 0);
    // The timed-out read took nothing from the pipe.
    writeSync(writeFd, 'later');
    const fresh = Buffer.alloc(8);
    assert.equal(await read(ring, readFd, fresh, { timeout: 1000 }), 5);
    assert.equal(fresh.subarray(0, 5).toString(), 'later');
    assert.ok(buffer.every((byte) => byte === 0x11));
  }),
);

test('a deadline runs while its op waits in the queue of a full ring', { timeout: 5_000 }, () =>
  withPipe(2, async (ring, readFd) => {
    const buffer = Buffer.alloc(8);
    const ops = Array.from({ length: 6 }, () => read(ring, readFd, buffer, { timeout: 30 }));
    assert.ok(ring.waiting > 0);
    // Placed or still queued, every one of them times out.
    await Promise.all(ops.map((p) => assert.rejects(p, { code: 'ETIMEDOUT' })));
    assert.equal(ring.inFlight, 0);
    assert.equal(ring.waiting, 0);
  }),
);

test('a deadline counts from its call, not from its submit: synchronous code after the call does not make it later', { timeout: 10_000 }, () =>
  withPipe(8, async (ring, readFd) => {
    const { events, stop } = record(ring);
    try {
      const start = performance.now();
      // Both ways to a LINK_TIMEOUT: options.timeout, and timeout() on an op not yet submitted.
      const ops = [read(ring, readFd, Buffer.alloc(8), { timeout: 50 }), timeout(read(ring, readFd, Buffer.alloc(8)), 50, { ring })];
      const ended = ops.map((op) =>
        op.then(
          () => assert.fail('the read got data'),
          (error: NodeJS.ErrnoException) => ({ code: error.code, at: performance.now() - start }),
        ),
      );
      // The turn runs past the deadlines before its flush submits them. The marker is a timer of 30 ms from
      // the submit (a sleep counts from its call: on a slow machine, such as a guest under qemu TCG, its
      // 30 ms may pass too before the flush, and two timers due at once expire in either order).
      while (performance.now() - start < 100);
      const later = timerOp(30, { ring });
      const results = await Promise.all(ended);
      await later;
      for (const { code, at } of results) {
        assert.equal(code, 'ETIMEDOUT');
        assert.ok(at >= 50, `a deadline of 50 ms passed after ${at} ms`);
      }
      // The kernel's order: counted from the submit (before the fix), the deadlines expired 50 ms after it, after the marker's 30.
      const sqes = events.flatMap((e) => (e.type === 'sqe' && (e.opcode === C.IORING_OP_LINK_TIMEOUT || e.opcode === C.IORING_OP_TIMEOUT) ? [e] : []));
      assert.deepEqual(
        sqes.map((e) => e.type === 'sqe' && e.opcode),
        [C.IORING_OP_LINK_TIMEOUT, C.IORING_OP_LINK_TIMEOUT, C.IORING_OP_TIMEOUT],
      );
      const ids = sqes.map((e) => e.userData);
      const expired = events.flatMap((e) => (e.type === 'cqe' && ids.includes(e.userData) ? [ids.indexOf(e.userData)] : []));
      assert.equal(
        expired[expired.length - 1],
        2,
        `the timers expired in the order ${expired.join(', ')} (0, 1: due 50 ms from the call; 2: 30 from the submit)`,
      );
    } finally {
      stop();
    }
  }),
);

test('{timeout} is checked: a number >= 0, and only on rings with room for the linked pair', async () => {
  const ring = new Ring({ entries: 4 });
  const tiny = new Ring({ entries: 1, cqEntries: 1 });
  try {
    assert.throws(() => ring.nop({ timeout: -1 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => ring.nop({ timeout: Infinity }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => ring.nop({ timeout: '5' as unknown as number }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    // A one-entry SQ can never take an op and its LINK_TIMEOUT together.
    assert.throws(
      () => tiny.nop({ timeout: 10 }),
      (error: unknown) => error instanceof RingcoreError && error.code === 'ERR_RINGCORE_UNSUPPORTED',
    );
    assert.equal(await tiny.nop(), undefined);
  } finally {
    await ring.close();
    await tiny.close();
  }
});
