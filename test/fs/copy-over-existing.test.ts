// copyFile onto a destination that exists, larger or smaller than the source:
// what users do most ("rewrite this file"). The destination ends as node:fs's
// copyFile leaves it: the source's bytes and size exactly, and the source's
// mode, on both backends. A call with no signal and no method is node:fs's
// copy; with a signal, on io_uring, the ring's, whose cut to 0 bytes and mode
// are done on the copy's pool thread (copyFileRange's truncate and mode), not
// by an FTRUNCATE op: one trip to another thread per copy, as Node's
// (docs/performance.md, "Session 23").
import { after, test } from 'node:test';
import { test as ioUringTest } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import { runtime } from '../../src/sys/runtime.js';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-copy-over-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

function bytes(size: number, seed: number): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * seed + (i >> 8)) & 0xff;
  return data;
}

/** A file of `data` with `mode` (chmod: the umask does not apply). */
function file(name: string, data: Buffer, mode: number): string {
  const path = join(dir, name);
  nodeFs.writeFileSync(path, data);
  nodeFs.chmodSync(path, mode);
  return path;
}

const cases = [
  { name: 'a larger destination', src: 4096, dest: 1 << 20 },
  { name: 'a smaller destination', src: 1 << 20, dest: 4096 },
  { name: 'a destination of the same size', src: 70_000, dest: 70_000 },
  { name: 'an empty destination', src: 5000, dest: 0 },
];

for (const { name, src: srcSize, dest: destSize } of cases) {
  // 'signal': the default method with a signal (never aborted), the ring's copy_file_range.
  for (const method of [undefined, 'signal', 'splice', 'readwrite'] as const) {
    test(`copyFile over ${name} (${method ?? 'default'} method) leaves what node:fs's leaves: the source's bytes, size and mode`, async () => {
      const tag = `${name.replace(/\W+/g, '-')}-${method ?? 'default'}`;
      const data = bytes(srcSize, 7);
      const src = file(`${tag}-src`, data, 0o640);
      const ours = file(`${tag}-ours`, bytes(destSize, 13), 0o600);
      const theirs = file(`${tag}-theirs`, bytes(destSize, 13), 0o600);
      await fs.copyFile(src, ours, 0, method === undefined ? undefined : method === 'signal' ? { signal: new AbortController().signal } : { method });
      await nodeFs.promises.copyFile(src, theirs);
      for (const path of [ours, theirs]) {
        const got = nodeFs.readFileSync(path);
        assert.equal(got.length, srcSize);
        assert.ok(got.equals(data), `${path} holds the source's bytes`);
      }
      assert.equal(nodeFs.statSync(ours).mode, nodeFs.statSync(theirs).mode);
      assert.equal(nodeFs.statSync(ours).mode & 0o7777, 0o640);
    });
  }
}

test('copyFile over an existing file with COPYFILE_EXCL fails with EEXIST and leaves it as it was', async () => {
  const src = file('excl-src', bytes(100, 3), 0o644);
  const dest = file('excl-dest', bytes(300, 5), 0o600);
  await assert.rejects(fs.copyFile(src, dest, nodeFs.constants.COPYFILE_EXCL), { code: 'EEXIST', syscall: 'copyfile' });
  assert.ok(nodeFs.readFileSync(dest).equals(bytes(300, 5)));
  assert.equal(nodeFs.statSync(dest).mode & 0o7777, 0o600);
});

test('copyFile over an existing file aborted before it starts leaves the destination as it was', async () => {
  const src = file('abort-src', bytes(100, 3), 0o644);
  const dest = file('abort-dest', bytes(300, 5), 0o600);
  const controller = new AbortController();
  const copy = fs.copyFile(src, dest, 0, { signal: controller.signal });
  controller.abort();
  await assert.rejects(copy, { name: 'AbortError' });
  assert.ok(nodeFs.readFileSync(dest).equals(bytes(300, 5)));
  assert.equal(nodeFs.statSync(dest).mode & 0o7777, 0o600);
});

/** Copies a 4 KiB file of mode 0640 over a 64 KiB file of mode 0600 on a ring of its own; returns the SQEs the copy submitted. */
async function sqesOfCopyOver(name: string, options: { signal?: AbortSignal }): Promise<number> {
  const ring = new Ring();
  try {
    const src = file(`${name}-src`, bytes(4096, 3), 0o640);
    const dest = file(`${name}-dest`, bytes(1 << 16, 5), 0o600);
    const before = ring.stats.submitted;
    await fs.copyFile(src, dest, 0, { ring, ...options });
    assert.ok(nodeFs.readFileSync(dest).equals(bytes(4096, 3)));
    assert.equal(nodeFs.statSync(dest).mode & 0o7777, 0o640);
    return ring.stats.submitted - before;
  } finally {
    ring.close();
  }
}

ioUringTest(
  'copyFile with a signal over an existing file of another mode submits OPENAT ×2 and CLOSE ×2 only: the cut and the mode are on the pool thread',
  async () => {
    // An earlier main submitted an FTRUNCATE too (Linux 6.9+, where the op exists).
    assert.equal(await sqesOfCopyOver('sqes', { signal: new AbortController().signal }), 4);
  },
);

ioUringTest(
  'copyFile with no signal and no method submits nothing to the ring on Node: node:fs copies (one libuv pool job); Bun and Deno keep the ring copy',
  async () => {
    // The ring's copy submits 4 (OPENAT ×2, CLOSE ×2); Bun's and Deno's node:fs copyFile differ from Node's, so they keep it.
    assert.equal(await sqesOfCopyOver('no-sqes', {}), runtime === 'node' ? 0 : 4);
  },
);
