// Submitter.reusableWith / startAgain: one callback op object started again
// and again, one start at a time (what a socket's Sender does for its SENDs).
// Each start must be a new op in everything but the object: its own slot and
// generation (a late CQE for an earlier start is stale), the wait for room in
// a full ring, the close, and no kernel write into memory after its callback.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';

import { Ring, constants as C } from '../../src/index.js';
import { kOp, type Op, type OpCallback, type OpSpec } from '../../src/op/op.js';
import { addressOf } from '../../src/sys/memory.js';
import { native } from '../../src/sys/native.js';
import { SYS_close, SYS_read } from '../../src/sys/syscalls.js';
import { pipe, postStaleCqe, readInSlotOf, readSpec, record, withPipe, writeTo } from '../../test-support/kernel.js';

type Outcome = { error: (Error & { code?: string }) | null; value: number | undefined };

/** A reusable op whose outcomes are pushed to `outcomes`; `next` resolves with the next one. */
function reusable(ring: Ring, spec: OpSpec<number>, onOutcome?: (outcome: Outcome) => void) {
  const outcomes: Outcome[] = [];
  let waiter: ((outcome: Outcome) => void) | null = null;
  const done: OpCallback<number> = (error, value) => {
    const outcome = { error, value };
    outcomes.push(outcome);
    const w = waiter;
    waiter = null;
    w?.(outcome);
    onOutcome?.(outcome);
  };
  const op = ring.submitter.reusableWith(spec, done);
  const next = () => new Promise<Outcome>((resolve) => (waiter = resolve));
  return { op, outcomes, next };
}

test('one op object, many starts: each calls back once with its own result, in a slot and generation of its own', async () => {
  await withPipe(8, async (ring, r, w) => {
    const { events, stop } = record(ring);
    try {
      const buffer = Buffer.alloc(8);
      const { op, outcomes, next } = reusable(ring, readSpec(r, buffer));
      for (let i = 0; i < 5; i++) {
        const outcome = next();
        ring.submitter.startAgain(op);
        await turn();
        assert.equal(outcomes.length, i, 'nothing to read yet: not called back');
        writeTo(w, `#${i}`);
        assert.deepEqual(await outcome, { error: null, value: 2 });
        assert.equal(buffer.subarray(0, 2).toString(), `#${i}`);
        assert.equal(ring.inFlight, 0, 'the slot went back');
      }
      assert.equal(outcomes.length, 5);
      const placings = events
        .filter((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_READ)
        .map((e) => (e.type === 'sqe' ? `${e.slot}/${e.generation}` : ''));
      assert.equal(placings.length, 5);
      assert.equal(new Set(placings).size, 5, `every start had its own slot and generation: ${placings.join(' ')}`);
    } finally {
      stop();
    }
  });
});

test('started again from inside its callback: the next start is placed, and the slot of the one before goes back', async () => {
  await withPipe(8, async (ring, r, w) => {
    const buffer = Buffer.alloc(1);
    let left = 20;
    let all: (n: number) => void = () => {};
    const finished = new Promise<number>((resolve) => (all = resolve));
    let got = '';
    const { op } = reusable(ring, readSpec(r, buffer), (outcome) => {
      assert.equal(outcome.error, null);
      got += buffer.toString('latin1', 0, outcome.value);
      if (--left > 0) ring.submitter.startAgain(op);
      else all(ring.inFlight);
    });
    ring.submitter.startAgain(op);
    writeTo(w, 'abcdefghijklmnopqrst');
    // The last callback runs before its own slot is released by the reap.
    assert.equal(await finished, 1);
    await turn();
    assert.equal(got, 'abcdefghijklmnopqrst');
    assert.equal(ring.inFlight, 0);
  });
});

test('a start while the op is queued or in flight throws, and writes no SQE', async () => {
  await withPipe(8, async (ring, r, w) => {
    const { op, outcomes, next } = reusable(ring, readSpec(r, Buffer.alloc(4)));
    const outcome = next();
    ring.submitter.startAgain(op);
    assert.throws(() => ring.submitter.startAgain(op), /reusable read op was started again while in flight/);
    await turn();
    const submitted = ring.stats.submitted;
    assert.throws(() => ring.submitter.startAgain(op), /in flight/);
    await turn();
    assert.equal(ring.stats.submitted, submitted, 'no SQE for the refused start');
    assert.equal(ring.inFlight, 1);
    writeTo(w, 'done');
    assert.deepEqual(await outcome, { error: null, value: 4 });
    assert.equal(outcomes.length, 1);
  });
});

test('only an op made by reusableWith can be started again; done must be a function', async () => {
  await withPipe(8, async (ring, r, w) => {
    const promise = ring.submit(readSpec(r, Buffer.alloc(1)));
    const plain = promise[kOp] as Op<number>;
    writeTo(w, 'x');
    assert.equal(await promise, 1);
    assert.throws(() => ring.submitter.startAgain(plain), /in flight/, 'a settled one-shot op is not reusable');
    assert.throws(() => ring.submitter.reusableWith(readSpec(r, Buffer.alloc(1)), 'no' as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  });
});

test("a late CQE for an earlier start's slot is stale: it does not settle the start now holding that slot", { timeout: 10_000 }, async () => {
  await withPipe(4, async (ring, r, w) => {
    const { events, stop } = record(ring);
    try {
      const buffer = Buffer.alloc(8);
      const { op, outcomes, next } = reusable(ring, readSpec(r, buffer));
      let outcome = next();
      ring.submitter.startAgain(op);
      writeTo(w, 'one');
      assert.deepEqual(await outcome, { error: null, value: 3 });
      const first = events.find((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_READ);
      assert.ok(first?.type === 'sqe');
      events.length = 0;

      outcome = next();
      ring.submitter.startAgain(op);
      await readInSlotOf(events, first);
      // A CQE carrying the first start's user_data, straight through the raw ring.
      await postStaleCqe(ring, first);
      assert.equal(outcomes.length, 1, 'the second start was not settled by the stale CQE');
      assert.equal(ring.inFlight, 1);

      writeTo(w, 'two!');
      assert.deepEqual(await outcome, { error: null, value: 4 });
      assert.equal(buffer.subarray(0, 4).toString(), 'two!');
      assert.equal(ring.inFlight, 0);
    } finally {
      stop();
    }
  });
});

test('a full ring: starts wait for room and every one completes, none dropped', async () => {
  // 2 SQEs and 4 slots (1 kept for cancellations): 12 ops restarting themselves mostly wait.
  const ring = new Ring({ entries: 2 });
  const pipes = Array.from({ length: 12 }, () => pipe());
  try {
    const rounds = 30;
    let sawWaiting = 0;
    let left = pipes.length;
    let all: () => void = () => {};
    const finished = new Promise<void>((resolve) => (all = resolve));
    const counts = pipes.map(() => 0);
    pipes.forEach(([, w], i) => {
      const data = Buffer.from([i]);
      const spec: OpSpec<number> = { syscall: 'write', prep: (u, sqe) => u.prepWrite(sqe, w, addressOf(data), 1, -1), pin: data };
      const op = ring.submitter.reusableWith(spec, (error, n) => {
        assert.equal(error, null);
        assert.equal(n, 1);
        sawWaiting = Math.max(sawWaiting, ring.waiting);
        if (++counts[i]! < rounds) ring.submitter.startAgain(op);
        else if (--left === 0) all();
      });
      ring.submitter.startAgain(op);
    });
    assert.ok(ring.waiting > 0, 'starts beyond the room wait in the queue');
    await finished;
    assert.ok(sawWaiting > 0);
    assert.deepEqual(
      counts,
      pipes.map(() => rounds),
    );
    // Every write reached its pipe, in full (read(2) through the shim: Deno's node:fs knows no raw fd).
    const out = Buffer.alloc(64);
    pipes.forEach(([r], i) => {
      assert.equal(native.syscall(SYS_read, r, addressOf(out), out.length), rounds);
      assert.ok(out.subarray(0, rounds).every((byte) => byte === i));
    });
    assert.equal(ring.inFlight, 0);
    assert.equal(ring.waiting, 0);
  } finally {
    for (const [r, w] of pipes) {
      native.syscall(SYS_close, r);
      native.syscall(SYS_close, w);
    }
    await ring.close();
  }
});

test('the close: a start in flight calls back with ERR_RINGCORE_CLOSED once the kernel gave it back; a later start calls back after startAgain returns', async () => {
  const ring = new Ring({ entries: 8 });
  const [r, w] = pipe();
  try {
    const buffer = Buffer.alloc(4, 0xaa);
    const { op, outcomes, next } = reusable(ring, readSpec(r, buffer));
    let outcome = next();
    ring.submitter.startAgain(op);
    await turn();
    assert.equal(ring.inFlight, 1);
    const closing = ring.close();
    assert.equal((await outcome).error?.code, 'ERR_RINGCORE_CLOSED');
    assert.equal(ring.inFlight, 0, 'called back only once the kernel gave the read back');
    outcome = next();
    ring.submitter.startAgain(op);
    assert.equal(outcomes.length, 1, 'not called back inside startAgain');
    assert.equal((await outcome).error?.code, 'ERR_RINGCORE_CLOSED');
    await closing;
    writeTo(w, 'late');
    await turn();
    assert.ok(
      buffer.every((byte) => byte === 0xaa),
      'the kernel wrote nothing into the buffer after the callback',
    );
    assert.equal(outcomes.length, 2);
  } finally {
    native.syscall(SYS_close, r);
    native.syscall(SYS_close, w);
    if (!ring.closed) await ring.close();
  }
});
