// Errors look like Node's: a failed op rejects with errno (negative), code,
// syscall, and path/dest/address/port where known, and the same message Node
// gives for the same failure.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, readSync, renameSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type AddressInfo } from 'node:net';

import { Ring, RingcoreError, errnoException } from '../../src/index.js';
import { AbortError, errnoName, linkBrokenException, timedOutException } from '../../src/sys/errors.js';
import { AT_FDCWD } from '../../src/sys/constants.js';
import { addressOf } from '../../src/sys/memory.js';
import { requireIoUring } from '../../test-support/backend.js';

/** The tests that look at SQEs, CQEs and the ring skip on the node backend (docs/fallback.md). */
const ioUring = requireIoUring();

/** What Node's own synchronous call throws. */
function nodeError(fn: () => unknown): NodeJS.ErrnoException {
  try {
    fn();
  } catch (error) {
    return error as NodeJS.ErrnoException;
  }
  assert.fail('expected Node to throw');
}

/** An fd number no test has open. */
const BAD_FD = 987_654;

test('a failed read rejects with a Node-style EBADF error, message and all', { skip: ioUring.skip }, async () => {
  const ring = new Ring({ entries: 4 });
  try {
    const buffer = Buffer.alloc(4);
    const error = await ring.submit({ syscall: 'read', prep: (u, sqe) => u.prepRead(sqe, BAD_FD, addressOf(buffer), 4, -1), pin: buffer }).then(
      () => assert.fail('resolved'),
      (e: NodeJS.ErrnoException) => e,
    );
    assert.ok(error instanceof Error);
    assert.equal(error.errno, -constants.errno.EBADF);
    assert.equal(error.code, 'EBADF');
    assert.equal(error.syscall, 'read');
    assert.equal(error.message, 'EBADF: bad file descriptor, read');
    assert.equal(error.path, undefined);
    const node = nodeError(() => readSync(BAD_FD, buffer));
    assert.equal(error.message, node.message);
    assert.equal(error.code, node.code);
    assert.equal(error.errno, node.errno);
    assert.equal(error.syscall, node.syscall);
    assert.match(error.stack ?? '', /EBADF/);
  } finally {
    await ring.close();
  }
});

test('with a path context, the message ends with the quoted path and error.path is set', { skip: ioUring.skip }, async () => {
  const ring = new Ring({ entries: 4 });
  try {
    const buffer = Buffer.alloc(4);
    await assert.rejects(
      ring.submit({
        syscall: 'read',
        prep: (u, sqe) => u.prepRead(sqe, BAD_FD, addressOf(buffer), 4, -1),
        pin: buffer,
        context: { path: '/x' },
      }),
      { code: 'EBADF', path: '/x', message: "EBADF: bad file descriptor, read '/x'" },
    );

    // An open of a missing file reads exactly as Node's.
    const missing = '/nonexistent-dir/ringcore-errors-test';
    const path = Buffer.from(`${missing}\0`);
    const error = await ring
      .submit({ syscall: 'open', prep: (u, sqe) => u.prepOpenat(sqe, AT_FDCWD, addressOf(path), 0, 0), pin: path, context: { path: missing } })
      .then(
        () => assert.fail('resolved'),
        (e: NodeJS.ErrnoException) => e,
      );
    const node = nodeError(() => openSync(missing, 'r'));
    assert.equal(error.message, node.message);
    assert.equal(error.message, `ENOENT: no such file or directory, open '${missing}'`);
    assert.equal(error.errno, node.errno);
    assert.equal(error.code, node.code);
    assert.equal(error.syscall, node.syscall);
    assert.equal(error.path, node.path);
  } finally {
    await ring.close();
  }
});

test('errnoException() formats paths, dests, addresses and ports as Node does', async () => {
  const connectError = errnoException(-constants.errno.ECONNREFUSED, 'connect', { address: '127.0.0.1', port: 80 });
  assert.equal(connectError.message, 'connect ECONNREFUSED 127.0.0.1:80');
  assert.equal(connectError.code, 'ECONNREFUSED');
  assert.equal(connectError.errno, -constants.errno.ECONNREFUSED);
  assert.equal(connectError.syscall, 'connect');
  assert.equal(connectError.address, '127.0.0.1');
  assert.equal(connectError.port, 80);

  // Node's own, from a refused connection to a port nobody listens on.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const refused = await new Promise<NodeJS.ErrnoException>((resolve) => connect(port, '127.0.0.1').on('error', resolve));
  const ours = errnoException(-constants.errno.ECONNREFUSED, 'connect', { address: '127.0.0.1', port });
  assert.equal(ours.message, refused.message);

  // Under a writable directory: in a read-only / (test/kernels/run.sh's guest) rename fails with EROFS.
  const [from, to] = [join(tmpdir(), `nonexistent-a-${process.pid}`), join(tmpdir(), `nonexistent-b-${process.pid}`)];
  const renamed = nodeError(() => renameSync(from, to));
  const ourRename = errnoException(-constants.errno.ENOENT, 'rename', { path: from, dest: to });
  assert.equal(ourRename.message, renamed.message);
  assert.equal(ourRename.dest, to);

  // Either sign is accepted; errno is always negative.
  assert.equal(errnoException(constants.errno.EPERM, 'open').errno, -constants.errno.EPERM);
  assert.equal(errnoException(-constants.errno.EADDRINUSE, 'bind', { address: '::1' }).message, 'bind EADDRINUSE ::1');
});

test('the kernel-internal restart codes a CQE can carry (a cancelled SPLICE: -512) become EINTR', () => {
  for (const res of [-512, -513, -514, -516]) {
    const error = errnoException(res, 'splice', { path: '/a', dest: '/b' });
    assert.equal(error.code, 'EINTR');
    assert.equal(error.errno, -constants.errno.EINTR);
  }
  assert.equal(errnoException(-511, 'splice').code, 'E511', 'only the restart codes are mapped');
});

test("errno names and descriptions, libuv's and the ones it lacks", () => {
  assert.equal(errnoName(-constants.errno.ENOENT), 'ENOENT');
  assert.equal(errnoName(constants.errno.ENOENT), 'ENOENT');
  assert.equal(errnoName(-constants.errno.ECANCELED), 'ECANCELED');
  assert.equal(errnoName(-4095), 'E4095');
  assert.equal(errnoException(-constants.errno.ETIME, 'timeout').message, 'ETIME: timer expired, timeout');
  assert.equal(errnoException(-4095, 'nop').message, 'E4095: unknown error, nop');
});

test("the library's own errors: link broken, deadline, abort, ERR_RINGCORE_*", () => {
  const broken = linkBrokenException('write', { path: '/f' });
  assert.equal(broken.code, 'ECANCELED');
  assert.equal(broken.message, "ECANCELED: operation canceled, write '/f' (not run: an earlier operation in its linked chain failed)");
  const late = timedOutException('read', 25);
  assert.equal(late.code, 'ETIMEDOUT');
  assert.equal(late.errno, -constants.errno.ETIMEDOUT);
  assert.equal(late.message, 'ETIMEDOUT: connection timed out, read (deadline of 25 ms passed)');
  const reason = new Error('why');
  const aborted = new AbortError(undefined, { cause: reason });
  assert.equal(aborted.name, 'AbortError');
  assert.equal(aborted.code, 'ABORT_ERR');
  assert.equal(aborted.message, 'The operation was aborted');
  assert.equal(aborted.cause, reason);
  const closed = new RingcoreError('ERR_RINGCORE_CLOSED', 'the ring is closed');
  assert.ok(closed instanceof Error);
  assert.equal(closed.name, 'RingcoreError');
  assert.equal(closed.code, 'ERR_RINGCORE_CLOSED');
});
