// transfer() and spliceTransfer() from a pipe, aborted in the turn in which
// bytes came: the READ in the kernel takes them (it completes before the
// cancel reaches it, and its result is kept: op.ts), so they have left the
// pipe. The copy must write them to the destination before it rejects, or
// they are in neither place: the output plus what is left in the pipe must be
// every byte written to it.
import { after } from 'node:test';
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import { until } from '../../test-support/net.js';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-abort-taken-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

/** What is left in the fifo at `path`, read without waiting. */
function leftIn(path: string): Buffer {
  const fd = nodeFs.openSync(path, nodeFs.constants.O_RDONLY | nodeFs.constants.O_NONBLOCK);
  const chunks: Buffer[] = [];
  try {
    for (;;) {
      const buf = Buffer.alloc(64 * 1024);
      const n = nodeFs.readSync(fd, buf);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
  } finally {
    nodeFs.closeSync(fd);
  }
  return Buffer.concat(chunks);
}

for (const [name, copyFn] of [
  ['transfer', fs.transfer],
  ['spliceTransfer', fs.spliceTransfer],
] as const) {
  test(`${name}() from a pipe aborted as bytes come: the bytes its read took are in the output, none lost`, async () => {
    const ring = new Ring();
    const path = join(dir, `fifo-${name}`);
    execFileSync('mkfifo', [path]);
    // Read and write ends, blocking (O_RDWR opens a fifo without waiting for a writer).
    const reader = nodeFs.openSync(path, nodeFs.constants.O_RDWR);
    const writer = nodeFs.openSync(path, nodeFs.constants.O_WRONLY);
    const dest = join(dir, `out-${name}`);
    const out = nodeFs.openSync(dest, 'w');
    try {
      const controller = new AbortController();
      const copy = copyFn(ring, { fd: reader }, { fd: out }, { size: Infinity, positional: false, signal: controller.signal });
      const settled = copy.then(
        () => 'resolved',
        (error: Error) => error.name,
      );
      // The copy's READ waits in the kernel on the empty pipe.
      await until(() => ring.inFlight > 0, 10_000, 'the READ in flight');
      const data = Buffer.from('bytes written just before the abort\n');
      nodeFs.writeSync(writer, data);
      controller.abort();
      assert.equal(await settled, 'AbortError');
      assert.equal(ring.inFlight, 0);
      const output = nodeFs.readFileSync(dest);
      const left = leftIn(path);
      assert.deepEqual(
        Buffer.concat([output, left]).toString(),
        data.toString(),
        `output ${JSON.stringify(output.toString())}, left in the pipe ${JSON.stringify(left.toString())}`,
      );
    } finally {
      for (const fd of [reader, writer, out]) nodeFs.closeSync(fd);
      await ring.close();
    }
  });
}
