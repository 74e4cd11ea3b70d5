// A cancel that misses a multishot op still in flight is sent again. On a
// DEFER_TASKRUN ring, an interval whose timer has fired is off the kernel's
// timeout list until its task work (run by our next enter) re-arms it; an
// ASYNC_CANCEL submitted in that enter finds nothing (-ENOENT), and the
// interval then ticked for ever: close() never resolved. (It showed up under
// the thread driver, whose wake-ups land at other moments.)

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { interval } from '../../src/time/index.js';
import { deferTaskRunRing } from '../../test-support/kernel.js';

test('stopping an interval caught between two ticks ends it; the ring then closes', { timeout: 10_000 }, async (t) => {
  const ring = deferTaskRunRing(t, 8);
  if (ring === null) return;
  try {
    for (let round = 0; round < 5; round++) {
      const ticks = interval(1, { ring });
      assert.equal((await ticks.next()).done, false);
      // Let the timer fire again without entering the ring: its re-arm now waits for our next enter.
      const until = Date.now() + 5;
      while (Date.now() < until);
      await ticks.return();
      await ticks.settled();
      assert.equal(ring.inFlight, 0, `round ${round}: the interval ended`);
    }
  } finally {
    await ring.close();
  }
});
