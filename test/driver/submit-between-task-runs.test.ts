// A DEFER_TASKRUN ring runs a bounded amount of queued task work per enter
// (the kernel leaves the rest and sets IORING_SQ_TASKRUN), so a flush enters
// a second time for it. SQEs that the completions of the first part placed
// (an HTTP server's responses) go out in that second enter, not only after
// the second part has been handled: replies leave in batches half the size.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { constants as C, type OpSpec, type TraceEvent } from '../../src/index.js';
import { sleep } from '../../src/time/index.js';
import { closePipe, deferTaskRunRing, pipe, readSpec, record, writeTo } from '../../test-support/kernel.js';

const NOP: OpSpec<number> = { syscall: 'nop', prep: (u, sqe) => u.prepNop(sqe) };
const READS = 200;

test('SQEs placed by the first completions of a flush are submitted by the enter that runs the rest of the task work', { timeout: 20_000 }, async (t) => {
  const ring = deferTaskRunRing(t, 512);
  if (ring === null) return;
  const pipes = Array.from({ length: READS }, () => pipe());
  const buffers = pipes.map(() => Buffer.alloc(1));
  try {
    let answered = 0;
    let done!: () => void;
    const allAnswered = new Promise<void>((resolve) => {
      done = resolve;
    });
    // Each read, settled by callback from the reap, places a NOP at once (as a server places its response).
    pipes.forEach(([r], i) => {
      ring.submitWith(readSpec(r, buffers[i]!), (error) => {
        assert.equal(error, null);
        ring.submitWith(NOP, (nopError) => {
          assert.equal(nopError, null);
          if (++answered === READS) done();
        });
      });
    });
    await sleep(20, { ring }); // every read is waiting in the kernel
    const trace = record(ring);
    // All reads become ready at once: their task work queues up for the next enter.
    for (const [, w] of pipes) writeTo(w, 'x');
    await ring.nop();
    await allAnswered;
    trace.stop();

    const opcodes = new Map<number, number>();
    const kinds: ('read' | 'nop-sqe' | 'enter' | 'other')[] = [];
    for (const event of trace.events as TraceEvent[]) {
      if (event.type === 'sqe') {
        opcodes.set(event.userData, event.opcode);
        kinds.push(event.opcode === C.IORING_OP_NOP ? 'nop-sqe' : 'other');
      } else if (event.type === 'cqe') {
        kinds.push(opcodes.get(event.userData) === undefined ? 'read' : 'other');
      } else {
        kinds.push('enter');
      }
    }
    const firstRead = kinds.indexOf('read');
    assert.ok(firstRead >= 0, 'the reads completed');
    const nextEnter = kinds.indexOf('enter', firstRead);
    const readsBefore = kinds.slice(firstRead, nextEnter < 0 ? kinds.length : nextEnter).filter((k) => k === 'read').length;
    if (readsBefore === READS) {
      t.skip(`the kernel ran all ${READS} reads' task work in one enter: nothing was left for a second`);
      return;
    }
    // The enter after the first completions carries the NOPs they placed: their SQEs are published just before it.
    const published = kinds.slice(firstRead, nextEnter).filter((k) => k === 'nop-sqe').length;
    assert.equal(published, readsBefore, `the ${readsBefore} NOPs placed by the first ${readsBefore} completions go out with the next enter`);
  } finally {
    for (const fds of pipes) closePipe(fds);
    await ring.close();
  }
});
