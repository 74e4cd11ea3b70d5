// Every ringcore/fs call takes { signal }: with one already aborted, each
// rejects with Node's AbortError and writes no SQE. (Aborts in the middle of
// a call are in abort.test.ts.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import { requireIoUring } from '../../test-support/backend.js';

/** The tests that look at SQEs, CQEs and the ring skip on the node backend (docs/fallback.md). */
const ioUring = requireIoUring();

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-signal-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

test('an already-aborted signal: every module function and FileHandle method rejects with AbortError, no SQE', { skip: ioUring.skip }, async () => {
  const ring = new Ring({ entries: 8 });
  try {
    const path = join(dir, 'file');
    nodeFs.writeFileSync(path, 'data');
    const handle = await fs.open(path, 'r+', 0o666, { ring });
    const reason = new Error('the reason');
    const signal = AbortSignal.abort(reason);
    const o = { ring, signal };
    const p = (name: string) => join(dir, name);
    const before = ring.stats.submitted;
    const calls: [string, () => Promise<unknown>][] = [
      ['open', () => fs.open(path, 'r', 0o666, o)],
      ['open fixed', () => fs.open(path, 'r', 0o666, { ...o, fixed: true })],
      ['readFile', () => fs.readFile(path, o)],
      ['writeFile', () => fs.writeFile(p('w'), 'x', o)],
      ['appendFile', () => fs.appendFile(p('a'), 'x', o)],
      ['copyFile', () => fs.copyFile(path, p('c'), 0, o)],
      ['stat', () => fs.stat(path, o)],
      ['stat bigint', () => fs.stat(path, { ...o, bigint: true })],
      ['lstat', () => fs.lstat(path, o)],
      ['rename', () => fs.rename(path, p('r'), o)],
      ['unlink', () => fs.unlink(path, o)],
      ['mkdir', () => fs.mkdir(p('d'), o)],
      ['mkdir recursive', () => fs.mkdir(p('d/e'), { ...o, recursive: true })],
      ['rmdir', () => fs.rmdir(dir, o)],
      ['rm', () => fs.rm(path, o)],
      ['symlink', () => fs.symlink(path, p('s'), null, o)],
      ['link', () => fs.link(path, p('l'), o)],
      ['readdir', () => fs.readdir(dir, o)],
      ['truncate', () => fs.truncate(path, 0, o)],
      ['handle.read', () => handle.read(Buffer.alloc(4), 0, 4, 0, { signal })],
      ['handle.read(options)', () => handle.read({ buffer: Buffer.alloc(4), signal })],
      ['handle.write', () => handle.write(Buffer.from('x'), 0, 1, 0, { signal })],
      ['handle.write(string)', () => handle.write('x', 0, 'utf8', { signal })],
      ['handle.readv', () => handle.readv([Buffer.alloc(2)], 0, { signal })],
      ['handle.writev', () => handle.writev([Buffer.from('x')], 0, { signal })],
      ['handle.stat', () => handle.stat({ signal })],
      ['handle.sync', () => handle.sync({ signal })],
      ['handle.datasync', () => handle.datasync({ signal })],
      ['handle.truncate', () => handle.truncate(0, { signal })],
      ['handle.allocate', () => handle.allocate(0, 10, 0, { signal })],
      ['handle.readFile', () => handle.readFile({ signal })],
      ['handle.writeFile', () => handle.writeFile('x', { signal })],
      ['handle.appendFile', () => handle.appendFile('x', { signal })],
    ];
    for (const [name, call] of calls) {
      await assert.rejects(
        call(),
        (error: Error & { code?: string; cause?: unknown }) => {
          assert.equal(error.name, 'AbortError', name);
          assert.equal(error.code, 'ABORT_ERR', name);
          return true;
        },
        name,
      );
    }
    assert.equal(ring.stats.submitted + ring.uring.sqPending() - before, 0, 'no SQE was written');
    assert.equal(nodeFs.readFileSync(path, 'utf8'), 'data', 'the file is untouched');
    await handle.close();
  } finally {
    await ring.close();
  }
});
