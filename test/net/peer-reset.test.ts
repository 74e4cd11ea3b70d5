// After the peer resets the connection, the kernel reports the reset
// (ECONNRESET) once, to the first read or write that asks; after it, writes
// get EPIPE and reads the end of the stream. Both backends must say the same:
// the node backend gave the first write EPIPE (node:net had seen the reset
// with its own read and destroyed the socket) and every later read the
// reset again. The file runs on both backends (test/fallback/suites.test.ts
// runs it on the node backend).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { once } from 'node:events';

import { TcpStream } from '../../src/net/index.js';

/** A ringcore stream connected to a node:net server, and a way to reset the connection from the server's side. */
async function connected(): Promise<{ stream: TcpStream; reset: () => Promise<void>; stop: () => void }> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const stream = await TcpStream.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
  const [peer] = await accepted;
  peer.on('error', () => {});
  return {
    stream,
    reset: async () => {
      peer.resetAndDestroy();
      await once(peer, 'close');
      // Time for the RST to reach our socket (and node:net's own read of it, on the node backend).
      await new Promise((resolve) => setTimeout(resolve, 50));
    },
    stop: () => server.close(),
  };
}

/** What a promise settled with: 'ok <value>', or the error's code and syscall. */
const settled = (p: Promise<unknown>): Promise<string> =>
  p.then(
    (value) => `ok ${value ?? ''}`.trim(),
    (error: NodeJS.ErrnoException) => `${error.code} ${error.syscall}`,
  );

test('the first write after a peer reset rejects with ECONNRESET, the next with EPIPE; a read then gets 0 (was EPIPE on the node backend)', async () => {
  const { stream, reset, stop } = await connected();
  try {
    await reset();
    const first = await stream.write('x').catch((error: NodeJS.ErrnoException) => error);
    assert.ok(first instanceof Error);
    assert.equal(first.code, 'ECONNRESET');
    assert.equal(first.syscall, 'write');
    assert.equal(first.errno, -104);
    assert.equal(await settled(stream.write('y')), 'EPIPE write');
    assert.equal(await settled(stream.read(Buffer.alloc(16))), 'ok 0');
  } finally {
    await stream.close();
    stop();
  }
});

test('a read waiting when the peer resets gets ECONNRESET; writes after it get EPIPE, reads 0', async () => {
  const { stream, reset, stop } = await connected();
  try {
    const read = settled(stream.read(Buffer.alloc(16)));
    await reset();
    assert.equal(await read, 'ECONNRESET read');
    assert.equal(await settled(stream.write('x')), 'EPIPE write');
    assert.equal(await settled(stream.read(Buffer.alloc(16))), 'ok 0');
  } finally {
    await stream.close();
    stop();
  }
});

test('a chunk loop running when the peer resets ends with ECONNRESET; a write after it gets EPIPE', async () => {
  const { stream, reset, stop } = await connected();
  try {
    const loop = (async () => {
      for await (const _ of stream.chunks()) void _;
    })().then(
      () => 'ended',
      (error: NodeJS.ErrnoException) => error.code,
    );
    await reset();
    assert.equal(await loop, 'ECONNRESET');
    assert.equal(await settled(stream.write('x')), 'EPIPE write');
  } finally {
    await stream.close();
    stop();
  }
});
