// Unix domain sockets (listener and stream), UDP (sendmsg/recvmsg), socketpair().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import dgram from 'node:dgram';
import net from 'node:net';

import { netRing } from '../../src/net/index.js';
import { socketpair, UdpSocket, UnixListener, UnixStream } from '../../src/net/index.js';
import { leakedSince, openFds } from '../../test-support/fds.js';

test('UnixListener + UnixStream exchange bytes; a node:net client connects too; close() removes the file', async () => {
  const path = `/tmp/ringcore-unix-${process.pid}.sock`;
  netRing(); // made on first use: not a leak
  const before = openFds();
  const listener = await UnixListener.bind({ path });
  assert.equal(listener.address(), path);
  const accepted = listener.accept();
  const client = await UnixStream.connect({ path });
  const conn = await accepted;
  assert.equal(conn.localPath, path);
  await client.write('over unix');
  const buf = Buffer.alloc(32);
  assert.equal(await conn.read(buf), 9);
  assert.equal(buf.subarray(0, 9).toString(), 'over unix');

  const nodeClient = net.connect(path);
  const second = await listener.accept();
  nodeClient.write('node');
  assert.equal(await second.read(buf), 4);
  nodeClient.destroy();

  await Promise.all([client.close(), conn.close(), second.close(), listener.close()]);
  assert.equal(existsSync(path), false);
  assert.deepEqual(leakedSince(before), []);
});

test('abstract Unix sockets (a leading NUL) work and leave no file', async () => {
  const path = `\0ringcore-abstract-${process.pid}`;
  const listener = await UnixListener.bind({ path });
  const accepted = listener.accept();
  const client = await UnixStream.connect({ path });
  const conn = await accepted;
  await conn.write('abstract');
  const buf = Buffer.alloc(16);
  assert.equal(await client.read(buf), 8);
  await Promise.all([client.close(), conn.close(), listener.close()]);
});

test('UdpSocket: send(buf, port, host) and recv() with the source address, IPv4 and IPv6', async () => {
  for (const host of ['127.0.0.1', '::1']) {
    const a = await UdpSocket.bind({ host });
    const b = await UdpSocket.bind({ host });
    assert.equal(await a.send('datagram', b.address().port, host), 8);
    const { data, address } = await b.recv();
    assert.equal(data.toString(), 'datagram');
    assert.deepEqual(address, a.address());
    await Promise.all([a.close(), b.close()]);
  }
});

test('UdpSocket iterator of { data, address } with a node:dgram sender; close() ends it', async () => {
  const socket = await UdpSocket.bind({ host: '127.0.0.1' });
  const sender = dgram.createSocket('udp4');
  const got: string[] = [];
  const loop = (async () => {
    for await (const { data, address } of socket) {
      assert.equal(address.address, '127.0.0.1');
      got.push(data.toString());
      if (got.length === 3) break;
    }
  })();
  for (const m of ['one', 'two', 'three']) sender.send(m, socket.address().port, '127.0.0.1');
  await loop;
  assert.deepEqual(got.sort(), ['one', 'three', 'two']);
  sender.close();
  const pending = socket.recv();
  await socket.close();
  await assert.rejects(pending);
});

test('socketpair(): two connected streams; shutdown("write") gives the other side EOF', async () => {
  const [a, b] = socketpair();
  await a.write('ping');
  const buf = Buffer.alloc(8);
  assert.equal(await b.read(buf), 4);
  await b.write('pong');
  assert.equal(await a.read(buf), 4);
  assert.equal(buf.subarray(0, 4).toString(), 'pong');
  await a.shutdown('write');
  assert.equal(await b.read(buf), 0);
  await Promise.all([a.close(), b.close()]);
});

test('UDP: datagrams a loop had received when it ended early go to recv() and the next loop, not away', async () => {
  const rx = await UdpSocket.bind({ host: '127.0.0.1', port: 0 });
  const tx = dgram.createSocket('udp4');
  const send = (text: string) => new Promise((resolve) => tx.send(text, rx.address().port, '127.0.0.1', resolve));
  try {
    for (const withRecv of [true, false]) {
      const loop = rx.datagrams({ borrow: !withRecv });
      for (let i = 0; i < 5; i++) await send(String(i));
      // The loop's multishot recvmsg takes them all; its body runs for the first, then leaves.
      const first = await loop.next();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await loop.return!();
      await send('end');
      const got = [(first.value as { data: Buffer }).data.toString()];
      if (withRecv) {
        for (let d = await rx.recv(); ; d = await rx.recv()) {
          got.push(d.data.toString());
          if (got.at(-1) === 'end') break;
        }
      } else {
        for await (const d of rx) {
          got.push(d.data.toString());
          if (got.at(-1) === 'end') break;
        }
      }
      assert.deepEqual(got, ['0', '1', '2', '3', '4', 'end'], withRecv ? 'recv() after the break' : 'a second loop');
    }
  } finally {
    tx.close();
    await rx.close();
  }
});

test('UDP recv(): each datagram keeps its own bytes and source, in a buffer of about its size, across recvs one after another and at once', async () => {
  for (const host of ['127.0.0.1', '::1']) {
    const rx = await UdpSocket.bind({ host });
    const a = await UdpSocket.bind({ host });
    const b = await UdpSocket.bind({ host });
    const port = rx.address().port;
    try {
      await a.send('first from a', port, host);
      const first = await rx.recv();
      await b.send('second', port, host);
      const second = await rx.recv();
      // Two recvs in flight at once: each gets one datagram whole.
      const both = Promise.all([rx.recv(), rx.recv()]);
      await a.send('x'.repeat(5000), port, host);
      await b.send('y', port, host);
      const [third, fourth] = await both;
      assert.equal(first.data.toString(), 'first from a', 'not overwritten by a later recv');
      assert.deepEqual(first.address, a.address());
      assert.equal(second.data.toString(), 'second');
      assert.deepEqual(second.address, b.address());
      const late = [third, fourth].sort((p, q) => p.data.length - q.data.length);
      assert.equal(late[0]!.data.toString(), 'y');
      assert.deepEqual(late[0]!.address, b.address());
      assert.equal(late[1]!.data.toString(), 'x'.repeat(5000));
      assert.deepEqual(late[1]!.address, a.address());
      // A held datagram does not hold maxDatagram (64 KiB) of memory: a buffer of about its size, or the slab of
      // Node's Buffer pool where Buffer.from() puts small copies (8 KiB before Node 24, 64 KiB from it).
      const slab = Buffer.from(Buffer.alloc(1)).buffer.byteLength;
      for (const d of [first, second, ...late]) {
        const held = d.data.buffer.byteLength;
        assert.ok(held <= 8192 || held === slab, `${d.data.length} B held in ${held} B`);
      }
    } finally {
      await Promise.all([rx.close(), a.close(), b.close()]);
    }
  }
});

test('UDP recv(): its signal aborts it alone; close() rejects the recvs in flight, with or without a signal', async () => {
  const [rx, tx] = await Promise.all([UdpSocket.bind({ host: '127.0.0.1' }), UdpSocket.bind({ host: '127.0.0.1' })]);
  const port = rx.address().port;
  const controller = new AbortController();
  const aborted = rx.recv({ signal: controller.signal });
  controller.abort();
  await assert.rejects(aborted, { name: 'AbortError' });
  // The socket still receives, and a recv with a signal that never aborts completes as any.
  await tx.send('next', port, '127.0.0.1');
  assert.equal((await rx.recv({ signal: new AbortController().signal })).data.toString(), 'next');
  const plain = rx.recv();
  const signalled = rx.recv({ signal: new AbortController().signal });
  await Promise.all([rx.close(), tx.close()]);
  await assert.rejects(plain, { code: 'ERR_RINGCORE_CLOSED' });
  await assert.rejects(signalled, { code: 'ERR_RINGCORE_CLOSED' });
  await assert.rejects(rx.recv(), { code: 'ERR_RINGCORE_CLOSED' });
});
