// Node-shaped errors, with code and path: ENOENT, EISDIR, EEXIST, EBADF after
// close; bad arguments reject with TypeError/RangeError before any SQE is written.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import { requireIoUring } from '../../test-support/backend.js';
import { fdCount } from '../../test-support/fds.js';

/** The tests that look at SQEs, CQEs and the ring skip on the node backend (docs/fallback.md). */
const ioUring = requireIoUring();

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-errors-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

/** node:fs/promises' error for the same call, for its code, errno and syscall. */
async function nodeError(work: Promise<unknown>): Promise<NodeJS.ErrnoException> {
  try {
    await work;
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
  throw new Error('node:fs did not fail');
}

test('ENOENT: open, readFile, writeFile, copyFile carry code, errno, syscall and path like node:fs', async () => {
  const missing = join(dir, 'no', 'such');
  const expected = await nodeError(nodeFs.promises.open(missing));
  await assert.rejects(fs.open(missing), {
    name: 'Error',
    code: 'ENOENT',
    errno: expected.errno,
    syscall: 'open',
    path: missing,
    message: expected.message, // "ENOENT: no such file or directory, open '<path>'"
  });
  await assert.rejects(fs.readFile(missing), { code: 'ENOENT', syscall: 'open', path: missing });
  await assert.rejects(fs.writeFile(missing, 'x'), { code: 'ENOENT', syscall: 'open', path: missing });
  const copyExpected = await nodeError(nodeFs.promises.copyFile(missing, join(dir, 'dest')));
  await assert.rejects(fs.copyFile(missing, join(dir, 'dest')), {
    code: 'ENOENT',
    syscall: 'copyfile',
    path: missing,
    dest: join(dir, 'dest'),
    message: copyExpected.message,
  });
});

test('EISDIR: reading or writing a directory', async () => {
  const expected = await nodeError(nodeFs.promises.readFile(dir));
  await assert.rejects(fs.readFile(dir), { code: 'EISDIR', errno: expected.errno, syscall: 'read', path: dir });
  await assert.rejects(fs.open(dir, 'w'), { code: 'EISDIR', syscall: 'open', path: dir, message: `EISDIR: illegal operation on a directory, open '${dir}'` });
  await using handle = await fs.open(dir);
  await assert.rejects(handle.read(Buffer.alloc(10), 0, 10, 0), { code: 'EISDIR', syscall: 'read', path: dir });
  await assert.rejects(fs.copyFile(dir, join(dir, 'x')), { code: 'EISDIR', path: dir });
});

test('EBADF after close; close waits for the ops in flight', async () => {
  const path = join(dir, 'file');
  nodeFs.writeFileSync(path, Buffer.alloc(1 << 20, 7));
  const handle = await fs.open(path);
  const fd = handle.fd;
  const reads = Array.from({ length: 16 }, (_, i) => handle.read(Buffer.alloc(65536), 0, 65536, i * 65536));
  const closed = handle.close();
  assert.equal(handle.fd, -1);
  // Started before close(): they complete, with data.
  for (const { bytesRead } of await Promise.all(reads)) assert.equal(bytesRead, 65536);
  await closed;
  assert.equal(await handle.close(), undefined, 'close twice');
  assert.throws(() => nodeFs.fstatSync(fd), { code: 'EBADF' }, 'the fd is closed');
  const ebadf = { code: 'EBADF', errno: -9, message: /^EBADF: bad file descriptor/ };
  await assert.rejects(handle.read(Buffer.alloc(1)), { ...ebadf, syscall: 'read' });
  await assert.rejects(handle.write('x'), { ...ebadf, syscall: 'write' });
  await assert.rejects(handle.stat(), { ...ebadf, syscall: 'fstat' });
  await assert.rejects(handle.sync(), ebadf);
  await assert.rejects(handle.truncate(0), ebadf);
  await assert.rejects(handle.readFile(), ebadf);
});

test('bad arguments reject with TypeError/RangeError (as node:fs/promises) before any SQE is written', { skip: ioUring.skip }, async () => {
  const ring = new Ring({ entries: 8 });
  const path = join(dir, 'args');
  nodeFs.writeFileSync(path, 'data');
  const handle = await fs.open(path, 'r+', 0o666, { ring });
  const before = ring.stats.submitted;
  const sqes = () => ring.stats.submitted + ring.uring.sqPending() - before;
  const type = { name: 'TypeError' };
  const range = { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' };
  await assert.rejects(async () => fs.open(42 as unknown as string), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(async () => fs.readFile('a\0b'), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(async () => fs.open(path, 'bogus'), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
  await assert.rejects(async () => fs.stat(path, { signal: 'nope' as unknown as AbortSignal }), type);
  await assert.rejects(async () => handle.read('nope' as unknown as Buffer), type);
  await assert.rejects(async () => handle.read(Buffer.alloc(4), 5, 1, 0), range);
  await assert.rejects(async () => handle.read(Buffer.alloc(4), 0, 5, 0), range);
  await assert.rejects(async () => handle.read(Buffer.alloc(4), 0, 4, -2), range);
  await assert.rejects(async () => handle.read(Buffer.alloc(4), 0, 4, 1.5), range);
  // A length past 2 ** 31 - 1 given or not (the rest of a buffer): 4 GiB in an SQE's 32-bit length was 0 bytes.
  const huge = Buffer.allocUnsafe(2 ** 32);
  await assert.rejects(async () => handle.read(huge), range);
  await assert.rejects(async () => handle.write(huge.subarray(0, 2 ** 31), { position: 0 }), range);
  await assert.rejects(async () => handle.write(Buffer.alloc(4), -1), range);
  await assert.rejects(async () => handle.write({} as unknown as Buffer), type);
  await assert.rejects(async () => handle.truncate(-1), range);
  await assert.rejects(async () => handle.allocate(0, 0), range);
  await assert.rejects(async () => fs.writeFile(path, 42 as unknown as string), type);
  await assert.rejects(async () => fs.copyFile(path, path, 99), range);
  await assert.rejects(async () => fs.mkdir(path, { recursive: 'yes' as unknown as boolean }), type);
  await assert.rejects(async () => fs.rm(path, { ring, recursive: 'yes' as unknown as boolean }), type);
  await assert.rejects(async () => fs.rm(path, { ring, force: 1 as unknown as boolean }), type);
  await assert.rejects(async () => fs.stat(path, { ring, bigint: 'yes' as unknown as boolean }), type);
  await assert.rejects(async () => handle.stat({ bigint: 1 as unknown as boolean }), type);
  await assert.rejects(async () => fs.open(path, 'r', 0o666, { ring, fixed: 1 as unknown as boolean }), type);
  assert.throws(() => handle.readableWebStream({ chunkSize: -1 }), range);
  assert.equal(sqes(), 0, 'no SQE was written');
  await handle.close();
  await ring.close();
});

test('createReadStream/createWriteStream take a handle: a path (as node:fs takes) is a TypeError at the call, not a crash later', async () => {
  // Before, createWriteStream('/path') returned a stream whose first write failed and whose
  // destroy() then threw an uncaught "handle.close is not a function", ending the process.
  const path = join(dir, 'stream-args');
  const invalid = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: /"handle" argument must be a FileHandle/ };
  assert.throws(() => fs.createWriteStream(path as never), invalid);
  assert.throws(() => fs.createReadStream(path as never), invalid);
  assert.throws(() => fs.createWriteStream({ write() {} } as never), invalid);
  assert.equal(nodeFs.existsSync(path), false, 'nothing was opened or written');
  // A range that ends before it starts is a RangeError, as node:fs's (it was an empty stream).
  const reader = await fs.open(new URL(import.meta.url));
  assert.throws(() => reader.createReadStream({ start: 10, end: 5 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
  await reader.close();
  // A handle still makes a working stream.
  const stream = fs.createWriteStream(await fs.open(path, 'w'));
  await new Promise<void>((resolve, reject) => stream.on('error', reject).end('written', resolve));
  assert.equal(nodeFs.readFileSync(path, 'utf8'), 'written');
});

test('an aborted signal rejects with AbortError; a cancelled open closes its fd', async () => {
  const path = join(dir, 'abort');
  nodeFs.writeFileSync(path, 'x');
  const aborted = AbortSignal.abort();
  await assert.rejects(fs.readFile(path, { signal: aborted }), { name: 'AbortError', code: 'ABORT_ERR' });
  await assert.rejects(fs.open(path, 'r', 0o666, { signal: aborted }), { name: 'AbortError' });
  await assert.rejects(fs.stat(path, { signal: aborted }), { name: 'AbortError' });
  const fds = fdCount();
  // Aborted right after the OPENAT is written: it still completes in the
  // kernel (with an fd nobody receives), and that fd must be closed.
  const results = await Promise.allSettled(
    Array.from({ length: 50 }, () => {
      const controller = new AbortController();
      const opened = fs.open(path, 'r', 0o666, { signal: controller.signal });
      controller.abort();
      return opened;
    }),
  );
  for (const r of results) {
    if (r.status === 'fulfilled') await r.value.close();
    else assert.equal((r.reason as Error).name, 'AbortError');
  }
  assert.equal(fdCount(), fds, 'no fd leaked');
});
