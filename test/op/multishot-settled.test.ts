// Multishot.settled(): resolves only once the kernel has given the op back
// (its final CQE), later than return(), which resolves at once. Owners of
// what an op pins (a UDP socket's buffer group) wait on it before freeing it.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { Ring } from '../../src/index.js';
import { interval } from '../../src/time/index.js';
import { hasMultishotTimeout } from '../../test-support/kernel.js';

test('settled() resolves after the cancelled op has left the kernel, not at return()', { timeout: 5_000 }, async (t) => {
  const ring = new Ring({ entries: 4 });
  try {
    if (!(await hasMultishotTimeout(ring))) return void t.skip('the kernel lacks IORING_TIMEOUT_MULTISHOT (Linux 6.4)');
    const ticker = interval(60_000, { ring });
    assert.equal(ring.inFlight, 1);
    let settled = false;
    const whenSettled = ticker.settled().then(() => (settled = true));
    assert.deepEqual(await ticker.return(), { value: undefined, done: true });
    assert.equal(settled, false, 'return() does not wait for the kernel');
    assert.ok(ring.inFlight >= 1, 'the timer still holds its slot (and the cancel one)');
    await whenSettled;
    assert.equal(ring.inFlight, 0, 'settled: the slot is back');
    await ticker.settled(); // and at once from then on
  } finally {
    await ring.close();
  }
});

test('settled() of an op dropped before its SQE (an aborted signal) resolves at once', async () => {
  const ring = new Ring({ entries: 4 });
  try {
    const ticker = interval(1, { ring, signal: AbortSignal.abort() });
    await ticker.settled();
    assert.equal(ticker.arms, 0);
    await assert.rejects(ticker.next(), { name: 'AbortError' });
  } finally {
    await ring.close();
  }
});
