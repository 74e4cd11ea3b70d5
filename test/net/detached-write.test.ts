// A write whose buffer is read when it starts, not at the call (one of 16 KiB
// or more waiting behind another write: stream.ts does not copy those), and
// whose ArrayBuffer the caller transfers meanwhile (structuredClone or
// postMessage with a transfer list): the view is then empty, and a SEND of it
// sent nothing. The write must not resolve as if its bytes had gone out: it
// rejects (ERR_INVALID_STATE), or its bytes arrive.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { Ring } from '../../src/index.js';
import { socketpair, type SocketStream } from '../../src/net/index.js';

/** Everything `peer` reads until the end of the stream. */
async function readToEnd(peer: SocketStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (;;) {
    const buf = Buffer.alloc(256 * 1024);
    const n = await peer.read(buf);
    if (n === 0) return Buffer.concat(chunks);
    chunks.push(buf.subarray(0, n));
  }
}

/**
 * Calls `write` for a first write and a second one whose buffer (`moved`, `bytes` long) is transferred
 * right after the calls; the second must reject with ERR_INVALID_STATE, or its bytes must arrive.
 */
async function transferredWhileWaiting(bytes: number, second: (stream: SocketStream, moved: Uint8Array) => Promise<void>): Promise<void> {
  const ring = new Ring({ entries: 64 });
  const [stream, peer] = socketpair({ ring });
  try {
    const received = readToEnd(peer);
    const first = Buffer.from('first\n');
    const moved = new Uint8Array(bytes).fill(0x44);
    const writes = [stream.write(first), second(stream, moved)];
    // The second write waits for the first (writes start one at a time); its buffer goes elsewhere meanwhile.
    structuredClone(moved.buffer, { transfer: [moved.buffer] });
    const [one, two] = await Promise.allSettled(writes);
    assert.equal(one.status, 'fulfilled');
    await stream.shutdown('write');
    const got = await received;
    if (two.status === 'fulfilled') {
      assert.equal(got.length, first.length + bytes, `the write resolved, yet the peer got ${got.length - first.length} of its ${bytes} bytes`);
    } else {
      assert.equal((two.reason as { code?: string }).code, 'ERR_INVALID_STATE');
      assert.deepEqual(got, first);
    }
  } finally {
    await stream.close();
    await peer.close();
    await ring.close();
  }
}

test('a large write whose ArrayBuffer is transferred before it starts rejects, never resolves with its bytes unsent', async () => {
  await transferredWhileWaiting(64 * 1024, (stream, moved) => stream.write(moved));
});

test('writev() of a buffer transferred before it starts rejects, never resolves with its bytes unsent', async () => {
  await transferredWhileWaiting(100, (stream, moved) => stream.writev([moved]));
});
