// A write larger than the socket's send buffer: one SEND with MSG_WAITALL,
// which the kernel (5.18+) carries on by itself each time the peer makes
// room, rather than one trip through JavaScript per buffer-full; every byte
// arrives, in order.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { release } from 'node:os';

import { Ring, constants as C } from '../../src/index.js';
import { socketpair } from '../../src/net/index.js';
import { record } from '../../test-support/kernel.js';

test('write() of 8 MiB to a slow reader is one SEND op, and the reader gets every byte in order', async (t) => {
  const [major = 0, minor = 0] = release().split('.').map(Number);
  if (major < 5 || (major === 5 && minor < 18)) {
    t.skip(`Linux ${release()} ignores MSG_WAITALL on IORING_OP_SEND (5.18+): short sends go round through JavaScript`);
    return;
  }
  const ring = new Ring({ entries: 16 });
  const [a, b] = socketpair({ ring });
  const trace = record(ring);
  try {
    const payload = Buffer.alloc(8 << 20);
    for (let i = 0; i < payload.length; i += 4) payload.writeUInt32LE(i, i);
    const writing = a.write(payload);
    // The reader starts late and reads in small steps: the writer's socket fills many times over.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const got = Buffer.alloc(payload.length);
    let at = 0;
    while (at < got.length) {
      const n = await b.read(got.subarray(at, Math.min(got.length, at + 64 * 1024)));
      assert.ok(n > 0);
      at += n;
    }
    await writing;
    assert.ok(got.equals(payload), 'every byte, in order');
    const sends = trace.events.filter((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_SEND);
    assert.equal(sends.length, 1, 'the kernel sent the rest of a short send itself');
  } finally {
    trace.stop();
    await Promise.all([a.close(), b.close()]);
    await ring.close();
  }
});
