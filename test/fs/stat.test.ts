// stat, lstat and FileHandle.stat (STATX) against node:fs's Stats.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as fs from '../../src/fs/index.js';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-stat-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

const FIELDS = ['dev', 'ino', 'mode', 'nlink', 'uid', 'gid', 'rdev', 'size', 'blksize', 'blocks', 'atimeMs', 'mtimeMs', 'ctimeMs', 'birthtimeMs'] as const;
const METHODS = ['isFile', 'isDirectory', 'isSymbolicLink', 'isCharacterDevice', 'isBlockDevice', 'isFIFO', 'isSocket'] as const;

function same(mine: fs.Stats, theirs: nodeFs.Stats, what: string): void {
  for (const f of FIELDS) assert.equal(mine[f], theirs[f], `${what}: ${f}`);
  for (const m of METHODS) assert.equal(mine[m](), theirs[m](), `${what}: ${m}()`);
  assert.equal(mine.mtime.getTime(), theirs.mtime.getTime(), `${what}: mtime`);
  // The same own properties as the running Node's (with the Dates up to Node 20, without from 22 on):
  // spread, JSON and deepEqual see the same fields.
  assert.deepEqual(Object.keys(mine), Object.keys(theirs), `${what}: own properties`);
  assert.equal(mine.atime, mine.atime, `${what}: one atime Date`);
  assert.equal(mine.birthtime.getTime(), theirs.birthtime.getTime(), `${what}: birthtime`);
}

test('stat and lstat match node:fs for a file, a directory, a symlink and a device', async () => {
  const file = join(dir, 'file');
  nodeFs.writeFileSync(file, 'x'.repeat(12345));
  const link = join(dir, 'link');
  nodeFs.symlinkSync(file, link);
  for (const p of [file, dir, link, '/dev/null', '/proc/version']) {
    same(await fs.stat(p), nodeFs.statSync(p), `stat ${p}`);
    same(await fs.lstat(p), nodeFs.lstatSync(p), `lstat ${p}`);
  }
  assert.ok((await fs.lstat(link)).isSymbolicLink());
  await using handle = await fs.open(file);
  same(await handle.stat(), nodeFs.fstatSync(nodeFs.openSync(file, 'r')), 'fstat');
});

test('stat of a missing path is ENOENT with the path', async () => {
  const missing = join(dir, 'missing');
  await assert.rejects(fs.stat(missing), { code: 'ENOENT', syscall: 'stat', path: missing, message: `ENOENT: no such file or directory, stat '${missing}'` });
  await assert.rejects(fs.lstat(missing), { code: 'ENOENT', syscall: 'lstat', path: missing });
});

test('stat decodes the 64-bit fields whole: a size above 4 GiB, and times before 1970 (a negative tv_sec) as node:fs does', async () => {
  const file = join(dir, 'wide');
  nodeFs.writeFileSync(file, '');
  nodeFs.truncateSync(file, 2 ** 33 + 12345);
  nodeFs.utimesSync(file, new Date(-1234567), new Date(-86_400_000 * 365.25 * 30 + 789));
  const mine = await fs.stat(file);
  same(mine, nodeFs.statSync(file), 'stat of a sparse file with old times');
  assert.equal(mine.size, 2 ** 33 + 12345);
  assert.ok(mine.atimeMs < 0 && mine.mtimeMs < 0, 'the times stay negative');
});
