// ENOSPC on a small tmpfs mounted by the test (root only; skipped with the
// reason where mount is refused): the error is reported with its path, and
// every byte acknowledged before it is in the file, intact.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

import * as fs from '../../src/fs/index.js';
import { Ring, backend, constants as C } from '../../src/index.js';
import { requireIoUring } from '../../test-support/backend.js';
import { opcodesDuring } from '../../test-support/kernel.js';
import { native } from '../../src/sys/native.js';
import { runtime } from '../../src/sys/runtime.js';
import { SYS_lseek } from '../../src/sys/syscalls.js';
import { SEEK_CUR } from '../../src/sys/constants.js';

const mountPoint = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-enospc-'));
let skip: string | undefined;

before(() => {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint], { encoding: 'utf8' });
  if (r.error) skip = `cannot run mount: ${r.error.message}`;
  else if (r.status !== 0) skip = `mount -t tmpfs refused: ${r.stderr.trim()}`;
});
after(() => {
  if (skip === undefined) spawnSync('umount', [mountPoint]);
  nodeFs.rmSync(mountPoint, { recursive: true, force: true });
});

test('writeFile past a full tmpfs: ENOSPC with the path, the acknowledged prefix intact', async (t) => {
  if (skip !== undefined) return void t.skip(skip);
  const path = join(mountPoint, 'big');
  const data = randomBytes(3 * 1024 * 1024);
  await assert.rejects(fs.writeFile(path, data), { code: 'ENOSPC', syscall: 'write', path, message: `ENOSPC: no space left on device, write '${path}'` });
  const written = nodeFs.readFileSync(path);
  assert.ok(written.length > 0 && written.length < data.length, `${written.length} bytes written`);
  assert.ok(written.equals(data.subarray(0, written.length)), 'the bytes written are the first bytes of the data');
  nodeFs.unlinkSync(path);
});

test('FileHandle.write reports bytes written, then ENOSPC; copyFile reports ENOSPC with path and dest', async (t) => {
  if (skip !== undefined) return void t.skip(skip);
  const path = join(mountPoint, 'chunks');
  const chunk = randomBytes(256 * 1024);
  let acknowledged = 0;
  await using handle = await fs.open(path, 'w');
  await assert.rejects(
    (async () => {
      for (;;) acknowledged += (await handle.write(chunk, 0, chunk.length, null)).bytesWritten;
    })(),
    { code: 'ENOSPC', syscall: 'write', path },
  );
  const written = nodeFs.readFileSync(path);
  assert.equal(written.length, acknowledged);
  for (let at = 0; at < written.length; at += chunk.length) {
    const part = written.subarray(at, at + chunk.length);
    assert.ok(part.equals(chunk.subarray(0, part.length)), `chunk at ${at}`);
  }
  await handle.close();
  nodeFs.unlinkSync(path);

  const src = join(tmpdir(), `ringcore-enospc-src-${process.pid}`);
  nodeFs.writeFileSync(src, randomBytes(2 * 1024 * 1024));
  try {
    const dest = join(mountPoint, 'copy');
    await assert.rejects(fs.copyFile(src, dest), { code: 'ENOSPC', syscall: 'copyfile', path: src, dest });
    // The ring's copy (a signal): across filesystems copy_file_range refuses and it falls back (SPLICE); its error is still copyFile's, as Node's.
    await assert.rejects(fs.copyFile(src, dest, 0, { signal: new AbortController().signal }), { code: 'ENOSPC', syscall: 'copyfile', path: src, dest });
    await assert.rejects(fs.copyFile(src, dest, 0, { method: 'readwrite' }), {
      code: 'ENOSPC',
      syscall: backend() === 'node' ? 'copyfile' : 'write',
      path: src,
      dest,
    });
  } finally {
    nodeFs.unlinkSync(src);
  }
});

test('copyFile within the full tmpfs (copy_file_range itself fails): ENOSPC as Node reports it, the copied prefix intact', async (t) => {
  if (skip !== undefined) return void t.skip(skip);
  for (const name of nodeFs.readdirSync(mountPoint)) nodeFs.rmSync(join(mountPoint, name)); // the earlier tests' files
  const src = join(mountPoint, 'src');
  const data = randomBytes(700 * 1024);
  nodeFs.writeFileSync(src, data);
  try {
    const dest = join(mountPoint, 'copy');
    const expected = await nodeFs.promises.copyFile(src, dest).then(
      () => assert.fail('node:fs copied 1.4 MB into a 1 MB tmpfs'),
      (error: NodeJS.ErrnoException) => error,
    );
    nodeFs.rmSync(dest, { force: true });
    const failure = { code: expected.code, errno: -constants.errno.ENOSPC, syscall: 'copyfile', path: src, dest };
    // Node's copyFile (the node backend, and on Node a call with no signal and no method) removes the destination
    // after an error; the ring's copy leaves what it copied.
    await assert.rejects(fs.copyFile(src, dest), failure);
    if (runtime === 'node') assert.ok(!nodeFs.existsSync(dest), 'node:fs removed the destination');
    if (backend() === 'node') return;
    nodeFs.rmSync(dest, { force: true });
    await assert.rejects(fs.copyFile(src, dest, 0, { signal: new AbortController().signal }), failure);
    const copied = nodeFs.readFileSync(dest);
    assert.ok(copied.length < data.length, `${copied.length} bytes copied`);
    assert.ok(copied.equals(data.subarray(0, copied.length)), 'what was copied is the start of the source');
  } finally {
    nodeFs.rmSync(src, { force: true });
    nodeFs.rmSync(join(mountPoint, 'copy'), { force: true });
  }
});

test('transfer() within the full tmpfs: copy_file_range fails with ENOSPC and transfer() rejects with it, no READ/WRITE copy after it', async (t) => {
  if (skip !== undefined) return void t.skip(skip);
  const reason = requireIoUring().skip;
  if (reason !== false) return void t.skip(reason);
  for (const name of nodeFs.readdirSync(mountPoint)) nodeFs.rmSync(join(mountPoint, name)); // the earlier tests' files
  const src = join(mountPoint, 'src');
  const data = randomBytes(700 * 1024);
  nodeFs.writeFileSync(src, data);
  const ring = new Ring();
  try {
    for (const positional of [true, false]) {
      const dest = join(mountPoint, 'copy');
      await using from = await fs.open(src);
      await using to = await fs.open(dest, 'w');
      const context = { path: src, dest };
      let error = null as (NodeJS.ErrnoException & { dest?: string }) | null;
      const seen = await opcodesDuring(ring, async () => {
        error = await fs.transfer(ring, { fd: from.fd, context }, { fd: to.fd, context }, { size: Infinity, positional }).then(
          () => null,
          (e: NodeJS.ErrnoException) => e,
        );
      });
      assert.ok(error !== null, `positional ${positional}: rejected`);
      assert.deepEqual(
        { code: error!.code, errno: error!.errno, syscall: error!.syscall, path: error!.path, dest: error!.dest },
        { code: 'ENOSPC', errno: -constants.errno.ENOSPC, syscall: 'copy_file_range', path: src, dest },
      );
      assert.equal(error!.message, `ENOSPC: no space left on device, copy_file_range '${src}' -> '${dest}'`);
      // Run again by READ/WRITE, the copy wrote its bytes a second time and reported the WRITE's ENOSPC.
      assert.ok(!seen.has(C.IORING_OP_READ) && !seen.has(C.IORING_OP_WRITE), `positional ${positional}: no READ/WRITE after copy_file_range's ENOSPC`);
      assert.equal(ring.inFlight, 0);
      const copied = nodeFs.readFileSync(dest);
      assert.ok(copied.length > 0 && copied.length < data.length, `${copied.length} bytes copied`);
      assert.ok(copied.equals(data.subarray(0, copied.length)), 'what was copied is the start of the source');
      // A stream's offset is just past what was copied, as after a WRITE cut short; a positional copy leaves it.
      assert.equal(native.syscall(SYS_lseek, to.fd, 0, SEEK_CUR), positional ? 0 : copied.length);
      await to.close();
      nodeFs.rmSync(dest);
    }
  } finally {
    await ring.close();
    nodeFs.rmSync(src, { force: true });
  }
});
