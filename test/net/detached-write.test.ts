// A write whose buffer is read when it starts, not at the call (one of 16 KiB
// or more waiting behind another write: stream.ts does not copy those), and
// whose ArrayBuffer the caller transfers meanwhile (structuredClone or
// postMessage with a transfer list): the view is then empty, and a SEND of it
// sent nothing. The write must not resolve as if its bytes had gone out: it
// rejects (ERR_INVALID_STATE), or its bytes arrive.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import net from 'node:net';

import { Ring } from '../../src/index.js';
import { TcpListener } from '../../src/net/index.js';

test('a large write whose ArrayBuffer is transferred before it starts rejects, never resolves with its bytes unsent', async () => {
  const ring = new Ring({ entries: 64 });
  const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0, ring });
  const client = net.connect({ host: '127.0.0.1', port: listener.address().port });
  const stream = await listener.accept();
  await listener.close();
  const chunks: Buffer[] = [];
  const received = new Promise<Buffer>((resolve, reject) => {
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.on('end', () => resolve(Buffer.concat(chunks)));
    client.on('error', reject);
  });
  try {
    const first = Buffer.from('first\n');
    const big = new Uint8Array(64 * 1024).fill(0x44);
    const writes = [stream.write(first), stream.write(big)];
    // The second write waits for the first (writes start one at a time); its buffer goes elsewhere meanwhile.
    structuredClone(big.buffer, { transfer: [big.buffer] });
    const [one, two] = await Promise.allSettled(writes);
    assert.equal(one.status, 'fulfilled');
    await stream.shutdown('write');
    const got = await received;
    if (two.status === 'fulfilled') {
      assert.equal(got.length, first.length + 64 * 1024, `the write resolved, yet the peer got ${got.length - first.length} of its 65536 bytes`);
    } else {
      assert.equal((two.reason as { code?: string }).code, 'ERR_INVALID_STATE');
      assert.deepEqual(got, first);
    }
  } finally {
    client.destroy();
    await stream.close();
    await ring.close();
  }
});

test('writev() of a buffer transferred before it starts rejects, never resolves with its bytes unsent', async () => {
  const ring = new Ring({ entries: 64 });
  const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0, ring });
  const client = net.connect({ host: '127.0.0.1', port: listener.address().port });
  const stream = await listener.accept();
  await listener.close();
  const chunks: Buffer[] = [];
  const received = new Promise<Buffer>((resolve, reject) => {
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    client.on('end', () => resolve(Buffer.concat(chunks)));
    client.on('error', reject);
  });
  try {
    const first = Buffer.from('first\n');
    const moved = new Uint8Array(100).fill(0x45);
    const writes = [stream.write(first), stream.writev([Buffer.from('a'), moved])];
    structuredClone(moved.buffer, { transfer: [moved.buffer] });
    const [one, two] = await Promise.allSettled(writes);
    assert.equal(one.status, 'fulfilled');
    await stream.shutdown('write');
    const got = await received;
    if (two.status === 'fulfilled') {
      assert.equal(got.length, first.length + 101, `the writev resolved, yet the peer got ${got.length - first.length} of its 101 bytes`);
    } else {
      assert.equal((two.reason as { code?: string }).code, 'ERR_INVALID_STATE');
    }
  } finally {
    client.destroy();
    await stream.close();
    await ring.close();
  }
});
