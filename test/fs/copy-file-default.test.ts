// copyFile with no signal and no method is node:fs's copyFile on Node (one
// libuv pool job: less CPU per call than the ring's OPENAT ×2, pool job and
// CLOSE ×2; docs/performance.md, "Session 23: copyFile by libuv's one job").
// Whichever path copies, the result is node:fs's: the same bytes, size and
// mode, the same errors (code, errno, syscall, path, dest, message), for the
// default call and for the ring's copy (a signal, never aborted).
import { after, test } from 'node:test';
import { test as ioUringTest } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import { runtime } from '../../src/sys/runtime.js';
import { native } from '../../src/sys/native.js';
import { EEXIST, ENOENT } from '../../src/sys/errno.js';

const { COPYFILE_EXCL, COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE } = nodeFs.constants;
const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-copy-default-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

type Outcome = Record<string, unknown>;

/** What a copy settled with, and the destination it left (bytes, mode), as a comparable record. */
async function outcome(copy: Promise<void>, dest: string): Promise<Outcome> {
  let result: Outcome;
  try {
    await copy;
    result = { ok: true };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { dest?: string };
    result = { name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, dest: e.dest, message: e.message };
  }
  const left = nodeFs.statSync(dest, { throwIfNoEntry: false });
  if (left?.isFile()) return { ...result, size: left.size, mode: left.mode, bytes: nodeFs.readFileSync(dest).toString('base64') };
  return { ...result, left: left === undefined ? 'nothing' : 'not a file' };
}

/** Sets up a case's files under `root`: a source and (maybe) an existing destination. */
interface Case {
  name: string;
  setup(root: string): { src: string; dest: string };
  mode?: number;
}

const cases: Case[] = [
  {
    name: 'a new destination',
    setup: (root) => ({ src: write(join(root, 'src'), 4096, 0o640), dest: join(root, 'dest') }),
  },
  {
    name: 'over a larger file of another mode',
    setup: (root) => ({ src: write(join(root, 'src'), 70_000, 0o640), dest: write(join(root, 'dest'), 200_000, 0o600) }),
  },
  {
    name: 'an empty source over a file',
    setup: (root) => ({ src: write(join(root, 'src'), 0, 0o644), dest: write(join(root, 'dest'), 5000, 0o644) }),
  },
  {
    name: 'a missing source',
    setup: (root) => ({ src: join(root, 'missing'), dest: join(root, 'dest') }),
  },
  {
    name: 'a directory as source',
    setup: (root) => ({ src: root, dest: join(root, 'dest') }),
  },
  {
    name: 'a destination in a missing directory',
    setup: (root) => ({ src: write(join(root, 'src'), 10, 0o644), dest: join(root, 'no', 'dest') }),
  },
  {
    name: 'COPYFILE_EXCL over an existing file',
    setup: (root) => ({ src: write(join(root, 'src'), 10, 0o644), dest: write(join(root, 'dest'), 20, 0o600) }),
    mode: COPYFILE_EXCL,
  },
  {
    name: 'a file onto itself',
    setup: (root) => {
      const src = write(join(root, 'src'), 3000, 0o644);
      return { src, dest: src };
    },
  },
  {
    name: 'a file onto a hard link of itself',
    setup: (root) => {
      const src = write(join(root, 'src'), 3000, 0o644);
      nodeFs.linkSync(src, join(root, 'link'));
      return { src, dest: join(root, 'link') };
    },
  },
  {
    name: 'a symlink to a file as source (followed)',
    setup: (root) => {
      nodeFs.symlinkSync(write(join(root, 'target'), 5000, 0o640), join(root, 'src'));
      return { src: join(root, 'src'), dest: join(root, 'dest') };
    },
  },
  {
    name: 'a symlink to an empty file as source',
    setup: (root) => {
      nodeFs.symlinkSync(write(join(root, 'target'), 0, 0o640), join(root, 'src'));
      return { src: join(root, 'src'), dest: write(join(root, 'dest'), 100, 0o644) };
    },
  },
  {
    name: 'a dangling symlink as source',
    setup: (root) => {
      nodeFs.symlinkSync(join(root, 'missing'), join(root, 'src'));
      return { src: join(root, 'src'), dest: join(root, 'dest') };
    },
  },
  {
    name: 'a symlink to a file as destination (its target written)',
    setup: (root) => {
      nodeFs.symlinkSync(write(join(root, 'target'), 9000, 0o600), join(root, 'dest'));
      return { src: write(join(root, 'src'), 4096, 0o644), dest: join(root, 'dest') };
    },
  },
  {
    name: 'COPYFILE_FICLONE',
    setup: (root) => ({ src: write(join(root, 'src'), 70_001, 0o644), dest: join(root, 'dest') }),
    mode: COPYFILE_FICLONE,
  },
  {
    name: 'COPYFILE_FICLONE_FORCE',
    setup: (root) => ({ src: write(join(root, 'src'), 70_001, 0o644), dest: join(root, 'dest') }),
    mode: COPYFILE_FICLONE_FORCE,
  },
];

/** A file of `size` bytes (a pattern of the size) with `mode` (chmod: the umask does not apply). */
function write(path: string, size: number, mode: number): string {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + size) & 0xff;
  nodeFs.writeFileSync(path, data);
  nodeFs.chmodSync(path, mode);
  return path;
}

/** The case set up afresh under its own directory, with paths that differ only by that directory's name. */
function fresh(c: Case, who: string): { root: string; src: string; dest: string } {
  const root = join(dir, `${c.name.replace(/\W+/g, '-')}-${who}`);
  nodeFs.mkdirSync(root);
  return { root, ...c.setup(root) };
}

/** An outcome with its directory's name written as ROOT, so that two directories' outcomes compare. */
function relative(o: Outcome, root: string): Outcome {
  return JSON.parse(JSON.stringify(o).replaceAll(root, 'ROOT')) as Outcome;
}

for (const c of cases) {
  for (const how of ['default', 'signal'] as const) {
    test(`copyFile (${how === 'default' ? 'no signal, no method' : 'with a signal: the ring'}) of ${c.name} ends as node:fs's`, async (t) => {
      // Bun's and Deno's node:fs differ from Node's here (a directory: ENOTSUP; Deno ignores FICLONE_FORCE).
      if (runtime !== 'node') return void t.skip('compares with the node:fs of Node');
      const theirs = fresh(c, `${how}-theirs`);
      const expected = relative(await outcome(nodeFs.promises.copyFile(theirs.src, theirs.dest, c.mode ?? 0), theirs.dest), theirs.root);
      const ours = fresh(c, `${how}-ours`);
      const options = how === 'signal' ? { signal: new AbortController().signal } : undefined;
      const got = relative(await outcome(fs.copyFile(ours.src, ours.dest, c.mode ?? 0, options), ours.dest), ours.root);
      if (how === 'signal' && expected.ok !== true) {
        // After an error node:fs removes the destination it created; the ring's copy keeps what it copied (docs/fs.md).
        for (const o of [got, expected]) for (const key of ['left', 'size', 'mode', 'bytes']) delete o[key];
      }
      assert.deepEqual(got, expected);
    });
  }
}

ioUringTest('copyFile with no signal and no method puts nothing on the ring on Node; with a signal, its copy is the ring ops', async (t) => {
  if (runtime !== 'node') return void t.skip("on Bun and Deno every copy is the ring's");
  const ring = new Ring();
  try {
    const src = write(join(dir, 'sqes-src'), 4096, 0o640);
    let before = ring.stats.submitted;
    await fs.copyFile(src, join(dir, 'sqes-default'), 0, { ring });
    // main submitted 4 (OPENAT ×2, CLOSE ×2).
    assert.equal(ring.stats.submitted - before, 0);
    before = ring.stats.submitted;
    await fs.copyFile(src, join(dir, 'sqes-signal'), 0, { ring, signal: new AbortController().signal });
    assert.equal(ring.stats.submitted - before, 4);
    for (const name of ['sqes-default', 'sqes-signal']) assert.ok(nodeFs.readFileSync(join(dir, name)).equals(nodeFs.readFileSync(src)));
  } finally {
    await ring.close();
  }
});

test('bad arguments reject with TypeError/RangeError before anything is copied, with or without a signal', async () => {
  const src = write(join(dir, 'args-src'), 10, 0o644);
  const dest = join(dir, 'args-dest');
  for (const options of [undefined, { signal: new AbortController().signal }]) {
    await assert.rejects(fs.copyFile(src, dest, 99, options), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    await assert.rejects(fs.copyFile(src, dest, 0, { ...options, method: 'nope' as never }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(fs.copyFile(42 as never, dest, 0, options), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  }
  assert.ok(!nodeFs.existsSync(dest), 'nothing was copied');
});

test('copyFile with no signal and no method copies a /proc file (a regular file of size 0 with bytes): all a read returns', async (t) => {
  if (runtime !== 'node') return void t.skip("on Bun and Deno every copy is the ring's");
  // libuv copies the size it stats (0 here): copyFile sees the empty size first and copies through the ring instead.
  for (const [name, src] of [
    ['proc-version', '/proc/version'],
    ['proc-cmdline', '/proc/self/cmdline'],
  ] as const) {
    assert.equal(nodeFs.statSync(src).size, 0);
    const dest = join(dir, name);
    await fs.copyFile(src, dest);
    const copied = nodeFs.readFileSync(dest);
    assert.ok(copied.length > 0);
    assert.ok(copied.equals(nodeFs.readFileSync(src)));
  }
  // An empty regular file stays the fast path's: still empty after its copy over a full file.
  const empty = write(join(dir, 'proc-empty-src'), 0, 0o644);
  const over = write(join(dir, 'proc-empty-dest'), 3000, 0o644);
  await fs.copyFile(empty, over);
  assert.equal(nodeFs.statSync(over).size, 0);
});

test('copyFile with no signal and no method takes a Buffer path that is not UTF-8 as given, in its copy and its errors', async (t) => {
  if (runtime !== 'node') return void t.skip('compares with the node:fs of Node');
  const name = (tail: number[]) => Buffer.concat([Buffer.from(`${dir}/latin1-`), Buffer.from(tail)]);
  const src = name([0x66, 0xe9]); // "f\xe9": Latin-1, not UTF-8
  nodeFs.writeFileSync(src, 'bytes of a file whose name is not UTF-8');
  await fs.copyFile(src, name([0x64, 0xff]));
  assert.equal(nodeFs.readFileSync(name([0x64, 0xff]), 'utf8'), 'bytes of a file whose name is not UTF-8');
  // A missing one: the error names it as node:fs's does (the bytes decoded as UTF-8).
  const missing = name([0x6d, 0xe9]);
  const theirs = await outcome(nodeFs.promises.copyFile(missing, name([0x78])), join(dir, 'latin1-none'));
  assert.equal(theirs.code, 'ENOENT');
  assert.deepEqual(await outcome(fs.copyFile(missing, name([0x78])), join(dir, 'latin1-none')), theirs);
});

test("the addon's copyFileChecked: a copy, nothing for a regular file of size 0, -errno, and bad arguments throw", async (t) => {
  if (runtime !== 'node') return void t.skip("Node's libuv copy");
  const checked = native.copyFileChecked;
  const call = (src: string, dest: string, mode = 0) =>
    new Promise<number>((resolve) => checked(Buffer.from(`${src}\0`), Buffer.from(`${dest}\0`), mode, resolve));
  const src = write(join(dir, 'checked-src'), 100_000, 0o600);
  assert.equal(await call(src, join(dir, 'checked-dest')), 0);
  assert.ok(nodeFs.readFileSync(join(dir, 'checked-dest')).equals(nodeFs.readFileSync(src)));
  assert.equal(nodeFs.statSync(join(dir, 'checked-dest')).mode & 0o777, 0o600);
  assert.equal(await call('/proc/self/status', join(dir, 'checked-proc')), 1);
  assert.equal(await call(write(join(dir, 'checked-empty'), 0, 0o644), join(dir, 'checked-proc')), 1);
  assert.ok(!nodeFs.existsSync(join(dir, 'checked-proc')));
  assert.equal(await call(join(dir, 'checked-missing'), join(dir, 'checked-proc')), -ENOENT);
  assert.equal(await call(src, join(dir, 'checked-dest'), COPYFILE_EXCL), -EEXIST);
  const callback = () => assert.fail('not called');
  assert.throws(() => checked(Buffer.from(src), Buffer.from(`${src}-2\0`), 0, callback), TypeError); // not NUL-terminated
  assert.throws(() => checked(Buffer.from(`${src}\0x\0`), Buffer.from(`${src}-2\0`), 0, callback), TypeError); // a NUL inside
  assert.throws(() => checked(Buffer.from(`${src}\0`), Buffer.from(`${src}-2\0`), 8, callback), TypeError);
  assert.throws(() => checked(Buffer.from(`${src}\0`), Buffer.from(`${src}-2\0`), 0, 42 as never), TypeError);
});
