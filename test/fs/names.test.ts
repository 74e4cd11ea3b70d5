// rename, unlink, mkdir (recursive), rmdir, rm, symlink, link, readdir.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as fs from '../../src/fs/index.js';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-names-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

test('rename, unlink, link, symlink', async () => {
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  nodeFs.writeFileSync(a, 'content');
  await fs.rename(a, b);
  assert.ok(!nodeFs.existsSync(a));
  assert.equal(nodeFs.readFileSync(b, 'utf8'), 'content');
  await fs.link(b, a);
  assert.equal(nodeFs.statSync(a).nlink, 2);
  await fs.symlink('b', join(dir, 's'));
  assert.equal(nodeFs.readlinkSync(join(dir, 's')), 'b');
  await fs.unlink(a);
  await fs.unlink(join(dir, 's'));
  assert.ok(!nodeFs.existsSync(a));
  await assert.rejects(fs.rename(a, b), { code: 'ENOENT', path: a, dest: b, message: `ENOENT: no such file or directory, rename '${a}' -> '${b}'` });
  await assert.rejects(fs.unlink(a), { code: 'ENOENT', syscall: 'unlink', path: a });
  await assert.rejects(fs.link(b, b), { code: 'EEXIST', path: b, dest: b });
  await assert.rejects(fs.symlink('x', b), { code: 'EEXIST', syscall: 'symlink', path: 'x', dest: b });
});

test('mkdir, mkdir recursive (as node:fs), rmdir, rm, readdir', async () => {
  const top = join(dir, 'm');
  assert.equal(await fs.mkdir(top), undefined);
  await assert.rejects(fs.mkdir(top), { code: 'EEXIST', syscall: 'mkdir', path: top });
  const deep = join(top, 'x', 'y', 'z');
  nodeFs.mkdirSync(join(dir, 'n'));
  assert.equal(await fs.mkdir(deep, { recursive: true }), nodeFs.mkdirSync(join(dir, 'n', 'x', 'y', 'z'), { recursive: true })?.replace('/n', '/m'));
  assert.equal(await fs.mkdir(deep, { recursive: true }), undefined);
  assert.ok(nodeFs.statSync(deep).isDirectory());
  nodeFs.writeFileSync(join(top, 'x', 'file'), 'f');
  await assert.rejects(fs.mkdir(join(top, 'x', 'file', 'sub'), { recursive: true }), { code: 'ENOTDIR' });
  await assert.rejects(fs.mkdir(join(top, 'x', 'file'), { recursive: true }), { code: 'EEXIST' });
  assert.deepEqual(((await fs.readdir(join(top, 'x'))) as string[]).sort(), ['file', 'y']);
  const dirents = (await fs.readdir(join(top, 'x'), { withFileTypes: true })) as nodeFs.Dirent[];
  assert.deepEqual(dirents.map((d) => [d.name, d.isDirectory()]).sort(), [
    ['file', false],
    ['y', true],
  ]);
  await fs.rmdir(deep);
  assert.ok(!nodeFs.existsSync(deep));
  await assert.rejects(fs.rmdir(join(top, 'x')), { code: 'ENOTEMPTY', syscall: 'rmdir' });
  await assert.rejects(fs.rm(top), { code: 'EISDIR', path: top });
  await fs.rm(top, { recursive: true });
  assert.ok(!nodeFs.existsSync(top));
  await assert.rejects(fs.rm(top), { code: 'ENOENT' });
  await fs.rm(top, { force: true });
});

test('readdir of a Buffer path whose bytes are not UTF-8 lists that directory, as node:fs does', async () => {
  // 0xff never occurs in UTF-8: a path decoded to text would name another directory (U+FFFD).
  const odd = Buffer.concat([Buffer.from(join(dir, 'odd-')), Buffer.from([0xff, 0xfe])]);
  nodeFs.mkdirSync(odd);
  nodeFs.writeFileSync(Buffer.concat([odd, Buffer.from('/inside')]), 'x');
  assert.deepEqual(await fs.readdir(odd), ['inside']);
  assert.deepEqual(await fs.readdir(odd, { encoding: 'buffer' }), nodeFs.readdirSync(odd, { encoding: 'buffer' }));
  await assert.rejects(fs.readdir(Buffer.concat([odd, Buffer.from('-missing')])), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
});
