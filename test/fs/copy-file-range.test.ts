// copyFile's default copy through the ring (a call with a signal; without one
// node:fs copies): copy_file_range on a libuv pool thread (after FICLONE when
// asked), falling back to SPLICE where it cannot copy (across filesystems). Real files, compared byte for byte with the source and, for
// errors and clones, with what node:fs/promises does with the same files.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import * as fs from '../../src/fs/index.js';
import { Ring, backend, constants as C } from '../../src/index.js';
import { requireIoUring } from '../../test-support/backend.js';
import { opcodesDuring } from '../../test-support/kernel.js';
import { runtime } from '../../src/sys/runtime.js';
import { native } from '../../src/sys/native.js';

const { COPYFILE_FICLONE, COPYFILE_FICLONE_FORCE } = nodeFs.constants;
const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-copy-range-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));
/** A signal never aborted: it sends the default method's copy through the ring. */
const signal = new AbortController().signal;

/** What a promise settled with, as a comparable record. */
async function outcome(p: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await p;
    return { ok: true };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { dest?: string };
    return { code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, dest: e.dest };
  }
}

test('copyFile copies byte for byte across its 16 MiB calls, onto a new file and over a bigger one', async () => {
  // 2 × 16 MiB + 5: three copy_file_range calls, the last one odd.
  const data = randomBytes(32 * 1024 * 1024 + 5);
  const src = join(dir, 'multi');
  nodeFs.writeFileSync(src, data);
  const dest = join(dir, 'multi-copy');
  await fs.copyFile(src, dest);
  assert.ok(nodeFs.readFileSync(dest).equals(data), 'a new file');
  nodeFs.writeFileSync(dest, Buffer.alloc(data.length + 4096, 0xff));
  await fs.copyFile(src, dest);
  assert.ok(nodeFs.readFileSync(dest).equals(data), 'over a bigger file: truncated first');
});

test("the ring's default copy puts no SPLICE and no READ/WRITE on the ring: the bytes move by copy_file_range", requireIoUring(), async () => {
  const ring = new Ring();
  try {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const src = join(dir, 'no-splice');
    nodeFs.writeFileSync(src, data);
    const dest = join(dir, 'no-splice-copy');
    const seen = await opcodesDuring(ring, () => fs.copyFile(src, dest, 0, { ring, signal }));
    assert.ok(nodeFs.readFileSync(dest).equals(data));
    for (const opcode of [C.IORING_OP_SPLICE, C.IORING_OP_READ, C.IORING_OP_WRITE]) assert.ok(!seen.has(opcode), `opcode ${opcode} was submitted`);
    assert.ok(seen.has(C.IORING_OP_OPENAT), 'the opens are still ring ops');
    // method: 'splice' still splices.
    const spliced = await opcodesDuring(ring, () => fs.copyFile(src, join(dir, 'spliced'), 0, { ring, method: 'splice' }));
    assert.ok(spliced.has(C.IORING_OP_SPLICE));
    assert.ok(nodeFs.readFileSync(join(dir, 'spliced')).equals(data));
  } finally {
    await ring.close();
  }
});

test('copyFile stats its two fds with statx(2), not STATX ops (a trip through io-wq each), whatever the method', requireIoUring(), async () => {
  const ring = new Ring();
  try {
    const data = randomBytes(1024 * 1024 + 3);
    const src = join(dir, 'no-statx');
    nodeFs.writeFileSync(src, data);
    // Onto an existing bigger file of another mode: the facts of both fds decide the truncate and the chmod.
    for (const method of [undefined, 'splice', 'readwrite'] as const) {
      const dest = join(dir, `no-statx-${method ?? 'default'}`);
      nodeFs.writeFileSync(dest, Buffer.alloc(3 * 1024 * 1024, 1), { mode: 0o600 });
      nodeFs.chmodSync(src, 0o640);
      const seen = await opcodesDuring(ring, () => fs.copyFile(src, dest, 0, { ring, method, signal }));
      assert.ok(!seen.has(C.IORING_OP_STATX), `${method}: a STATX was submitted`);
      assert.ok(nodeFs.readFileSync(dest).equals(data), `${method}: the bytes`);
      assert.equal(nodeFs.statSync(dest).mode & 0o777, 0o640, `${method}: the mode`);
    }
    // A directory as the source still fails as Node's does (written out: Bun's and Deno's node:fs say ENOTSUP).
    assert.deepEqual(await outcome(fs.copyFile(dir, join(dir, 'nope'), 0, { ring, signal })), {
      code: 'EISDIR',
      errno: -21,
      syscall: 'copyfile',
      path: dir,
      dest: join(dir, 'nope'),
    });
  } finally {
    await ring.close();
  }
});

test('across filesystems (tmpfs to this one) copy_file_range refuses (EXDEV) and the copy falls back, byte for byte', async (t) => {
  const shm = '/dev/shm';
  if (!nodeFs.existsSync(shm) || nodeFs.statSync(shm).dev === nodeFs.statSync(dir).dev) return void t.skip('no /dev/shm on another filesystem');
  const src = nodeFs.mkdtempSync(join(shm, 'ringcore-copy-range-'));
  try {
    const data = randomBytes(5 * 1024 * 1024 + 3);
    nodeFs.writeFileSync(join(src, 'f'), data);
    const dest = join(dir, 'from-shm');
    if (backend() === 'io_uring') {
      const ring = new Ring();
      const seen = await opcodesDuring(ring, () => fs.copyFile(join(src, 'f'), dest, 0, { ring, signal }));
      await ring.close();
      assert.ok(seen.has(C.IORING_OP_SPLICE), 'the fallback spliced');
    } else {
      await fs.copyFile(join(src, 'f'), dest);
    }
    assert.ok(nodeFs.readFileSync(dest).equals(data));
  } finally {
    nodeFs.rmSync(src, { recursive: true, force: true });
  }
});

for (const options of [undefined, { signal }]) {
  const how = options === undefined ? 'node:fs' : 'the ring';
  test(`COPYFILE_FICLONE copies where there is no clone; COPYFILE_FICLONE_FORCE does what Node does (here: fails as Node fails), by ${how}`, async () => {
    const data = randomBytes(70_001);
    const src = join(dir, 'clone-src');
    nodeFs.writeFileSync(src, data);
    nodeFs.rmSync(join(dir, 'clone'), { force: true });
    await fs.copyFile(src, join(dir, 'clone'), COPYFILE_FICLONE, options);
    assert.ok(nodeFs.readFileSync(join(dir, 'clone')).equals(data));
    const ours = await outcome(fs.copyFile(src, join(dir, 'forced'), COPYFILE_FICLONE_FORCE, options));
    if (runtime === 'node') {
      const theirs = await outcome(nodeFs.promises.copyFile(src, join(dir, 'forced'), COPYFILE_FICLONE_FORCE));
      assert.deepEqual(ours, { ...theirs });
    } // Deno's node:fs ignores the flag and copies: nothing to compare with there.
    else assert.ok(ours.ok || ours.errno === -95, `a clone or EOPNOTSUPP: ${JSON.stringify(ours)}`);
    if (ours.ok) assert.ok(nodeFs.readFileSync(join(dir, 'forced')).equals(data), 'cloned');
    else assert.equal(ours.syscall, 'copyfile');
  });
}

test('an abort in the middle of a large copy rejects with AbortError, writes nothing after, and no copy succeeds corrupt', requireIoUring(), async () => {
  const size = 160 * 1024 * 1024;
  const src = join(dir, 'abort-src');
  nodeFs.writeFileSync(src, Buffer.alloc(size, 0x5a));
  const ring = new Ring();
  const openFds = () => nodeFs.readdirSync('/proc/self/fd').length;
  let aborted = 0;
  try {
    // The abort is made once the destination has its first bytes; if the copy wins the race it must be whole.
    for (let attempt = 0; attempt < 6 && aborted < 2; attempt++) {
      const dest = join(dir, `abort-dest-${attempt}`);
      const before = openFds();
      const controller = new AbortController();
      let done = false;
      const copying = fs.copyFile(src, dest, 0, { ring, signal: controller.signal }).finally(() => {
        done = true;
      });
      while (!done && !controller.signal.aborted) {
        if ((nodeFs.statSync(dest, { throwIfNoEntry: false })?.size ?? 0) > 0) controller.abort(new Error('enough'));
        else await new Promise((resolve) => setImmediate(resolve));
      }
      const result = await outcome(copying);
      assert.equal(openFds(), before, 'both fds closed');
      assert.equal(ring.inFlight, 0);
      const written = nodeFs.statSync(dest).size;
      if (result.ok) {
        assert.equal(written, size, 'a copy that resolved is whole');
        assert.ok(nodeFs.readFileSync(dest).equals(nodeFs.readFileSync(src)), 'and equal');
      } else {
        aborted++;
        await assert.rejects(copying, { name: 'AbortError', code: 'ABORT_ERR' });
        assert.ok(written < size, `stopped in the middle (${written} of ${size} bytes)`);
        await delay(50);
        assert.equal(nodeFs.statSync(dest).size, written, 'nothing written after the abort');
      }
      nodeFs.rmSync(dest);
    }
    assert.ok(aborted > 0, 'an abort landed in the middle of a copy');
  } finally {
    await ring.close();
    nodeFs.rmSync(src);
  }
});

test('an already aborted signal: rejects before anything is opened', async () => {
  const src = join(dir, 'pre-abort');
  nodeFs.writeFileSync(src, 'x');
  await assert.rejects(fs.copyFile(src, join(dir, 'pre-abort-dest'), 0, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  assert.ok(!nodeFs.existsSync(join(dir, 'pre-abort-dest')));
});

test('one native call copies from the source offset it is given to the destination offset it is given, and says when to call again', async () => {
  // What copyRange() calls again with after a slice of time (status 2): the rest of the source, from where it got to.
  const data = randomBytes(64 * 1024 + 7);
  const src = join(dir, 'offsets-src');
  const dest = join(dir, 'offsets-dest');
  nodeFs.writeFileSync(src, data);
  nodeFs.writeFileSync(dest, Buffer.alloc(10, 'z'));
  const from = nodeFs.openSync(src, 'r');
  const to = nodeFs.openSync(dest, 'r+');
  try {
    const call = (length: number, destOffset: number, srcOffset: number) =>
      new Promise<number[]>((resolve) =>
        native.copyFileRange(from, to, length, 0, new Int32Array(1), (...result) => resolve(result), destOffset, srcOffset, 0, -1),
      );
    assert.deepEqual(await call(1000, 10, 5), [1000, 0, 0, 0]);
    // Past the source's end: what there is.
    assert.deepEqual(await call(1 << 20, 1010, 1005), [data.length - 1005, 0, 0, 0]);
    const expected = Buffer.concat([Buffer.alloc(10, 'z'), data.subarray(5)]);
    assert.deepEqual(nodeFs.readFileSync(dest), expected);
    // Neither fd's offset moved.
    const first = Buffer.alloc(1);
    nodeFs.readSync(from, first, 0, 1, null);
    assert.equal(first[0], data[0]);
    nodeFs.writeSync(to, 'Q');
    assert.equal(nodeFs.readFileSync(dest, 'latin1')[0], 'Q');
    assert.throws(() => native.copyFileRange(from, to, 1, 0, new Int32Array(1), () => {}, 0, -1, 0, -1), { name: 'TypeError' });
    // truncate is 0 or 1, mode -1 or permission bits; a call without them is refused (a version-3 caller).
    assert.throws(() => native.copyFileRange(from, to, 1, 0, new Int32Array(1), () => {}, 0, 0, 2 as 0, -1), { name: 'TypeError' });
    assert.throws(() => native.copyFileRange(from, to, 1, 0, new Int32Array(1), () => {}, 0, 0, 0, 0o10000), { name: 'TypeError' });
    const old = native.copyFileRange as unknown as (...args: unknown[]) => void;
    assert.throws(() => old(from, to, 1, 0, new Int32Array(1), () => {}, 0, 0), { name: 'TypeError' });
  } finally {
    nodeFs.closeSync(from);
    nodeFs.closeSync(to);
  }
});
