// SEND_ZC (opt-in through setZeroCopyThreshold): write() keeps the buffer,
// and its slot, until the notification CQE, and only then resolves.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

import { Ring, type TraceEvent } from '../../src/index.js';
import { setZeroCopyThreshold, TcpListener, TcpStream, zeroCopyStats } from '../../src/net/index.js';
import { sendZc } from '../../src/net/send-zc.js';
import { setIntOption } from '../../src/net/socket.js';
import * as C from '../../src/sys/constants.js';
import { addressOf } from '../../src/sys/memory.js';
import { MSG_DONTWAIT, MSG_NOSIGNAL, SOL_SOCKET, SO_RCVBUF, SO_SNDBUF } from '../../src/sys/socket-constants.js';
import { record } from '../../test-support/kernel.js';
import { until } from '../../test-support/net.js';

const SIZE = 128 * 1024;

/** A ring for SEND_ZC, or null after skipping `t` where the kernel has none. */
async function zeroCopyRing(t: TestContext): Promise<Ring | null> {
  const ring = new Ring({ entries: 64, cqEntries: 256 });
  if (ring.supports(C.IORING_OP_SEND_ZC)) return ring;
  await ring.close();
  t.skip('no IORING_OP_SEND_ZC (Linux < 6.0): setZeroCopyThreshold() sends plain SENDs there');
  return null;
}

/** A connection whose peer has a tiny receive window: most of a write waits in the sender's queue, still pointing at our pages. */
async function queuingPair(ring: Ring) {
  const listener = await TcpListener.bind({ host: '127.0.0.1', ring });
  setIntOption(listener.fd, SOL_SOCKET, SO_RCVBUF, 4096);
  const accepted = listener.accept();
  const client = await TcpStream.connect({ host: '127.0.0.1', port: listener.address().port, ring });
  const server = await accepted;
  setIntOption(client.fd, SOL_SOCKET, SO_SNDBUF, 1 << 20);
  return { listener, client, server };
}

/** A SEND_ZC's result CQE (more to come: its notification), not the notification. */
const isResult = (e: TraceEvent) => e.type === 'cqe' && (e.flags & C.IORING_CQE_F_MORE) !== 0 && (e.flags & C.IORING_CQE_F_NOTIF) === 0;

test('a SEND_ZC write resolves only after its notification CQE: the buffer stays pinned while the peer does not read', async (t) => {
  const ring = await zeroCopyRing(t);
  if (ring === null) return;
  const { listener, client, server } = await queuingPair(ring);
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
    const isNotification = (e: (typeof trace.events)[number]) => e.type === 'cqe' && (e.flags & C.IORING_CQE_F_NOTIF) !== 0;
    await until(() => trace.events.some(isResult), 5000, 'the SEND_ZC result CQE');
    const result = trace.events.find(isResult)!;
    // All of it on 6.18; on 6.1 the first SEND_ZC queued 120832 bytes, and the write sent the rest after it.
    const taken = result.type === 'cqe' ? result.res : 0;
    assert.ok(taken > 0 && taken <= SIZE, `the kernel took ${taken} bytes into the socket`);
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

test('below the threshold, or with the default (Infinity), writes are plain sends, never SEND_ZC', async () => {
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
    assert.ok(!opcodes.includes(C.IORING_OP_SEND_ZC), `no SEND_ZC: ${opcodes.join(',')}`);
    const got = Buffer.alloc(8192);
    let n = 0;
    while (n < 4196) n += await server.read(got.subarray(n));
    assert.equal(n, 4196);
  } finally {
    setZeroCopyThreshold(Infinity);
    trace.stop();
    await Promise.all([client.close(), server.close(), listener.close()]);
    await ring.close();
  }
});

/** A connected pair on `ring` whose client cannot send another byte: its send queue and the peer's window are full. */
async function stuckPair(ring: Ring) {
  const listener = await TcpListener.bind({ host: '127.0.0.1', ring });
  setIntOption(listener.fd, SOL_SOCKET, SO_RCVBUF, 4096);
  const accepted = listener.accept();
  const client = await TcpStream.connect({ host: '127.0.0.1', port: listener.address().port, ring });
  const server = await accepted;
  setIntOption(client.fd, SOL_SOCKET, SO_SNDBUF, 4096);
  const chunk = Buffer.alloc(64 * 1024);
  const fd = client.fd;
  // MSG_DONTWAIT: each send takes what fits and none waits; EAGAIN says the socket is full.
  let queued = 0;
  for (;;) {
    const n = await ring
      .submit({ syscall: 'send', prep: (u, sqe) => u.prepSend(sqe, fd, addressOf(chunk), chunk.byteLength, MSG_DONTWAIT | MSG_NOSIGNAL), pin: chunk })
      .catch((error: { code?: string }) => (error.code === 'EAGAIN' ? 0 : Promise.reject(error)));
    if (n === 0) break;
    queued += n;
  }
  return { listener, client, server, queued };
}

/**
 * The bytes the kernel took at once from a SEND_ZC into `stuckPair`'s full socket (6.1 takes 2048; 6.18 none, the
 * SEND_ZC waits), or 0. Where it took some the op waits only for its notification, which needs the peer to read:
 * they are read here and the send awaited, so that the test can skip and close.
 */
async function takenAtOnce(events: TraceEvent[], server: TcpStream, queued: number, sending: Promise<unknown>): Promise<number> {
  await new Promise((r) => setTimeout(r, 50));
  const result = events.find(isResult);
  const taken = result?.type === 'cqe' ? result.res : 0;
  if (taken <= 0) return 0;
  // What stuckPair queued comes first.
  const got = Buffer.alloc(64 * 1024);
  for (let n = 0; n < queued + taken; ) n += await server.read(got.subarray(0, Math.min(got.length, queued + taken - n)));
  await sending.catch(() => {});
  return taken;
}

const TOOK_BYTES = (n: number) => `the kernel took ${n} bytes of the SEND_ZC into the full socket at once (Linux 6.1): nothing left to abort or close under`;

test('an abort after the SEND_ZC result sends no cancel: the op waits for its notification, then resolves with the result', async (t) => {
  const ring = await zeroCopyRing(t);
  if (ring === null) return;
  const { listener, client, server } = await queuingPair(ring);
  const trace = record(ring);
  try {
    const controller = new AbortController();
    const sending = sendZc(ring, client.fd, Buffer.alloc(SIZE, 5), controller.signal);
    await until(() => trace.events.some(isResult), 5000, 'the SEND_ZC result CQE');
    const result = trace.events.find(isResult)!;
    const taken = result.type === 'cqe' ? result.res : 0;
    assert.ok(taken > 0);
    // The bytes wait in the socket, the peer does not read: before, the abort sent an ASYNC_CANCEL that
    // missed (-ENOENT) and again every 64 ms at most, for as long as that lasted.
    controller.abort(new Error('the caller gave up'));
    await new Promise((r) => setTimeout(r, 200));
    const cancels = trace.events.filter((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_ASYNC_CANCEL);
    assert.equal(cancels.length, 0, 'no ASYNC_CANCEL: the result came, nothing is left to cancel');
    assert.ok(ring.inFlight >= 1, 'the op keeps its slot (and the pinned buffer) until the notification');
    const got = Buffer.alloc(taken);
    for (let n = 0; n < taken; ) n += await server.read(got.subarray(n));
    assert.equal(await sending, taken, 'it completed before the abort: its result stands');
  } finally {
    trace.stop();
    await Promise.all([client.close(), server.close(), listener.close()]);
    await ring.close();
  }
});

test('an aborted SEND_ZC rejects with an AbortError whose cause is the reason, after the kernel gave the buffer back', async (t) => {
  const ring = await zeroCopyRing(t);
  if (ring === null) return;
  const { listener, client, server, queued } = await stuckPair(ring);
  const trace = record(ring);
  try {
    const controller = new AbortController();
    const sending = sendZc(ring, client.fd, Buffer.alloc(SIZE), controller.signal);
    await until(() => ring.inFlight >= 1, 5000, 'the SEND_ZC in flight');
    const taken = await takenAtOnce(trace.events, server, queued, sending);
    if (taken > 0) return void t.skip(TOOK_BYTES(taken));
    const reason = new Error('the caller gave up');
    controller.abort(reason);
    await assert.rejects(sending, (error: Error & { code?: string }) => {
      assert.equal(error.name, 'AbortError');
      assert.equal(error.code, 'ABORT_ERR');
      assert.equal(error.cause, reason, 'the reason is kept as the cause');
      return true;
    });
    assert.equal(ring.inFlight, 0, 'the slot (and the buffer it pins) is back only once the kernel said so');
  } finally {
    trace.stop();
    await Promise.all([client.close(), server.close(), listener.close()]);
    await ring.close();
  }
});

test('a ring closed under a SEND_ZC in flight rejects it with ERR_RINGCORE_CLOSED, and the close waits for the kernel', async (t) => {
  const ring = await zeroCopyRing(t);
  if (ring === null) return;
  const { listener, client, server, queued } = await stuckPair(ring);
  const trace = record(ring);
  const sending = sendZc(ring, client.fd, Buffer.alloc(SIZE));
  await until(() => ring.inFlight >= 1, 5000, 'the SEND_ZC in flight');
  const taken = await takenAtOnce(trace.events, server, queued, sending);
  trace.stop();
  if (taken > 0) {
    await Promise.all([client.close(), server.close(), listener.close()]);
    await ring.close();
    return void t.skip(TOOK_BYTES(taken));
  }
  const outcome = sending.then(
    () => 'resolved',
    (error: Error & { code?: string }) => error,
  );
  await ring.close();
  const error = await outcome;
  assert.ok(error instanceof Error, `the send must reject, got ${String(error)}`);
  assert.equal((error as Error & { code?: string }).code, 'ERR_RINGCORE_CLOSED');
  assert.match(error.message, /^write: the ring was closed while the operation was in flight$/);
  assert.equal(ring.inFlight, 0);
  await Promise.all([client.close(), server.close(), listener.close()]).catch(() => {});
});
