// Sender (src/net/sender.ts), the "send these bytes, no promise needed"
// primitive under ringcore/http: every byte goes out even when the socket
// takes them in parts, done() is called exactly once, with the error when
// the peer is gone, and a second send while one is in flight is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { socketpair } from '../../src/net/index.js';
import { Sender } from '../../src/net/sender.js';
import { requireIoUring } from '../../test-support/backend.js';

test('start() sends every byte of a buffer larger than the socket takes at once, and calls done once', async () => {
  const [a, b] = socketpair();
  try {
    const bytes = randomBytes(8 << 20);
    const sender = new Sender(a);
    let calls = 0;
    const done = new Promise<Error | null>((resolve) =>
      sender.start(bytes, (error) => {
        calls++;
        resolve(error);
      }),
    );
    assert.equal(sender.busy, true);
    assert.throws(() => sender.start(Buffer.from('x'), () => {}), /in flight/);
    const got: Buffer[] = [];
    let received = 0;
    for await (const chunk of b) {
      got.push(chunk);
      received += chunk.length;
      if (received >= bytes.length) break;
    }
    assert.equal(await done, null);
    assert.equal(calls, 1);
    assert.equal(sender.busy, false);
    assert.ok(Buffer.concat(got).equals(bytes), 'the bytes arrive whole and in order');
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

// The node backend's write resolves once net.Socket has taken the bytes; the closed peer shows up later, on the reads.
test('start() to a peer that has closed calls done once, with the error', requireIoUring(), async () => {
  const [a, b] = socketpair();
  await b.close();
  try {
    const sender = new Sender(a);
    let calls = 0;
    const error = await new Promise<Error | null>((resolve) =>
      sender.start(Buffer.alloc(1 << 20), (e) => {
        calls++;
        resolve(e);
      }),
    );
    assert.ok(error instanceof Error);
    assert.match(String((error as NodeJS.ErrnoException).code), /^(EPIPE|ECONNRESET)$/);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 1);
    assert.equal(sender.busy, false);
  } finally {
    await a.close();
  }
});

test('start() with no bytes calls done with null', async () => {
  const [a, b] = socketpair();
  try {
    const error = await new Promise<Error | null>((resolve) => new Sender(a).start(Buffer.alloc(0), resolve));
    assert.equal(error, null);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
