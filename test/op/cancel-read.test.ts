// The kernel never writes into memory given back: a READ on an empty pipe is
// aborted; the data written to the pipe afterwards must not be consumed by the
// cancelled read nor land in its buffer. (Freeing such a buffer while the
// kernel still owns it lets the kernel write into whatever reuses the memory.)

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { writeSync } from 'node:fs';

import { AbortError, constants as C, type TraceEvent } from '../../src/index.js';
import { read, withPipe, withTracedPipe } from '../../test-support/kernel.js';

test('an aborted pipe read neither consumes later data nor writes into its buffer', { timeout: 5_000 }, () =>
  withTracedPipe(8, async (ring, readFd, writeFd, events) => {
    const stale = Buffer.alloc(64, 0xaa);
    const controller = new AbortController();
    const reason = new Error('stop reading');
    const reading = read(ring, readFd, stale, { signal: controller.signal });
    // Let it reach the kernel and block there.
    await ring.nop();
    assert.equal(ring.inFlight, 1, 'the read is blocked in the kernel');
    controller.abort(reason);
    await assert.rejects(reading, (error: unknown) => {
      assert.ok(error instanceof AbortError);
      assert.equal(error.code, 'ABORT_ERR');
      assert.equal(error.cause, reason);
      return true;
    });
    const readSqe = events.find((e): e is Extract<TraceEvent, { type: 'sqe' }> => e.type === 'sqe' && e.opcode === C.IORING_OP_READ)!;
    const readCqe = events.find((e) => e.type === 'cqe' && e.userData === readSqe.userData);
    assert.ok(readCqe?.type === 'cqe' && readCqe.res < 0, 'the read completed with an error, not with data');
    assert.ok(events.some((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_ASYNC_CANCEL));
    assert.equal(ring.inFlight, 0);

    assert.equal(writeSync(writeFd, 'hello, pipe'), 11);
    const fresh = Buffer.alloc(64);
    const n = await read(ring, readFd, fresh);
    assert.equal(fresh.subarray(0, n).toString(), 'hello, pipe', 'all of the data is still in the pipe');
    assert.ok(
      stale.every((byte) => byte === 0xaa),
      'the aborted read wrote nothing into its buffer',
    );
  }),
);

test('many aborted reads on one pipe, then a write: only the fresh read gets the data', { timeout: 5_000 }, () =>
  withPipe(16, async (ring, readFd, writeFd) => {
    const controller = new AbortController();
    const buffers = Array.from({ length: 10 }, () => Buffer.alloc(16, 0x55));
    const reads = buffers.map((buffer) => read(ring, readFd, buffer, { signal: controller.signal }));
    await ring.nop();
    controller.abort();
    for (const p of reads) await assert.rejects(p, { name: 'AbortError' });
    writeSync(writeFd, 'x'.repeat(16));
    const fresh = Buffer.alloc(16);
    assert.equal(await read(ring, readFd, fresh), 16);
    assert.equal(fresh.toString(), 'x'.repeat(16));
    assert.ok(buffers.every((buffer) => buffer.every((byte) => byte === 0x55)));
  }),
);
