// A signal that arrives while run() is blocked in io_uring_enter makes the
// syscall return -EINTR. That is not a failure of anything: the executor
// enters again, and the op in flight completes normally.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

import { Ring, addTraceListener } from '../../src/index.js';
import { sleep } from '../../src/time/index.js';

test('EINTR from a blocking io_uring_enter is retried', { timeout: 10_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  let signals = 0;
  const onSignal = () => signals++;
  // SIGURG, which Node gives no meaning: from Node 24 on, the test runner turns
  // on --report-on-signal in its children, and SIGUSR2 would write a report file.
  process.on('SIGURG', onSignal);
  const results: number[] = [];
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id && event.type === 'enter' && event.minComplete > 0) results.push(event.ret);
  });
  try {
    // The signals come from another process while this thread is blocked in the kernel.
    const killer = spawn('sh', ['-c', `for i in 1 2 3; do sleep 0.05; kill -URG ${process.pid}; done`]);
    const killerDone = new Promise((resolve) => killer.on('exit', resolve));
    const value = await ring.run(async () => {
      await sleep(400, { ring });
      return 'slept';
    });
    await killerDone;
    assert.equal(value, 'slept');
    assert.ok(results.includes(-4), `an enter returned -EINTR and was retried (results: ${results.join(', ')})`);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(signals >= 1, 'the signal handler ran');
  } finally {
    stop();
    process.off('SIGURG', onSignal);
    await ring.close();
  }
});
