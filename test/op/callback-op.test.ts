// Ring.submitWith: an op settled by a callback instead of a promise (what a
// server's SEND uses: no promise per send). It keeps every guarantee of the
// promise path: called once, with the same Node-style errors; an abort, a
// deadline or a close settles it only once the kernel has given the op back,
// so the memory it points at is never written after the callback.
import { nodeChildSkip, test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { setImmediate as turn } from 'node:timers/promises';

import type { Ring } from '../../src/index.js';
import { readSpec, withPipe, writeTo } from '../../test-support/kernel.js';

type Outcome = { error: (Error & { code?: string; errno?: number; syscall?: string }) | null; value: number | undefined };

/** Starts `spec` with submitWith; resolves with its first outcome, and records every call in `calls`. */
function submitWith(ring: Ring, spec: Parameters<Ring['submitWith']>[0], options?: Parameters<Ring['submitWith']>[2]) {
  const calls: Outcome[] = [];
  let first: (outcome: Outcome) => void = () => {};
  const settled = new Promise<Outcome>((resolve) => (first = resolve));
  const returned = ring.submitWith(
    spec as never,
    (error, value) => {
      calls.push({ error, value: value as number | undefined });
      first({ error, value: value as number | undefined });
    },
    options,
  );
  return { calls, settled, returned };
}

test('success: the callback gets (null, value) once, from the reap, after the settled hook; no promise is made', async () => {
  await withPipe(8, async (ring, r, w) => {
    const order: string[] = [];
    const buffer = Buffer.alloc(4);
    const { calls, settled, returned } = submitWith(ring, { ...readSpec(r, buffer), settled: () => order.push('settled') });
    assert.equal(returned, undefined);
    await turn();
    assert.equal(calls.length, 0, 'the pipe is empty: nothing yet');
    writeTo(w, 'abcd');
    const outcome = await settled;
    assert.deepEqual(outcome, { error: null, value: 4 });
    assert.equal(buffer.toString(), 'abcd');
    order.push('callback');
    assert.deepEqual(order, ['settled', 'callback']);
    await turn();
    assert.equal(calls.length, 1);
    assert.equal(ring.inFlight, 0);
  });
});

test('a failed op calls back with the Node-style error its promise would reject with, stack included', async () => {
  await withPipe(8, async (ring) => {
    const { settled, calls } = submitWith(ring, readSpec(-1, Buffer.alloc(4)));
    const { error, value } = await settled;
    const viaPromise = (await ring.submit(readSpec(-1, Buffer.alloc(4))).catch((e: unknown) => e)) as NodeJS.ErrnoException;
    assert.ok(error instanceof Error);
    assert.equal(value, undefined);
    assert.equal(error.code, 'EBADF');
    assert.equal(error.errno, viaPromise.errno);
    assert.equal(error.syscall, 'read');
    assert.equal(error.message, viaPromise.message);
    assert.match(String(error.stack), /EBADF/);
    await turn();
    assert.equal(calls.length, 1);
  });
});

test('a map that throws calls back with what it threw', async () => {
  await withPipe(8, async (ring) => {
    const boom = new Error('boom');
    const { settled } = submitWith(ring, {
      syscall: 'nop',
      prep: (u, sqe) => u.prepNop(sqe),
      map: () => {
        throw boom;
      },
    });
    assert.equal((await settled).error, boom);
  });
});

test('abort in flight: AbortError once the kernel gave the op back, and its buffer is never written after', async () => {
  await withPipe(8, async (ring, r, w) => {
    const buffer = Buffer.alloc(8);
    const controller = new AbortController();
    const { settled, calls } = submitWith(ring, readSpec(r, buffer), { signal: controller.signal });
    await turn();
    assert.equal(ring.inFlight, 1);
    controller.abort(new Error('changed my mind'));
    const { error } = await settled;
    assert.equal(error?.name, 'AbortError');
    assert.equal(error?.code, 'ABORT_ERR');
    assert.equal((error?.cause as Error | undefined)?.message, 'changed my mind');
    assert.equal(ring.inFlight, 0, 'the slot (and the buffer it pins) was held until the CQE');
    writeTo(w, 'late');
    await turn();
    assert.equal(buffer.toString('hex'), '0000000000000000', 'nothing read into the buffer after the abort');
    assert.equal(calls.length, 1);
  });
});

test('an already-aborted signal calls back with an AbortError after submitWith returns, no SQE written', async () => {
  await withPipe(8, async (ring) => {
    const submitted = ring.stats.submitted;
    let called = false;
    ring.submitWith({ syscall: 'nop', prep: (u, sqe) => u.prepNop(sqe) }, () => (called = true), { signal: AbortSignal.abort() });
    assert.equal(called, false, 'never called back before submitWith returns');
    const { error } = await submitWith(ring, { syscall: 'nop', prep: (u, sqe) => u.prepNop(sqe) }, { signal: AbortSignal.abort() }).settled;
    assert.equal(error?.name, 'AbortError');
    assert.equal(called, true);
    assert.equal(ring.stats.submitted, submitted);
  });
});

test('a deadline calls back with ETIMEDOUT', async () => {
  await withPipe(8, async (ring, r) => {
    const { settled, calls } = submitWith(ring, readSpec(r, Buffer.alloc(4)), { timeout: 10 });
    const { error } = await settled;
    assert.equal(error?.code, 'ETIMEDOUT');
    assert.equal(error?.syscall, 'read');
    assert.equal(ring.inFlight, 0);
    await turn();
    assert.equal(calls.length, 1);
  });
});

test('closing the ring with an op in flight, and one queued for room, calls each back once with ERR_RINGCORE_CLOSED', async () => {
  // 2 SQEs, 4 slots of which 1 is kept for cancellations: the fourth read waits for room.
  await withPipe(2, async (ring, r) => {
    const ops = Array.from({ length: 4 }, () => submitWith(ring, readSpec(r, Buffer.alloc(4))));
    await turn();
    assert.equal(ring.waiting, 1);
    await ring.close();
    const outcomes = await Promise.all(ops.map((op) => op.settled));
    for (const { error } of outcomes) assert.equal(error?.code, 'ERR_RINGCORE_CLOSED');
    for (const op of ops) assert.equal(op.calls.length, 1);
  });
});

test('an op dropped where it is started (a closed ring, a prep that throws) calls back after submitWith returns, once', async () => {
  await withPipe(8, async (ring) => {
    const throwing = {
      syscall: 'nop',
      prep: () => {
        throw new Error('prep failure (expected by the test)');
      },
    };
    const failed = submitWith(ring, throwing);
    assert.equal(failed.calls.length, 0, 'a prep that threw: not called back inside submitWith');
    assert.equal((await failed.settled).error?.message, 'prep failure (expected by the test)');
    const closing = ring.close();
    const late = submitWith(ring, { syscall: 'nop', prep: (u, sqe) => u.prepNop(sqe) });
    assert.equal(late.calls.length, 0, 'a closed ring: not called back inside submitWith');
    assert.equal((await late.settled).error?.code, 'ERR_RINGCORE_CLOSED');
    await closing;
    await turn();
    assert.equal(failed.calls.length, 1);
    assert.equal(late.calls.length, 1);
  });
});

test('a callback that throws is reported as uncaught after the reap, which goes on: every other op of it is called back, once', {
  skip: nodeChildSkip(),
}, async () => {
  // In a child: the throw is an uncaught exception, which the program survives with a handler.
  const index = JSON.stringify(new URL('../../src/index.js', import.meta.url).href);
  const program = `
    const { Ring } = await import(${index});
    const uncaught = [];
    process.on('uncaughtException', (error) => uncaught.push(error.message));
    const ring = new Ring({ entries: 16 });
    const calls = new Array(8).fill(0);
    const nop = { syscall: 'nop', prep: (u, sqe) => u.prepNop(sqe) };
    for (let i = 0; i < 8; i++) {
      ring.submitWith(nop, () => {
        calls[i]++;
        if (i === 2) throw new Error('callback ' + i + ' threw');
      });
    }
    while (calls.some((n) => n === 0)) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    console.log(JSON.stringify({ calls, uncaught, inFlight: ring.inFlight }));
    await ring.close();`;
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', program], (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
  assert.deepEqual(JSON.parse(out), { calls: [1, 1, 1, 1, 1, 1, 1, 1], uncaught: ['callback 2 threw'], inFlight: 0 });
});

test('bad arguments throw before any SQE: a callback that is not a function, a bad timeout', async () => {
  await withPipe(8, async (ring) => {
    const nop = { syscall: 'nop', prep: (u: Ring['uring'], sqe: number) => u.prepNop(sqe) };
    assert.throws(() => ring.submitWith(nop, 'no' as never), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => ring.submitWith(nop, () => {}, { timeout: -1 }), { name: 'RangeError' });
    assert.equal(ring.stats.submitted, 0);
    assert.equal(ring.inFlight, 0);
  });
});
