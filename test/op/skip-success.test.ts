// Ops that post no CQE on success (IOSQE_CQE_SKIP_SUCCESS) inside a linked
// chain: each keeps its slot and pins until a later op of its chain posts a
// CQE, then resolves with its spec's skipSuccess; one that fails posts its own
// CQE, and the kernel then posts none for the rest of the chain, which the
// submitter completes as cancelled. Where the kernel lacks the feature
// (IORING_FEAT_CQE_SKIP, Linux 5.17) every op posts its CQE, as before.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';

import { AbortError, Ring, constants as C, type OpSpec, type TraceEvent } from '../../src/index.js';
import { spliceSpec } from '../../src/fs/splice-spec.js';
import { pipe, readSpec, record, withTracedRing } from '../../test-support/kernel.js';

const nop = (skipSuccess?: number): OpSpec<unknown> => ({ syscall: 'nop', prep: (u, sqe) => u.prepNop(sqe), skipSuccess });
const skippingRead = (fd: number, buffer: Buffer): OpSpec<unknown> => ({ ...readSpec(fd, buffer), skipSuccess: buffer.length });

const sqeFlags = (events: TraceEvent[]) => events.flatMap((e) => (e.type === 'sqe' ? [e.flags] : []));
const cqeCount = (events: TraceEvent[]) => events.filter((e) => e.type === 'cqe').length;
const LINK = C.IOSQE_IO_LINK;
const SKIP = C.IOSQE_IO_LINK | C.IOSQE_CQE_SKIP_SUCCESS;

/** The ring, or null (and the test skipped, with why) on a kernel without IORING_FEAT_CQE_SKIP. */
function ringWithSkip(t: TestContext, entries = 8): Ring | null {
  const ring = new Ring({ entries });
  if ((ring.uring.features & C.IORING_FEAT_CQE_SKIP) !== 0) return ring;
  void ring.close();
  t.skip('needs IOSQE_CQE_SKIP_SUCCESS (IORING_FEAT_CQE_SKIP, Linux 5.17)');
  return null;
}

/** Records which promises settled, in order, and how. */
function settleOrder(promises: Promise<unknown>[]): string[] {
  const order: string[] = [];
  promises.forEach((p, i) =>
    p.then(
      () => order.push(`${i}`),
      () => order.push(`${i}!`),
    ),
  );
  return order;
}

test('a chain whose ops skip their success CQEs: one CQE, every op resolves in order, slots come back', async (t) => {
  const ring = ringWithSkip(t);
  if (ring === null) return;
  const { events, stop } = record(ring);
  try {
    const chain = ring.link([nop(0), nop(0), nop(0), nop()]);
    const order = settleOrder(chain);
    assert.deepEqual(await Promise.all(chain), [0, 0, 0, 0]);
    await turn();
    assert.deepEqual(order, ['0', '1', '2', '3']);
    assert.deepEqual(sqeFlags(events), [SKIP, SKIP, SKIP, 0], 'every op but the last skips its success CQE');
    assert.equal(cqeCount(events), 1, 'the chain posted one CQE');
    assert.equal(ring.inFlight, 0);

    // The slots are given back and reused: many more chains than the table has slots.
    const before = { ...ring.stats };
    for (let round = 0; round < 50; round++) {
      const chains: Promise<unknown>[][] = [ring.link([nop(0), nop(0), nop()]), ring.link([nop(0), nop(0), nop()])];
      assert.deepEqual(await Promise.all(chains.flat()), [0, 0, 0, 0, 0, 0]);
    }
    assert.equal(ring.inFlight, 0);
    assert.equal(ring.stats.completed - before.completed, 100, 'one CQE per chain');
    assert.equal(ring.stats.stale, 0);
  } finally {
    stop();
    await ring.close();
  }
});

test('a skipping op that fails posts its CQE: the ones before resolve, the rest reject as link-broken, and no CQE is lost or stale', async (t) => {
  const ring = ringWithSkip(t);
  if (ring === null) return;
  const { events, stop } = record(ring);
  try {
    const chain = ring.link([nop(0), nop(0), skippingRead(-1, Buffer.alloc(4)), nop(0), nop()]);
    const order = settleOrder(chain);
    const [a, b, failing, c, d] = chain;
    assert.equal(await a, 0);
    assert.equal(await b, 0);
    await assert.rejects(failing!, { code: 'EBADF', syscall: 'read' });
    for (const p of [c!, d!]) {
      await assert.rejects(p, (error: NodeJS.ErrnoException) => {
        assert.equal(error.code, 'ECANCELED');
        assert.equal(error.errno, -constants.errno.ECANCELED);
        assert.match(error.message, /earlier operation in its linked chain failed/);
        return true;
      });
    }
    await turn();
    assert.deepEqual(order, ['0', '1', '2!', '3!', '4!']);
    assert.deepEqual(sqeFlags(events), [SKIP, SKIP, SKIP, SKIP, 0]);
    // The kernel posts nothing for the ops after a failed skipping one: they
    // were completed here, and their slots given back, without a CQE.
    await ring.nop();
    assert.equal(cqeCount(events), 2, "the failing read's CQE, then the nop's");
    assert.equal(ring.stats.stale, 0);
    assert.equal(ring.inFlight, 0);
  } finally {
    stop();
    await ring.close();
  }
});

test('only a prefix of the chain skips: after an op without skipSuccess, a failure cancels the rest with their own CQEs', async (t) => {
  const ring = ringWithSkip(t);
  if (ring === null) return;
  const { events, stop } = record(ring);
  try {
    const [a, failing, b, c] = ring.link([nop(0), readSpec(-1, Buffer.alloc(4)), nop(0), nop()]);
    assert.equal(await a, 0);
    await assert.rejects(failing!, { code: 'EBADF' });
    await assert.rejects(b!, { code: 'ECANCELED' });
    await assert.rejects(c!, { code: 'ECANCELED' });
    assert.deepEqual(sqeFlags(events), [SKIP, LINK, LINK, 0]);
    assert.equal(cqeCount(events), 3);
    assert.equal(ring.inFlight, 0);
  } finally {
    stop();
    await ring.close();
  }
});

test('a short SPLICE in a chain fails the link in the kernel: it posts its count, the rest are cancelled', async (t) => {
  const ring = ringWithSkip(t);
  if (ring === null) return;
  const dir = mkdtempSync(join(tmpdir(), 'ringcore-skip-'));
  const file = join(dir, 'ten');
  writeFileSync(file, '0123456789');
  const fd = openSync(file, 'r');
  const [readEnd, writeEnd] = pipe();
  const { events, stop } = record(ring);
  try {
    // In full: both splices skip nothing but the last's CQE.
    const full = ring.link([{ ...spliceSpec(fd, 0, writeEnd, -1, 4), skipSuccess: 4 }, { ...spliceSpec(fd, 4, writeEnd, -1, 4), skipSuccess: 4 }, nop()]);
    assert.deepEqual(await Promise.all(full), [4, 4, 0]);
    assert.equal(cqeCount(events), 1);
    const got = Buffer.alloc(16);
    assert.equal(readSync(readEnd, got), 8);
    assert.equal(got.subarray(0, 8).toString(), '01234567');
    // Asked for 100 from offset 8: 2 come, which the kernel counts as a failure of the link.
    const [short, after] = ring.link([{ ...spliceSpec(fd, 8, writeEnd, -1, 100), skipSuccess: 100 }, nop()]);
    assert.equal(await short, 2);
    await assert.rejects(after!, { code: 'ECANCELED' });
    assert.equal(cqeCount(events), 2);
    assert.equal(readSync(readEnd, got), 2);
    assert.equal(ring.inFlight, 0);
  } finally {
    stop();
    await ring.close();
    closeSync(fd);
    closeSync(readEnd);
    closeSync(writeEnd);
    rmSync(dir, { recursive: true });
  }
});

test('a skipping op that succeeded holds its slot until the chain posts; an abort then resolves it and rejects the rest', { timeout: 5_000 }, async (t) => {
  const ring = ringWithSkip(t);
  if (ring === null) return;
  const [readEnd, writeEnd] = pipe();
  try {
    const controller = new AbortController();
    const buffer = Buffer.alloc(4);
    // The read waits on an empty pipe.
    const chain = ring.link([nop(0), skippingRead(readEnd, buffer), nop(0), nop()], { signal: controller.signal });
    const order = settleOrder(chain);
    for (let i = 0; i < 5; i++) await ring.nop();
    assert.deepEqual(order, [], 'the nop that succeeded waits for a CQE of its chain');
    assert.equal(ring.inFlight, 4, 'and keeps its slot meanwhile');
    const reason = new Error('stop');
    controller.abort(reason);
    const [done, read, ...rest] = chain;
    assert.equal(await done, 0, 'it completed before the abort, so it resolves');
    for (const p of [read!, ...rest]) {
      await assert.rejects(p, (error: unknown) => error instanceof AbortError && error.cause === reason);
    }
    await turn();
    assert.deepEqual(order, ['0', '1!', '2!', '3!']);
    assert.equal(ring.inFlight, 0);
    // The cancelled read is gone from the kernel: what is written now stays in the pipe.
    writeSync(writeEnd, 'data');
    await ring.nop();
    assert.deepEqual(buffer, Buffer.alloc(4));
    const got = Buffer.alloc(8);
    assert.equal(readSync(readEnd, got), 4);
    assert.equal(ring.stats.stale, 0);
  } finally {
    await ring.close();
    closeSync(readEnd);
    closeSync(writeEnd);
  }
});

test('closing the ring in the middle of a skipping chain: the ops done resolve, the rest reject, close waits for the kernel', { timeout: 5_000 }, async (t) => {
  const ring = ringWithSkip(t);
  if (ring === null) return;
  const [readEnd, writeEnd] = pipe();
  try {
    const buffer = Buffer.alloc(4);
    const chain = ring.link([nop(0), nop(0), skippingRead(readEnd, buffer), nop(0), nop()]);
    const order = settleOrder(chain);
    for (let i = 0; i < 5; i++) await ring.nop();
    assert.equal(ring.inFlight, 5);
    await ring.close();
    assert.equal(ring.inFlight, 0);
    await turn();
    assert.deepEqual(order, ['0', '1', '2!', '3!', '4!']);
    const [a, b, read, ...rest] = chain;
    assert.equal(await a, 0);
    assert.equal(await b, 0);
    for (const p of [read!, ...rest]) await assert.rejects(p, { code: 'ERR_RINGCORE_CLOSED' });
    writeSync(writeEnd, 'data');
    assert.equal(readSync(readEnd, Buffer.alloc(8)), 4, 'the read was gone from the kernel before close resolved');
    assert.deepEqual(buffer, Buffer.alloc(4));
  } finally {
    if (!ring.closed) await ring.close();
    closeSync(readEnd);
    closeSync(writeEnd);
  }
});

test('a deadline on a skipping chain bounds its last op; the ones before it resolve', { timeout: 5_000 }, async (t) => {
  const ring = ringWithSkip(t);
  if (ring === null) return;
  const [readEnd, writeEnd] = pipe();
  const { events, stop } = record(ring);
  try {
    const chain = ring.link([nop(0), nop(0), readSpec(readEnd, Buffer.alloc(4))], { timeout: 20 });
    const [a, b, read] = chain;
    await assert.rejects(read!, { code: 'ETIMEDOUT', syscall: 'read' });
    assert.equal(await a, 0);
    assert.equal(await b, 0);
    assert.deepEqual(sqeFlags(events), [SKIP, SKIP, LINK, 0], 'the link timeout follows the last op');
    assert.equal(ring.inFlight, 0);
  } finally {
    stop();
    await ring.close();
    closeSync(readEnd);
    closeSync(writeEnd);
  }
});

test('chains that wait for room skip their CQEs too once placed', async (t) => {
  const ring = ringWithSkip(t, 4);
  if (ring === null) return;
  try {
    const before = ring.stats.completed;
    const chains = Array.from({ length: 40 }, () => ring.link([nop(0), nop(0), nop()]));
    assert.ok(ring.waiting > 0, 'some chains waited for room');
    assert.deepEqual(await Promise.all(chains.flat()), new Array(120).fill(0));
    assert.equal(ring.stats.completed - before, 40);
    assert.equal(ring.inFlight, 0);
    assert.equal(ring.waiting, 0);
  } finally {
    await ring.close();
  }
});

test('without the feature (as on kernels before 5.17) the same chains post every CQE, with the same results', async () => {
  const ring = new Ring({ entries: 8 });
  ring.submitter.skipCqes = false;
  const { events, stop } = record(ring);
  try {
    assert.deepEqual(await Promise.all(ring.link([nop(0), nop(0), nop()])), [0, 0, 0]);
    const [a, failing, b] = ring.link([nop(0), skippingRead(-1, Buffer.alloc(4)), nop()]);
    assert.equal(await a, 0);
    await assert.rejects(failing!, { code: 'EBADF' });
    await assert.rejects(b!, { code: 'ECANCELED', message: /earlier operation in its linked chain failed/ });
    assert.deepEqual(sqeFlags(events), [LINK, LINK, 0, LINK, LINK, 0]);
    assert.equal(cqeCount(events), 6);
    assert.equal(ring.inFlight, 0);
  } finally {
    stop();
    await ring.close();
  }
});

test('skipSuccess must be an integer from 0 to 2 ** 31 - 1, checked before any SQE is written', () =>
  withTracedRing({ entries: 8 }, async (ring, events) => {
    assert.throws(() => ring.link([nop(-1), nop()]), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: /specs\[0\]\.skipSuccess/ });
    assert.throws(() => ring.link([nop(0), nop(1.5), nop()]), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: /specs\[1\]\.skipSuccess/ });
    assert.throws(() => ring.link([nop(2 ** 31), nop()]), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => ring.link([{ ...nop(), skipSuccess: '4' as unknown as number }, nop()]), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await turn();
    assert.deepEqual(events, []);
    assert.equal(ring.inFlight, 0);
    // A lone op, or one followed only by its own link timeout, has no later CQE to vouch for it: it posts its own.
    assert.equal(await ring.submit(nop(0)), 0);
    assert.equal(await ring.submit(nop(0), { timeout: 1000 }), 0);
    assert.deepEqual(sqeFlags(events), [0, LINK, 0]);
  }));
