// File-to-file copies (transfer(), spliceTransfer()): each case's fresh files, and the copies copy_file_range
// cannot do all of (across filesystems, an abort in the middle, O_APPEND set on the destination while it still
// has calls to make). Shared by test/fs/transfer-copy-range and splice-copy-range, which differ only in the copy
// they run.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';

import { constants as C, Ring } from '../src/index.js';
import * as fs from '../src/fs/index.js';
import { native } from '../src/sys/native.js';
import { F_GETFL, F_SETFL, SEEK_CUR, SEEK_SET } from '../src/sys/constants.js';
import { SYS_fcntl, SYS_lseek } from '../src/sys/syscalls.js';
import { opcodesDuring } from './kernel.js';

const MiB = 1024 * 1024;

/** One copy of `size` bytes from `from` to the current position of `to`, as the test's API runs it. */
export type FileCopy = (ring: Ring, from: number, to: number, size: number, signal?: AbortSignal) => Promise<number>;

/** The fd's offset, which a copy at its position moves and a positional one leaves. */
export const offsetOf = (fd: number): number => native.syscall(SYS_lseek, fd, 0, SEEK_CUR);

/** One copy of a file into another, as the copy-range tests run it both ways. */
export interface CopyCase {
  name: string;
  /** Bytes in the source. */
  length: number;
  size: number;
  positional: boolean;
  /** What the destination holds before, and where its offset is then. */
  head: number;
  at: number;
}

/**
 * A case's two files, made afresh in `dir` and open: the source holds `data`, its offset at 7; the destination holds
 * `head` bytes of '.', its offset at `at`. Both close when it is disposed.
 */
export async function caseFiles(dir: string, tag: string, c: CopyCase, data: Buffer): Promise<{ from: number; to: number; dest: string } & AsyncDisposable> {
  const src = join(dir, `${tag}-src`);
  const dest = join(dir, `${tag}-dest`);
  nodeFs.writeFileSync(src, data);
  nodeFs.writeFileSync(dest, Buffer.alloc(c.head, 0x2e));
  const from = await fs.open(src);
  const to = await fs.open(dest, 'r+').catch(async (error: unknown) => {
    await from.close();
    throw error;
  });
  native.syscall(SYS_lseek, from.fd, 7, SEEK_SET);
  native.syscall(SYS_lseek, to.fd, c.at, SEEK_SET);
  return { from: from.fd, to: to.fd, dest, [Symbol.asyncDispose]: () => Promise.all([to.close(), from.close()]).then(() => undefined) };
}

/**
 * Copies a file on tmpfs to the position 5 of a file in `dir` (copy_file_range refuses: EXDEV) and checks the bytes
 * and both offsets; resolves with the opcodes the copy used, or null (the test skipped) where /dev/shm is not on
 * another filesystem.
 */
export async function copyFromTmpfs(t: TestContext, dir: string, copy: FileCopy): Promise<Set<number> | null> {
  const shm = '/dev/shm';
  if (!nodeFs.existsSync(shm) || nodeFs.statSync(shm).dev === nodeFs.statSync(dir).dev) {
    t.skip('no /dev/shm on another filesystem');
    return null;
  }
  const shmDir = nodeFs.mkdtempSync(join(shm, 'ringcore-copy-range-'));
  const ring = new Ring();
  try {
    const data = randomBytes(5 * MiB + 3);
    nodeFs.writeFileSync(join(shmDir, 'f'), data);
    const dest = join(dir, 'from-shm');
    nodeFs.writeFileSync(dest, 'head:');
    await using from = await fs.open(join(shmDir, 'f'));
    await using to = await fs.open(dest, 'r+');
    native.syscall(SYS_lseek, to.fd, 5, SEEK_SET);
    let copied = -1;
    const seen = await opcodesDuring(ring, async () => {
      copied = await copy(ring, from.fd, to.fd, Infinity);
    });
    assert.equal(copied, data.length);
    assert.ok(nodeFs.readFileSync(dest).equals(Buffer.concat([Buffer.from('head:'), data])));
    assert.equal(offsetOf(to.fd), 5 + data.length);
    assert.equal(offsetOf(from.fd), 0);
    assert.equal(ring.inFlight, 0);
    return seen;
  } finally {
    await ring.close();
    nodeFs.rmSync(shmDir, { recursive: true, force: true });
  }
}

/** Resolves true once `dest` has its first bytes, or false if `copying` settles before. */
async function firstBytes(dest: string, copying: Promise<unknown>): Promise<boolean> {
  let done = false;
  copying.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    if (nodeFs.statSync(dest).size > 0) return true;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return false;
}

/**
 * Aborts copies of 160 MiB once their destination has its first bytes: each rejects with AbortError once nothing
 * writes, the destination's offset is after what was written, and nothing is written later; a copy that won the race
 * is whole. Then every libuv pool thread is free: pool size + 1 node:fs/promises reads complete.
 */
export async function abortMidCopy(dir: string, copy: FileCopy): Promise<void> {
  const size = 160 * MiB;
  const src = join(dir, 'abort-src');
  nodeFs.writeFileSync(src, Buffer.alloc(size, 0x5a));
  const ring = new Ring();
  let aborted = 0;
  try {
    await using from = await fs.open(src);
    for (let attempt = 0; attempt < 6 && aborted < 2; attempt++) {
      const dest = join(dir, `abort-dest-${attempt}`);
      await using to = await fs.open(dest, 'w');
      const controller = new AbortController();
      const copying = copy(ring, from.fd, to.fd, size, controller.signal);
      if (await firstBytes(dest, copying)) controller.abort(new Error('enough'));
      let error: unknown = null;
      const copied = await copying.catch((e: unknown) => {
        error = e;
        return -1;
      });
      assert.equal(ring.inFlight, 0);
      const written = nodeFs.statSync(dest).size;
      if (error === null) {
        assert.equal(copied, size, 'a copy that resolved is whole');
        assert.equal(written, size);
      } else {
        aborted++;
        assert.equal((error as Error).name, 'AbortError');
        assert.equal((error as { code?: string }).code, 'ABORT_ERR');
        assert.ok(written < size, `stopped in the middle (${written} of ${size} bytes)`);
        assert.equal(offsetOf(to.fd), written, 'the offset is after what was written');
        await delay(50);
        assert.equal(nodeFs.statSync(dest).size, written, 'nothing written after the rejection');
      }
      nodeFs.rmSync(dest);
    }
    assert.ok(aborted > 0, 'an abort landed in the middle of a copy');
    const probe = join(dir, 'pool-probe');
    nodeFs.writeFileSync(probe, 'free');
    const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const reads = await Promise.all(Array.from({ length: threads + 1 }, () => nodeFs.promises.readFile(probe, 'utf8')));
    assert.deepEqual(
      reads,
      Array.from({ length: threads + 1 }, () => 'free'),
    );
  } finally {
    await ring.close();
    nodeFs.rmSync(src);
  }
}

/**
 * Copies 96 MiB (6 copy_file_range calls of 16 MiB) to the destination's position and sets O_APPEND on it once it
 * has its first bytes, so that the next call fails (EBADF): the READ/WRITE copy does the rest, from where
 * copy_file_range stopped, and the file is the source, nothing written twice.
 */
export async function appendMidCopy(dir: string, copy: FileCopy): Promise<void> {
  const size = 96 * MiB;
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) data.writeUInt32LE(i / 4, i);
  const src = join(dir, 'append-midway-src');
  nodeFs.writeFileSync(src, data);
  const ring = new Ring();
  let fellBack = 0;
  try {
    await using from = await fs.open(src);
    for (let attempt = 0; attempt < 6 && fellBack < 2; attempt++) {
      const dest = join(dir, `append-midway-${attempt}`);
      {
        await using to = await fs.open(dest, 'w');
        let appending = false;
        let copied = -1;
        const seen = await opcodesDuring(ring, async () => {
          const copying = copy(ring, from.fd, to.fd, size);
          if (await firstBytes(dest, copying)) {
            const flags = native.syscall(SYS_fcntl, to.fd, F_GETFL, 0);
            assert.equal(native.syscall(SYS_fcntl, to.fd, F_SETFL, flags | nodeFs.constants.O_APPEND), 0);
            appending = true;
          }
          copied = await copying;
        });
        const output = nodeFs.readFileSync(dest);
        assert.equal(output.length, size, `attempt ${attempt}: ${output.length} bytes in the file`);
        assert.ok(output.equals(data), 'the file is the source');
        assert.equal(copied, size);
        assert.equal(ring.inFlight, 0);
        // The flag came while copy_file_range had calls to make: the rest went by READ/WRITE.
        if (appending && seen.has(C.IORING_OP_WRITE)) fellBack++;
      }
      nodeFs.rmSync(dest);
    }
    assert.ok(fellBack > 0, 'O_APPEND was set in the middle of a copy, and READ/WRITE did the rest');
  } finally {
    await ring.close();
    nodeFs.rmSync(src);
  }
}
