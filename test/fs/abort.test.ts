// Aborting a large readFile or copyFile in the middle: it rejects with an
// AbortError only once the kernel has given back every op (nothing in flight
// that could still write into a buffer), the fds it opened are closed, the
// registered buffers are back in the pool and stay untouched afterwards.
import { after } from 'node:test';
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';

import { Ring, addTraceListener, constants as C } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import { native } from '../../src/sys/native.js';
import { SYS_fcntl } from '../../src/sys/syscalls.js';
import { fdCount, leakedSince, openFds } from '../../test-support/fds.js';

const SIZE = 64 * 1024 * 1024;
const execFileAsync = promisify(execFile);
const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-abort-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));
const src = join(dir, 'src');
nodeFs.writeFileSync(src, Buffer.alloc(SIZE, 0x5a));

const drained = Buffer.alloc(1 << 20);

/** Reads a non-blocking pipe until it is empty; returns the bytes read. */
function drainPipe(fd: number): number {
  let total = 0;
  for (;;) {
    try {
      const n = nodeFs.readSync(fd, drained);
      if (n === 0) return total;
      total += n;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return total;
      throw error;
    }
  }
}

/** Aborts `controller` once `reads` read CQEs of `ring` were reaped: in the middle of the work. */
function abortAfterReads(ring: Ring, controller: AbortController, reads: number): () => void {
  let seen = 0;
  return addTraceListener((event) => {
    if (event.ring !== ring.uring.id || event.type !== 'cqe' || event.res <= 0) return;
    if (++seen === reads) queueMicrotask(() => controller.abort(new Error('enough')));
  });
}

/**
 * Aborts `controller` once `ring` submitted the second chain of SPLICEs. A
 * chain posts one CQE (its splices skip theirs on success), so counting CQEs
 * cannot stop it in the middle of one: the submit after the first chain's CQE can.
 */
function abortInSecondSpliceChain(ring: Ring, controller: AbortController): () => void {
  const splices = new Set<string>();
  let firstChainDone = false;
  return addTraceListener((event) => {
    if (event.ring !== ring.uring.id) return;
    if (event.type === 'sqe' && event.opcode === C.IORING_OP_SPLICE) splices.add(`${event.slot}:${event.generation}`);
    else if (event.type === 'cqe' && event.res > 0 && splices.has(`${event.slot}:${event.generation}`)) firstChainDone = true;
    else if (event.type === 'enter' && event.toSubmit > 0 && firstChainDone && !controller.signal.aborted) {
      queueMicrotask(() => controller.abort(new Error('enough')));
    }
  });
}

for (const [method, registered] of [
  ['readwrite', true],
  ['readwrite', false],
  ['splice', false],
] as const) {
  test(`abort in the middle of copyFile (${method}${registered ? ', registered buffers' : ''}): no fd leaked, no op in flight, buffers untouched`, async () => {
    const ring = new Ring();
    const before = fdCount();
    const controller = new AbortController();
    const stop = method === 'splice' ? abortInSecondSpliceChain(ring, controller) : abortAfterReads(ring, controller, 6);
    const dest = join(dir, `dest-${method}-${registered}`);
    await assert.rejects(fs.copyFile(src, dest, 0, { ring, signal: controller.signal, method, registered }), { name: 'AbortError', code: 'ABORT_ERR' });
    stop();
    assert.equal(ring.inFlight, 0, 'every op was given back by the kernel before the rejection');
    assert.equal(fdCount(), before, 'both fds closed');
    const size = nodeFs.statSync(dest).size;
    assert.ok(size < SIZE, `stopped in the middle (${size} of ${SIZE} bytes)`);
    // Scribble over the registered buffers: no late read may land in them, no late write may use them.
    const buffers = ring.uring.buffers ?? [];
    assert.equal(buffers.length > 0, registered);
    for (const b of buffers) new Uint8Array(b.buffer, b.byteOffset, b.byteLength).fill(0xee);
    await delay(50);
    await ring.nop();
    for (const b of buffers)
      assert.ok(
        new Uint8Array(b.buffer, b.byteOffset, b.byteLength).every((x) => x === 0xee),
        'a registered buffer changed after the abort',
      );
    assert.equal(nodeFs.statSync(dest).size, size, 'nothing written after the abort');
    await ring.close();
  });
}

test('abort in the middle of readFile: no fd leaked, no op in flight', async () => {
  const ring = new Ring();
  const before = fdCount();
  const controller = new AbortController();
  const stop = abortAfterReads(ring, controller, 4);
  await assert.rejects(fs.readFile(src, { ring, signal: controller.signal }), (error: Error & { cause?: Error }) => {
    assert.equal(error.name, 'AbortError');
    assert.equal(error.cause?.message, 'enough');
    return true;
  });
  stop();
  assert.equal(ring.inFlight, 0);
  assert.equal(fdCount(), before);
  // The same ring goes on working.
  assert.equal(((await fs.readFile(src, { ring })) as Buffer).length, SIZE);
  await ring.close();
});

test('many aborted readFiles and copyFiles leave no fd behind', async () => {
  const ring = new Ring();
  const before = fdCount();
  const work: Promise<unknown>[] = [];
  for (let i = 0; i < 10; i++) {
    const controller = new AbortController();
    work.push(fs.readFile(src, { ring, signal: controller.signal }), fs.copyFile(src, join(dir, `many-${i}`), 0, { ring, signal: controller.signal }));
    setTimeout(() => controller.abort(), i);
  }
  const results = await Promise.allSettled(work);
  for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as Error).name, 'AbortError');
  assert.equal(ring.inFlight, 0);
  assert.equal(fdCount(), before);
  await ring.close();
});

test('abort of a cat into a pipe nobody reads: the blocked splice is cancelled, nothing reaches the pipe afterwards', async () => {
  const ring = new Ring();
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  // Our own read end, never read until the abort: the splices fill the pipe, then wait for room.
  const readEnd = nodeFs.openSync(fifo, nodeFs.constants.O_RDONLY | nodeFs.constants.O_NONBLOCK);
  const writeEnd = nodeFs.openSync(fifo, 'w');
  const controller = new AbortController();
  // Abort once the pipe holds data (a POLL_ADD for POLLIN, which reads nothing):
  // the splices succeed without CQEs, so there is no CQE to wait for.
  const POLLIN = 1;
  void ring.submit({ syscall: 'poll', prep: (u, sqe) => u.prepPollAdd(sqe, readEnd, POLLIN) }).then(() => controller.abort(new Error('enough')));
  await using from = await fs.open(src);
  await assert.rejects(fs.spliceTransfer(ring, { fd: from.fd }, { fd: writeEnd }, { size: SIZE, positional: false, signal: controller.signal }), {
    name: 'AbortError',
  });
  assert.equal(ring.inFlight, 0, 'the splice waiting for room was given back');
  assert.ok(drainPipe(readEnd) > 0, 'the pipe got the splices before the abort');
  await delay(50);
  await ring.nop();
  assert.equal(drainPipe(readEnd), 0, 'nothing was spliced into the pipe after the abort');
  nodeFs.closeSync(writeEnd);
  nodeFs.closeSync(readEnd);
  await ring.close();
});

test('many aborts of a cat into a pipe nobody reads, beside busy CPUs: each settles (a cancel that misses the next link of a chain is sent again; a pool thread gives a full pipe back to the ring)', async () => {
  // A chain's next link is on none of the kernel's lists while its io-wq worker
  // moves to it from the link before (cur_work is NULL through a cond_resched):
  // a cancel landing there answers -ENOENT, and the link then blocks on the full
  // pipe. Busy CPUs and several rings at once make the worker lose its CPU
  // there. Without the cancel being sent again, such an abort hangs until the
  // pipe is read. Every other pipe is left at 64 KiB, which spliceTransfer fills
  // from a pool thread (spliceToPipe) instead: the abort must reach it too.
  const LANES = 3;
  const ITERATIONS = 40;
  const HANG_MS = 10_000;
  const POLLIN = 1;
  const busy = [0, 1].map(() => spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
  let hung = 0;
  const rings = Array.from({ length: LANES }, () => new Ring());
  await Promise.all(rings.map((ring) => ring.nop()));
  // fs.open() without a ring uses the default ring: open its fd before counting.
  await (await fs.open(src)).close();
  const before = openFds();
  const lane = async (l: number): Promise<void> => {
    const ring = rings[l]!;
    {
      await using from = await fs.open(src);
      for (let i = 0; i < ITERATIONS; i++) {
        const fifo = join(dir, `busy-fifo-${l}-${i}`);
        // Not execFileSync: a spawnSync blocks the whole event loop, all three lanes with it (0.2–0.8 s
        // each at load 12, more at 25), and retries, CQEs and this lane's deadline all wait behind it.
        await execFileAsync('mkfifo', [fifo]);
        const readEnd = nodeFs.openSync(fifo, nodeFs.constants.O_RDONLY | nodeFs.constants.O_NONBLOCK);
        const writeEnd = nodeFs.openSync(fifo, 'w');
        // 1 MiB: chains of linked SPLICEs in io-wq; 64 KiB: the pool thread's loop.
        if (i % 2 === 0) assert.ok(native.syscall(SYS_fcntl, writeEnd, C.F_SETPIPE_SZ, 1 << 20) >= 1 << 20, 'a 1 MiB pipe');
        const controller = new AbortController();
        void ring.submit({ syscall: 'poll', prep: (u, sqe) => u.prepPollAdd(sqe, readEnd, POLLIN) }).then(() => controller.abort(new Error('enough')));
        const copy = fs.spliceTransfer(ring, { fd: from.fd }, { fd: writeEnd }, { size: SIZE, positional: false, signal: controller.signal });
        // Not a timing assertion: an abort that misses hangs for ever; this reads the pipe to end the iteration, and counts it.
        let unblock: ReturnType<typeof setInterval> | undefined;
        const deadline = setTimeout(() => {
          hung++;
          unblock = setInterval(() => drainPipe(readEnd), 1);
        }, HANG_MS);
        await assert.rejects(copy, { name: 'AbortError' });
        clearTimeout(deadline);
        clearInterval(unblock);
        assert.equal(ring.inFlight, 0, `lane ${l}, iteration ${i}: every splice was given back`);
        drainPipe(readEnd);
        await ring.nop();
        assert.equal(drainPipe(readEnd), 0, `lane ${l}, iteration ${i}: nothing was spliced into the pipe after the abort`);
        nodeFs.closeSync(writeEnd);
        nodeFs.closeSync(readEnd);
        nodeFs.rmSync(fifo);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: LANES }, (_, l) => lane(l)));
  } finally {
    for (const child of busy) child.kill();
  }
  assert.equal(hung, 0, `${hung} of ${LANES * ITERATIONS} aborts settled only once the pipe was read`);
  assert.deepEqual(leakedSince(before), [], 'no fd left open');
  await Promise.all(rings.map((ring) => ring.close()));
});
