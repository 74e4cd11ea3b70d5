// A transfer() whose fd the caller closes while it copies, the number then
// taken by an unrelated open(): the copy is many requests (copy_file_range
// slices on a pool thread, READ/WRITE chains), each naming the fd by its
// number, so without fds of its own (held-ends.ts) its next request read
// from, or wrote into, that unrelated file. The copy must still land in its
// own destination, from its own source, and the other file stay untouched.
import { after } from 'node:test';
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import { runtime } from '../../src/sys/runtime.js';

const MiB = 1024 * 1024;
const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-closed-fd-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

/**
 * Holds every thread of libuv's pool in an open() of a FIFO with no writer, so that a job queued now runs only
 * after release(): what the JavaScript does in between happens before the job's first syscall. Node only (Bun's
 * and Deno's pools are their own); elsewhere the test still checks the outcome, without forcing the order.
 */
async function holdPool(): Promise<() => Promise<void>> {
  if (runtime !== 'node') return async () => {};
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  const fifos: string[] = [];
  const opened: Promise<number>[] = [];
  for (let i = 0; i < threads; i++) {
    const fifo = join(dir, `fifo-${i}-${process.hrtime.bigint()}`);
    const made = (await import('node:child_process')).spawnSync('mkfifo', [fifo]);
    assert.equal(made.status, 0, 'mkfifo');
    fifos.push(fifo);
    opened.push(new Promise((resolve, reject) => nodeFs.open(fifo, 'r', (error, fd) => (error ? reject(error) : resolve(fd)))));
  }
  return async () => {
    // O_RDWR never blocks, and is a writer: each open() held on a pool thread returns.
    const writers = fifos.map((fifo) => nodeFs.openSync(fifo, 'r+'));
    for (const fd of await Promise.all(opened)) nodeFs.closeSync(fd);
    for (const fd of writers) nodeFs.closeSync(fd);
  };
}

/** What `fd` names in this process, for a failure's message. */
function fdTarget(fd: number): string {
  try {
    return nodeFs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

/**
 * Starts `copy` from a 4 MiB file into a file opened by `openDest`, with the pool held so that its first syscall
 * comes later; closes the destination meanwhile, lets an unrelated open() take its fd number, and checks that the
 * bytes went to the destination and none to the unrelated file.
 */
async function destinationClosedMidCopy(
  name: string,
  openDest: (path: string) => Promise<{ fd: number; close(): Promise<void> | void }>,
  copy: (ring: Ring, srcFd: number, destFd: number) => Promise<number>,
): Promise<void> {
  const ring = new Ring();
  try {
    const data = randomBytes(4 * MiB);
    const [src, dest, other] = ['src', 'dest', 'other'].map((end) => join(dir, `${name}-${end}`)) as [string, string, string];
    nodeFs.writeFileSync(src, data);
    const srcFd = nodeFs.openSync(src, 'r');
    try {
      const to = await openDest(dest);
      const destFd = to.fd;
      let release: (() => Promise<void>) | null = await holdPool();
      try {
        const copying = copy(ring, srcFd, destFd);
        await to.close();
        const otherFd = nodeFs.openSync(other, 'w');
        try {
          // Who holds the number otherwise, should this ever fail: the test cannot force the order then.
          assert.equal(otherFd, destFd, `the unrelated file took the closed fd number (${destFd}: ${fdTarget(destFd)})`);
          await release();
          release = null;
          assert.equal(await copying, data.length);
          assert.equal(nodeFs.statSync(other).size, 0, 'nothing was written into the unrelated file');
          assert.ok(nodeFs.readFileSync(dest).equals(data), 'the destination has the whole source');
        } finally {
          nodeFs.closeSync(otherFd);
        }
      } finally {
        // A failed check must not leave the pool held: the process would never exit.
        await release?.();
      }
    } finally {
      nodeFs.closeSync(srcFd);
    }
  } finally {
    ring.close();
  }
}

test('a FileHandle closed while its copy_file_range transfer runs: the bytes go to its file, not to the file that took its fd number', () =>
  // The default method between two regular files: copy_file_range on a pool thread, queued now, run after release().
  destinationClosedMidCopy(
    'range',
    (path) => fs.open(path, 'w'),
    (ring, srcFd, destFd) => fs.transfer(ring, { fd: srcFd }, { fd: destFd }, { size: Infinity, positional: true }),
  ));

test('a raw source fd closed while its READ/WRITE transfer runs: the copy reads its own file, not the one that took the fd number', async () => {
  const ring = new Ring();
  try {
    // More than the first chains hold (2 workers x 4 MiB): the later ones are sent after the close.
    const data = randomBytes(32 * MiB);
    const src = join(dir, 'rw-src');
    const dest = join(dir, 'rw-dest');
    const other = join(dir, 'rw-other');
    nodeFs.writeFileSync(src, data);
    nodeFs.writeFileSync(other, Buffer.alloc(data.length, 0x55));
    const srcFd = nodeFs.openSync(src, 'r');
    const destFd = nodeFs.openSync(dest, 'w');
    try {
      const copying = fs.transfer(ring, { fd: srcFd }, { fd: destFd }, { size: data.length, positional: true, method: 'readwrite' });
      nodeFs.closeSync(srcFd);
      const otherFd = nodeFs.openSync(other, 'r');
      try {
        assert.equal(otherFd, srcFd, 'the unrelated file took the closed fd number');
        assert.equal(await copying, data.length);
      } finally {
        nodeFs.closeSync(otherFd);
      }
      const output = nodeFs.readFileSync(dest);
      assert.ok(output.equals(data), 'the destination is a copy of the source, none of the unrelated file');
    } finally {
      nodeFs.closeSync(destFd);
    }
  } finally {
    ring.close();
  }
});

test('a spliceTransfer() whose destination fd is closed mid-copy writes only to its own file', () =>
  destinationClosedMidCopy(
    'splice',
    async (path) => {
      const fd = nodeFs.openSync(path, 'w');
      return { fd, close: () => nodeFs.closeSync(fd) };
    },
    (ring, srcFd, destFd) => fs.spliceTransfer(ring, { fd: srcFd }, { fd: destFd }, { size: Infinity, positional: true }),
  ));
