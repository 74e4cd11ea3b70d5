// writev(), readv() and shutdown() check their options at the call whether
// or not another call of the stream is under way, as write() does. A call
// that started at once left them to the op, and one that makes no op (an
// empty writev or readv) never checked them: writev([], { signal: 5 })
// resolved, and an aborted signal was ignored, unless a write was pending.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { assertNextRead, withSocketpair } from '../../test-support/socketpair.js';

test('writev(), readv() and shutdown() refuse bad options and an aborted signal at the call, with no call under way', () =>
  withSocketpair({ entries: 64 }, async (a, b) => {
    const bad = { signal: 5 as unknown as AbortSignal };
    const aborted = { signal: AbortSignal.abort() };
    for (const buffers of [[], [Buffer.alloc(0)], [Buffer.from('x')]]) {
      const what = `writev([${buffers.map((v) => v.length)}])`;
      assert.throws(() => a.writev(buffers, bad), { code: 'ERR_INVALID_ARG_TYPE' }, `${what}: a bad signal`);
      await assert.rejects(a.writev(buffers, aborted), { name: 'AbortError' }, `${what}: an aborted signal`);
    }
    for (const buffers of [[], [Buffer.alloc(0)]]) {
      const what = `readv([${buffers.map((v) => v.length)}])`;
      assert.throws(() => b.readv(buffers, bad), { code: 'ERR_INVALID_ARG_TYPE' }, `${what}: a bad signal`);
      await assert.rejects(b.readv(buffers, aborted), { name: 'AbortError' }, `${what}: an aborted signal`);
    }
    assert.throws(() => a.shutdown('write', bad), { code: 'ERR_INVALID_ARG_TYPE' }, 'shutdown: a bad signal');
    await assert.rejects(a.shutdown('write', aborted), { name: 'AbortError' }, 'shutdown: an aborted signal');
    // Nothing of those went out, and the stream still works.
    await assertNextRead(a, b, 'ok');
  }));
