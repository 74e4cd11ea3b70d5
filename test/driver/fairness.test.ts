// Ops that complete inline resume their callers without a trip through the
// event loop. A loop of them must still let Node's loop turn now and then, or
// timers and sockets beside it would starve.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { Ring } from '../../src/index.js';

test('a loop of inline-completing ops does not starve setTimeout', { timeout: 10_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  try {
    let fired = false;
    setTimeout(() => (fired = true), 5);
    let ops = 0;
    // Without fairness this loop never ends: the timer could never fire.
    while (!fired) {
      await ring.nop();
      ops++;
    }
    assert.ok(fired);
    assert.ok(ops > 0);
  } finally {
    await ring.close();
  }
});
