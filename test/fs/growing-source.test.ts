// transfer() of a source that a writer appends to while it is copied. Two
// workers copy ranges of the source side by side; one finds the end of the
// file and the other, a moment later, reads past it what the writer appended
// meanwhile. Writing that out left a hole of zeros (or, into a pipe, bytes
// missing) between the end the first found and the range of the second. What
// a careful user expects, as of Node's copyFile or a pipeline: every byte
// there at the start, in order, and of what was appended, a prefix or
// nothing, never a gap.
//
// The writer is made to append at the worst moment, deterministically: right
// after a READ came back with 0 (the copy reached the end), which a trace
// listener sees as its CQE is reaped, before any JavaScript of the copy runs.
import { after } from 'node:test';
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import { addTraceListener } from '../../src/trace/index.js';
import { IORING_OP_READ } from '../../src/sys/constants.js';
import { makePipe } from '../../src/fs/splice-spec.js';
import { native } from '../../src/sys/native.js';
import { addressOf } from '../../src/sys/memory.js';
import { SYS_close, SYS_read } from '../../src/sys/syscalls.js';

const KiB = 1024;
const CHUNK = 64 * KiB;
const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-growing-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

/** Bytes that tell their offset (no run of zeros): a hole or a shift shows. */
function pattern(length: number, seed: number): Buffer {
  const buf = Buffer.alloc(length);
  for (let i = 0; i < length; i++) buf[i] = ((i * 7 + seed) % 251) + 1;
  return buf;
}

/** Where a test's copy goes: `done()` ends it and returns the copied bytes. */
type Output = { fd: number; positional: boolean; done: () => Promise<Buffer> };

/** transfer() of `size` bytes of `src` into `output`; resolves with the bytes it holds and those transfer() reported. */
async function copyInto(ring: Ring, src: string, output: () => Promise<Output>, size: number): Promise<{ written: Buffer; copied: number }> {
  const from = await fs.open(src);
  const to = await output();
  let copied: number;
  try {
    copied = await fs.transfer(ring, { fd: from.fd }, { fd: to.fd }, { size, positional: to.positional, chunk: CHUNK });
  } finally {
    await from.close();
  }
  return { written: await to.done(), copied };
}

/** A new file written at the source's offsets. */
function fileAtOffsets(name: string): () => Promise<Output> {
  const dest = join(dir, `${name}.dest`);
  return async () => {
    const to = await fs.open(dest, 'w');
    return {
      fd: to.fd,
      positional: true,
      done: async () => {
        await to.close();
        return nodeFs.readFileSync(dest);
      },
    };
  };
}

/** A file written at its current position, after a head; `done()` checks the head and that the fd's offset is just past the copy. */
function fileAtPosition(name: string): () => Promise<Output> {
  const dest = join(dir, `${name}.dest`);
  const head = Buffer.from('head\n');
  return async () => {
    const fd = nodeFs.openSync(dest, 'w');
    nodeFs.writeSync(fd, head);
    return {
      fd,
      positional: false,
      done: async () => {
        nodeFs.writeSync(fd, 'tail\n');
        nodeFs.closeSync(fd);
        const all = nodeFs.readFileSync(dest);
        assert.ok(all.subarray(0, head.length).equals(head));
        assert.equal(all.subarray(all.length - 5).toString(), 'tail\n', 'the offset is just past the copy');
        return all.subarray(head.length, all.length - 5);
      },
    };
  };
}

/**
 * Copies a 300 KiB source with transfer() (size: Infinity, 64 KiB chunks, two
 * workers) into what `open` gives, appending 300 KiB to the source the first
 * time a READ of the copy returns 0; resolves with the source as it ends and
 * the bytes transfer() reported.
 */
async function copyGrowing(name: string, output: () => Promise<Output>) {
  const src = join(dir, `${name}.src`);
  nodeFs.writeFileSync(src, pattern(300 * KiB, 1));
  const ring = new Ring();
  const reads = new Set<number>();
  let appended = false;
  const stop = addTraceListener((event) => {
    if (event.ring !== ring.uring.id) return;
    if (event.type === 'sqe' && event.opcode === IORING_OP_READ) reads.add(event.userData);
    if (event.type === 'cqe' && reads.delete(event.userData) && event.res === 0 && !appended) {
      appended = true;
      nodeFs.appendFileSync(src, pattern(300 * KiB, 2));
    }
  });
  try {
    const { written, copied } = await copyInto(ring, src, output, Infinity);
    assert.ok(appended, 'the source grew while it was copied');
    assert.equal(ring.inFlight, 0);
    return { source: nodeFs.readFileSync(src), written, copied };
  } finally {
    stop();
    await ring.close();
  }
}

/** What is left in a pipe whose write end is closed. */
function readToEnd(fd: number): Buffer {
  const chunks: Buffer[] = [];
  for (;;) {
    const buf = Buffer.alloc(64 * KiB);
    const n = native.syscall(SYS_read, fd, addressOf(buf), buf.length);
    assert.ok(n >= 0, `read: ${n}`);
    if (n === 0) return Buffer.concat(chunks);
    chunks.push(buf.subarray(0, n));
  }
}

/** The copy is the source's first bytes, all that it had at the start at least, and transfer() says how many. */
function assertPrefixCopy(result: { source: Buffer; written: Buffer; copied: number }): void {
  const { source, written, copied } = result;
  assert.equal(copied, written.length);
  assert.ok(written.length >= 300 * KiB, `${written.length} bytes: less than the source had at the start`);
  assert.ok(written.length <= source.length);
  let same = 0;
  while (same < written.length && written[same] === source[same]) same++;
  assert.equal(same, written.length, `the copy differs from the source at byte ${same} of ${written.length}`);
}

test('transfer() to a file at the source offsets: what the source grew by leaves no hole', async () => {
  const result = await copyGrowing('positional', fileAtOffsets('positional'));
  assertPrefixCopy(result);
});

test('transfer() to a file at its current position: the copy lands whole after what was there', async () => {
  const result = await copyGrowing('stream', fileAtPosition('stream'));
  assertPrefixCopy(result);
});

// Chunks through JavaScript, written in order (the output cannot seek).
test('transfer() into a pipe: no bytes go missing between two chunks', async () => {
  const result = await copyGrowing('pipe', async () => {
    // The pipe holds 1 MiB where allowed: the whole copy fits without a reader.
    const [readEnd, writeEnd, size] = makePipe();
    assert.ok(size >= 1024 * KiB, `a pipe of ${size} bytes`);
    return {
      fd: writeEnd,
      positional: false,
      done: async () => {
        // Closed and read with system calls: Deno's node:fs refuses fds it did not open.
        native.syscall(SYS_close, writeEnd);
        const all = readToEnd(readEnd);
        native.syscall(SYS_close, readEnd);
        return all;
      },
    };
  });
  assertPrefixCopy(result);
});

/**
 * A source cut, regrown and cut again while it is copied, each at a set
 * moment (a ring of 2 entries runs one READ/WRITE pair at a time, so the
 * order is always the same): the second chunk's READ finds the source cut
 * inside it, its next READ returns 0 (the end: 74 KiB), the source regrows,
 * and the third chunk's READ, taken before that end was known, reads 64 KiB
 * and writes them at 128 KiB. Filling the gap from 74 KiB, the source is cut
 * again, to 79 KiB. The output must be those 79 KiB and nothing more: before,
 * it kept the third chunk past a gap of zeros (192 KiB) and said 79 KiB.
 * Where the third chunk's READ was taken again before the source regrew (on
 * Linux 6.1 under qemu it went in one submit with the gap's READ in 3 of 6, on 5.10 in 1 of 2;
 * on 6.18 after the gap's READ came back), both find the end at 74 KiB and
 * the moments cannot be set: the copy must still be a prefix of the source,
 * and the test is skipped with the reason (`staged: false`).
 */
const UNSTAGED =
  'the third chunk was read again with the gap, before the source regrew (seen on Linux 6.1 and 5.10): the copy is a prefix; the moments could not be set';

async function copyShrinking(name: string, output: () => Promise<Output>): Promise<{ source: Buffer; written: Buffer; copied: number; staged: boolean }> {
  const src = join(dir, `${name}.src`);
  const whole = pattern(256 * KiB, 3);
  nodeFs.writeFileSync(src, whole);
  const ring = new Ring({ entries: 2 });
  const reads = new Map<number, number>();
  const cut = 74 * KiB;
  let stage = 0;
  // Whether another READ was in flight when the gap's READ found the end (see above).
  let raced = false;
  const stop = addTraceListener((event) => {
    if (event.ring !== ring.uring.id) return;
    if (event.type === 'sqe' && event.opcode === IORING_OP_READ) {
      reads.set(event.userData, event.off);
      if (stage === 0 && event.off === CHUNK) {
        stage = 1;
        nodeFs.truncateSync(src, cut);
      } else if (stage === 2 && event.off === cut) {
        stage = 3;
        nodeFs.truncateSync(src, cut + 5 * KiB);
      }
    }
    if (event.type === 'cqe' && reads.has(event.userData)) {
      const off = reads.get(event.userData);
      reads.delete(event.userData);
      if (stage === 1 && event.res === 0 && off === cut) {
        stage = 2;
        raced = reads.size > 0;
        nodeFs.writeFileSync(src, whole);
      }
    }
  });
  try {
    const { written, copied } = await copyInto(ring, src, output, whole.length);
    assert.equal(ring.inFlight, 0);
    const source = nodeFs.readFileSync(src);
    if (stage === 2 && raced) {
      assert.equal(written.length, copied, 'the file holds what transfer() says it copied, no more');
      assert.ok(written.equals(source.subarray(0, copied)), 'the file is a prefix of the source');
      return { source, written, copied, staged: false };
    }
    assert.equal(stage, 3, 'the source was cut, regrown and cut again at the moments set');
    return { source, written, copied, staged: true };
  } finally {
    stop();
    await ring.close();
  }
}

test('transfer() to a file at the source offsets, the source cut again while the gap is filled: cut back to what was filled', async (t) => {
  const result = await copyShrinking('shrinking-positional', fileAtOffsets('shrinking-positional'));
  if (!result.staged) return void t.skip(UNSTAGED);
  assert.equal(result.copied, 79 * KiB);
  assert.equal(result.written.length, result.copied, 'the file holds what transfer() says it copied, no more');
  assert.ok(result.written.equals(result.source), 'the file is the source as it ends');
});

test('transfer() to a file at its position, the source cut again while the gap is filled: cut back, the offset after the copy', async (t) => {
  const result = await copyShrinking('shrinking-stream', fileAtPosition('shrinking-stream'));
  if (!result.staged) return void t.skip(UNSTAGED);
  assert.equal(result.copied, 79 * KiB);
  assert.equal(result.written.length, result.copied);
  assert.ok(result.written.equals(result.source));
});
