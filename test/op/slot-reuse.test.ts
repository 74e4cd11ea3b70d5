// Slots are reused, so nothing grows per op: a million NOPs leave the slot
// table empty and memory flat (a map of results by op id would grow by an entry per op).
// The big run is in a child with --expose-gc, so that a GC before each
// measurement makes the figures meaningful.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { Ring, addTraceListener } from '../../src/index.js';

const index = new URL('../../src/index.js', import.meta.url).href;

test('slot numbers stay below the CQ size and generations advance as slots are reused', async () => {
  const ring = new Ring({ entries: 8 });
  let maxSlot = 0;
  let maxGeneration = 0;
  const stop = addTraceListener((event) => {
    if (event.ring !== ring.uring.id || event.type !== 'sqe') return;
    maxSlot = Math.max(maxSlot, event.slot);
    maxGeneration = Math.max(maxGeneration, event.generation);
  });
  try {
    for (let batch = 0; batch < 100; batch++) await Promise.all(Array.from({ length: 20 }, () => ring.nop()));
    assert.ok(maxSlot < ring.uring.cqEntries, `slot ${maxSlot} < ${ring.uring.cqEntries}`);
    assert.ok(maxGeneration >= 2000 / ring.uring.cqEntries - 1, `generation reached ${maxGeneration}`);
    assert.equal(ring.submitter.slots.used, 0);
    assert.equal(ring.inFlight, 0);
  } finally {
    stop();
    await ring.close();
  }
});

test('a million NOPs in batches of 1000: slots all free, heap and RSS flat', { timeout: 30_000 }, () => {
  const script = `
    import { Ring } from '${index}';
    const ring = new Ring({ entries: 256 });
    const batch = () => { const ops = new Array(1000); for (let i = 0; i < 1000; i++) ops[i] = ring.nop(); return Promise.all(ops); };
    // Warm up, so that the JIT and the young generation have their steady size.
    for (let i = 0; i < 100; i++) await batch();
    gc();
    const before = process.memoryUsage();
    for (let i = 0; i < 1000; i++) await batch();
    gc();
    const after = process.memoryUsage();
    console.log(JSON.stringify({
      inFlight: ring.inFlight, waiting: ring.waiting, used: ring.submitter.slots.used, stats: ring.stats,
      rss: after.rss - before.rss, heap: after.heapUsed - before.heapUsed, external: after.external - before.external,
    }));
    await ring.close();
  `;
  const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 25_000 });
  assert.equal(child.error, undefined, `the child hung: ${child.error?.message}`);
  assert.equal(child.status, 0, child.stderr);
  const report = JSON.parse(child.stdout) as {
    inFlight: number;
    waiting: number;
    used: number;
    rss: number;
    heap: number;
    external: number;
    stats: { submitted: number; completed: number; stale: number };
  };
  assert.equal(report.inFlight, 0);
  assert.equal(report.waiting, 0);
  assert.equal(report.used, 0);
  assert.equal(report.stats.submitted, 1_100_000);
  assert.equal(report.stats.completed, 1_100_000);
  assert.equal(report.stats.stale, 0);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  // A leak of even 8 bytes per op would add 8 MB of heap.
  assert.ok(report.heap < 4e6, `heap grew by ${mb(report.heap)} over a million ops`);
  assert.ok(report.external < 1e6, `external memory grew by ${mb(report.external)}`);
  assert.ok(report.rss < 50e6, `RSS grew by ${mb(report.rss)} over a million ops`);
});
