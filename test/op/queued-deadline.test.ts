// Issue #9, fault 4: a deadline counts the time its op spends waiting for
// room in a full ring. The ring here is kept full by sleeps of a minute: an
// op given 50 ms must reject with ETIMEDOUT while every one of them is still
// in flight (before the fix it waited for them, a minute or more), and an op
// that timed out in the queue never had an SQE written for it.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

import { Ring, constants as C } from '../../src/index.js';
import { TcpStream } from '../../src/net/index.js';
import { timeout } from '../../src/time/index.js';
import { record, timerOp } from '../../test-support/kernel.js';

/**
 * Fills a 4-entry ring: every op slot holds a sleep of a minute, more sleeps
 * queued behind them; `woke()` counts those that completed (none should).
 */
function fillWithSleeps(ring: Ring): { woke: () => number; stop: () => Promise<void> } {
  const stop = new AbortController();
  let woke = 0;
  const sleeps = Array.from({ length: 20 }, () =>
    timerOp(60_000, { ring, signal: stop.signal }).then(
      () => void woke++,
      () => {},
    ),
  );
  assert.ok(ring.waiting > 0, 'the ring is full: sleeps are queued');
  return {
    woke: () => woke,
    stop: async () => {
      stop.abort();
      await Promise.all(sleeps);
    },
  };
}

/** A new 4-entry ring, full (fillWithSleeps); `release()` ends the sleeps and closes it. */
function fullRing(): { ring: Ring; woke: () => number; release: () => Promise<void> } {
  const ring = new Ring({ entries: 4 });
  const { woke, stop } = fillWithSleeps(ring);
  return {
    ring,
    woke,
    release: async () => {
      await stop();
      await ring.close();
    },
  };
}

function isTimedOut(syscall: string, ms: number) {
  return (error: NodeJS.ErrnoException) => {
    assert.equal(error.code, 'ETIMEDOUT');
    assert.equal(error.syscall, syscall);
    assert.match(error.message, new RegExp(`\\(deadline of ${ms} ms passed\\)$`));
    return true;
  };
}

test('fault 4: timeout(timer op of 60000 ms, 50) on a full ring rejects while the ring is still full', { timeout: 20_000 }, async () => {
  const { ring, woke, release } = fullRing();
  const { events, stop } = record(ring);
  try {
    await assert.rejects(timeout(timerOp(60_000, { ring }), 50, { ring }), isTimedOut('timeout', 50));
    assert.equal(woke(), 0, 'it did not wait for a blocking sleep to complete');
    assert.equal(events.filter((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_LINK_TIMEOUT).length, 0, 'no LINK_TIMEOUT SQE was written');
  } finally {
    stop();
    await release();
  }
});

test('fault 4: ring.nop({ timeout: 50 }) on a full ring rejects in the queue, with no SQE written', { timeout: 20_000 }, async () => {
  const { ring, woke, release } = fullRing();
  const { events, stop } = record(ring);
  try {
    await assert.rejects(ring.nop({ timeout: 50 }), isTimedOut('nop', 50));
    assert.equal(woke(), 0);
    assert.equal(events.filter((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_NOP).length, 0, 'no NOP SQE was written');
    // The queue is still served: the sleeps behind it are there, and a nop without a deadline still waits its turn.
    assert.ok(ring.waiting > 0);
  } finally {
    stop();
    await release();
  }
});

test('fault 4: a linked chain whose deadline passes in the queue is dropped whole', { timeout: 20_000 }, async () => {
  const { ring, release } = fullRing();
  try {
    const nop = { syscall: 'nop', prep: (uring: Ring['uring'], sqe: number) => uring.prepNop(sqe) };
    const [first, second] = ring.link([nop, nop], { timeout: 50 });
    await assert.rejects(second!, isTimedOut('nop', 50));
    await assert.rejects(first!, { code: 'ECANCELED' });
  } finally {
    await release();
  }
});

test('timeout() on the last op of a queued chain as long as the ring allows does not make it too long to place', { timeout: 20_000 }, async () => {
  const ring = new Ring({ entries: 4 });
  const nop = { syscall: 'nop', prep: (uring: Ring['uring'], sqe: number) => uring.prepNop(sqe) };
  try {
    const first = ring.link([nop, nop, nop, nop]); // the whole SQ
    const chain = ring.link([nop, nop, nop, nop]); // queued behind it
    assert.equal(ring.waiting, 1);
    // Before the fix the LINK_TIMEOUT joined the queued chain, 5 SQEs for a 4-entry SQ: it never
    // fitted, held every op queued behind it, and rejected with ETIMEDOUT when the deadline passed.
    const last = timeout(chain[3]!, 5000, { ring });
    const behind = ring.nop();
    const outcomes = await Promise.allSettled([...first, ...chain.slice(0, 3), last, behind]);
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.status === 'fulfilled' ? 'ok' : (outcome.reason as NodeJS.ErrnoException).code)),
      Array(9).fill('ok'),
    );
    assert.equal(ring.waiting, 0);
  } finally {
    await ring.close();
  }
});

test('fault 4: TcpStream.connect({ timeout: 50 }) counts the wait for room in the ring', { timeout: 20_000 }, async () => {
  const server = createServer((socket) => socket.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const { ring, woke, release } = fullRing();
  try {
    await assert.rejects(
      TcpStream.connect({ host: '127.0.0.1', port, timeout: 50, ring }),
      (error: NodeJS.ErrnoException & { address?: string; port?: number }) => {
        assert.equal(error.code, 'ETIMEDOUT');
        assert.equal(error.syscall, 'connect');
        assert.equal(error.address, '127.0.0.1');
        assert.equal(error.port, port);
        return true;
      },
    );
    assert.equal(woke(), 0);
  } finally {
    await release();
    server.close();
  }
});

test('fault 4: under run(), which blocks in the kernel, a queued deadline still passes on time', { timeout: 20_000 }, async () => {
  const ring = new Ring({ entries: 4 });
  try {
    const outcome = await ring.run(async () => {
      const sleeps = fillWithSleeps(ring);
      const error = await ring.nop({ timeout: 50 }).then(
        () => null,
        (e: unknown) => e,
      );
      const stillFull = sleeps.woke() === 0;
      await sleeps.stop();
      return { error, stillFull };
    });
    assert.equal((outcome.error as NodeJS.ErrnoException | null)?.code, 'ETIMEDOUT');
    assert.ok(outcome.stillFull, 'it timed out while the sleeps were all in flight');
  } finally {
    await ring.close();
  }
});

test('fault 4: an op placed before its deadline still completes, and an op queued with time left gets its SQE', { timeout: 20_000 }, async () => {
  const ring = new Ring({ entries: 4 });
  const stop = new AbortController();
  try {
    // Short sleeps fill the ring; the nop behind them has ample time and must succeed.
    const sleeps = Array.from({ length: 10 }, (_, i) => timerOp(20 + i, { ring, signal: stop.signal }));
    assert.ok(ring.waiting > 0);
    assert.equal(await ring.nop({ timeout: 10_000 }), undefined);
    await Promise.all(sleeps);
    assert.equal(ring.inFlight, 0);
  } finally {
    stop.abort();
    await ring.close();
  }
});

test('fault 4: timeout() on an op already in the kernel, when the ring has no room for its timer, still expires on time', { timeout: 20_000 }, async () => {
  const ring = new Ring({ entries: 4 });
  const stop = new AbortController();
  let woke = 0;
  const target = timerOp(60_000, { ring });
  const others = Array.from({ length: 20 }, () =>
    timerOp(60_000, { ring, signal: stop.signal }).then(
      () => void woke++,
      () => {},
    ),
  );
  // Let the first flush submit them: the target is in the kernel, the ring full.
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(ring.waiting > 0);
  try {
    await assert.rejects(timeout(target, 50, { ring }), isTimedOut('timeout', 50));
    assert.equal(woke, 0);
  } finally {
    stop.abort();
    await Promise.all(others);
    await ring.close();
  }
});
