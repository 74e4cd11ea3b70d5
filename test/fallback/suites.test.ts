// Test files of the public API run again on the node backend, each in a child
// with RINGCORE_BACKEND=node, so that `npm test` covers them where io_uring
// works too (the no-io-uring CI stage runs every file there):
//   fs/iov-max        readv into, and writev of, more than IOV_MAX buffers
//                     (Node's own readv reads only the first IOV_MAX)
//   http/client-left  serve() notices a client that leaves while its handler
//                     runs ('end', 'close' of the socket)
//   net/destroy-cuts-write  a write destroy() cuts short rejects (node:net
//                     calls its callback without an error)
//   net/peer-reset    a reset is reported once, to the first read or write,
//                     as the kernel reports it (node:net keeps it for ever)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

for (const file of ['fs/iov-max', 'http/client-left', 'net/destroy-cuts-write', 'net/peer-reset']) {
  test(`${file}.test on the node backend`, () => {
    const path = fileURLToPath(new URL(`../${file}.test.js`, import.meta.url));
    const env = { ...process.env, RINGCORE_BACKEND: 'node', NODE_OPTIONS: undefined, NODE_TEST_CONTEXT: undefined };
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', path], { env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `${file} failed on the node backend:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /skipped 0\n/, `${file} skipped tests on the node backend:\n${r.stdout}`);
  });
}
