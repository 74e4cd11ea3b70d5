// Registered files: open(..., { fixed: true }) / FileHandle.register() put the
// fd in the ring's sparse file table; the handle's ops then name the slot with
// IOSQE_FIXED_FILE. close() empties the slot after the handle's ops and still
// closes the real fd; a freed slot serves the next handle.
import { after } from 'node:test';
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import * as C from '../../src/sys/constants.js';
import { record } from '../../test-support/kernel.js';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-fixed-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

const fdIsOpen = (fd: number) => nodeFs.existsSync(`/proc/self/fd/${fd}`);

test('ops on a registered handle carry IOSQE_FIXED_FILE and the slot, and agree with node:fs', async () => {
  const ring = new Ring({ entries: 64 });
  try {
    const path = join(dir, 'data');
    const data = randomBytes(1024 * 1024 + 7);
    nodeFs.writeFileSync(path, data);
    const handle = await fs.open(path, 'r+', 0o666, { ring, fixed: true });
    const slot = handle.fileIndex;
    assert.ok(slot >= 0, 'registered');
    assert.ok(handle.fd > 2 && handle.fd !== slot, 'fd is still the real fd');
    const trace = record(ring);
    // read at offsets and at the current position, readv, readFile (current position), write, writev, sync, allocate, truncate
    for (const at of [0, 1, 4095, 4096, 4097, data.length - 3, data.length]) {
      const { bytesRead, buffer } = await handle.read(Buffer.alloc(5000), 0, 5000, at);
      const expected = data.subarray(at, at + 5000);
      assert.equal(bytesRead, expected.length, `bytesRead at ${at}`);
      assert.ok(buffer.subarray(0, bytesRead).equals(expected), `bytes at ${at}`);
    }
    const a = Buffer.alloc(3);
    const b = Buffer.alloc(5);
    assert.equal((await handle.readv([a, b], 10)).bytesRead, 8);
    assert.ok(Buffer.concat([a, b]).equals(data.subarray(10, 18)));
    assert.ok(((await handle.readFile()) as Buffer).equals(data), 'readFile from position 0');
    assert.equal((await handle.write(Buffer.from('HELLO'), 0, 5, 100)).bytesWritten, 5);
    assert.equal((await handle.writev([Buffer.from('ab'), Buffer.from('cd')], 200)).bytesWritten, 4);
    await handle.sync();
    await handle.datasync();
    await handle.allocate(0, data.length + 4096);
    await handle.truncate(data.length + 10);
    const stats = await handle.stat();
    assert.equal(stats.size, data.length + 10, 'stat after truncate (STATX goes on the real fd)');
    trace.stop();
    const expected = Buffer.concat([data, Buffer.alloc(10)]);
    expected.write('HELLO', 100);
    expected.write('abcd', 200);
    assert.ok(nodeFs.readFileSync(path).equals(expected), 'the file as node:fs reads it');
    const sqes = trace.events.filter((e) => e.type === 'sqe');
    const onFile = sqes.filter((e) => e.type === 'sqe' && e.opcode !== C.IORING_OP_STATX);
    assert.ok(onFile.length >= 15, `ops traced: ${onFile.length}`);
    for (const e of onFile) {
      if (e.type !== 'sqe') continue;
      assert.equal(e.flags & C.IOSQE_FIXED_FILE, C.IOSQE_FIXED_FILE, `opcode ${e.opcode} has IOSQE_FIXED_FILE`);
      assert.equal(e.fd, slot, `opcode ${e.opcode} names slot ${slot}`);
    }
    const fd = handle.fd;
    await handle.close();
    assert.equal(fdIsOpen(fd), false, 'close closed the real fd');
    assert.equal(handle.fileIndex, -1);
    await assert.rejects(handle.read(Buffer.alloc(1), 0, 1, 0), { code: 'EBADF' });
    assert.throws(() => handle.register(), { code: 'EBADF' });
  } finally {
    await ring.close();
  }
});

test('close frees the slot only after the ops in flight; the next handle gets it and reads its own file', async () => {
  const ring = new Ring({ entries: 16 });
  try {
    const first = join(dir, 'first');
    const second = join(dir, 'second');
    nodeFs.writeFileSync(first, Buffer.alloc(64 * 4096, 1));
    nodeFs.writeFileSync(second, Buffer.alloc(64 * 4096, 2));
    const table = fs.fileTableOf(ring)!;
    assert.ok(table !== null, 'the ring has a file table');
    const free = table.available;
    const h1 = await fs.open(first, 'r', 0o666, { ring, fixed: true });
    const slot = h1.fileIndex;
    assert.equal(table.available, free - 1);
    // More reads than the ring has room for: some wait in the queue when close() is called.
    const reads = Array.from({ length: 200 }, (_, i) => h1.read(Buffer.alloc(4096), 0, 4096, (i % 64) * 4096));
    const closing = h1.close();
    assert.equal(table.available, free - 1, 'slot still held while ops are queued or in flight');
    for (const r of await Promise.all(reads)) {
      assert.equal(r.bytesRead, 4096);
      assert.ok(
        r.buffer.every((x) => x === 1),
        'every read saw the first file',
      );
    }
    await closing;
    assert.equal(table.available, free, 'slot freed after close');
    await using h2 = await fs.open(second, 'r', 0o666, { ring, fixed: true });
    assert.equal(h2.fileIndex, slot, 'the freed slot is reused');
    const { buffer } = await h2.read(Buffer.alloc(4096), 0, 4096, 0);
    assert.ok(
      buffer.every((x) => x === 2),
      'a reused slot names the new file',
    );
  } finally {
    await ring.close();
  }
});

test('register() later, twice, and many handles at once', async () => {
  const ring = new Ring({ entries: 64 });
  try {
    const path = join(dir, 'many');
    nodeFs.writeFileSync(path, 'abcdefgh');
    const handle = await fs.open(path, 'r', 0o666, { ring });
    assert.equal(handle.fileIndex, -1, 'not registered without fixed');
    assert.equal(handle.register(), true);
    const slot = handle.fileIndex;
    assert.equal(handle.register(), true, 'again: still registered');
    assert.equal(handle.fileIndex, slot, 'same slot');
    const handles = await Promise.all(Array.from({ length: 100 }, () => fs.open(path, 'r', 0o666, { ring, fixed: true })));
    const slots = new Set(handles.map((h) => h.fileIndex));
    assert.equal(slots.size, 100, 'one slot each');
    assert.ok(!slots.has(slot) && !slots.has(-1));
    const texts = await Promise.all(handles.map(async (h, i) => (await h.read(Buffer.alloc(8), 0, 8, i % 8)).buffer.toString('latin1', 0, 8 - (i % 8))));
    texts.forEach((t, i) => assert.equal(t, 'abcdefgh'.slice(i % 8)));
    await Promise.all(handles.map((h) => h.close()));
    await handle.close();
    assert.equal(fs.fileTableOf(ring)!.available, fs.fileTableOf(ring)!.size, 'every slot free again');
  } finally {
    await ring.close();
  }
});

test('a ring whose file table is taken: the handle stays on its fd', async () => {
  const ring = new Ring({ entries: 8 });
  try {
    assert.equal(ring.uring.registerFiles([-1, -1]), 0, 'someone else registered a table');
    const path = join(dir, 'taken');
    nodeFs.writeFileSync(path, 'xyz');
    await using handle = await fs.open(path, 'r', 0o666, { ring, fixed: true });
    assert.equal(handle.fileIndex, -1);
    assert.equal(handle.register(), false);
    assert.equal(await handle.readFile('utf8'), 'xyz');
  } finally {
    await ring.close();
  }
});

test('an aborted read on a registered handle settles, and close still frees slot and fd', async () => {
  const ring = new Ring({ entries: 8 });
  try {
    const fifo = join(dir, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo(1)'); // node:fs has no mkfifo
    // O_RDWR on a FIFO does not block the open and keeps a writer, so the read waits.
    const handle = await fs.open(fifo, 'r+', 0o666, { ring, fixed: true });
    assert.ok(handle.fileIndex >= 0);
    const controller = new AbortController();
    const pending = handle.read(Buffer.alloc(16), 0, 16, null, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('enough')), 20);
    await assert.rejects(pending, { name: 'AbortError', code: 'ABORT_ERR' });
    const fd = handle.fd;
    await handle.close();
    assert.equal(fdIsOpen(fd), false);
    assert.equal(fs.fileTableOf(ring)!.available, fs.fileTableOf(ring)!.size);
  } finally {
    await ring.close();
  }
});

test('bad fixed option rejects with TypeError before any SQE', async () => {
  const ring = new Ring({ entries: 8 });
  try {
    const trace = record(ring);
    await assert.rejects(fs.open(join(dir, 'nothing'), 'r', 0o666, { ring, fixed: 'yes' as unknown as boolean }), {
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
    });
    trace.stop();
    assert.equal(trace.events.filter((e) => e.type === 'sqe').length, 0);
  } finally {
    await ring.close();
  }
});
