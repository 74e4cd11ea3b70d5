// A regular file whose size reads 0 may have bytes all the same: /proc's files
// are made as they are read, and SPLICE refuses them (EINVAL). copyFile() and
// spliceTransfer() read such a source until a read returns 0, as transfer()
// and readFile() do; copyFile() on either backend. (node:fs's copyFile copies
// the size it stats: nothing.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as fs from '../../src/fs/index.js';
import { defaultRing } from '../../src/index.js';
import { requireIoUring } from '../../test-support/backend.js';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-size-zero-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

// None changes while a test runs. A process's own files have no splice_read (SPLICE fails with EINVAL);
// /proc/version has one.
const sources = ['/proc/self/limits', '/proc/self/environ', '/proc/version'];

for (const source of sources) {
  test(`copyFile(${source}) copies what reading it gives, with every method`, async () => {
    assert.equal(nodeFs.statSync(source).size, 0, 'the source reports size 0');
    const expected = nodeFs.readFileSync(source);
    assert.ok(expected.length > 0);
    for (const method of [undefined, 'splice', 'readwrite'] as const) {
      const dest = join(dir, `copy-${method ?? 'default'}`);
      nodeFs.writeFileSync(dest, 'older and longer content '.repeat(500));
      await fs.copyFile(source, dest, 0, { method });
      assert.ok(nodeFs.readFileSync(dest).equals(expected), `${method ?? 'default'}: the bytes of ${source}`);
    }
  });

  // spliceTransfer() takes a ring: io_uring's.
  test(`spliceTransfer(${source}) into a file and into a pipe copies what reading it gives`, requireIoUring(), async () => {
    const expected = nodeFs.readFileSync(source);
    const ring = defaultRing();
    const dest = join(dir, 'splice-out');
    {
      await using from = await fs.open(source);
      await using to = await fs.open(dest, 'w');
      const copied = await fs.spliceTransfer(ring, { fd: from.fd }, { fd: to.fd }, { size: Infinity, positional: false });
      assert.equal(copied, expected.length);
    }
    assert.ok(nodeFs.readFileSync(dest).equals(expected));

    // A FIFO: a reader on node:fs's pool, ringcore writing into it.
    const fifo = join(dir, 'fifo');
    nodeFs.rmSync(fifo, { force: true });
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [fifo]);
    const read = nodeFs.promises.readFile(fifo);
    {
      await using from = await fs.open(source);
      await using to = await fs.open(fifo, 'w');
      const copied = await fs.spliceTransfer(ring, { fd: from.fd }, { fd: to.fd }, { size: Infinity, positional: false });
      assert.equal(copied, expected.length);
    }
    assert.ok((await read).equals(expected));
  });
}

test('an empty regular file still copies as empty, onto a file that had bytes', async () => {
  const empty = join(dir, 'empty');
  nodeFs.writeFileSync(empty, '');
  const dest = join(dir, 'empty-copy');
  nodeFs.writeFileSync(dest, 'x'.repeat(10_000));
  await fs.copyFile(empty, dest);
  assert.equal(nodeFs.statSync(dest).size, 0);
});
