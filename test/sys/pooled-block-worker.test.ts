// A pooled block (src/sys/pooled-block.ts) that a worker thread still holds
// when its environment is torn down: Node calls the Buffer's finalizer there
// although nothing collected it, and calls it before the worker's ring is
// quiesced (the ring's mappings are finalized after the block, the ring's own
// cleanup hook later still), so a read into the block can still be in flight.
// Such a block must never go back to the pool, where another thread would be
// handed it and the kernel could write into it.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { native } from '../../src/sys/native.js';

const index = new URL('../../src/index.js', import.meta.url).href;
const net = new URL('../../src/net/index.js', import.meta.url).href;
const pool = new URL('../../src/sys/pooled-block.js', import.meta.url).href;
const nativeModule = new URL('../../src/sys/native.js', import.meta.url).href;

/** A worker that takes a pooled block after its ring, starts a read into it that nothing answers, and reports the block's address; then `end`. */
function holdingWorker(end: string): Worker {
  const source = `
    import { parentPort } from 'node:worker_threads';
    const rc = await import(${JSON.stringify(index)});
    const { socketpair } = await import(${JSON.stringify(net)});
    const { pooledBlock } = await import(${JSON.stringify(pool)});
    const { native } = await import(${JSON.stringify(nativeModule)});
    await rc.nop();
    const [a, b] = socketpair();
    const block = pooledBlock();
    block.fill(0xa5);
    globalThis.held = { a, b, block, reading: a.read(block).catch(() => {}) };
    parentPort.postMessage(native.address(block));
    ${end}`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`));
}

/** Once `exited` (the worker's 'exit') has come: whether taking 64 blocks hands out the one at `address`. */
async function reusedAfterExit(exited: Promise<unknown[]>, address: number): Promise<boolean> {
  const [code] = await exited;
  assert.notEqual(code, 0);
  const taken: Buffer[] = [];
  for (let i = 0; i < 64; i++) {
    const block = native.poolBlock();
    if (block) taken.push(block);
  }
  assert.equal(taken.length, 64, 'the pool had blocks to hand out');
  return taken.some((block) => native.address(block) === address);
}

test('a block held by a worker that is terminate()d, a read into it in flight, is never handed out again', { timeout: 30_000 }, async () => {
  const worker = holdingWorker(`parentPort.once('message', () => {});`);
  const exited = once(worker, 'exit');
  const [address] = await once(worker, 'message');
  await worker.terminate();
  assert.equal(await reusedAfterExit(exited, address), false);
});

test('a block held by a worker that calls process.exit(), a read into it in flight, is never handed out again', { timeout: 30_000 }, async () => {
  const worker = holdingWorker(`process.exit(3);`);
  const exited = once(worker, 'exit');
  const [address] = await once(worker, 'message');
  assert.equal(await reusedAfterExit(exited, address), false);
});
