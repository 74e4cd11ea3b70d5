// transfer() with `size: Infinity` (until a read returns 0) from a source read
// at offsets, with no stat first: several workers take chunks only below the
// size the source had at the start (the statx(2) that found it a regular file),
// and past it one worker at a time, so a file that grows during the copy leaves
// no hole in the output. Each test also checks that nothing is left in flight.
import { after } from 'node:test';
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import { until } from '../../test-support/net.js';
import { opcodesDuring } from '../../test-support/kernel.js';
import { IORING_OP_READ, IORING_OP_STATX } from '../../src/sys/constants.js';

const MiB = 1024 * 1024;
const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-to-end-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

/** Copies the file at `path` until its end into a new file; resolves with the bytes copied and what the output holds. */
async function copyToEnd(ring: Ring, path: string, name: string, registered = false): Promise<{ copied: number; output: Buffer }> {
  const dest = join(dir, name);
  await using from = await fs.open(path);
  await using to = await fs.open(dest, 'w');
  const copied = await fs.transfer(ring, { fd: from.fd }, { fd: to.fd }, { size: Infinity, positional: false, registered });
  assert.equal(ring.inFlight, 0);
  const output = nodeFs.readFileSync(dest);
  nodeFs.rmSync(dest);
  return { copied, output };
}

for (const [what, size] of [
  ['an empty file', 0],
  ['a file shorter than a chunk', 5000],
  ['a file of exactly one run (4 MiB)', 4 * MiB],
  ['a file ending one byte into a run', 8 * MiB + 1],
  ['a file of 19 MiB and a bit', 19 * MiB + 4321],
] as const) {
  for (const registered of [false, true]) {
    test(`transfer() until the end copies ${what} exactly${registered ? ' (registered buffers)' : ''}`, async () => {
      const ring = new Ring();
      const data = randomBytes(size);
      const path = join(dir, `src-${size}`);
      nodeFs.writeFileSync(path, data);
      const { copied, output } = await copyToEnd(ring, path, `out-${size}-${registered}`, registered);
      nodeFs.rmSync(path);
      assert.equal(copied, size);
      assert.ok(output.equals(data));
      await ring.close();
    });
  }
}

test('transfer() until the end of a file by READ/WRITE sends no STATX: the size comes from the statx before the copy', async () => {
  // A STATX op always goes to an io-wq worker: a thread woken per copy (docs/performance.md, "Session 20").
  const ring = new Ring();
  const data = randomBytes(9 * MiB + 17);
  const path = join(dir, 'no-statx');
  nodeFs.writeFileSync(path, data);
  let result!: { copied: number; output: Buffer };
  const opcodes = await opcodesDuring(ring, async () => {
    // To /dev/null (no copy_file_range), and to a file with registered buffers: both the READ/WRITE copy.
    await using from = await fs.open(path);
    await using devNull = await fs.open('/dev/null', 'w');
    assert.equal(await fs.transfer(ring, { fd: from.fd }, { fd: devNull.fd }, { size: Infinity, positional: false }), data.length);
    result = await copyToEnd(ring, path, 'no-statx-out', true);
  });
  nodeFs.rmSync(path);
  assert.ok(opcodes.has(IORING_OP_READ), 'the copy went through the ring');
  assert.ok(!opcodes.has(IORING_OP_STATX), 'no STATX');
  assert.equal(result.copied, data.length);
  assert.ok(result.output.equals(data));
  await ring.close();
});

test('transfer() until the end of a file that grows while it is copied: the output is a prefix of the file, with no hole', async () => {
  // Every MiB of the source has its own byte and none is zero, so a hole (zeros) or a chunk out of place shows.
  const path = join(dir, 'growing');
  nodeFs.writeFileSync(path, Buffer.alloc(3 * MiB + 100, 2));
  // Another process appends 1 MiB blocks, each filled with its own byte, 48 MiB in all.
  const writer = spawn(
    'sh',
    ['-c', 'i=0; while [ $i -lt 48 ]; do head -c 1048576 /dev/zero | tr "\\000" "\\$(printf %03o $((i % 250 + 3)))" >> "$0"; i=$((i+1)); done', path],
    {
      stdio: 'inherit',
    },
  );
  const exited = once(writer, 'exit');
  const ring = new Ring();
  try {
    for (let round = 0; round < 8; round++) {
      const { copied, output } = await copyToEnd(ring, path, `growing-out-${round}`);
      assert.equal(copied, output.length);
      const now = nodeFs.readFileSync(path);
      assert.ok(output.length <= now.length);
      // The file only grew at its end: what was copied must be what the file holds there.
      if (!output.equals(now.subarray(0, output.length))) {
        const at = output.findIndex((b, i) => b !== now[i]);
        assert.fail(`round ${round}: byte ${at} of ${output.length} is ${output[at]}, the file has ${now[at]}`);
      }
    }
  } finally {
    const [code] = await exited;
    assert.equal(code, 0);
    await ring.close();
  }
});

test('transfer() until the end from a directory rejects with EISDIR, with nothing left in flight', async () => {
  const ring = new Ring();
  const fd = nodeFs.openSync(dir, 'r');
  const out = nodeFs.openSync('/dev/null', 'w');
  try {
    await assert.rejects(
      fs.transfer(ring, { fd, context: { path: dir } }, { fd: out }, { size: Infinity, positional: false }),
      (error: NodeJS.ErrnoException) => {
        assert.equal(error.code, 'EISDIR');
        assert.equal(error.syscall, 'read');
        assert.equal(error.path, dir);
        return true;
      },
    );
    assert.equal(ring.inFlight, 0);
  } finally {
    nodeFs.closeSync(fd);
    nodeFs.closeSync(out);
    await ring.close();
  }
});

for (const sequentialSource of [true, false]) {
  test(`transfer() until the end from a pipe${sequentialSource ? ' (sequentialSource)' : ', not said to be one'} delivers every byte in order`, async () => {
    const ring = new Ring();
    const data = randomBytes(9 * MiB + 777);
    const path = join(dir, `pipe-src-${sequentialSource}`);
    nodeFs.writeFileSync(path, data);
    // `cat` writes the file into a FIFO we read from, 64 KiB at a time.
    const fifo = join(dir, `fifo-${sequentialSource}`);
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', 'exec cat "$0" > "$1"', path, fifo], { stdio: 'inherit' });
    const exited = once(writer, 'exit');
    const dest = join(dir, `pipe-out-${sequentialSource}`);
    const out = nodeFs.openSync(dest, 'w');
    // Opening a FIFO's read end waits for its writer (another process).
    const fd = nodeFs.openSync(fifo, 'r');
    try {
      const copied = await fs.transfer(ring, { fd }, { fd: out }, { size: Infinity, positional: false, sequentialSource });
      assert.equal(copied, data.length);
      assert.ok(nodeFs.readFileSync(dest).equals(data));
      assert.equal(ring.inFlight, 0);
    } finally {
      nodeFs.closeSync(fd);
      nodeFs.closeSync(out);
      await exited;
      await ring.close();
    }
  });
}

/** `data` written into a new FIFO by `cat` (another process, 64 KiB at a time); its read end, and the writer's exit. */
function catIntoFifo(data: Buffer, name: string): { fd: number; exited: Promise<unknown> } {
  const path = join(dir, `${name}-src`);
  nodeFs.writeFileSync(path, data);
  const fifo = join(dir, `${name}-fifo`);
  execFileSync('mkfifo', [fifo]);
  const writer = spawn('sh', ['-c', 'exec cat "$0" > "$1"', path, fifo], { stdio: 'inherit' });
  const exited = once(writer, 'exit');
  // Opening a FIFO's read end waits for its writer (another process).
  return { fd: nodeFs.openSync(fifo, 'r'), exited };
}

for (const positional of [true, false]) {
  test(`transfer() of a known size from a pipe not said to be sequential (positional: ${positional}) delivers every byte in order`, async () => {
    // Two workers read side by side from the pipe, each chunk's bytes taken in the order the kernel woke the
    // reads, and written at the chunk's offset: the output had every byte, in the wrong places.
    const ring = new Ring();
    const data = randomBytes(8 * MiB + 5);
    const source = catIntoFifo(data, `known-size-${positional}`);
    const dest = join(dir, `known-size-${positional}-out`);
    const out = nodeFs.openSync(dest, 'w');
    try {
      assert.equal(await fs.transfer(ring, { fd: source.fd }, { fd: out }, { size: data.length, positional }), data.length);
      assert.ok(nodeFs.readFileSync(dest).equals(data), "the output is the pipe's bytes, in order");
    } finally {
      nodeFs.closeSync(source.fd);
      nodeFs.closeSync(out);
      await source.exited;
      await ring.close();
    }
  });
}

for (const sequentialSource of [true, false]) {
  test(`transfer() from a pipe${sequentialSource ? ' (sequentialSource)' : ''} writes what came at once, and an abort loses none of it`, async () => {
    const ring = new Ring();
    const path = join(dir, `pausing-${sequentialSource}`);
    execFileSync('mkfifo', [path]);
    const reader = nodeFs.openSync(path, nodeFs.constants.O_RDONLY | nodeFs.constants.O_NONBLOCK);
    const writer = nodeFs.openSync(path, 'w');
    const dest = join(dir, `pausing-${sequentialSource}-out`);
    const out = nodeFs.openSync(dest, 'w');
    try {
      const controller = new AbortController();
      const copying = fs.transfer(ring, { fd: reader }, { fd: out }, { size: Infinity, positional: false, sequentialSource, signal: controller.signal });
      const settled = copying.then(
        () => 'resolved',
        (error: Error) => error.name,
      );
      // A writer that pauses with the pipe open (a terminal, a log tailed): what it wrote is read out of the pipe.
      const line = Buffer.from('the first line\n');
      nodeFs.writeSync(writer, line);
      await until(() => nodeFs.fstatSync(out).size > 0, 10_000, 'the line written out');
      controller.abort();
      assert.equal(await settled, 'AbortError');
      assert.ok(nodeFs.readFileSync(dest).equals(line), 'the bytes that left the pipe are in the output');
      assert.equal(ring.inFlight, 0);
    } finally {
      for (const fd of [reader, writer, out]) nodeFs.closeSync(fd);
      await ring.close();
    }
  });
}

test('spliceTransfer() from a pipe copies it as transfer() does (a SPLICE at an offset of a pipe failed with ESPIPE)', async () => {
  const ring = new Ring();
  const data = randomBytes(3 * MiB + 11);
  const source = catIntoFifo(data, 'splice-from-pipe');
  const dest = join(dir, 'splice-from-pipe-out');
  const out = nodeFs.openSync(dest, 'w');
  try {
    assert.equal(await fs.spliceTransfer(ring, { fd: source.fd }, { fd: out }, { size: Infinity, positional: false }), data.length);
    assert.ok(nodeFs.readFileSync(dest).equals(data), "the output is the pipe's bytes, in order");
    assert.equal(ring.inFlight, 0);
  } finally {
    nodeFs.closeSync(source.fd);
    nodeFs.closeSync(out);
    await source.exited;
    await ring.close();
  }
});
