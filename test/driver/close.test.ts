// Closing a ring with ops in flight: they are cancelled in the kernel and
// reject with ERR_RINGCORE_CLOSED (cause: the kernel's ECANCELED); ops still
// waiting for room reject without reaching the kernel; close() resolves only
// once the kernel gave every op back, then the fd and the mappings are gone.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { closeSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
import { setImmediate as turn } from 'node:timers/promises';

import { Ring, addTraceListener, completionDriver, constants as C } from '../../src/index.js';
import { interval, sleep } from '../../src/time/index.js';
import { addressOf } from '../../src/sys/memory.js';
import { pipe } from '../../test-support/kernel.js';
import { fdCount } from '../../test-support/fds.js';

/** What fd is, or null if it is not open. */
function fdTarget(fd: number): string | null {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}

const ringMappings = () =>
  readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((line) => line.includes('io_uring')).length;

function closedInFlight(syscall: string) {
  return (error: Error & { code?: string; cause?: unknown }) => {
    assert.equal(error.name, 'RingcoreError');
    assert.equal(error.code, 'ERR_RINGCORE_CLOSED');
    assert.match(error.message, new RegExp(`^${syscall}: the ring was closed`));
    const cause = error.cause as NodeJS.ErrnoException;
    assert.equal(cause.code, 'ECANCELED', 'the kernel cancelled it');
    return true;
  };
}

test('close() with sleeps and a pipe read in flight: they reject ERR_RINGCORE_CLOSED, then the fd is closed', { timeout: 5_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  const [readFd, writeFd] = pipe();
  let cancels = 0;
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id && event.type === 'sqe' && event.opcode === C.IORING_OP_ASYNC_CANCEL) cancels++;
  });
  try {
    const buffer = Buffer.alloc(8, 0x33);
    const sleeps = [sleep(10_000, { ring }), sleep(10_001, { ring }), sleep(10_002, { ring })];
    const reading = ring.submit({ syscall: 'read', prep: (u, sqe) => u.prepRead(sqe, readFd, addressOf(buffer), 8, -1), pin: buffer });
    await ring.nop();
    assert.equal(ring.inFlight, 4);
    const fd = ring.uring.fd;
    assert.equal(fdTarget(fd), 'anon_inode:[io_uring]');
    const closing = ring.close();
    for (const p of sleeps) await assert.rejects(p, closedInFlight('timeout'));
    await assert.rejects(reading, closedInFlight('read'));
    await closing;
    assert.equal(cancels, 4);
    assert.equal(ring.uring.fd, -1);
    assert.equal(ring.inFlight, 0);
    assert.notEqual(fdTarget(fd), 'anon_inode:[io_uring]', 'the ring fd is closed');
    // The read left the pipe alone.
    writeSync(writeFd, 'still here');
    assert.ok(buffer.every((byte) => byte === 0x33));
  } finally {
    stop();
    closeSync(readFd);
    closeSync(writeFd);
  }
});

test('close() drops ops waiting for room (no SQE) and cancels a running interval', { timeout: 5_000 }, async () => {
  const ring = new Ring({ entries: 2 });
  let sqes = 0;
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id && event.type === 'sqe' && event.opcode === C.IORING_OP_TIMEOUT) sqes++;
  });
  try {
    const ticks: number[] = [];
    const ticking = (async () => {
      for await (const tick of interval(5, { ring })) ticks.push(tick);
    })();
    const sleeps = Array.from({ length: 6 }, (_, i) => sleep(10_000 + i, { ring }));
    await turn();
    const waiting = ring.waiting;
    assert.ok(waiting > 0, 'some sleeps wait for room');
    const placed = sqes;
    await ring.close();
    for (const p of sleeps) await assert.rejects(p, { code: 'ERR_RINGCORE_CLOSED' });
    await assert.rejects(ticking, { code: 'ERR_RINGCORE_CLOSED' });
    assert.equal(sqes, placed, 'the waiting sleeps never reached the kernel');
    assert.equal(ring.waiting, 0);
    assert.equal(ring.inFlight, 0);
  } finally {
    stop();
  }
});

test('creating and closing 20 rings leaks no fd and no mapping', async () => {
  // The default ring of this thread, if any, stays open throughout.
  const fdsBefore = fdCount();
  const mapsBefore = ringMappings();
  const rings = Array.from({ length: 20 }, () => new Ring({ entries: 8 }));
  // The ring's fd; the thread driver (Bun, Deno, RINGCORE_DRIVER=thread) adds its epoll fd and the eventfd that stops its thread.
  const fdsPerRing = completionDriver() === 'thread' ? 3 : 1;
  assert.equal(fdCount(), fdsBefore + 20 * fdsPerRing);
  assert.ok(ringMappings() >= mapsBefore + 20, 'each ring maps its SQ/CQ and SQEs');
  await Promise.all(rings.map((ring) => Promise.all([ring.nop(), sleep(1, { ring })])));
  await Promise.all(rings.map((ring) => ring.close()));
  assert.equal(fdCount(), fdsBefore);
  assert.equal(ringMappings(), mapsBefore, 'the rings were unmapped at close, not at some later GC');
});

test('close() called again from a callback that the close itself runs (a reader told its op ended): every call gets the one promise, and it resolves', {
  timeout: 10_000,
}, async () => {
  const settles = (p: Promise<void>) => Promise.race([p.then(() => 'resolved'), new Promise((r) => setTimeout(() => r('still pending'), 2000))]);
  for (const where of ['in flight', 'waiting for room']) {
    const ring = new Ring({ entries: 2 });
    try {
      // Sleeps take every slot ops may use: the interval after them waits for room, and close() drops it,
      // ending its reader at once. Else the interval is in the kernel, and close() cancels it.
      const sleeps = where === 'waiting for room' ? Array.from({ length: 8 }, (_, i) => sleep(10_000 + i, { ring })) : [];
      for (const p of sleeps) p.catch(() => {});
      const ticks = interval(10_000, { ring });
      let fromCallback: Promise<void> | null = null;
      let ended: unknown = 'not yet';
      ticks.read({
        value: () => {},
        end: (error) => {
          ended = error;
          fromCallback = ring.close();
        },
      });
      await turn();
      if (where === 'waiting for room') assert.ok(ring.waiting > 1, 'the interval waits for room, behind sleeps');
      else assert.equal(ring.waiting, 0, 'the interval is in the kernel');
      const closing = ring.close();
      assert.equal((ended as { code?: string }).code, 'ERR_RINGCORE_CLOSED', `${where}: the reader was told, from inside close()`);
      assert.equal(await settles(closing), 'resolved', `${where}: close() resolves`);
      assert.equal(await settles(fromCallback!), 'resolved', `${where}: the close() from the callback resolves too`);
      assert.equal(fromCallback, closing, `${where}: the same promise`);
    } finally {
      // Whatever failed above: no interval may keep the test process alive.
      void ring.close();
    }
  }
});
