// transfer() from a regular file to a regular file copies with copy_file_range
// on a libuv pool thread (copy-range.ts) unless asked for READ/WRITE
// (`method: 'readwrite'`, registered buffers, a chunk or a depth). Each case
// is run both ways on fresh files and must come out the same: the bytes, the
// count, and both fds' offsets afterwards. Where copy_file_range cannot copy
// (tmpfs to this filesystem: EXDEV; /proc) the READ/WRITE copy does it.
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
const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-transfer-range-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

interface Result {
  copied: number;
  output: Buffer;
  srcOffset: number;
  destOffset: number;
}

/** Runs one case on fresh files: the source's offset left at 7, the destination's at `at`. */
async function run(ring: Ring, c: CopyCase, data: Buffer, method: 'readwrite' | undefined, tag: string): Promise<Result> {
  await using files = await caseFiles(dir, tag, c, data);
  const copied = await fs.transfer(ring, { fd: files.from }, { fd: files.to }, { size: c.size, positional: c.positional, method });
  const result = { copied, output: nodeFs.readFileSync(files.dest), srcOffset: offsetOf(files.from), destOffset: offsetOf(files.to) };
  assert.equal(ring.inFlight, 0);
  return result;
}

const cases: CopyCase[] = [
  { name: 'to its end into a new file at its position (a cat)', length: 19 * MiB + 4321, size: Infinity, positional: false, head: 0, at: 0 },
  { name: 'to its end after what the file held (a cat appending by its offset)', length: 3 * MiB + 5, size: Infinity, positional: false, head: 4099, at: 4099 },
  { name: 'to its end at an offset inside what the file held', length: 70_000, size: Infinity, positional: false, head: 100_000, at: 1000 },
  { name: 'a size past the end, at the position', length: 5 * MiB + 1, size: 8 * MiB, positional: false, head: 3, at: 3 },
  { name: 'a size shorter than the source, at the position', length: 5 * MiB + 1, size: 2 * MiB + 17, positional: false, head: 0, at: 0 },
  { name: 'positional, the whole source', length: 17 * MiB + 3, size: 17 * MiB + 3, positional: true, head: 0, at: 0 },
  { name: 'positional, over a longer file, the destination offset elsewhere', length: 2 * MiB, size: 2 * MiB, positional: true, head: 3 * MiB, at: 12345 },
  { name: 'positional, to its end', length: 4 * MiB + 9, size: Infinity, positional: true, head: 0, at: 0 },
  { name: 'an empty source', length: 0, size: Infinity, positional: false, head: 10, at: 10 },
];

for (const [i, c] of cases.entries()) {
  test(`transfer() file to file, ${c.name}: the same bytes, count and offsets by copy_file_range as by READ/WRITE`, async () => {
    const ring = new Ring();
    try {
      const data = randomBytes(c.length);
      const theirs = await run(ring, c, data, 'readwrite', `case-${i}-rw`);
      const ours = await run(ring, c, data, undefined, `case-${i}-range`);
      assert.equal(ours.copied, theirs.copied);
      assert.equal(ours.srcOffset, 7, 'the source offset does not move');
      assert.equal(ours.srcOffset, theirs.srcOffset);
      assert.equal(ours.destOffset, theirs.destOffset);
      assert.ok(ours.output.equals(theirs.output), 'the same output');
      // And what that is: the source's first bytes, at the position or at the source's offsets.
      const expected = Math.min(c.size, c.length);
      assert.equal(ours.copied, expected);
      const start = c.positional ? 0 : c.at;
      assert.ok(ours.output.subarray(start, start + expected).equals(data.subarray(0, expected)));
      assert.equal(ours.output.length, Math.max(c.head, start + expected));
      assert.equal(ours.destOffset, c.positional ? c.at : c.at + expected);
    } finally {
      await ring.close();
    }
  });
}

test('transfer() file to file into an O_APPEND file, and into one open read-only: what READ/WRITE does (appended; EBADF from write)', async () => {
  const ring = new Ring();
  try {
    const data = randomBytes(MiB + 77);
    const src = join(dir, 'odd-src');
    nodeFs.writeFileSync(src, data);
    await using from = await fs.open(src);
    const outcomes: Record<string, unknown>[] = [];
    for (const method of [undefined, 'readwrite'] as const) {
      const appended = join(dir, `append-${method}`);
      nodeFs.writeFileSync(appended, 'head:');
      await using to = await fs.open(appended, 'a');
      assert.equal(await fs.transfer(ring, { fd: from.fd }, { fd: to.fd }, { size: Infinity, positional: false, method }), data.length);
      assert.ok(nodeFs.readFileSync(appended).equals(Buffer.concat([Buffer.from('head:'), data])), `${method}: appended`);
      const readOnly = join(dir, `read-only-${method}`);
      nodeFs.writeFileSync(readOnly, '');
      await using ro = await fs.open(readOnly, 'r');
      const context = { path: readOnly };
      const error = await fs.transfer(ring, { fd: from.fd }, { fd: ro.fd, context }, { size: Infinity, positional: false, method }).then(
        () => null,
        (e: NodeJS.ErrnoException) => e,
      );
      assert.ok(error !== null, `${method}: rejected`);
      outcomes.push({ code: error.code, syscall: error.syscall, path: error.path === readOnly });
      assert.equal(ring.inFlight, 0);
    }
    assert.deepEqual(outcomes[0], outcomes[1]);
    assert.deepEqual(outcomes[0], { code: 'EBADF', syscall: 'write', path: true });
  } finally {
    await ring.close();
  }
});

test('transfer() file to file puts no READ/WRITE on the ring; method readwrite, registered buffers or a chunk size still do', async () => {
  const ring = new Ring();
  try {
    const data = randomBytes(6 * MiB + 11);
    const src = join(dir, 'trace-src');
    nodeFs.writeFileSync(src, data);
    await using from = await fs.open(src);
    for (const [name, options, inKernel] of [
      ['default, to the end', { size: Infinity, positional: false }, true],
      ['default, positional', { size: data.length, positional: true }, true],
      ['readwrite', { size: Infinity, positional: false, method: 'readwrite' }, false],
      ['registered', { size: Infinity, positional: false, registered: true }, false],
      ['chunk', { size: Infinity, positional: false, chunk: 256 * 1024 }, false],
    ] as const) {
      const dest = join(dir, `trace-${name}`);
      await using to = await fs.open(dest, 'w');
      let copied = -1;
      const seen = await opcodesDuring(ring, async () => {
        copied = await fs.transfer(ring, { fd: from.fd }, { fd: to.fd }, options);
      });
      assert.equal(copied, data.length, name);
      assert.ok(nodeFs.readFileSync(dest).equals(data), name);
      const reads = seen.has(C.IORING_OP_READ) || seen.has(C.IORING_OP_READ_FIXED);
      const writes = seen.has(C.IORING_OP_WRITE) || seen.has(C.IORING_OP_WRITE_FIXED);
      assert.equal(reads, !inKernel, `${name}: READ`);
      assert.equal(writes, !inKernel, `${name}: WRITE`);
      if (inKernel) assert.ok(!seen.has(C.IORING_OP_STATX), `${name}: no STATX either`);
    }
  } finally {
    await ring.close();
  }
});

test('across filesystems (tmpfs to this one) copy_file_range refuses (EXDEV) and transfer() copies by READ/WRITE, the same bytes and offsets', async (t) => {
  const seen = await copyFromTmpfs(t, dir, (ring, from, to, size) => fs.transfer(ring, { fd: from }, { fd: to }, { size, positional: false }));
  if (seen) assert.ok(seen.has(C.IORING_OP_READ) && seen.has(C.IORING_OP_WRITE), 'the fallback read and wrote');
});

test('from a /proc file (a regular file of size 0 that copy_file_range does not copy) transfer() copies what a read returns', async () => {
  const ring = new Ring();
  try {
    const expected = nodeFs.readFileSync('/proc/self/mountinfo');
    const dest = join(dir, 'from-proc');
    await using from = await fs.open('/proc/self/mountinfo');
    await using to = await fs.open(dest, 'w');
    const copied = await fs.transfer(ring, { fd: from.fd }, { fd: to.fd }, { size: Infinity, positional: false });
    assert.ok(copied > 0);
    assert.equal(copied, nodeFs.statSync(dest).size);
    // The mounts of this process do not change while the test runs.
    assert.ok(nodeFs.readFileSync(dest).equals(expected));
  } finally {
    await ring.close();
  }
});

test('an abort in the middle of a file-to-file transfer() rejects with AbortError once nothing writes any more, the offset after what was written, no pool thread held', () =>
  abortMidCopy(dir, (ring, from, to, _size, signal) => fs.transfer(ring, { fd: from }, { fd: to }, { size: Infinity, positional: false, signal })));

// A copy at the destination's position, since its READ/WRITE copy then appends in order (at offsets, chains may
// append out of it). Before, the READ/WRITE copy started again from offset 0, and O_APPEND put the whole source
// after what was copied.
test('copy_file_range refusing the destination part-way (made O_APPEND: EBADF): the READ/WRITE copy goes on from there, nothing written twice', () =>
  appendMidCopy(dir, (ring, from, to) => fs.transfer(ring, { fd: from }, { fd: to }, { size: Infinity, positional: false })));
