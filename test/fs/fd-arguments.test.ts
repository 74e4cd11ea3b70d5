// An fd given as a number that is no fd (2 ** 32 + 1, -1, 1.5, NaN) must
// throw before any syscall or SQE: cast to a C int, or written into an SQE's
// 32-bit field, 2 ** 32 + 1 is fd 1 and 1.5 is fd 1, a valid fd and the
// wrong one. Checked at the public entry that takes an fd (the FileHandle
// constructor; transfer()'s are in transfer-args.test.ts) and at the native
// shim's own entry points, which the JavaScript reaches only with checked
// fds but which must not truncate either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import { native } from '../../src/sys/native.js';
import { SYS_pipe2, SYS_read, SYS_write } from '../../src/sys/syscalls.js';
import { O_CLOEXEC } from '../../src/sys/constants.js';
import { requireIoUring } from '../../test-support/backend.js';

const notFds: [unknown, string][] = [
  [2 ** 32 + 1, 'RangeError'],
  [-1, 'RangeError'],
  [1.5, 'RangeError'],
  [Number.NaN, 'RangeError'],
  [2 ** 31, 'RangeError'],
  [undefined, 'TypeError'],
  ['1', 'TypeError'],
];

test('new FileHandle() refuses a number that is no fd, as Node refuses it (ERR_OUT_OF_RANGE, ERR_INVALID_ARG_TYPE)', requireIoUring(), async () => {
  const ring = new Ring();
  try {
    for (const [fd, name] of notFds) {
      assert.throws(
        () => new fs.FileHandle(fd as number, ring),
        (error: Error & { code?: string }) => {
          assert.equal(error.name, name, String(fd));
          assert.equal(error.code, name === 'RangeError' ? 'ERR_OUT_OF_RANGE' : 'ERR_INVALID_ARG_TYPE', String(fd));
          assert.match(error.message, /"fd"/);
          return true;
        },
      );
      // Node's own answer to the same fd, for the same kind of error.
      assert.throws(() => nodeFs.fstatSync(fd as number), { name });
    }
  } finally {
    ring.close();
  }
});

test("the native shim's fd arguments are checked, not cast: 2 ** 32 + fd does not reach fd", () => {
  const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fd-args-'));
  const [r, w] = pipe();
  const file = nodeFs.openSync(join(dir, 'f'), 'w+');
  try {
    const flags = new Int32Array(1);
    const never = () => assert.fail('no callback for a call that threw');
    // 2 ** 32 + w, cast to a C int, is w: the pipe's write end, which must stay open.
    for (const [bad, name] of [[2 ** 32 + w, 'RangeError'], ...notFds] as [number, string][]) {
      assert.throws(() => native.close(bad), { name }, `close(${bad})`);
      assert.throws(() => native.copyFileRange(bad, file, 1, 0, flags, never, 0, 0, 0, -1), { name }, `copyFileRange(${bad}, file)`);
      assert.throws(() => native.copyFileRange(file, bad, 1, 0, flags, never, 0, 0, 0, -1), { name }, `copyFileRange(file, ${bad})`);
      assert.throws(() => native.spliceToPipe(file, bad, 0, 1, flags, never), { name }, `spliceToPipe(file, ${bad})`);
      assert.throws(() => native.watchThread(bad, never), { name }, `watchThread(${bad})`);
      assert.throws(() => native.own(bad), { name }, `own(${bad})`);
      assert.throws(() => native.mmap(bad, 0, 4096), { name }, `mmap(${bad})`);
    }
    // The pipe's write end is still open: close(2 ** 32 + w) did not close w. (Syscalls, not node:fs: Deno's takes only fds it opened.)
    const byte = Buffer.from('x');
    assert.equal(native.syscall(SYS_write, w, native.address(byte), 1), 1);
    assert.equal(native.syscall(SYS_read, r, native.address(byte), 1), 1);
  } finally {
    nodeFs.closeSync(file);
    for (const fd of [r, w]) native.close(fd);
    nodeFs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A pipe's read and write fds (pipe2 through the shim). */
function pipe(): [number, number] {
  const fds = new Int32Array(2);
  const status = native.syscall(SYS_pipe2, native.address(fds), O_CLOEXEC);
  assert.equal(status, 0);
  return [fds[0]!, fds[1]!];
}
