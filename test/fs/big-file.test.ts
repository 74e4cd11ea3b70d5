// A 100 MiB file: reads at many offsets, readFile and copyFile, against node:fs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';

import * as fs from '../../src/fs/index.js';

const SIZE = 100 * 1024 * 1024;
const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-big-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'big');
// 1 MiB of random bytes, each copy shifted, so that no two MiB are alike.
const block = randomBytes(1024 * 1024 + 100);
const data = Buffer.allocUnsafe(SIZE);
for (let i = 0; i < 100; i++) block.copy(data, i * 1024 * 1024, i, i + 1024 * 1024);
nodeFs.writeFileSync(path, data);

test('reads at 500 offsets match node:fs', async () => {
  await using handle = await fs.open(path);
  const fd = nodeFs.openSync(path, 'r');
  try {
    const offsets = [0, 1, 4095, 4096, 4097, SIZE - 4096, SIZE - 1, SIZE, SIZE + 1];
    for (let i = 0; i < 491; i++) offsets.push(randomInt(SIZE));
    // All in flight at once.
    const reads = offsets.map(async (at) => {
      const length = 1 + randomInt(70_000);
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(length), 0, length, at);
      const expected = Buffer.alloc(length);
      assert.equal(bytesRead, nodeFs.readSync(fd, expected, 0, length, at), `bytesRead at ${at}`);
      assert.ok(buffer.equals(expected), `bytes at ${at}`);
    });
    await Promise.all(reads);
  } finally {
    nodeFs.closeSync(fd);
  }
});

test('readFile and copyFile of 100 MiB are byte-identical', async () => {
  const back = (await fs.readFile(path)) as Buffer;
  assert.equal(back.length, SIZE);
  assert.ok(back.equals(data));
  const copy = join(dir, 'copy');
  await fs.copyFile(path, copy);
  assert.ok(nodeFs.readFileSync(copy).equals(data), 'splice');
  await fs.copyFile(path, copy, 0, { method: 'readwrite' });
  assert.ok(nodeFs.readFileSync(copy).equals(data), 'read/write');
  nodeFs.unlinkSync(copy);
});

test('writeFile of 100 MiB is byte-identical', async () => {
  const out = join(dir, 'written');
  await fs.writeFile(out, data);
  assert.ok(nodeFs.readFileSync(out).equals(data));
  nodeFs.unlinkSync(out);
});
