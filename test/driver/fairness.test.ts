// Ops that complete inline resume their callers without a trip through the
// event loop. A loop of them must still let Node's loop turn now and then, or
// timers and sockets beside it would starve.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { Ring } from '../../src/index.js';

test('a loop of inline-completing ops does not starve setTimeout', { timeout: 10_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  try {
    let fired = false;
    setTimeout(() => (fired = true), 5);
    let ops = 0;
    // Without fairness this loop never ends: the timer could never fire.
    while (!fired) {
      await ring.nop();
      ops++;
    }
    assert.ok(fired);
    assert.ok(ops > 0);
  } finally {
    await ring.close();
  }
});

test('a flooded stream lets the event loop turn between bursts, owned and borrowed chunks alike', { timeout: 60_000 }, async () => {
  const { TcpListener } = await import('../../src/net/index.js');
  const { spawn } = await import('node:child_process');
  const total = 96 << 20;
  for (const borrow of [false, true]) {
    const listener = await TcpListener.bind({ host: '127.0.0.1' });
    // Another process writes as fast as loopback takes it: this one only reads.
    const writer = spawn(process.execPath, [
      '-e',
      `const s = require('node:net').connect(${listener.address().port}, '127.0.0.1');
       const block = Buffer.alloc(1 << 20, 7); let left = ${total >> 20};
       const go = () => { while (left > 0) { left--; if (!s.write(block)) return s.once('drain', go); } s.end(); };
       s.on('connect', go);`,
    ]);
    const conn = await listener.accept();
    let got = 0;
    let atTurn = 0;
    let mostPerTurn = 0;
    let turns = 0;
    let reading = true;
    const turn = () => {
      mostPerTurn = Math.max(mostPerTurn, got - atTurn);
      atTurn = got;
      turns++;
      if (reading) setImmediate(turn);
    };
    setImmediate(turn);
    for await (const chunk of conn.chunks({ borrow })) got += chunk.length;
    reading = false;
    await conn.close();
    listener.close();
    if (writer.exitCode === null) await new Promise((resolve) => writer.once('exit', resolve));
    assert.equal(got, total);
    // A burst ends after 256 completions; one flush reaps at most the ring's buffers (256 × 32 KiB):
    // well under 24 MiB between two turns. Counting flushes alone let most of the flood through in one turn.
    assert.ok(
      mostPerTurn <= 24 << 20,
      `${borrow ? 'borrowed' : 'owned'}: ${(mostPerTurn / 2 ** 20).toFixed(1)} MiB read in one turn of the loop (${turns} turns)`,
    );
  }
});
