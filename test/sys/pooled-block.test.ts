// src/sys/pooled-block.ts and the addon's pool (native/ringcore.c): blocks
// handed out zeroed, whatever an earlier user wrote into the memory; taken
// back only once V8 has collected the Buffer and every view of it; and
// Buffer.alloc once the pool is used up. Collection needs a gc(): those cases
// run in a child (Node's --expose-gc, Bun's Bun.gc, Deno's --v8-flags).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { native } from '../../src/sys/native.js';
import { POOLED_BLOCK, pooledBlock } from '../../src/sys/pooled-block.js';
import { runtime } from '../../src/sys/runtime.js';

const nativeModule = new URL('../../src/sys/native.js', import.meta.url).href;
const poolModule = new URL('../../src/sys/pooled-block.js', import.meta.url).href;

/** Runs `body` in a child that can collect (`collect()`), with `native` and `pooledBlock`; returns what it printed. */
function child(body: string): unknown {
  const source = `
    const { native } = await import(${JSON.stringify(nativeModule)});
    const { pooledBlock, POOLED_BLOCK } = await import(${JSON.stringify(poolModule)});
    const gc = globalThis.Bun ? () => globalThis.Bun.gc(true) : globalThis.gc;
    /** Collects and turns the event loop until nothing is handed out (finalizers run as tasks), or gives up. */
    const collect = async () => { for (let i = 0; i < 50 && native.poolStats()[0] > 0; i++) { gc(); await new Promise((resolve) => setTimeout(resolve, 10)); } };
    ${body}`;
  const args =
    runtime === 'deno'
      ? ['eval', '-A', '--v8-flags=--expose-gc', source]
      : runtime === 'bun'
        ? ['-e', source]
        : ['--expose-gc', '--input-type=module', '-e', source];
  const r = spawnSync(process.execPath, args, { env: { ...process.env, NODE_OPTIONS: undefined }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `child failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

const source = readFileSync(new URL('../../../native/ringcore.c', import.meta.url), 'utf8');
/** The pool's bound, native/ringcore.c's POOL_BLOCKS. */
const POOL_BLOCKS = Number(/^#define POOL_BLOCKS (\d+)/m.exec(source)?.[1]);

test('POOLED_BLOCK is native/ringcore.c POOL_BLOCK', () => {
  assert.ok(POOL_BLOCKS > 0);
  assert.equal(/^#define POOL_BLOCK \((\d+) \* 1024\)$/m.exec(source)?.[1], String(POOLED_BLOCK / 1024));
});

test('a pooled block is a zeroed Buffer of POOLED_BLOCK bytes, the whole of its ArrayBuffer', () => {
  const block = pooledBlock();
  assert.ok(Buffer.isBuffer(block));
  assert.equal(block.length, POOLED_BLOCK);
  assert.equal(block.byteOffset, 0);
  assert.equal(block.buffer.byteLength, POOLED_BLOCK);
  assert.ok(block.every((x) => x === 0));
  assert.equal(native.poolStats()[0], 1, 'it came from the pool');
});

test('a block is reused once its Buffer is collected, and handed out zeroed: the earlier bytes never show', () => {
  const seen = child(`
    let block = pooledBlock();
    const address = native.address(block);
    block.fill(0xa5);
    block = null;
    await collect();
    const given = native.poolStats();
    const again = pooledBlock();
    console.log(JSON.stringify({ given, reused: native.address(again) === address, zeroed: again.every((x) => x === 0) }));`);
  assert.deepEqual(seen, { given: [0, 1, 0, POOL_BLOCKS - 1], reused: true, zeroed: true });
});

test('a block is never handed out again while a view of it lives, and the view keeps its bytes', () => {
  const seen = child(`
    let block = pooledBlock();
    const address = native.address(block);
    block.fill(0xa5);
    const view = block.subarray(100, 101);
    block = null;
    for (let i = 0; i < 5; i++) { globalThis.Bun ? Bun.gc(true) : gc(); await new Promise((resolve) => setTimeout(resolve, 10)); }
    const taken = [];
    for (let i = 0; i < 100; i++) taken.push(pooledBlock());
    console.log(JSON.stringify({ reused: taken.some((b) => native.address(b) === address), view: view[0], out: native.poolStats()[0] }));`);
  assert.deepEqual(seen, { reused: false, view: 0xa5, out: 101 });
});

test('a window of hand-outs ends (poolTrim): the free blocks none of it took are given back, and a child that took blocks still exits (the timer is unref)', () => {
  const seen = child(`
    let blocks = [];
    for (let i = 0; i < 8; i++) blocks.push(pooledBlock());
    blocks = null;
    await collect();
    const free = native.poolStats();
    native.poolTrim();
    // Window 2: one hand-out reaches one of the 8; the other 7 are given back at its end.
    const taken = pooledBlock();
    native.poolTrim();
    const second = native.poolStats();
    console.log(JSON.stringify({ free: free.slice(0, 3), second: second.slice(0, 3), zeroed: taken.every((x) => x === 0) }));`);
  assert.deepEqual(seen, { free: [0, 8, 0], second: [1, 0, 7], zeroed: true });
});

test('once the pool is used up, pooledBlock() is Buffer.alloc: zeroed, POOLED_BLOCK bytes', () => {
  const seen = child(`
    const held = [];
    let block;
    while ((block = native.poolBlock()) !== null) held.push(block);
    const fallback = pooledBlock();
    console.log(JSON.stringify({ held: held.length, length: fallback.length, zeroed: fallback.every((x) => x === 0), pooled: held.some((b) => b.buffer === fallback.buffer) }));`);
  assert.deepEqual(seen, { held: POOL_BLOCKS, length: POOLED_BLOCK, zeroed: true, pooled: false });
});
