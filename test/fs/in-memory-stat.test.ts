// stat, lstat and FileHandle.stat answered on the calling thread (src/fs/cached-stat.ts): a
// cached lookup on a local filesystem submits no STATX; anything else still goes to the op, with
// the same answers and errors as node:fs.
import { test as nodeTest, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { defaultRing } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import { requireIoUring, test } from '../../test-support/backend.js';
import { linuxBefore, opcodesDuring } from '../../test-support/kernel.js';
import * as C from '../../src/sys/constants.js';
import { LOCAL_FILESYSTEMS } from '../../src/fs/cached-stat.js';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-stat-in-memory-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

/** mountinfo's filesystem type of the mount `path` is on: the last mounted at the longest mount point above it. */
function filesystemOf(path: string): string {
  const real = nodeFs.realpathSync(path);
  let found = { point: '', type: '' };
  for (const line of nodeFs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    const point = left?.split(' ')[4];
    const type = right?.split(' ')[0];
    const above = point === '/' || real === point || real.startsWith(`${point}/`);
    if (point !== undefined && type !== undefined && above && point.length >= found.point.length) found = { point, type };
  }
  return found.type;
}

/** The first of `/` and the test's directory on a filesystem not on the local list (a guest's root over 9p), or undefined. */
const notLocal = ['/', dir].find((p) => !LOCAL_FILESYSTEMS.includes(filesystemOf(p)));
/**
 * openat2 with RESOLVE_CACHED, which looks a path up only if the kernel has every step in memory, is Linux 5.12's;
 * and a step on a filesystem that revalidates its entries (9p, NFS) is never answered from memory.
 */
const noLookups = linuxBefore(5, 12)
  ? 'this kernel has no RESOLVE_CACHED (Linux 5.12): every stat is a STATX op'
  : notLocal !== undefined
    ? `${notLocal} is on a filesystem not on the local list: lookups through it are not answered from memory`
    : undefined;
/** An open fd's stat needs only its mount's ID (Linux 5.8), and the file on a local filesystem. */
const noMountIds = linuxBefore(5, 8)
  ? 'this kernel has no mount IDs (Linux 5.8): every stat is a STATX op'
  : notLocal === dir
    ? `${dir} is on a filesystem not on the local list`
    : undefined;

/** STATX ops (and any other SQEs) the default ring has been given since `before`. */
function sqesSince(before: number): number {
  const ring = defaultRing();
  return ring.stats.submitted + ring.uring.sqPending() - before;
}

function sameAsNode(mine: fs.Stats, theirs: nodeFs.Stats, what: string): void {
  for (const f of ['dev', 'ino', 'mode', 'nlink', 'size', 'blocks'] as const) assert.equal(mine[f], theirs[f], `${what}: ${f}`);
  // Whole ms: Deno's node:fs drops the fraction, and gives ctimeMs in whole seconds (test/fs/stat.test.ts checks every field against Node's).
  assert.equal(Math.floor(mine.mtimeMs), Math.floor(theirs.mtimeMs), `${what}: mtimeMs`);
}

test('stat, lstat and FileHandle.stat of files on a local filesystem submit no STATX and match node:fs', async (t) => {
  if (noLookups) return void t.skip(noLookups);
  const file = join(dir, 'file');
  nodeFs.writeFileSync(file, 'x'.repeat(5000));
  const link = join(dir, 'link');
  nodeFs.symlinkSync(file, link);
  await using handle = await fs.open(file);
  // The first calls learn each mount's filesystem; node:fs's calls put the lookups in the kernel's cache.
  for (const p of [file, link, dir, '/dev/null']) {
    nodeFs.statSync(p);
    nodeFs.lstatSync(p);
    await fs.stat(p);
    await fs.lstat(p);
  }
  const before = defaultRing().stats.submitted + defaultRing().uring.sqPending();
  sameAsNode(await fs.stat(file), nodeFs.statSync(file), 'stat file');
  sameAsNode(await fs.stat(link), nodeFs.statSync(link), 'stat link');
  sameAsNode(await fs.lstat(link), nodeFs.lstatSync(link), 'lstat link');
  assert.ok((await fs.lstat(link)).isSymbolicLink());
  sameAsNode(await fs.stat(dir), nodeFs.statSync(dir), 'stat dir');
  sameAsNode(await fs.stat('/dev/null'), nodeFs.statSync('/dev/null'), 'stat /dev/null');
  sameAsNode(await handle.stat(), nodeFs.statSync(file), 'FileHandle.stat');
  assert.equal((await fs.stat(file, { bigint: true })).size, 5000n);
  assert.equal(sqesSince(before), 0, 'no SQE for a stat the kernel answers from memory');
});

test("ENOENT and ENOTDIR are node:fs's errors; a cached lookup's ENOENT needs no op", async (t) => {
  if (noLookups) return void t.skip(noLookups);
  const file = join(dir, 'plain');
  nodeFs.writeFileSync(file, '');
  // The kernel answers ENOENT from a cached negative lookup; a file as a directory it leaves to a real lookup (EAGAIN).
  for (const [path, code, sqes] of [
    [join(dir, 'missing'), 'ENOENT', 0],
    [join(file, 'below'), 'ENOTDIR', 2],
  ] as const) {
    const theirs = (() => {
      try {
        nodeFs.statSync(path);
      } catch (error) {
        return error as NodeJS.ErrnoException;
      }
      throw new Error(`node:fs found ${path}`);
    })();
    const before = defaultRing().stats.submitted + defaultRing().uring.sqPending();
    await assert.rejects(fs.stat(path), { code, errno: theirs.errno, syscall: 'stat', path, message: theirs.message });
    await assert.rejects(fs.lstat(path), { code, syscall: 'lstat', path });
    assert.equal(sqesSince(before), sqes, `${code}: STATX ops`);
  }
});

test('readFile of a file past its first read (64 KiB) stats it with no STATX op, and reads it whole', async (t) => {
  if (noMountIds) return void t.skip(noMountIds);
  const file = join(dir, 'sixty-four');
  const bytes = Buffer.alloc(64 * 1024 + 5, 7);
  nodeFs.writeFileSync(file, bytes);
  await fs.readFile(file); // learns the mount
  let read: Buffer | undefined;
  const opcodes = await opcodesDuring(defaultRing(), async () => {
    read = await fs.readFile(file);
  });
  assert.ok(read?.equals(bytes), 'the whole file');
  assert.ok(opcodes.has(C.IORING_OP_READ), 'the file was read by READ ops');
  assert.ok(!opcodes.has(C.IORING_OP_STATX), `no STATX: ${[...opcodes].join(', ')}`);
});

test('the root of every mount not on the local list is asked by the STATX op (9p, whose statfs names its server’s filesystem, too)', async (t) => {
  const others = new Map<string, string>();
  for (const line of nodeFs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    const point = left?.split(' ')[4];
    const type = right?.split(' ')[0];
    // The last mounted at a point is the one its path reaches.
    if (point !== undefined && type !== undefined && !point.includes('\\')) others.set(point, type);
  }
  for (const [point, type] of others) if (LOCAL_FILESYSTEMS.includes(type)) others.delete(point);
  if (others.size === 0) return void t.skip('every mount here is on the local list');
  for (const [point, type] of others) {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(point);
    } catch (error) {
      t.diagnostic(`${point} (${type}) not opened: ${(error as Error).message}`);
      continue;
    }
    try {
      await handle.stat(); // learns the mount's filesystem
      const before = sqesSince(0);
      const stats = await handle.stat();
      assert.equal(sqesSince(before), 1, `${point} (${type}): one STATX op`);
      assert.equal(stats.ino, nodeFs.statSync(point).ino, `${point} (${type}): node:fs's inode`);
    } finally {
      await handle.close();
    }
  }
});

test('a file on a filesystem outside the local list (devpts) is asked by the STATX op, with the same answer', async (t) => {
  const ptmx = '/dev/pts/ptmx';
  if (!nodeFs.existsSync(ptmx)) return void t.skip(`${ptmx} is missing: no devpts mounted here`);
  const before = defaultRing().stats.submitted + defaultRing().uring.sqPending();
  sameAsNode(await fs.stat(ptmx), nodeFs.statSync(ptmx), 'stat /dev/pts/ptmx');
  assert.equal(sqesSince(before), 1, 'one STATX op');
});

test('a lookup not in the kernel cache goes to the STATX op', async (t) => {
  const dropCaches = '/proc/sys/vm/drop_caches';
  const deep = join(dir, 'cold', 'a', 'b');
  nodeFs.mkdirSync(deep, { recursive: true });
  const file = join(deep, 'file');
  nodeFs.writeFileSync(file, 'cold');
  const expected = nodeFs.statSync(file);
  try {
    nodeFs.writeFileSync(dropCaches, '2');
  } catch (error) {
    return void t.skip(`the kernel's lookup cache cannot be emptied here (${dropCaches}: ${(error as Error).message})`);
  }
  const before = defaultRing().stats.submitted + defaultRing().uring.sqPending();
  sameAsNode(await fs.stat(file), expected, 'stat after the dentries were dropped');
  assert.equal(sqesSince(before), 1, 'one STATX op');
});

/** A regular file on a cgroup mount (a filesystem outside the local list), or undefined. */
function cgroupFile(): string | undefined {
  for (const line of nodeFs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [before, after] = line.split(' - ');
    const fsType = after?.split(' ')[0];
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    const mountPoint = before!.split(' ')[4]!;
    for (const name of ['cgroup.max.depth', 'notify_on_release', 'cgroup.clone_children']) {
      const file = join(mountPoint, name);
      if (nodeFs.existsSync(file)) return file;
    }
  }
  return undefined;
}

test("a copy takes its source's size from memory on a local filesystem, else from a STATX op", requireIoUring(), async (t) => {
  const ring = defaultRing();
  /** Copies `source` into a new file with both copies, and returns the opcodes they submitted. */
  const copyBoth = async (source: string): Promise<Set<number>> => {
    const expected = nodeFs.readFileSync(source);
    const dest = join(dir, 'copy-of-source');
    const opcodes = await opcodesDuring(ring, async () => {
      for (const copy of [fs.transfer, fs.spliceTransfer]) {
        await using from = await fs.open(source);
        await using to = await fs.open(dest, 'w');
        assert.equal(await copy(ring, { fd: from.fd }, { fd: to.fd }, { size: Infinity, positional: false }), expected.length);
        assert.ok(nodeFs.readFileSync(dest).equals(expected), `${copy.name}: the bytes of ${source}`);
      }
    });
    return opcodes;
  };
  if (noMountIds) t.diagnostic(noMountIds);
  else {
    const local = join(dir, 'local-source');
    nodeFs.writeFileSync(local, Buffer.alloc(100_000, 3));
    assert.ok(!(await copyBoth(local)).has(C.IORING_OP_STATX), 'no STATX for a file on a local filesystem');
  }
  const remote = cgroupFile();
  if (remote === undefined) return void t.skip('no cgroup mount here to stand for a filesystem that is not local');
  // The statx on this thread asks with AT_STATX_DONT_SYNC, which a network filesystem may answer from stale
  // attributes: its size is not used there.
  assert.ok((await copyBoth(remote)).has(C.IORING_OP_STATX), `a STATX op for the size of ${remote}`);
});

nodeTest('an aborted signal still rejects with AbortError, before any system call', async () => {
  const file = join(dir, 'aborted');
  nodeFs.writeFileSync(file, '');
  await assert.rejects(fs.stat(file, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  await using handle = await fs.open(file);
  await assert.rejects(handle.stat({ signal: AbortSignal.abort() }), { name: 'AbortError' });
});
