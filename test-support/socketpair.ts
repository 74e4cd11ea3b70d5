// A socketpair on a ring of its own, for the stream tests that need no server: made, handed to the test, and
// closed with its ring whatever the test did.
import assert from 'node:assert/strict';

import { Ring, type RingOptions } from '../src/index.js';
import { socketpair, type UnixStream } from '../src/net/index.js';

/** Runs `body` with both ends of a socketpair on a ring of its own, then closes the ends and the ring, whatever `body` did. */
export async function withSocketpair(options: RingOptions, body: (a: UnixStream, b: UnixStream, ring: Ring) => Promise<void>): Promise<void> {
  const ring = new Ring(options);
  const [a, b] = socketpair({ ring });
  try {
    await body(a, b, ring);
  } finally {
    await Promise.all([a.close(), b.close()]);
    await ring.close();
  }
}

/** Writes `text` from `a` and checks it is the next thing `b` reads: the calls refused before it sent nothing, and the pair still works. */
export async function assertNextRead(a: UnixStream, b: UnixStream, text: string): Promise<void> {
  await a.write(text);
  const got = Buffer.alloc(text.length);
  assert.equal(await b.read(got), text.length);
  assert.equal(got.toString(), text);
}
