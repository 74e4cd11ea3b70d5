// spliceTransfer() from a regular file to a regular file (examples/cat.ts's
// `cat file > out`) copies with copy_file_range on a libuv pool thread, as
// transfer() does (range-transfer.ts), instead of SPLICE pairs through a pipe:
// the same bytes, count and offsets as the SPLICE copy left (the destination's
// offset just past the copy at its position, or unmoved when positional; the
// source's never moved). Where copy_file_range cannot copy the two fds
// (tmpfs to this filesystem: EXDEV, a destination that is not a regular file)
// SPLICE copies, from where copy_file_range got to; into an O_APPEND file,
// which splice(2) refuses too, the READ/WRITE copy appends.
import { after } from 'node:test';
import { test } from '../../test-support/backend.js';
import { opcodesDuring } from '../../test-support/kernel.js';
import { abortMidCopy, appendMidCopy, caseFiles, copyFromTmpfs, type CopyCase, offsetOf } from '../../test-support/mid-copy.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

import { Ring, constants as C } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';

const MiB = 1024 * 1024;
const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-splice-range-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

const cases: CopyCase[] = [
  { name: 'to its end into a new file at its position (a cat)', length: 19 * MiB + 4321, size: Infinity, positional: false, head: 0, at: 0 },
  { name: "the source's size into a new file at its position (examples/cat.ts)", length: 35 * MiB + 1, size: 35 * MiB + 1, positional: false, head: 0, at: 0 },
  { name: 'to its end after what the file held', length: 3 * MiB + 5, size: Infinity, positional: false, head: 4099, at: 4099 },
  { name: 'at an offset inside what the file held', length: 70_000, size: 70_000, positional: false, head: 100_000, at: 1000 },
  { name: 'a size past the end, at the position', length: 5 * MiB + 1, size: 8 * MiB, positional: false, head: 3, at: 3 },
  { name: 'a size shorter than the source, at the position', length: 5 * MiB + 1, size: 2 * MiB + 17, positional: false, head: 0, at: 0 },
  { name: 'positional, the whole source', length: 17 * MiB + 3, size: 17 * MiB + 3, positional: true, head: 0, at: 0 },
  { name: 'positional, over a longer file, the destination offset elsewhere', length: 2 * MiB, size: 2 * MiB, positional: true, head: 3 * MiB, at: 12345 },
  { name: 'an empty source', length: 0, size: Infinity, positional: false, head: 10, at: 10 },
];

for (const [i, c] of cases.entries()) {
  test(`spliceTransfer() file to file, ${c.name}: copy_file_range, no SPLICE; the bytes, count and offsets a write loop leaves`, async () => {
    const ring = new Ring();
    try {
      const data = randomBytes(c.length);
      await using files = await caseFiles(dir, `case-${i}`, c, data);
      let copied = -1;
      const seen = await opcodesDuring(ring, async () => {
        copied = await fs.spliceTransfer(ring, { fd: files.from }, { fd: files.to }, { size: c.size, positional: c.positional });
      });
      assert.equal(ring.inFlight, 0);
      // Before, every byte went through SPLICE pairs on the ring.
      assert.ok(!seen.has(C.IORING_OP_SPLICE), 'no SPLICE: the bytes moved by copy_file_range');
      const expected = Math.min(c.size, c.length);
      assert.equal(copied, expected);
      assert.equal(offsetOf(files.from), 7, 'the source offset does not move');
      const output = nodeFs.readFileSync(files.dest);
      const start = c.positional ? 0 : c.at;
      assert.ok(output.subarray(start, start + expected).equals(data.subarray(0, expected)), 'the source, at the position or its own offsets');
      assert.ok(output.subarray(0, start).equals(Buffer.alloc(start, 0x2e)), 'what was before is untouched');
      assert.ok(output.subarray(start + expected).equals(Buffer.alloc(Math.max(0, c.head - start - expected), 0x2e)), 'what was after is untouched');
      assert.equal(output.length, Math.max(c.head, start + expected));
      // A write loop leaves the offset just past what it wrote; positional writes leave it alone.
      assert.equal(offsetOf(files.to), c.positional ? c.at : c.at + expected);
    } finally {
      await ring.close();
    }
  });
}

test('spliceTransfer() into an O_APPEND file appends, as `cat file >> out` (splice(2) refuses it with EINVAL, copy_file_range with EBADF: READ/WRITE copies)', async () => {
  const ring = new Ring();
  try {
    const data = randomBytes(3 * MiB + 77);
    const src = join(dir, 'append-src');
    const dest = join(dir, 'append-dest');
    nodeFs.writeFileSync(src, data);
    nodeFs.writeFileSync(dest, 'head:');
    await using from = await fs.open(src);
    await using to = await fs.open(dest, 'a');
    let copied = -1;
    const seen = await opcodesDuring(ring, async () => {
      copied = await fs.spliceTransfer(ring, { fd: from.fd }, { fd: to.fd }, { size: data.length, positional: false });
    });
    // Before, the SPLICE out of the pipe failed: EINVAL.
    assert.ok(seen.has(C.IORING_OP_WRITE) && !seen.has(C.IORING_OP_SPLICE), 'READ/WRITE copied');
    assert.equal(copied, data.length);
    assert.ok(nodeFs.readFileSync(dest).equals(Buffer.concat([Buffer.from('head:'), data])), 'appended');
    assert.equal(offsetOf(to.fd), 5 + data.length);
    assert.equal(ring.inFlight, 0);
  } finally {
    await ring.close();
  }
});

test('spliceTransfer() across filesystems (tmpfs to this one): copy_file_range refuses (EXDEV), SPLICE copies the same bytes, the offset after them', async (t) => {
  const seen = await copyFromTmpfs(t, dir, (ring, from, to, size) => fs.spliceTransfer(ring, { fd: from }, { fd: to }, { size, positional: false }));
  if (seen) assert.ok(seen.has(C.IORING_OP_SPLICE), 'SPLICE copied');
});

test('spliceTransfer() into /dev/null (not a regular file, no position to keep): SPLICE, every byte counted', async () => {
  const ring = new Ring();
  try {
    const data = randomBytes(4 * MiB + 1);
    const src = join(dir, 'null-src');
    nodeFs.writeFileSync(src, data);
    await using from = await fs.open(src);
    const out = nodeFs.openSync('/dev/null', 'w');
    try {
      let copied = -1;
      const seen = await opcodesDuring(ring, async () => {
        copied = await fs.spliceTransfer(ring, { fd: from.fd }, { fd: out }, { size: Infinity, positional: false });
      });
      assert.ok(seen.has(C.IORING_OP_SPLICE), 'SPLICE copied');
      assert.equal(copied, data.length);
    } finally {
      nodeFs.closeSync(out);
    }
  } finally {
    await ring.close();
  }
});

test('spliceTransfer() into a file open read-only rejects with EBADF naming its path, as SPLICE did', async () => {
  const ring = new Ring();
  try {
    const src = join(dir, 'ro-src');
    nodeFs.writeFileSync(src, randomBytes(MiB));
    const readOnly = join(dir, 'ro-dest');
    nodeFs.writeFileSync(readOnly, '');
    await using from = await fs.open(src);
    await using ro = await fs.open(readOnly, 'r');
    await assert.rejects(
      fs.spliceTransfer(ring, { fd: from.fd, context: { path: src } }, { fd: ro.fd, context: { path: readOnly } }, { size: Infinity, positional: false }),
      {
        code: 'EBADF',
        syscall: 'splice',
        path: readOnly,
      },
    );
    assert.equal(ring.inFlight, 0);
    assert.equal(nodeFs.statSync(readOnly).size, 0);
  } finally {
    await ring.close();
  }
});

test('an abort in the middle of a file-to-file spliceTransfer() rejects with AbortError once nothing writes, the offset after what was written, no pool thread held', () =>
  abortMidCopy(dir, (ring, from, to, size, signal) => fs.spliceTransfer(ring, { fd: from }, { fd: to }, { size, positional: false, signal })));

test('copy_file_range refusing the destination part-way (made O_APPEND: EBADF): the READ/WRITE copy appends the rest, nothing written twice', () =>
  appendMidCopy(dir, (ring, from, to, size) => fs.spliceTransfer(ring, { fd: from }, { fd: to }, { size, positional: false })));
