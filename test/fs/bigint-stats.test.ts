// stat/lstat/FileHandle.stat with { bigint: true } against node:fs's
// BigIntStats, field by field (and the number Stats' birthtime on a
// filesystem that keeps none).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import { record } from '../../test-support/kernel.js';
import { requireIoUring } from '../../test-support/backend.js';

/** The tests that look at SQEs, CQEs and the ring skip on the node backend (docs/fallback.md). */
const ioUring = requireIoUring();

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-bigint-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

const FIELDS = [
  'dev',
  'ino',
  'mode',
  'nlink',
  'uid',
  'gid',
  'rdev',
  'size',
  'blksize',
  'blocks',
  'atimeMs',
  'mtimeMs',
  'ctimeMs',
  'birthtimeMs',
  'atimeNs',
  'mtimeNs',
  'ctimeNs',
  'birthtimeNs',
] as const;
const DATES = ['atime', 'mtime', 'ctime', 'birthtime'] as const;
const METHODS = ['isFile', 'isDirectory', 'isSymbolicLink', 'isCharacterDevice', 'isBlockDevice', 'isFIFO', 'isSocket'] as const;

function same(mine: fs.BigIntStats, theirs: nodeFs.BigIntStats, what: string): void {
  assert.ok(mine instanceof fs.BigIntStats, `${what}: a BigIntStats`);
  for (const f of FIELDS) {
    assert.equal(typeof mine[f], 'bigint', `${what}: ${f} is a bigint`);
    assert.equal(mine[f], theirs[f], `${what}: ${f}`);
  }
  for (const d of DATES) assert.equal(mine[d].getTime(), theirs[d].getTime(), `${what}: ${d}`);
  for (const m of METHODS) assert.equal(mine[m](), theirs[m](), `${what}: ${m}()`);
  // The same own properties, in the running Node's order (what spread, JSON and deepEqual see).
  assert.deepEqual(Object.keys(mine), Object.keys(theirs), `${what}: own properties`);
}

test('stat/lstat/handle.stat with bigint match node:fs field by field', async () => {
  const file = join(dir, 'file');
  nodeFs.writeFileSync(file, 'x'.repeat(12345));
  // A time with nanoseconds, one before 1970, so the ns arithmetic and its sign are tested.
  nodeFs.utimesSync(file, new Date(-1234567), 1_700_000_000.123456);
  const link = join(dir, 'link');
  nodeFs.symlinkSync(file, link);
  const paths = [file, dir, link, '/dev/null', '/proc/version', '/'];
  for (const p of paths) {
    same(await fs.stat(p, { bigint: true }), nodeFs.statSync(p, { bigint: true }), `stat ${p}`);
    same(await fs.lstat(p, { bigint: true }), nodeFs.lstatSync(p, { bigint: true }), `lstat ${p}`);
  }
  for (const p of [file, dir, '/dev/null']) {
    await using handle = await fs.open(p);
    same(await handle.stat({ bigint: true }), nodeFs.fstatSync(handle.fd, { bigint: true }), `fstat ${p}`);
  }
  const s = await fs.stat(file, { bigint: true });
  assert.ok(s.atimeNs < 0n, 'a time before 1970 stays negative');
  assert.equal(s.mtimeNs % 1000n, nodeFs.statSync(file, { bigint: true }).mtimeNs % 1000n);
});

test('bigint: false or absent still gives number Stats; birthtime is 0 where the filesystem keeps none, as Node', async () => {
  const plain = await fs.stat('/proc/version', { bigint: false });
  assert.ok(plain instanceof fs.Stats);
  const theirs = nodeFs.statSync('/proc/version');
  assert.equal(plain.birthtimeMs, theirs.birthtimeMs);
  assert.equal(plain.birthtime.getTime(), theirs.birthtime.getTime());
  assert.equal(typeof (await fs.lstat('/')).size, 'number');
});

test('a bad bigint option rejects with TypeError before any SQE', { skip: ioUring.skip }, async () => {
  const ring = new Ring({ entries: 8 });
  try {
    const trace = record(ring);
    await assert.rejects(fs.stat('/', { ring, bigint: 1 as unknown as boolean }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(fs.lstat('/', { ring, bigint: 'yes' as unknown as boolean }), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    await using handle = await fs.open('/', 'r', 0o666, { ring });
    const before = trace.events.filter((e) => e.type === 'sqe').length;
    await assert.rejects(handle.stat({ bigint: null as unknown as boolean }), { name: 'TypeError' });
    trace.stop();
    assert.equal(before, 1, 'only the open');
    assert.equal(trace.events.filter((e) => e.type === 'sqe').length, 1);
    await assert.rejects(fs.stat(join(dir, 'missing'), { ring, bigint: true }), { code: 'ENOENT', syscall: 'stat', path: join(dir, 'missing') });
  } finally {
    await ring.close();
  }
});
