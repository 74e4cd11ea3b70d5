// UdpSocket's iterator: one multishot RECVMSG over a provided-buffer ring,
// on the real kernel, with node:dgram and ringcore senders.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import dgram from 'node:dgram';

import { DatagramIterator, netRing, UdpSocket } from '../../src/net/index.js';
import { leakedSince, openFds } from '../../test-support/fds.js';
import { until } from '../../test-support/net.js';

/** The kernel's count of datagrams dropped because a socket's receive queue was full (IPv4 + IPv6). */
function rcvbufErrors(): number {
  const v4 = readFileSync('/proc/net/snmp', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const names = v4[0]!.split(/\s+/);
  const values = v4[1]!.split(/\s+/);
  const ipv4 = Number(values[names.indexOf('RcvbufErrors')]);
  const m = /^Udp6RcvbufErrors\s+(\d+)/m.exec(readFileSync('/proc/net/snmp6', 'utf8'));
  return ipv4 + Number(m?.[1] ?? 0);
}

function nodeSender(type: 'udp4' | 'udp6', host: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket(type);
  return new Promise((resolve) => socket.bind(0, host, () => resolve(socket)));
}

function send(socket: dgram.Socket, data: Buffer | string, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => socket.send(data, port, host, (error) => (error ? reject(error) : resolve())));
}

for (const [family, host, type] of [
  ['IPv4', '127.0.0.1', 'udp4'],
  ['IPv6', '::1', 'udp6'],
] as const) {
  test(`${family}: one RECVMSG SQE delivers datagrams from two senders, each with its own address`, async () => {
    const socket = await UdpSocket.bind({ host });
    const ringcoreSender = await UdpSocket.bind({ host });
    const nodeSocket = await nodeSender(type, host);
    try {
      const iterator = socket.datagrams() as DatagramIterator;
      const port = socket.address().port;
      await ringcoreSender.send('from ringcore', port, host);
      await send(nodeSocket, 'from node', port, host);
      await ringcoreSender.send(Buffer.alloc(1000, 7), port, host);
      const got: { text: string; port: number; address: string; family: string }[] = [];
      for (let i = 0; i < 3; i++) {
        const { value, done } = await iterator.next();
        assert.equal(done, false);
        assert.equal(value.truncated, false);
        got.push({
          text: value.data.length === 1000 ? `1000 x ${value.data[999]}` : value.data.toString(),
          port: value.address.port,
          address: value.address.address,
          family: value.address.family,
        });
      }
      assert.deepEqual(got, [
        { text: 'from ringcore', port: ringcoreSender.address().port, address: host, family },
        { text: 'from node', port: nodeSocket.address().port, address: host, family },
        { text: '1000 x 7', port: ringcoreSender.address().port, address: host, family },
      ]);
      assert.equal(iterator.arms, 1, 'one SQE for all of them');
      assert.equal(iterator.cqes, 3);
      await Promise.all([socket.close(), ringcoreSender.close()]);
      assert.deepEqual(await iterator.next(), { value: undefined, done: true });
    } finally {
      nodeSocket.close();
      await Promise.all([socket.close(), ringcoreSender.close()]);
    }
  });
}

test('a burst larger than the buffer ring: every datagram the kernel queued arrives once, intact; ENOBUFS re-arms', async (t) => {
  const COUNT = 3000;
  const BUFFERS = 8;
  const socket = await UdpSocket.bind({ host: '127.0.0.1', maxDatagram: 64, recvBuffers: BUFFERS, recvBufferSize: 1 << 20 });
  const sender = await nodeSender('udp4', '127.0.0.1');
  t.after(async () => {
    sender.close();
    await socket.close();
  });
  const port = socket.address().port;
  const dropsBefore = rcvbufErrors();
  const seen = new Uint8Array(COUNT);
  let received = 0;
  let duplicates = 0;
  let corrupt = 0;
  const iterator = socket.datagrams() as DatagramIterator;
  const consumer = (async () => {
    for await (const { data, address, truncated } of iterator) {
      const seq = data.readUInt32LE(0);
      if (data.length !== 40 || truncated || address.port !== sender.address().port || data[39] !== (seq & 0xff)) corrupt++;
      else if (seen[seq]++ !== 0) duplicates++;
      else received++;
      // A slow reader: the kernel runs out of provided buffers now and then.
      if (received % 64 === 0) await new Promise((r) => setImmediate(r));
    }
  })();
  for (let wave = 0; wave < COUNT / 100; wave++) {
    const sends: Promise<void>[] = [];
    for (let i = wave * 100; i < (wave + 1) * 100; i++) {
      const payload = Buffer.alloc(40, i & 0xff);
      payload.writeUInt32LE(i, 0);
      sends.push(send(sender, payload, port, '127.0.0.1'));
    }
    await Promise.all(sends);
  }
  // On loopback a datagram is queued (or dropped) inside the sender's syscall: all are placed by now.
  await until(() => COUNT - received <= rcvbufErrors() - dropsBefore, 10_000, 'every datagram received or counted as dropped');
  const drops = rcvbufErrors() - dropsBefore;
  t.diagnostic(`sent ${COUNT}, received ${received}, kernel drops ${drops}, RECVMSG arms ${iterator.arms}, CQEs ${iterator.cqes}`);
  assert.equal(corrupt, 0);
  assert.equal(duplicates, 0);
  assert.ok(received > BUFFERS * 4, `received ${received}`);
  assert.ok(COUNT - received <= drops, `${COUNT - received} missing, the kernel dropped ${drops}`);
  assert.ok(iterator.arms > 1, `re-armed after ENOBUFS (arms: ${iterator.arms})`);
  await socket.close();
  await consumer;
});

test('a datagram longer than a buffer comes with truncated: true (iterator and recv())', async () => {
  const socket = await UdpSocket.bind({ host: '127.0.0.1', maxDatagram: 100 });
  const sender = await UdpSocket.bind({ host: '127.0.0.1' });
  const port = socket.address().port;
  const iterator = socket.datagrams();
  await sender.send(Buffer.alloc(150, 1), port, '127.0.0.1');
  await sender.send(Buffer.alloc(100, 2), port, '127.0.0.1');
  const long = (await iterator.next()).value;
  assert.equal(long.truncated, true);
  assert.equal(long.data.length, 100);
  assert.equal(long.data[99], 1);
  const exact = (await iterator.next()).value;
  assert.equal(exact.truncated, false);
  assert.equal(exact.data.length, 100);
  await iterator.return!();
  await sender.send(Buffer.alloc(101, 3), port, '127.0.0.1');
  const single = await socket.recv();
  assert.equal(single.truncated, true);
  assert.equal(single.data.length, 100);
  await Promise.all([socket.close(), sender.close()]);
});

test('abort via signal: the iterator rejects with AbortError, its slot and buffers are back, a new iterator works', async () => {
  const ring = netRing();
  const before = openFds();
  const inFlight = ring.inFlight;
  const socket = await UdpSocket.bind({ host: '::1', recvBuffers: 2, maxDatagram: 512 });
  const sender = await UdpSocket.bind({ host: '::1' });
  const port = socket.address().port;
  const ac = new AbortController();
  const iterator = socket.datagrams({ signal: ac.signal });
  await sender.send('one', port, '::1');
  await sender.send('two', port, '::1');
  assert.equal((await iterator.next()).value.data.toString(), 'one'); // holds a buffer
  await until(() => (iterator as DatagramIterator).cqes >= 2, 2000, 'the second datagram'); // queued (the kernel then ends the recvmsg: ENOBUFS)
  const waiting = iterator.next().then(() => iterator.next());
  ac.abort(new Error('enough'));
  await assert.rejects(waiting, (e: Error & { code?: string }) => e.name === 'AbortError' && e.code === 'ABORT_ERR');
  await until(() => ring.inFlight === inFlight, 2000, 'the recvmsg to leave the kernel');
  // Both buffers came back: a new iterator on a ring of 2 gets three datagrams.
  const again = socket.datagrams();
  for (const m of ['a', 'b', 'c']) await sender.send(m, port, '::1');
  const texts: string[] = [];
  for (let i = 0; i < 3; i++) texts.push((await again.next()).value.data.toString());
  assert.deepEqual(texts, ['a', 'b', 'c']);
  await Promise.all([socket.close(), sender.close()]);
  assert.deepEqual(await again.next(), { value: undefined, done: true });
  assert.equal(ring.inFlight, inFlight);
  assert.deepEqual(leakedSince(before), []);
});

test('an already-aborted signal: no SQE, the first next() rejects', async () => {
  const socket = await UdpSocket.bind({ host: '127.0.0.1' });
  const iterator = socket.datagrams({ signal: AbortSignal.abort() }) as DatagramIterator;
  await assert.rejects(iterator.next(), { name: 'AbortError' });
  assert.equal(iterator.arms, 0);
  await socket.close();
});

test('bind() checks maxDatagram and recvBuffers', async () => {
  await assert.rejects(UdpSocket.bind({ host: '127.0.0.1', recvBuffers: 3 }), { code: 'ERR_OUT_OF_RANGE' });
  await assert.rejects(UdpSocket.bind({ host: '127.0.0.1', maxDatagram: 70000 }), { code: 'ERR_OUT_OF_RANGE' });
});

test('close() unregisters the buffer group: the next socket registers the same id and still runs multishot', async () => {
  const groupOf = (s: UdpSocket) => (s as unknown as { pool: { group: number } | null }).pool?.group;
  const first = await UdpSocket.bind({ host: '127.0.0.1' });
  const iterator = first.datagrams();
  const group = groupOf(first);
  assert.equal(typeof group, 'number');
  await first.close();
  assert.deepEqual(await iterator.next(), { value: undefined, done: true });
  const second = await UdpSocket.bind({ host: '127.0.0.1' });
  const again = second.datagrams();
  assert.ok(again instanceof DatagramIterator, 'a multishot iterator, not the fallback loop');
  assert.equal(groupOf(second), group);
  await second.send('back', second.address().port, '127.0.0.1');
  assert.equal((await again.next()).value.data.toString(), 'back');
  await second.close();
});
