// transfer() and spliceTransfer() given fds and sizes no copy takes: they
// reject with Node's TypeError/RangeError before asking the kernel anything.
// An fd that is not a number went to the kernel as 0, so `{ fd: undefined }`
// (a FileHandle's field misspelt, an object passed as the fd) copied stdin
// into the destination; a negative size failed with EINVAL from a READ.
import { after } from 'node:test';
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-transfer-args-'));
const ring = new Ring();
after(() => {
  ring.close();
  nodeFs.rmSync(dir, { recursive: true, force: true });
});

const copies = {
  'transfer()': fs.transfer,
  'spliceTransfer()': fs.spliceTransfer,
} as const;

for (const [name, copy] of Object.entries(copies)) {
  test(`${name} rejects fds and sizes no copy takes, and writes nothing`, async () => {
    const src = join(dir, `${name}-src`);
    const dest = join(dir, `${name}-dest`);
    nodeFs.writeFileSync(src, 'hello world');
    const from = nodeFs.openSync(src, 'r');
    const to = nodeFs.openSync(dest, 'w');
    try {
      const run = (fromFd: unknown, toFd: unknown, size: number) => copy(ring, { fd: fromFd as number }, { fd: toFd as number }, { size, positional: true });
      for (const bad of [undefined, null, '3', {}]) {
        await assert.rejects(run(bad, to, 5), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }, `from.fd ${String(bad)}`);
        await assert.rejects(run(from, bad, 5), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }, `to.fd ${String(bad)}`);
      }
      for (const bad of [-1, 1.5, NaN, 2 ** 32 + to]) {
        await assert.rejects(run(bad, to, 5), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }, `from.fd ${bad}`);
        await assert.rejects(run(from, bad, 5), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }, `to.fd ${bad}`);
      }
      for (const bad of [-5, 2.5, NaN, -Infinity, 2 ** 53]) {
        await assert.rejects(run(from, to, bad), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }, `size ${bad}`);
      }
      assert.equal(nodeFs.readFileSync(dest, 'latin1'), '');
      // What they take still copies.
      assert.equal(await run(from, to, 5), 5);
      assert.equal(await run(from, to, Infinity), 11);
      assert.equal(nodeFs.readFileSync(dest, 'latin1'), 'hello world');
    } finally {
      nodeFs.closeSync(from);
      nodeFs.closeSync(to);
    }
  });
}
