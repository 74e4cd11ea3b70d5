// ringcore/fs as a drop-in for node:fs/promises: every name node:fs/promises
// exports is there, the default export too, and the calls io_uring has no op
// for (access, chmod, realpath, mkdtemp, opendir, watch, FileHandle's chmod
// and readLines…) are node:fs's own, with its results and errors. Each is
// checked against the file system, on both backends (the node backend's
// FileHandle answers chmod/chown/utimes through Node's FileHandle).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import * as nodeFsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fsDefault, * as fs from '../../src/fs/index.js';
import { runtime } from '../../src/sys/runtime.js';
import { backend } from '../../src/index.js';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-parity-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, text = 'one\ntwo\r\nthree'): string {
  const path = join(dir, name);
  nodeFs.writeFileSync(path, text);
  return path;
}

test('every export of node:fs/promises is an export of ringcore/fs, and of its default export', (t) => {
  if (runtime !== 'node') return t.skip(`${runtime}'s node:fs/promises is not Node's`);
  const names = Object.keys(nodeFsp).filter((name) => name !== 'default');
  assert.deepEqual(
    names.filter((name) => !(name in fs)),
    [],
  );
  assert.deepEqual(
    names.filter((name) => !(name in fsDefault)),
    [],
  );
});

test('the default export is a plain object of the named exports, as node:fs/promises gives', () => {
  assert.equal(Object.getPrototypeOf(fsDefault), Object.prototype);
  for (const [name, value] of Object.entries(fs)) if (name !== 'default') assert.equal((fsDefault as Record<string, unknown>)[name], value, name);
  assert.equal(fsDefault.readFile, fs.readFile);
});

test('access resolves for a file that is there and rejects with Node’s ENOENT for one that is not', async () => {
  const path = file('access');
  await fs.access(path, nodeFs.constants.R_OK);
  await assert.rejects(fs.access(join(dir, 'missing')), { code: 'ENOENT', syscall: 'access', path: join(dir, 'missing') });
});

test('chmod, chown, utimes and lutimes change the file as node:fs does', async () => {
  const path = file('modes');
  await fs.chmod(path, 0o604);
  assert.equal(nodeFs.statSync(path).mode & 0o777, 0o604);
  const { uid, gid } = nodeFs.statSync(path);
  await fs.chown(path, uid, gid);
  await fs.utimes(path, 1_000_000, 2_000_000);
  assert.equal(nodeFs.statSync(path).mtimeMs, 2_000_000_000);
  const link = join(dir, 'modes-link');
  nodeFs.symlinkSync(path, link);
  await fs.lutimes(link, 3_000_000, 4_000_000);
  assert.equal(nodeFs.lstatSync(link).mtimeMs, 4_000_000_000);
  assert.equal(nodeFs.statSync(path).mtimeMs, 2_000_000_000);
  await fs.lchown(link, uid, gid);
});

test('lchmod answers as node:fs/promises answers on this system', async () => {
  const path = file('lchmod');
  const theirs = await nodeFsp.lchmod(path, 0o600).then(
    () => 'ok',
    (error: NodeJS.ErrnoException) => error.code,
  );
  const ours = await fs.lchmod(path, 0o600).then(
    () => 'ok',
    (error: NodeJS.ErrnoException) => error.code,
  );
  assert.equal(ours, theirs);
});

test('readlink and realpath resolve a symlink; mkdtemp makes a directory of its own', async () => {
  const target = file('target');
  const link = join(dir, 'link');
  nodeFs.symlinkSync(target, link);
  assert.equal(await fs.readlink(link), target);
  assert.equal(await fs.realpath(link), nodeFs.realpathSync(target));
  const made = await fs.mkdtemp(join(dir, 'tmp-'));
  assert.ok(nodeFs.statSync(made).isDirectory());
  assert.match(made, /tmp-\w{6}$/);
});

test('opendir lists a directory, cp copies a tree, statfs describes the file system', async () => {
  const tree = join(dir, 'tree');
  nodeFs.mkdirSync(join(tree, 'sub'), { recursive: true });
  nodeFs.writeFileSync(join(tree, 'a'), 'a');
  nodeFs.writeFileSync(join(tree, 'sub', 'b'), 'bb');
  const names: string[] = [];
  for await (const entry of await fs.opendir(tree)) names.push(entry.name);
  assert.deepEqual(names.sort(), ['a', 'sub']);
  await fs.cp(tree, join(dir, 'tree-copy'), { recursive: true });
  assert.equal(nodeFs.readFileSync(join(dir, 'tree-copy', 'sub', 'b'), 'utf8'), 'bb');
  const stats = await fs.statfs(dir);
  assert.ok(stats.bsize > 0 && stats.blocks > 0);
});

test('watch yields the change event of a file written', async () => {
  const path = file('watched', '');
  const ac = new AbortController();
  const events = fs.watch(path, { signal: ac.signal });
  const bound = setTimeout(() => ac.abort(), 30_000);
  // Written once the watch is in place: the first next() starts it.
  const first = events[Symbol.asyncIterator]().next();
  setImmediate(() => nodeFs.appendFileSync(path, 'x'));
  try {
    const { value } = await first;
    assert.equal(value?.eventType, 'change');
  } finally {
    clearTimeout(bound);
    ac.abort();
  }
});

test('glob finds files where node:fs/promises has it, and says it is missing where it has not', async () => {
  nodeFs.mkdirSync(join(dir, 'globbed'));
  nodeFs.writeFileSync(join(dir, 'globbed', 'x.txt'), '');
  nodeFs.writeFileSync(join(dir, 'globbed', 'y.md'), '');
  if (typeof (nodeFsp as { glob?: unknown }).glob !== 'function') {
    assert.throws(() => fs.glob('*.txt'), { code: 'ERR_RINGCORE_UNSUPPORTED' });
    return;
  }
  const found: unknown[] = [];
  for await (const name of fs.glob('*.txt', { cwd: join(dir, 'globbed') })) found.push(name);
  assert.deepEqual(found, ['x.txt']);
});

test('FileHandle chmod, chown, utimes change the open file; after close() they reject with EBADF', async () => {
  const path = file('handle');
  const handle = await fs.open(path, 'r+');
  try {
    await handle.chmod(0o640);
    assert.equal(nodeFs.statSync(path).mode & 0o777, 0o640);
    const { uid, gid } = nodeFs.statSync(path);
    await handle.chown(uid, gid);
    await handle.utimes(5_000_000, new Date(6_000_000_000));
    assert.equal(nodeFs.statSync(path).mtimeMs, 6_000_000_000);
  } finally {
    await handle.close();
  }
  await assert.rejects(handle.chmod(0o600), { code: 'EBADF', syscall: 'fchmod' });
  await assert.rejects(handle.utimes(1, 1), { code: 'EBADF', syscall: 'futime' });
  assert.equal(nodeFs.statSync(path).mode & 0o777, 0o640);
});

test('FileHandle readLines yields the lines as Node’s does (CRLF too), and closes the handle at the end', async () => {
  const path = file('lines', 'one\ntwo\r\nthree\n\nfive');
  const handle = await fs.open(path);
  const lines: string[] = [];
  for await (const line of handle.readLines()) lines.push(line);
  const theirs: string[] = [];
  const nodeHandle = await nodeFsp.open(path);
  for await (const line of nodeHandle.readLines()) theirs.push(line);
  assert.deepEqual(lines, theirs);
  assert.deepEqual(lines, ['one', 'two', 'three', '', 'five']);
  assert.equal(handle.fd, -1);
});

/** The error code a call rejects with, or 'ok'. */
function outcome(call: () => Promise<unknown>): Promise<string> {
  return Promise.resolve()
    .then(call)
    .then(
      () => 'ok',
      (error: NodeJS.ErrnoException) => error.code ?? error.name,
    );
}

test('a bad mode, uid or time is refused with node:fs/promises’ code by open, mkdir, writeFile and FileHandle chmod/chown/utimes', async (t) => {
  // The checks are ringcore's own JavaScript, the same on every runtime; Bun's and Deno's node:fs answer with codes of their own.
  if (runtime !== 'node') return t.skip(`${runtime}'s node:fs/promises is not Node's`);
  const path = file('bad-args');
  const ours = await fs.open(path, 'r+');
  const theirs = await nodeFsp.open(path, 'r+');
  try {
    for (const mode of ['x', '0o7', 1.5, -1, 2 ** 32, {}, null]) {
      const shown = String(mode);
      if (mode !== null) {
        assert.equal(
          await outcome(() => fs.open(join(dir, 'm1'), 'w', mode as number)),
          await outcome(() => nodeFsp.open(join(dir, 'm2'), 'w', mode as number)),
          `open ${shown}`,
        );
        assert.equal(
          await outcome(() => fs.mkdir(join(dir, 'd1'), { mode: mode as number })),
          await outcome(() => nodeFsp.mkdir(join(dir, 'd2'), { mode: mode as number })),
          `mkdir ${shown}`,
        );
        assert.equal(
          await outcome(() => fs.writeFile(join(dir, 'w1'), 'x', { mode: mode as number })),
          await outcome(() => nodeFsp.writeFile(join(dir, 'w2'), 'x', { mode: mode as number })),
          `writeFile ${shown}`,
        );
      }
      assert.equal(await outcome(() => ours.chmod(mode as number)), await outcome(() => theirs.chmod(mode as number)), `chmod ${shown}`);
    }
    for (const id of [1.5, -2, 2 ** 32, '0', null]) {
      assert.equal(await outcome(() => ours.chown(id as number, -1)), await outcome(() => theirs.chown(id as number, -1)), `chown ${String(id)}`);
    }
    for (const time of [Number.NaN, Number.POSITIVE_INFINITY, 'x', '', null, undefined, {}]) {
      assert.equal(await outcome(() => ours.utimes(time as number, 0)), await outcome(() => theirs.utimes(time as number, 0)), `utimes ${String(time)}`);
    }
  } finally {
    await ours.close();
    await theirs.close();
  }
});

test('FileHandle utimes sets the times node:fs sets, to the nanosecond, for numbers, numeric strings and Dates', async () => {
  const a = file('times-a');
  const b = file('times-b');
  const ours = await fs.open(a, 'r+');
  const theirs = await nodeFsp.open(b, 'r+');
  try {
    for (const [atime, mtime] of [
      [1.0000015, 2.9999999],
      ['12.5', '1e3'],
      ['', ' 7 '],
      [new Date(1_234_567_891), new Date(9_876_543_210)],
      [1_700_000_000.1234567, 0],
    ] as const) {
      await ours.utimes(atime, mtime);
      await theirs.utimes(atime, mtime);
      const x = nodeFs.statSync(a, { bigint: true });
      const y = nodeFs.statSync(b, { bigint: true });
      assert.deepEqual([x.atimeNs, x.mtimeNs], [y.atimeNs, y.mtimeNs], `${String(atime)}, ${String(mtime)}`);
    }
    // A negative time means now, as in Node; so does an infinite one on the ring (libuv 1.52 agrees; Node 20's
    // libuv 1.46 hands the kernel a garbage time, EINVAL, and the node backend is Node's FileHandle).
    for (const now of backend() === 'io_uring' ? [-1, 'Infinity'] : [-1]) {
      await ours.utimes(0, 0);
      const before = Date.now();
      await ours.utimes(now, now);
      assert.ok(nodeFs.statSync(a).mtimeMs >= before - 1000, String(now));
    }
  } finally {
    await ours.close();
    await theirs.close();
  }
});
