// OpSpec.settled: called once as the op settles, fulfilled or rejected (or
// dropped before its SQE), before any reaction to its promise runs, so that a
// handle can count its ops in flight without a promise of its own per op.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { Ring } from '../../src/index.js';
import { addressOf } from '../../src/sys/memory.js';
import { native } from '../../src/sys/native.js';
import { SYS_write } from '../../src/sys/syscalls.js';
import { pipe, readSpec } from '../../test-support/kernel.js';

test('settled runs once on success and once on failure, before the awaiting code resumes', async () => {
  const ring = new Ring({ entries: 8 });
  const [r, w] = pipe();
  try {
    const calls: string[] = [];
    const ok = ring.submit({ ...readSpec(r, Buffer.alloc(4)), settled: () => calls.push('settled') });
    // The pipe is empty: the read waits in the kernel, unsettled.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls.length, 0);
    const data = Buffer.from('abcd');
    assert.equal(native.syscall(SYS_write, w, addressOf(data), 4), 4);
    const n = await ok.then((value) => {
      calls.push('resumed');
      return value;
    });
    assert.equal(n, 4);
    assert.deepEqual(calls, ['settled', 'resumed']);

    calls.length = 0;
    const bad = ring.submit({ ...readSpec(-1, Buffer.alloc(4)), settled: () => calls.push('settled') });
    await assert.rejects(
      bad.catch((error) => {
        calls.push('resumed');
        throw error;
      }),
      { code: 'EBADF' },
    );
    assert.deepEqual(calls, ['settled', 'resumed']);

    calls.length = 0;
    const controller = new AbortController();
    const aborted = ring.submit({ ...readSpec(r, Buffer.alloc(4)), settled: () => calls.push('settled') }, { signal: controller.signal });
    controller.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    assert.deepEqual(calls, ['settled']);
  } finally {
    native.close(r);
    native.close(w);
    await ring.close();
  }
});
