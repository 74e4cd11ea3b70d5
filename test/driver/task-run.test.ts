// Task-work modes. By default a ring asks for COOP_TASKRUN (completions that
// need our task wait for its next syscall rather than interrupting it). A
// ring made with DEFER_TASKRUN posts completions only when entered: the
// event loop then learns of them through a registered eventfd. Both must
// still deliver a completion that arrives while the loop sleeps.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { readSync, writeSync, closeSync } from 'node:fs';

import { Ring, addTraceListener, constants as C } from '../../src/index.js';
import { interval, sleep } from '../../src/time/index.js';
import { deferTaskRunRing, pipe, read } from '../../test-support/kernel.js';
import { fdCount } from '../../test-support/fds.js';

/** A pipe read that completes when node:fs writes to the pipe, 20 ms later. */
async function lateRead(ring: Ring): Promise<void> {
  const [r, w] = pipe();
  try {
    const buffer = Buffer.alloc(5);
    setTimeout(() => writeSync(w, 'hello'), 20);
    assert.equal(await read(ring, r, buffer), 5);
    assert.equal(buffer.toString(), 'hello');
  } finally {
    closeSync(r);
    closeSync(w);
  }
}

test('a default ring runs task work cooperatively, and a late completion still arrives', { timeout: 10_000 }, async (t) => {
  const ring = new Ring({ entries: 8 });
  try {
    if ((ring.uring.setupFlags & C.IORING_SETUP_COOP_TASKRUN) === 0) {
      t.skip('the kernel refused IORING_SETUP_COOP_TASKRUN (Linux < 5.19)');
      return;
    }
    assert.ok(ring.uring.setupFlags & C.IORING_SETUP_TASKRUN_FLAG);
    await lateRead(ring);
    await sleep(5, { ring });
  } finally {
    await ring.close();
  }
});

test('an SQPOLL ring is made without COOP_TASKRUN, which the kernel refuses there', async (t) => {
  let ring: Ring;
  try {
    ring = new Ring({ entries: 8, sqPoll: true });
  } catch (error) {
    t.skip(`SQPOLL refused: ${(error as Error).message}`);
    return;
  }
  try {
    assert.equal(ring.uring.setupFlags & C.IORING_SETUP_COOP_TASKRUN, 0);
    await lateRead(ring);
  } finally {
    await ring.close();
  }
});

test('a DEFER_TASKRUN ring delivers late completions in the event loop and under run()', { timeout: 10_000 }, async (t) => {
  const before = fdCount();
  const ring = deferTaskRunRing(t, 8);
  if (ring === null) return;
  try {
    await lateRead(ring);
    await sleep(5, { ring });
    // run() swaps in its own driver and back: the eventfd is handed over both times.
    await ring.run(() => sleep(5, { ring }));
    await lateRead(ring);
    await Promise.all([lateRead(ring), ring.nop(), sleep(10, { ring })]);
  } finally {
    await ring.close();
  }
  assert.equal(fdCount(), before, 'the ring and its eventfd are closed');
});

test('a DEFER_TASKRUN ring wakes for work that arrived while its eventfd signal was off', { timeout: 10_000 }, async (t) => {
  const ring = deferTaskRunRing(t, 8);
  if (ring === null) return;
  const [ra, wa] = pipe();
  const [rb, wb] = pipe();
  const a = Buffer.alloc(1);
  const b = Buffer.alloc(1);
  try {
    const readA = read(ring, ra, a);
    const readB = read(ring, rb, b);
    await sleep(10, { ring }); // both reads are waiting in the kernel
    // Inside the next flush (the signal is off there): pipe A is written
    // after the NOP's enter, and pipe B after the enter that runs A's work,
    // the last one of that flush. Nothing signals B's work but the driver,
    // which must notice it when it turns the signal back on.
    let enters = 0;
    const stop = addTraceListener((event) => {
      if (event.ring !== ring.uring.id || event.type !== 'enter') return;
      if (++enters === 1) writeSync(wa, 'a');
      else if (enters === 2) writeSync(wb, 'b');
    });
    try {
      await ring.nop();
      assert.equal(await readA, 1);
      assert.equal(await readB, 1);
    } finally {
      stop();
    }
    assert.equal(a.toString() + b.toString(), 'ab');
    assert.ok(enters >= 2, `the writes happened inside the flush (${enters} enters)`);
  } finally {
    for (const fd of [ra, wa, rb, wb]) closeSync(fd);
    await ring.close();
  }
});

test('closing a DEFER_TASKRUN ring with an op in flight ends the op, and nothing runs on the closed ring after', { timeout: 10_000 }, async (t) => {
  const ring = deferTaskRunRing(t, 8);
  if (ring === null) return;
  const slept = sleep(10_000, { ring });
  await sleep(5);
  await ring.close();
  await assert.rejects(slept, { code: 'ERR_RINGCORE_CLOSED' });
  // A flush scheduled by the close's cancel runs after the rings are unmapped: it must not touch them.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(ring.closed, true);
});

test('a DEFER_TASKRUN ring whose slots are all taken does not spin on its eventfd', { timeout: 10_000 }, async (t) => {
  // 16 CQ entries: the interval and the first sleeps take every slot, the
  // other sleeps wait. Each tick of the interval wakes the loop; the eventfd
  // must still be reset then, or the loop wakes at once, for ever, queueing
  // more and more resets behind the full table.
  const ring = deferTaskRunRing(t, 8, 16);
  if (ring === null) return;
  const ticks = interval(10, { ring });
  const ticking = (async () => {
    for await (const _ of ticks);
  })().catch(() => {});
  const sleeps = Array.from({ length: 40 }, (_, i) => sleep(60_000 + i, { ring }).catch(() => {}));
  try {
    await sleep(50);
    const waiting = ring.waiting;
    assert.ok(waiting > 0, 'some sleeps wait for a slot');
    await sleep(200); // about 20 wake-ups of the interval
    assert.ok(ring.waiting <= waiting + 1, `waiting grew from ${waiting} to ${ring.waiting}`);
  } finally {
    await ring.close();
    await Promise.all([ticking, ...sleeps]);
  }
});

test('a DEFER_TASKRUN ring: an eventfd reset still waiting for a slot when run() takes over reads nothing after its fd is closed', {
  timeout: 10_000,
}, async (t) => {
  // 4 entries: 7 slots for ops. A short sleep wakes the loop through the eventfd while the
  // long sleeps fill the table, so the reset READ of the eventfd waits behind them in the queue.
  const ring = deferTaskRunRing(t, 4);
  if (ring === null) return;
  const stop = new AbortController();
  const sleeps = [sleep(30, { ring, signal: stop.signal }), ...Array.from({ length: 10 }, (_, i) => sleep(60_000 + i, { ring, signal: stop.signal }))].map(
    (p) => p.catch(() => {}),
  );
  const reads: number[] = [];
  const untrace = addTraceListener((event) => {
    if (event.type === 'sqe' && event.ring === ring.uring.id && event.opcode === C.IORING_OP_READ) reads.push(event.fd);
  });
  try {
    await sleep(200);
    assert.ok(ring.waiting > 0, 'the long sleeps wait for slots');
    await ring.run(async () => {
      // run() closed the event-loop driver's eventfd: a pipe made now takes its fd number.
      const [r, w] = pipe();
      try {
        writeSync(w, 'ABCDEFGH12345678');
        stop.abort();
        await Promise.all(sleeps);
        await sleep(10, { ring });
        // Before the fix the queued reset was placed once the sleeps made room, and read
        // the first 8 bytes out of the pipe.
        const back = Buffer.alloc(16);
        const n = readSync(r, back);
        assert.equal(back.subarray(0, n).toString(), 'ABCDEFGH12345678');
        assert.ok(!reads.includes(r), `a READ of fd ${r} reached the kernel`);
      } finally {
        closeSync(r);
        closeSync(w);
      }
    });
  } finally {
    untrace();
    await ring.close();
  }
});

test('preferFlags are asked for, and dropped when the kernel refuses them', async () => {
  const wanted = C.IORING_SETUP_DEFER_TASKRUN | C.IORING_SETUP_SINGLE_ISSUER;
  const ring = new Ring({ entries: 8, preferFlags: wanted });
  // A bit no kernel knows: setup fails with EINVAL, and the ring is made without it.
  const unknown = new Ring({ entries: 8, preferFlags: 1 << 30 });
  try {
    assert.equal(unknown.uring.setupFlags & (1 << 30), 0);
    await unknown.nop();
    if ((ring.uring.setupFlags & wanted) === wanted) await lateRead(ring);
    else assert.equal(ring.uring.setupFlags & wanted, 0, 'dropped together');
  } finally {
    await ring.close();
    await unknown.close();
  }
  assert.throws(() => new Ring({ preferFlags: '8192' as unknown as number }), TypeError);
  assert.throws(() => new Ring({ preferFlags: -1 }), RangeError);
});

test('the socket ring defers task work where the kernel has DEFER_TASKRUN (6.1+)', async (t) => {
  const probe = deferTaskRunRing(t, 2);
  if (probe === null) return;
  await probe.close();
  const { netRing } = await import('../../src/net/index.js');
  const defer = C.IORING_SETUP_DEFER_TASKRUN | C.IORING_SETUP_SINGLE_ISSUER;
  assert.equal(netRing().uring.setupFlags & defer, defer);
});
