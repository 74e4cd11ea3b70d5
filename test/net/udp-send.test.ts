// UdpSocket.send() sends at once with sendto(2) when no SENDMSG of the socket
// waits in the ring (docs/performance.md, "Session 20: more paths as users
// call them"): a burst of unawaited sends was one SENDMSG op each.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { Ring, constants as C, type TraceEvent } from '../../src/index.js';
import { UdpSocket } from '../../src/net/index.js';
import { record } from '../../test-support/kernel.js';

const sendmsgs = (events: TraceEvent[]) => events.filter((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_SENDMSG).length;

test('200 sends not awaited: no SENDMSG op each; every datagram arrives whole, in call order', async () => {
  const ring = new Ring({ entries: 64 });
  const rx = await UdpSocket.bind({ host: '127.0.0.1', recvBufferSize: 1 << 20, ring });
  const tx = await UdpSocket.bind({ host: '127.0.0.1', ring });
  const trace = record(ring);
  try {
    const port = rx.address().port;
    const parts = Array.from({ length: 200 }, (_, i) => Buffer.from(`${i}:${'y'.repeat(i)}`));
    const sent = await Promise.all(parts.map((part) => tx.send(part, port, '127.0.0.1')));
    assert.deepEqual(
      sent,
      parts.map((p) => p.length),
    );
    const got: string[] = [];
    for await (const d of rx) {
      assert.deepEqual(d.address, tx.address());
      got.push(d.data.toString());
      if (got.length === parts.length) break;
    }
    assert.deepEqual(
      got,
      parts.map((p) => p.toString()),
    );
    // Before: 200 SENDMSGs, one per send.
    assert.ok(sendmsgs(trace.events) <= 4, `${sendmsgs(trace.events)} SENDMSGs for 200 sends`);
  } finally {
    trace.stop();
    await Promise.all([rx.close(), tx.close()]);
    await ring.close();
  }
});

test('a send refused at once rejects as the SENDMSG did: EMSGSIZE with syscall, address and port', async () => {
  const tx = await UdpSocket.bind({ host: '127.0.0.1' });
  try {
    await assert.rejects(tx.send(Buffer.alloc(70_000), 9, '127.0.0.1'), (error: NodeJS.ErrnoException & { address?: string; port?: number }) => {
      assert.equal(error.code, 'EMSGSIZE');
      assert.equal(error.syscall, 'sendmsg');
      assert.equal(error.address, '127.0.0.1');
      assert.equal(error.port, 9);
      return true;
    });
    // The socket still sends.
    const rx = await UdpSocket.bind({ host: '127.0.0.1' });
    await tx.send('after', rx.address().port, '127.0.0.1');
    assert.equal((await rx.recv()).data.toString(), 'after');
    await rx.close();
  } finally {
    await tx.close();
  }
});

test('a send with a signal goes through the ring: an aborted signal rejects with AbortError, nothing sent', async () => {
  const rx = await UdpSocket.bind({ host: '127.0.0.1' });
  const tx = await UdpSocket.bind({ host: '127.0.0.1' });
  try {
    await assert.rejects(tx.send('never', rx.address().port, '127.0.0.1', { signal: AbortSignal.abort() }), { name: 'AbortError' });
    await tx.send('second', rx.address().port, '127.0.0.1', { signal: new AbortController().signal });
    assert.equal((await rx.recv()).data.toString(), 'second');
  } finally {
    await Promise.all([rx.close(), tx.close()]);
  }
});
