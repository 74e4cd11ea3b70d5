// What the seeded random tests share (test/op/random-careless, test/net/random-careless,
// test/fs/random-careless, test/http/create-server-differential): a PRNG
// that gives the same calls for a seed on every runtime and backend, the
// seeds chosen for a rerun, and the run of the same file again in a child on
// the node backend, whose outcomes the parent compares with its own.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backend } from '../src/index.js';
import { runtime } from '../src/sys/runtime.js';

/** mulberry32: a small seeded PRNG, so that a seed gives the same sequence of calls everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seeds a failure's rerun asks for (`RANDOM_CARELESS_SEEDS=7,9`), or null: all of them. */
export function onlySeeds(): Set<number> | null {
  const list = process.env.RANDOM_CARELESS_SEEDS;
  return list ? new Set(list.split(',').map(Number)) : null;
}

/** Whether this process is the node-backend child of runOnNodeBackend(). */
export const isNodeBackendChild = process.env.RINGCORE_RANDOM_CARELESS_CHILD === '1';

/** The child's side: hands its result (JSON) to the parent. */
export function reportToParent(result: object): void {
  writeFileSync(process.env.RINGCORE_RANDOM_CARELESS_OUT!, `${JSON.stringify({ backend: backend(), ...result })}\n`);
}

/** `{ skip }` of the test that runs the file again on the node backend: false, or why it cannot run here. */
export function nodeBackendChildSkip(): string | false {
  if (backend() !== 'io_uring') return 'this process runs on the node backend already';
  return runtime === 'node' ? false : 'starts a Node child with RINGCORE_BACKEND=node';
}

/** Runs `file` (a test file's own path) in a child on the node backend; returns what its reportToParent() handed over. */
export function runOnNodeBackend<T>(file: string): T {
  const out = join(mkdtempSync(join(tmpdir(), 'ringcore-random-child-')), 'result.json');
  const env = {
    ...process.env,
    RINGCORE_BACKEND: 'node',
    RINGCORE_QUIET: '1',
    RINGCORE_RANDOM_CARELESS_CHILD: '1',
    RINGCORE_RANDOM_CARELESS_OUT: out,
    NODE_OPTIONS: undefined,
    NODE_TEST_CONTEXT: undefined,
  };
  const r = spawnSync(process.execPath, [file], { env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `the node-backend child failed (${r.signal ?? r.status}):\n${r.stdout}\n${r.stderr}`);
  const child = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(child.backend, 'node');
  return child;
}
