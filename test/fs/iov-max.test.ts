// Issue #9, fault 6: more than IOV_MAX (1024) iovecs. The kernel refuses a
// readv/writev of more with EINVAL; before the fix a createWriteStream given
// 5000 writes wrote 7 of 48,890 bytes, then errored. Every vectored op now
// goes in batches of at most IOV_MAX, each resuming where the last stopped.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as fs from '../../src/fs/index.js';
import { IOV_MAX } from '../../src/sys/iovec.js';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-iov-max-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

/** 5000 small buffers of different lengths (one empty), and what they make together. */
function lines(count = 5000): { buffers: Buffer[]; all: Buffer } {
  const buffers = Array.from({ length: count }, (_, i) => (i === 1500 ? Buffer.alloc(0) : Buffer.from(`line ${i} ${'x'.repeat(i % 13)}\n`)));
  return { buffers, all: Buffer.concat(buffers) };
}

test("fault 6: IOV_MAX is the kernel's 1024", () => {
  assert.equal(IOV_MAX, 1024);
});

test('fault 6: FileHandle.writev of 5000 buffers writes every byte, in order, at the position given', async () => {
  const { buffers, all } = lines();
  const path = join(dir, 'writev');
  nodeFs.writeFileSync(path, 'HEAD:');
  await using handle = await fs.open(path, 'r+');
  const { bytesWritten } = await handle.writev(buffers, 5);
  assert.equal(bytesWritten, all.length);
  assert.ok(nodeFs.readFileSync(path).equals(Buffer.concat([Buffer.from('HEAD:'), all])));
});

test('fault 6: FileHandle.writev of 5000 buffers at the current position, then a write after it', async () => {
  const { buffers, all } = lines();
  const path = join(dir, 'writev-current');
  await using handle = await fs.open(path, 'w');
  assert.equal((await handle.writev(buffers)).bytesWritten, all.length);
  await handle.write('TAIL');
  assert.ok(nodeFs.readFileSync(path).equals(Buffer.concat([all, Buffer.from('TAIL')])));
});

// On the node backend too (test/fallback/suites.test.ts runs this file there): Node's own readv reads only the first IOV_MAX (libuv caps the list).
test('fault 6: FileHandle.readv into 5000 buffers fills them all, and stops short at the end of the file', async () => {
  const { all } = lines();
  const path = join(dir, 'readv');
  nodeFs.writeFileSync(path, all);
  await using handle = await fs.open(path, 'r');
  const sizes = lines().buffers.map((b) => b.length);
  const into = sizes.map((n) => Buffer.alloc(n));
  const { bytesRead } = await handle.readv(into, 0);
  assert.equal(bytesRead, all.length);
  assert.ok(Buffer.concat(into).equals(all));
  // At the current position: the whole file again, then 0 at its end.
  const again = sizes.map((n) => Buffer.alloc(n));
  assert.equal((await handle.readv(again)).bytesRead, all.length);
  assert.ok(Buffer.concat(again).equals(all));
  assert.equal((await handle.readv([Buffer.alloc(10)])).bytesRead, 0);
  // More room than the file holds: a short read, the bytes that are there.
  const tooMany = Array.from({ length: 5000 }, () => Buffer.alloc(32));
  const { bytesRead: n } = await handle.readv(tooMany, 100);
  assert.equal(n, all.length - 100);
  assert.ok(Buffer.concat(tooMany).subarray(0, n).equals(all.subarray(100)));
});

test('fault 6: FileHandle.readv of 5000 buffers from a FIFO: a short read of what is there, never EINVAL, never a wait for more', {
  timeout: 20_000,
}, async () => {
  const fifo = join(dir, 'fifo');
  spawnSync('mkfifo', [fifo]);
  // Both ends at once: opening one end of a FIFO waits for the other.
  const [handle, writer] = await Promise.all([fs.open(fifo, 'r'), nodeFs.promises.open(fifo, 'w')]);
  try {
    const data = Buffer.alloc(20_000, 0x7a);
    await writer.write(data);
    const room = Array.from({ length: 5000 }, () => Buffer.alloc(8));
    const { bytesRead } = await handle.readv(room);
    assert.ok(bytesRead > 0 && bytesRead <= data.length, `${bytesRead}`);
    assert.ok(Buffer.concat(room).subarray(0, bytesRead).equals(data.subarray(0, bytesRead)));
    // The rest is still there for the next read.
    const rest = Buffer.alloc(data.length);
    let got = 0;
    while (got < data.length - bytesRead) got += (await handle.read(rest, got, rest.length - got, null)).bytesRead;
    assert.equal(got, data.length - bytesRead);
  } finally {
    await writer.close();
    await handle.close();
  }
});

test('fault 6: createWriteStream given 5000 write()s writes the whole file', async () => {
  const { buffers, all } = lines();
  const path = join(dir, 'stream');
  const stream = (await fs.open(path, 'w')).createWriteStream();
  for (const b of buffers) stream.write(b);
  stream.end();
  await once(stream, 'finish');
  assert.ok(nodeFs.readFileSync(path).equals(all));
});

test('fault 6: specs.writevSpec refuses more than IOV_MAX buffers before any SQE (RangeError)', () => {
  assert.throws(() => fs.specs.writevSpec(1, lines(IOV_MAX + 1).buffers, -1), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  assert.doesNotThrow(() => fs.specs.writevSpec(1, lines(IOV_MAX).buffers, -1));
});
