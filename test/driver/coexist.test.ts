// The event-loop driver lives beside the rest of Node: timers, node:fs and
// node:net keep working while ringcore ops run, in the same process.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ring } from '../../src/index.js';
import { sleep } from '../../src/time/index.js';

test('setTimeout, fs/promises and a TCP echo work while a ringcore loop runs', { timeout: 10_000 }, async () => {
  const ring = new Ring({ entries: 16 });
  const dir = mkdtempSync(join(tmpdir(), 'ringcore-coexist-'));
  const server = createServer((socket) => socket.pipe(socket));
  try {
    // The ringcore side: sleeps and NOPs until told to stop.
    let running = true;
    let rounds = 0;
    const loop = (async () => {
      while (running) {
        await Promise.all([sleep(1, { ring }), ring.nop(), ring.nop()]);
        rounds++;
      }
    })();

    const timerFired = new Promise<string>((resolve) => setTimeout(() => resolve('timer'), 20));

    const file = join(dir, 'data.txt');
    writeFileSync(file, 'x'.repeat(100_000));
    const reads = Promise.all(Array.from({ length: 5 }, () => readFile(file, 'utf8')));

    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const echoed = new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end('ping over node:net'));
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk) => (data += chunk));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });

    assert.equal(await timerFired, 'timer');
    const contents = await reads;
    assert.ok(contents.every((text) => text.length === 100_000));
    assert.equal(await echoed, 'ping over node:net');
    const roundsSoFar = rounds;
    // And ringcore is still making progress after all that.
    await sleep(5, { ring });
    running = false;
    await loop;
    assert.ok(rounds > 0 && rounds >= roundsSoFar, `the ringcore loop ran (${rounds} rounds)`);
    assert.equal(ring.inFlight, 0);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await ring.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a setImmediate chain and a ringcore NOP chain interleave; neither starves the other', { timeout: 10_000 }, async () => {
  const ring = new Ring({ entries: 8 });
  try {
    let immediates = 0;
    let nops = 0;
    let stop = false;
    const spin = () => {
      immediates++;
      if (!stop) setImmediate(spin);
    };
    setImmediate(spin);
    while (nops < 2000) {
      await ring.nop();
      nops++;
    }
    // A sleep needs the event loop to poll the ring fd; immediates must keep running meanwhile. Not timed:
    // 100 more immediates must run before a 5 s sleep ends (a driver that waited in the kernel for the
    // sleep would run none until then), so a descheduled process cannot fail it.
    const before = immediates;
    const abort = new AbortController();
    let slept = false;
    const sleeping = sleep(5000, { ring, signal: abort.signal }).then(
      () => (slept = true),
      () => {},
    );
    await new Promise<void>((resolve) => {
      const check = () => (immediates >= before + 100 || slept ? resolve() : setImmediate(check));
      setImmediate(check);
    });
    assert.equal(slept, false, 'the sleep ended before 100 setImmediate callbacks ran');
    abort.abort();
    await sleeping;
    stop = true;
    assert.equal(nops, 2000);
  } finally {
    await ring.close();
  }
});
