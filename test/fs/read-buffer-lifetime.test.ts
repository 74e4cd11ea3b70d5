// The buffers FileHandle.read() and write() were given die young once the op
// settled and the caller dropped them: a scavenge (minor GC) frees them. Before,
// each stayed alive until the next mark-compact, which V8 starts only after
// ~64 MiB of ArrayBuffers piled up: readline over createReadStream() made every
// 64 KiB chunk fresh memory (page faults, brk) and cost 1.2-2.3x node:fs's CPU
// (docs/performance.md, "Session 21: readline"). Each case runs in a child with
// --expose-gc, which counts process.memoryUsage().arrayBuffers after minor GCs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from '../../test-support/backend.js';

const fsModule = new URL('../../src/fs/index.js', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'ringcore-buffer-lifetime-'));
const CHUNK = 64 * 1024;
const CHUNKS = 100;
const file = join(dir, 'f');
writeFileSync(file, Buffer.alloc(CHUNK * CHUNKS, 'line of text\n'));

/** Runs `body` (with `api` = ringcore/fs, `handle` open on the file) in a child; returns the MiB of ArrayBuffers still held after it and minor GCs. */
function heldAfter(body: string): number {
  const source = `
    const api = await import(${JSON.stringify(fsModule)});
    const handle = await api.open(${JSON.stringify(file)}, 'r+');
    const CHUNK = ${CHUNK}, CHUNKS = ${CHUNKS};
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    // Twice: a scavenge finishes sweeping the ArrayBuffers the one before found dead.
    const minor = async () => { for (let i = 0; i < 2; i++) { globalThis.gc({ type: 'minor' }); await turn(); } };
    await minor();
    const before = process.memoryUsage().arrayBuffers;
    ${body}
    await minor();
    await handle.close();
    console.log(JSON.stringify((process.memoryUsage().arrayBuffers - before) / 2 ** 20));`;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', source], {
    env: { ...process.env, RINGCORE_QUIET: '1', NODE_OPTIONS: undefined },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `child failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as number;
}

// 100 chunks are 6.25 MiB: what a scavenge frees leaves well under 2.
const LIMIT_MIB = 2;

test('buffers read into and dropped are freed by a minor GC', () => {
  const held = heldAfter(`
    for (let i = 0; i < CHUNKS; i++) {
      const buffer = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, i * CHUNK);
      if (bytesRead !== CHUNK) throw new Error('short read ' + bytesRead);
      if (i % 10 === 9) await minor();
    }`);
  assert.ok(held < LIMIT_MIB, `${held.toFixed(2)} MiB still held`);
}); // before: 6.25 MiB held

test('buffers written from and dropped are freed by a minor GC', () => {
  const held = heldAfter(`
    for (let i = 0; i < CHUNKS; i++) {
      const buffer = Buffer.alloc(CHUNK, 'line of text\\n');
      const { bytesWritten } = await handle.write(buffer, 0, CHUNK, i * CHUNK);
      if (bytesWritten !== CHUNK) throw new Error('short write ' + bytesWritten);
      if (i % 10 === 9) await minor();
    }`);
  assert.ok(held < LIMIT_MIB, `${held.toFixed(2)} MiB still held`);
});

test("createReadStream()'s chunks, once consumed, are freed by a minor GC", () => {
  const held = heldAfter(`
    let n = 0;
    for await (const chunk of handle.createReadStream({ autoClose: false })) if (++n % 10 === 0) await minor();
    if (n !== CHUNKS) throw new Error(n + ' chunks');`);
  assert.ok(held < LIMIT_MIB, `${held.toFixed(2)} MiB still held`);
});
