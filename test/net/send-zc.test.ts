// SEND_ZC (opt-in through setZeroCopyThreshold): write() keeps the buffer,
// and its slot, until the notification CQE, and only then resolves.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Ring } from '../../src/index.js';
import { setZeroCopyThreshold, TcpListener, TcpStream, zeroCopyStats } from '../../src/net/index.js';
import { setIntOption } from '../../src/net/socket.js';
import * as C from '../../src/sys/constants.js';
import { SOL_SOCKET, SO_RCVBUF, SO_SNDBUF } from '../../src/sys/socket-constants.js';
import { record } from '../../test-support/kernel.js';
import { until } from '../../test-support/net.js';

const SIZE = 128 * 1024;

test('a SEND_ZC write resolves only after its notification CQE: the buffer stays pinned while the peer does not read', async () => {
  const ring = new Ring({ entries: 64, cqEntries: 256 });
  const listener = await TcpListener.bind({ host: '127.0.0.1', ring });
  // A tiny receive window: most of the write waits in the sender's queue, still pointing at our pages.
  setIntOption(listener.fd, SOL_SOCKET, SO_RCVBUF, 4096);
  const accepted = listener.accept();
  const client = await TcpStream.connect({ host: '127.0.0.1', port: listener.address().port, ring });
  const server = await accepted;
  setIntOption(client.fd, SOL_SOCKET, SO_SNDBUF, 1 << 20);
  const trace = record(ring);
  const notificationsBefore = zeroCopyStats.notifications;
  setZeroCopyThreshold(64 * 1024);
  try {
    const buf = Buffer.alloc(SIZE);
    for (let i = 0; i < SIZE; i++) buf[i] = (i * 7) & 0xff;
    let resolvedAt = -1;
    const writing = client.write(buf).then(() => {
      resolvedAt = trace.events.length;
    });
    const isResult = (e: (typeof trace.events)[number]) => e.type === 'cqe' && (e.flags & C.IORING_CQE_F_MORE) !== 0 && (e.flags & C.IORING_CQE_F_NOTIF) === 0;
    const isNotification = (e: (typeof trace.events)[number]) => e.type === 'cqe' && (e.flags & C.IORING_CQE_F_NOTIF) !== 0;
    await until(() => trace.events.some(isResult), 5000, 'the SEND_ZC result CQE');
    const result = trace.events.find(isResult)!;
    assert.equal(result.type === 'cqe' && result.res, SIZE, 'the kernel took all of it into the socket');
    // The bytes are queued, not sent: the kernel still reads our pages. Nothing may settle yet.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(trace.events.some(isNotification), false, 'no notification while the data waits in the send queue');
    assert.equal(resolvedAt, -1, 'write() must wait for the notification');
    assert.ok(ring.inFlight >= 1, 'the send keeps its slot (and with it the pinned buffer)');

    // Now read it all: the queue drains, the kernel lets go, the notification comes.
    const got = Buffer.alloc(SIZE);
    let n = 0;
    while (n < SIZE) {
      const r = await server.read(got.subarray(n));
      assert.ok(r > 0);
      n += r;
    }
    await writing;
    const notificationAt = trace.events.findIndex(isNotification);
    assert.ok(notificationAt >= 0, 'a notification CQE came');
    assert.ok(notificationAt < resolvedAt, 'write() resolved after the notification');
    assert.equal(zeroCopyStats.notifications, notificationsBefore + 1);
    assert.ok(got.equals(buf), 'the bytes arrived intact');
  } finally {
    setZeroCopyThreshold(Infinity);
    trace.stop();
    await Promise.all([client.close(), server.close(), listener.close()]);
    await ring.close();
  }
});

test('below the threshold, or with the default (Infinity), writes are plain SENDs', async () => {
  const ring = new Ring({ entries: 64, cqEntries: 256 });
  const listener = await TcpListener.bind({ host: '127.0.0.1', ring });
  const accepted = listener.accept();
  const client = await TcpStream.connect({ host: '127.0.0.1', port: listener.address().port, ring });
  const server = await accepted;
  const trace = record(ring);
  try {
    setZeroCopyThreshold(1024);
    await client.write(Buffer.alloc(100));
    setZeroCopyThreshold(Infinity);
    await client.write(Buffer.alloc(4096));
    const opcodes = trace.events.filter((e) => e.type === 'sqe').map((e) => (e as { opcode: number }).opcode);
    assert.deepEqual(opcodes, [C.IORING_OP_SEND, C.IORING_OP_SEND]);
    const got = Buffer.alloc(8192);
    let n = 0;
    while (n < 4196) n += await server.read(got.subarray(n));
  } finally {
    setZeroCopyThreshold(Infinity);
    trace.stop();
    await Promise.all([client.close(), server.close(), listener.close()]);
    await ring.close();
  }
});
