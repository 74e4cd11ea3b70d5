// transfer() and spliceTransfer() copy on duplicates of their fds
// (src/fs/held-ends.ts): each must be closed however the copy ends, an abort
// in the middle of it (the destination full), an end that fails (EBADF, EPIPE), a signal aborted
// before it began; a process that copies often would otherwise run out of fds.
import { after } from 'node:test';
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import { leakedSince, openFds } from '../../test-support/fds.js';
import { until } from '../../test-support/net.js';

// The copy code is loaded by the first copy (src/fs/lazy-copy.ts): loaded here, before any fd is counted, since Bun
// holds the module's file open while it reads it (a third fd the first count took for the copy's, 1 run in 4).
await import('../../src/fs/copying.js');

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-held-ends-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

type Copy = typeof fs.transfer;

/** Bytes read from a non-blocking fd, 0 when none are there. */
function readSome(fd: number): number {
  try {
    return nodeFs.readSync(fd, Buffer.alloc(65536));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return 0;
    throw error;
  }
}

/** A FIFO with its read end (non-blocking) and its write end, both open. */
function fifo(name: string): { path: string; reader: number; writer: number } {
  const path = join(dir, name);
  assert.equal(spawnSync('mkfifo', [path]).status, 0, 'mkfifo');
  const reader = nodeFs.openSync(path, nodeFs.constants.O_RDONLY | nodeFs.constants.O_NONBLOCK);
  return { path, reader, writer: nodeFs.openSync(path, 'w') };
}

for (const [name, copy] of [
  ['transfer', fs.transfer],
  ['spliceTransfer', fs.spliceTransfer],
] as [string, Copy][]) {
  test(`${name}() aborted mid-copy: its two fd copies are open while it copies and closed once it rejects`, async () => {
    const ring = new Ring();
    const src = join(dir, `${name}-mid-src`);
    nodeFs.writeFileSync(src, Buffer.alloc(8 * 1024 * 1024, 1));
    const from = nodeFs.openSync(src, 'r');
    // Into a FIFO read once, then no more: the copy fills it and waits for room, for ever.
    const pipe = fifo(`${name}-mid-dest`);
    try {
      const before = openFds();
      const controller = new AbortController();
      const copying = copy(ring, { fd: from }, { fd: pipe.writer }, { size: Infinity, positional: false, signal: controller.signal });
      const settled = copying.then(
        () => 'resolved',
        (error: Error) => error.name,
      );
      const held = leakedSince(before);
      assert.equal(held.length, 2, `the copy holds a copy of each fd: ${held.join(', ')}`);
      await until(() => readSome(pipe.reader) > 0, 10_000, 'the first bytes copied');
      controller.abort();
      assert.equal(await settled, 'AbortError');
      assert.deepEqual(leakedSince(before), [], 'the fd copies are closed');
    } finally {
      for (const fd of [from, pipe.reader, pipe.writer]) nodeFs.closeSync(fd);
      ring.close();
    }
  });

  test(`${name}() that fails (EBADF, EPIPE) or whose signal aborted before it began leaves no fd open`, async () => {
    const ring = new Ring();
    const src = join(dir, `${name}-src`);
    nodeFs.writeFileSync(src, Buffer.alloc(256 * 1024, 2));
    const from = nodeFs.openSync(src, 'r');
    const readOnly = nodeFs.openSync(src, 'r');
    const pipe = fifo(`${name}-closed-reader`);
    nodeFs.closeSync(pipe.reader);
    try {
      const before = openFds();
      const codes: string[] = [];
      const run = async (to: number, options: { size: number; positional: boolean; signal?: AbortSignal }): Promise<void> => {
        await copy(ring, { fd: from }, { fd: to }, options).then(
          () => codes.push('resolved'),
          (error: NodeJS.ErrnoException) => codes.push(error.code ?? error.name),
        );
        assert.deepEqual(leakedSince(before), [], `no fd left open after ${codes.at(-1)}`);
      };
      await run(readOnly, { size: Infinity, positional: true }); // a destination opened read-only
      await run(pipe.writer, { size: Infinity, positional: false }); // a pipe whose reader is gone
      await run(readOnly, { size: Infinity, positional: true, signal: AbortSignal.abort() });
      assert.deepEqual(codes, ['EBADF', 'EPIPE', 'ABORT_ERR']);
    } finally {
      for (const fd of [from, readOnly, pipe.writer]) nodeFs.closeSync(fd);
      ring.close();
    }
  });
}
