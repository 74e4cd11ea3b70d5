// Linked chains (IOSQE_IO_LINK): ring.link() submits its ops in one batch;
// each runs after the previous one succeeded, and after a failure the rest
// reject with ECANCELED errors that say an earlier op failed.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { constants } from 'node:os';

import { Ring, constants as C, type OpSpec } from '../../src/index.js';
import { addressOf } from '../../src/sys/memory.js';
import { linuxBefore, readSpec, withTracedPipe } from '../../test-support/kernel.js';

const nopSpec = (): OpSpec<unknown> => ({ syscall: 'nop', prep: (u, sqe) => u.prepNop(sqe) });
const writeSpec = (fd: number, data: Buffer): OpSpec<unknown> => ({
  syscall: 'write',
  prep: (u, sqe) => u.prepWrite(sqe, fd, addressOf(data), data.length, -1),
  pin: data,
});

test('a chain whose middle op fails: the first resolves, the failure rejects, the rest reject ECANCELED', async () => {
  const ring = new Ring({ entries: 8 });
  try {
    const buffer = Buffer.alloc(4);
    const [first, failing, after] = ring.link([nopSpec(), readSpec(-1, buffer), nopSpec()]);
    const head = await first!.catch((error: unknown) => error);
    if (linuxBefore(6, 1) && head instanceof Error) {
      // Linux 5.10 fails a chain with an op the submission refuses (the bad fd here) as a whole: the
      // ops before it are not run either, and reject with the kernel's ECANCELED. 6.1 runs them.
      assert.equal((head as NodeJS.ErrnoException).code, 'ECANCELED');
      assert.equal((head as NodeJS.ErrnoException).syscall, 'nop');
    } else assert.equal(head, 0);
    await assert.rejects(failing!, { code: 'EBADF', syscall: 'read', errno: -constants.errno.EBADF });
    await assert.rejects(after!, (error: NodeJS.ErrnoException) => {
      assert.equal(error.code, 'ECANCELED');
      assert.equal(error.errno, -constants.errno.ECANCELED);
      assert.equal(error.syscall, 'nop');
      assert.match(error.message, /^ECANCELED: .*, nop \(not run: an earlier operation in its linked chain failed\)$/);
      return true;
    });
    assert.equal(ring.inFlight, 0);
  } finally {
    await ring.close();
  }
});

test('a failed open in a chain cancels the read linked after it', async () => {
  const ring = new Ring({ entries: 8 });
  try {
    const path = Buffer.from('/nonexistent/ringcore-link-test\0');
    const buffer = Buffer.alloc(4);
    const [open, read] = ring.link([
      {
        syscall: 'open',
        prep: (u, sqe) => u.prepOpenat(sqe, -100 /* AT_FDCWD */, addressOf(path), 0, 0),
        pin: path,
        context: { path: '/nonexistent/ringcore-link-test' },
      },
      readSpec(0, buffer),
    ]);
    await assert.rejects(open!, { code: 'ENOENT', message: "ENOENT: no such file or directory, open '/nonexistent/ringcore-link-test'" });
    await assert.rejects(read!, { code: 'ECANCELED', message: /earlier operation in its linked chain failed/ });
  } finally {
    await ring.close();
  }
});

test('a successful chain runs in order, in one submit: write then read the same pipe', () =>
  withTracedPipe(8, async (ring, readFd, writeFd, events) => {
    const order: string[] = [];
    const buffer = Buffer.alloc(16);
    const ops = ring.link([writeSpec(writeFd, Buffer.from('abc')), writeSpec(writeFd, Buffer.from('def')), readSpec(readFd, buffer)]);
    ops.forEach((p, i) => void p.then(() => order.push(`op${i}`)));
    const results = await Promise.all(ops);
    assert.deepEqual(results, [3, 3, 6]);
    assert.equal(buffer.subarray(0, 6).toString(), 'abcdef');
    assert.deepEqual(order, ['op0', 'op1', 'op2']);
    const sqes = events.filter((e) => e.type === 'sqe');
    assert.deepEqual(
      sqes.map((e) => e.type === 'sqe' && e.flags & C.IOSQE_IO_LINK),
      [C.IOSQE_IO_LINK, C.IOSQE_IO_LINK, 0],
      'every op but the last carries IOSQE_IO_LINK',
    );
    const enters = events.filter((e) => e.type === 'enter' && e.toSubmit > 0);
    assert.equal(enters.length, 1, 'the chain went in one submit');
  }));

test('link(..., {timeout}) puts a LINK_TIMEOUT on the last op', { timeout: 5_000 }, () =>
  withTracedPipe(8, async (ring, readFd, _writeFd, events) => {
    const buffer = Buffer.alloc(4);
    const [first, blocked] = ring.link([nopSpec(), readSpec(readFd, buffer)], { timeout: 30 });
    assert.equal(await first, 0);
    await assert.rejects(blocked!, (error: NodeJS.ErrnoException) => {
      assert.equal(error.code, 'ETIMEDOUT');
      assert.equal(error.syscall, 'read');
      assert.match(error.message, /^ETIMEDOUT: .*, read \(deadline of 30 ms passed\)$/);
      return true;
    });
    assert.deepEqual(
      events.flatMap((e) => (e.type === 'sqe' ? [e.opcode] : [])),
      [C.IORING_OP_NOP, C.IORING_OP_READ, C.IORING_OP_LINK_TIMEOUT],
    );
    // A chain that finishes in time is not affected.
    const fast = ring.link([nopSpec(), nopSpec()], { timeout: 1000 });
    assert.deepEqual(await Promise.all(fast), [0, 0]);
    assert.equal(ring.inFlight, 0);
  }),
);

test('link() argument checks', async () => {
  const ring = new Ring({ entries: 2 });
  try {
    assert.deepEqual(ring.link([]), []);
    assert.throws(() => ring.link('x' as unknown as OpSpec<unknown>[]), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    // A chain must fit in one submit.
    assert.throws(() => ring.link([nopSpec(), nopSpec(), nopSpec()]), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.deepEqual(await Promise.all(ring.link([nopSpec(), nopSpec()])), [0, 0]);
    // With {timeout} its LINK_TIMEOUT must fit too.
    assert.throws(() => ring.link([nopSpec(), nopSpec()], { timeout: 10 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.deepEqual(await Promise.all(ring.link([nopSpec()], { timeout: 1000 })), [0]);
  } finally {
    await ring.close();
  }
});

test('a chain as long as the SQ, on a ring whose CQ is no larger, is refused rather than left waiting forever', async () => {
  // 4 slots, one kept for cancellations: a 4-op chain could never be placed.
  const ring = new Ring({ entries: 4, cqEntries: 4 });
  try {
    assert.throws(() => ring.link([nopSpec(), nopSpec(), nopSpec(), nopSpec()]), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.deepEqual(await Promise.all(ring.link([nopSpec(), nopSpec(), nopSpec()])), [0, 0, 0]);
    assert.equal(ring.waiting, 0);
  } finally {
    await ring.close();
  }
});
