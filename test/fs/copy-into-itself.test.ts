// A copy "until the source ends" into the source's own file, at its end (what
// `cat f >> f` asks for): each byte written grew the source by as much, so
// transfer() and spliceTransfer() copied until the disk was full (EFBIG or
// ENOSPC), by copy_file_range and by READ/WRITE alike. Now they copy what the
// file held when the copy started, as for any source that grows meanwhile
// (test/fs/growing-source.test.ts: a prefix of what was appended, or none).
import { after } from 'node:test';
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-into-itself-'));
const ring = new Ring();
after(() => {
  ring.close();
  nodeFs.rmSync(dir, { recursive: true, force: true });
});

const SIZE = 2 * 1024 * 1024 + 3;
const data = Buffer.alloc(SIZE);
for (let i = 0; i < SIZE; i++) data[i] = (i * 7 + (i >> 9)) & 0xff;

type Copy = (fromFd: number, toFd: number, signal: AbortSignal) => Promise<number>;
const copies: Record<string, Copy> = {
  'transfer()': (from, to, signal) => fs.transfer(ring, { fd: from }, { fd: to }, { size: Infinity, positional: false, signal }),
  "transfer() with method 'readwrite'": (from, to, signal) =>
    fs.transfer(ring, { fd: from }, { fd: to }, { size: Infinity, positional: false, method: 'readwrite', signal }),
  'spliceTransfer()': (from, to, signal) => fs.spliceTransfer(ring, { fd: from }, { fd: to }, { size: Infinity, positional: false, signal }),
};

for (const [name, copy] of Object.entries(copies)) {
  for (const fds of ['one fd', 'two fds'] as const) {
    test(`${name} of a file onto its own end (${fds}) copies what it held, once, and ends`, async () => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}-${fds.replace(' ', '-')}`);
      nodeFs.writeFileSync(file, data);
      const from = nodeFs.openSync(file, 'r+');
      const to = fds === 'one fd' ? from : nodeFs.openSync(file, 'r+');
      nodeFs.readSync(to, Buffer.alloc(SIZE), 0, SIZE, null); // at its end
      // Without the bound it never ended: stopped once the file is past what a right copy writes, so that the test
      // fails (an AbortError) rather than filling the disk.
      const runaway = new AbortController();
      const watch = setInterval(() => {
        if (nodeFs.fstatSync(from).size > 2 * SIZE) runaway.abort();
      }, 1);
      try {
        assert.equal(await copy(from, to, runaway.signal), SIZE);
        assert.deepEqual(nodeFs.readFileSync(file), Buffer.concat([data, data]));
        // The destination's offset is past what was copied: a write goes on from there.
        nodeFs.writeSync(to, 'Z');
        assert.equal(nodeFs.readFileSync(file).length, 2 * SIZE + 1);
      } finally {
        clearInterval(watch);
        nodeFs.closeSync(from);
        if (to !== from) nodeFs.closeSync(to);
      }
    });
  }
}
