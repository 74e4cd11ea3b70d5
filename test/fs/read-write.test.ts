// readFile, writeFile, appendFile, copyFile and FileHandle.read/write/readv/
// writev against node:fs, on files of 0, 1, 4095, 4096, 4097 and 1 MiB+7 bytes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';

import * as fs from '../../src/fs/index.js';
import { Ring } from '../../src/index.js';
import { O_CLOEXEC } from '../../src/sys/constants.js';
import { requireIoUring } from '../../test-support/backend.js';
import { fdCount } from '../../test-support/fds.js';

const dir = mkdtempSync(join(tmpdir(), 'ringcore-fs-rw-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// 16 KiB ± 1: around readFile's first READ, which decides whether a STATX is needed.
const SIZES = [0, 1, 4095, 4096, 4097, 16383, 16384, 16385, 1024 * 1024 + 7];

for (const size of SIZES) {
  test(`${size} bytes: writeFile, readFile, copyFile agree with node:fs`, async () => {
    const data = randomBytes(size);
    const path = join(dir, `data-${size}`);
    await fs.writeFile(path, data);
    assert.ok(nodeFs.readFileSync(path).equals(data), 'writeFile wrote what node reads back');
    const back = (await fs.readFile(path)) as Buffer;
    assert.ok(Buffer.isBuffer(back));
    assert.ok(back.equals(nodeFs.readFileSync(path)), 'readFile equals node readFile');
    const copy = join(dir, `copy-${size}`);
    await fs.copyFile(path, copy);
    assert.ok(nodeFs.readFileSync(copy).equals(data), 'copyFile');
    for (const registered of [false, true]) {
      const plain = join(dir, `copy-rw-${registered}-${size}`);
      await fs.copyFile(path, plain, 0, { method: 'readwrite', registered });
      assert.ok(nodeFs.readFileSync(plain).equals(data), `copyFile with read/write, registered: ${registered}`);
    }
    assert.equal(nodeFs.statSync(copy).mode, nodeFs.statSync(path).mode);
  });

  test(`${size} bytes: FileHandle.read at offsets and at the current position`, async () => {
    const data = randomBytes(size);
    const path = join(dir, `read-${size}`);
    nodeFs.writeFileSync(path, data);
    await using handle = await fs.open(path);
    const nodeFd = nodeFs.openSync(path, 'r');
    try {
      for (const at of [0, 1, size >> 1, Math.max(0, size - 1), size, size + 10]) {
        const mine = Buffer.alloc(5000);
        const theirs = Buffer.alloc(5000);
        const { bytesRead, buffer } = await handle.read(mine, 0, mine.length, at);
        assert.equal(buffer, mine);
        assert.equal(bytesRead, nodeFs.readSync(nodeFd, theirs, 0, theirs.length, at), `bytesRead at ${at}`);
        assert.ok(mine.equals(theirs), `bytes at ${at}`);
      }
      // null: the file position, which advances.
      const parts: Buffer[] = [];
      for (;;) {
        const { bytesRead, buffer } = await handle.read(Buffer.alloc(3000), 0, 3000, null);
        if (bytesRead === 0) break;
        parts.push(buffer.subarray(0, bytesRead));
      }
      assert.ok(Buffer.concat(parts).equals(data), 'sequential reads with position null');
      // Options-object forms.
      const { bytesRead } = await handle.read({ buffer: Buffer.alloc(10), position: 0 });
      assert.equal(bytesRead, Math.min(10, size));
      const viaOpts = await handle.read(Buffer.alloc(10), { offset: 2, length: 4, position: 0 });
      assert.equal(viaOpts.bytesRead, Math.min(4, size));
      assert.ok(viaOpts.buffer.subarray(2, 2 + viaOpts.bytesRead).equals(data.subarray(0, viaOpts.bytesRead)));
    } finally {
      nodeFs.closeSync(nodeFd);
    }
  });
}

test('FileHandle.write: buffers at positions, strings, readv/writev, appendFile (same as node:fs/promises)', async () => {
  // The same calls on a node:fs/promises handle and on ours give the same file and results.
  const script = async (handle: Pick<fs.FileHandle, 'write' | 'writev' | 'readv' | 'readFile'>) => {
    const results: unknown[] = [];
    results.push((await handle.write(Buffer.from('hello world'))).bytesWritten);
    results.push((await handle.write(Buffer.from('W'), 0, 1, 6)).bytesWritten);
    results.push((await handle.write('!!', 11)).bytesWritten);
    // Positioned writes leave the file position alone: this lands at 11.
    results.push((await handle.write('c3RyaW5n', null, 'base64')).bytesWritten);
    results.push((await handle.writev([Buffer.from('ab'), Buffer.from(''), Buffer.from('cd')], 0)).bytesWritten);
    const a = Buffer.alloc(3);
    const b = Buffer.alloc(5);
    results.push((await handle.readv([a, b], 0)).bytesRead, Buffer.concat([a, b]).toString());
    results.push(await handle.readFile({ encoding: 'utf8' }));
    return results;
  };
  const ours = join(dir, 'write-ours');
  const theirs = join(dir, 'write-theirs');
  let mine: unknown[];
  {
    await using handle = await fs.open(ours, 'w+');
    mine = await script(handle);
  }
  const nodeHandle = await nodeFs.promises.open(theirs, 'w+');
  const expected = await script(nodeHandle as unknown as fs.FileHandle);
  await nodeHandle.close();
  assert.deepEqual(mine, expected);
  assert.equal(nodeFs.readFileSync(ours, 'utf8'), nodeFs.readFileSync(theirs, 'utf8'));
  assert.equal(nodeFs.readFileSync(ours, 'utf8'), 'abcdo Worldstring');

  const log = join(dir, 'append');
  await fs.appendFile(log, 'one\n');
  await fs.appendFile(log, Buffer.from('two\n'));
  await fs.writeFile(log, 'three\n', { flag: 'a' });
  assert.equal(await fs.readFile(log, 'utf8'), 'one\ntwo\nthree\n');
  assert.equal(await fs.readFile(log, { encoding: 'hex' }), Buffer.from('one\ntwo\nthree\n').toString('hex'));
});

test('open accepts Node string flags and numeric flags, and sets O_CLOEXEC', async () => {
  const path = join(dir, 'flags');
  await using w = await fs.open(path, 'wx');
  await w.write('x');
  await assert.rejects(fs.open(path, 'wx'), { code: 'EEXIST', path });
  await using r = await fs.open(path, nodeFs.constants.O_RDONLY);
  const flags = nodeFs.readFileSync(`/proc/self/fdinfo/${r.fd}`, 'utf8').match(/flags:\s+(\d+)/)![1]!;
  assert.ok((parseInt(flags, 8) & O_CLOEXEC) !== 0, `O_CLOEXEC in ${flags}`);
  assert.throws(() => fs.toOpenFlags('nope'), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  for (const [flag, expected] of [
    ['r', 0],
    ['r+', 2],
    ['a+', 0o2102],
    ['wx', 0o1301],
  ] as const) {
    assert.equal(fs.toOpenFlags(flag) & ~0o2000000, expected, flag);
  }
});

test('handle.writeFile, stream adapters and truncate/allocate/sync', async () => {
  const path = join(dir, 'streams');
  const data = randomBytes(300_000);
  {
    await using handle = await fs.open(path, 'w');
    await handle.writeFile(data);
    await handle.sync();
    await handle.datasync();
  }
  const chunks: Buffer[] = [];
  for await (const chunk of (await fs.open(path)).createReadStream({ highWaterMark: 7000 })) chunks.push(chunk as Buffer);
  assert.ok(Buffer.concat(chunks).equals(data), 'createReadStream');
  const part: Buffer[] = [];
  for await (const chunk of (await fs.open(path)).createReadStream({ start: 10, end: 20 })) part.push(chunk as Buffer);
  assert.ok(Buffer.concat(part).equals(data.subarray(10, 21)), 'createReadStream start/end');

  const out = join(dir, 'streams-out');
  const writable = (await fs.open(out, 'w')).createWriteStream();
  // Listened for now: the close can complete before the continuation after 'finish' runs.
  const closed = new Promise((resolve) => writable.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    writable.on('error', reject).on('finish', resolve);
    for (let i = 0; i < data.length; i += 10_000) writable.write(data.subarray(i, i + 10_000));
    writable.end();
  });
  await closed;
  assert.ok(nodeFs.readFileSync(out).equals(data), 'createWriteStream');

  await using handle = await fs.open(out, 'r+');
  await handle.truncate(1000);
  assert.equal(nodeFs.statSync(out).size, 1000);
  await fs.truncate(out, 10);
  assert.equal(nodeFs.statSync(out).size, 10);
  await handle.allocate(0, 1 << 20);
  assert.equal(nodeFs.statSync(out).size, 1 << 20);
  assert.ok((await handle.stat()).blocks >= 2048);
});

test('readFile of a FIFO and of /proc files (no size to go by) reads to the end', async () => {
  const fifo = join(dir, 'fifo');
  const made = spawnSync('mkfifo', [fifo]);
  assert.equal(made.status, 0, 'mkfifo');
  const data = randomBytes(200_000);
  const source = join(dir, 'fifo-source');
  nodeFs.writeFileSync(source, data);
  // A writer that sends the data in pieces, with pauses: reads come back short.
  const writer = spawn('bash', ['-c', `for i in 0 1 2 3; do dd if=${source} bs=50000 skip=$i count=1 status=none; sleep 0.05; done > ${fifo}`]);
  // Listened for now: the writer may exit before readFile's last continuation runs.
  const exited = new Promise((resolve) => writer.on('exit', resolve));
  const back = (await fs.readFile(fifo)) as Buffer;
  await exited;
  assert.ok(back.equals(data), `got ${back.length} bytes`);
  assert.equal(await fs.readFile('/proc/version', 'utf8'), nodeFs.readFileSync('/proc/version', 'utf8'));
  assert.equal(await fs.readFile('/proc/self/cmdline', 'latin1'), nodeFs.readFileSync('/proc/self/cmdline', 'latin1'));
});

test('copyFile onto itself or a hard link of itself loses nothing; onto a bigger file truncates it and takes the mode', async () => {
  const path = join(dir, 'self');
  const data = randomBytes(100_000);
  nodeFs.writeFileSync(path, data);
  await fs.copyFile(path, path);
  assert.ok(nodeFs.readFileSync(path).equals(data));
  nodeFs.linkSync(path, join(dir, 'self-link'));
  await fs.copyFile(path, join(dir, 'self-link'));
  assert.ok(nodeFs.readFileSync(path).equals(data));
  const big = join(dir, 'self-big');
  nodeFs.writeFileSync(big, randomBytes(300_000), { mode: 0o600 });
  nodeFs.chmodSync(path, 0o640);
  await fs.copyFile(path, big);
  assert.ok(nodeFs.readFileSync(big).equals(data));
  assert.equal(nodeFs.statSync(big).mode & 0o777, 0o640);
  await assert.rejects(fs.copyFile(path, big, nodeFs.constants.COPYFILE_EXCL), { code: 'EEXIST', syscall: 'copyfile', path, dest: big });
});

test('a ring closed before the handles and calls on it: their fds are closed all the same (close(2)), none left open', requireIoUring(), async () => {
  const path = join(dir, 'ring-closed-first');
  nodeFs.writeFileSync(path, Buffer.alloc(1 << 20, 1));
  const before = fdCount(); // the ring's own fds go with it
  const ring = new Ring({ entries: 8 });
  const handle = await fs.open(path, 'r', 0o666, { ring });
  const reading = fs.readFile(path, { ring }).then(
    (data) => data.length,
    (error: { code?: string }) => error.code,
  );
  await new Promise((resolve) => setImmediate(resolve)); // its open has completed; its reads may have too
  await ring.close();
  assert.ok(([1 << 20, 'ERR_RINGCORE_CLOSED'] as unknown[]).includes(await reading));
  await handle.close(); // rejected with ERR_RINGCORE_CLOSED before, the fd left open
  assert.equal(fdCount(), before, 'no fd of a handle or a readFile left open'); // was before + 2
});
