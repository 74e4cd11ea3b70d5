// A write of 0 bytes sends nothing, but it settles in call order: after the
// writes called before it, as node:net calls an empty write's callback after
// theirs. It resolved at once, so `await stream.write('')` (a way to wait
// for the writes before it) returned while they were still under way.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';

import { Ring } from '../../src/index.js';
import { TcpListener } from '../../src/net/index.js';
import { withSocketpair } from '../../test-support/socketpair.js';

const BIG = 16 * 1024 * 1024; // more than the two socket buffers hold: it completes once the peer reads

test('an empty write settles after the writes called before it, as node:net calls back', async () => {
  // node:net first: the order its callbacks run in.
  const nodeOrder: string[] = [];
  {
    const server = net.createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    const [peer] = (await once(server, 'connection')) as [net.Socket];
    peer.pause();
    const done = new Promise<void>((resolve) => {
      client.write(Buffer.alloc(BIG), () => nodeOrder.push('big'));
      client.write(Buffer.alloc(0), () => {
        nodeOrder.push('empty');
        resolve();
      });
    });
    peer.resume();
    await done;
    client.destroy();
    peer.destroy();
    server.close();
  }

  const ring = new Ring({ entries: 64 });
  const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0, ring });
  const client = net.connect({ host: '127.0.0.1', port: listener.address().port });
  const stream = await listener.accept();
  await listener.close();
  client.pause();
  try {
    const order: string[] = [];
    const big = stream.write(Buffer.alloc(BIG)).then(() => order.push('big'));
    const empty = stream.write(Buffer.alloc(0)).then(() => order.push('empty'));
    const emptyString = stream.write('').then(() => order.push('empty string'));
    // The big write waits for the peer to read; an empty one that resolves now comes first.
    await new Promise((resolve) => setImmediate(resolve));
    client.resume();
    await Promise.all([big, empty, emptyString]);
    assert.deepEqual(nodeOrder, ['big', 'empty']);
    assert.deepEqual(order, ['big', 'empty', 'empty string']);
  } finally {
    client.destroy();
    await stream.close();
    await ring.close();
  }
});

test("an empty write's options are checked as any write's, whether or not a write is under way", () =>
  withSocketpair({ entries: 64 }, async (a, b) => {
    const cases = async (when: string): Promise<void> => {
      for (const data of [Buffer.alloc(0), '']) {
        assert.throws(() => a.write(data, { signal: 5 as unknown as AbortSignal }), { code: 'ERR_INVALID_ARG_TYPE' }, `${when}: a bad signal`);
        assert.throws(() => a.write(data, 7 as unknown as { signal?: AbortSignal }), { code: 'ERR_INVALID_ARG_TYPE' }, `${when}: bad options`);
        await assert.rejects(a.write(data, { signal: AbortSignal.abort() }), { name: 'AbortError' }, `${when}: an aborted signal`);
      }
    };
    await cases('no write under way');
    // More than the socket pair's buffers hold: it waits until b reads.
    const big = a.write(Buffer.alloc(BIG));
    await cases('behind a write');
    let got = 0;
    for await (const chunk of b) if ((got += chunk.length) === BIG) break;
    await big;
  }));
