// When io_uring is not there, new Ring() throws a RingcoreError
// (ERR_RINGCORE_SETUP) that names the cause and says how to fix it. The real
// failures are produced in child processes that first install a seccomp
// filter making io_uring_setup return a chosen errno (through the native
// shim's raw syscall); the sysctl cases are unit tests with injected facts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { constants } from 'node:os';

import { setupError, type SetupFacts } from '../../src/sys/setup-error.js';
import { RingcoreError } from '../../src/sys/errors.js';

const base = new URL('../../src/', import.meta.url).href;

/**
 * A child that installs the filter, then reports what new Ring() and nop()
 * threw, and its Seccomp mode, as one JSON line. The BPF program:
 *   ld  [0]                  (seccomp_data.nr)
 *   jeq #425, 0, 1           (io_uring_setup, the same on x86_64 and arm64)
 *   ret #SECCOMP_RET_ERRNO | errno
 *   ret #SECCOMP_RET_ALLOW
 */
function childScript(errno: number): string {
  return `
import { native } from '${base}sys/native.js';
import { SYS_prctl, SYS_seccomp } from '${base}sys/syscalls.js';
import { addressOf } from '${base}sys/memory.js';
import { readFileSync } from 'node:fs';

const program = [[0x20, 0, 0, 0], [0x15, 0, 1, 425], [0x06, 0, 0, 0x00050000 | ${errno}], [0x06, 0, 0, 0x7fff0000]];
const filter = new DataView(new ArrayBuffer(program.length * 8));  // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }
program.forEach(([code, jt, jf, k], i) => {
  filter.setUint16(i * 8, code, true);
  filter.setUint8(i * 8 + 2, jt);
  filter.setUint8(i * 8 + 3, jf);
  filter.setUint32(i * 8 + 4, k, true);
});
const fprog = new DataView(new ArrayBuffer(16));  // struct sock_fprog { u16 len; (pad) struct sock_filter *filter; }
fprog.setUint16(0, program.length, true);
fprog.setBigUint64(8, BigInt(addressOf(filter)), true);
const nnp = native.syscall(SYS_prctl, 38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0);
const installed = native.syscall(SYS_seccomp, 1 /* SECCOMP_SET_MODE_FILTER */, 0, addressOf(fprog));
const seccomp = Number(/^Seccomp:\\s+(\\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);

const rc = await import('${base}index.js');
const describe = (e) => ({ name: e.name, code: e.code, errno: e.errno, message: e.message, isRingcoreError: e instanceof rc.RingcoreError });
let ring = null, nop = null;
try { new rc.Ring(); } catch (e) { ring = describe(e); }
try { await rc.nop(); } catch (e) { nop = describe(e); }
console.log(JSON.stringify({ nnp, installed, seccomp, ring, nop }));
`;
}

interface Described {
  name: string;
  code: string;
  errno: number;
  message: string;
  isRingcoreError: boolean;
}

function setupFailure(errno: number): { seccomp: number; ring: Described; nop: Described } {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', childScript(errno)], {
    encoding: 'utf8',
    timeout: 10_000,
    // Without it, the refused setup would make the child fall back to the node backend (docs/fallback.md).
    env: { ...process.env, RINGCORE_BACKEND: 'io_uring' },
  });
  assert.equal(child.error, undefined, `the child hung: ${child.error?.message}`);
  assert.equal(child.status, 0, child.stderr);
  const report = JSON.parse(child.stdout.trim()) as { nnp: number; installed: number; seccomp: number; ring: Described | null; nop: Described | null };
  assert.equal(report.nnp, 0, 'prctl(PR_SET_NO_NEW_PRIVS) succeeded');
  assert.equal(report.installed, 0, 'the seccomp filter was installed');
  assert.ok(report.ring !== null, 'new Ring() threw');
  assert.ok(report.nop !== null, 'nop() on the default ring failed too');
  for (const error of [report.ring, report.nop]) {
    assert.equal(error.name, 'RingcoreError');
    assert.equal(error.isRingcoreError, true);
    assert.equal(error.code, 'ERR_RINGCORE_SETUP');
    assert.equal(error.errno, -errno);
  }
  assert.equal(report.nop.message, report.ring.message);
  return { seccomp: report.seccomp, ring: report.ring, nop: report.nop };
}

test('ENOSYS from io_uring_setup: the kernel lacks io_uring, or a sandbox hides it', () => {
  const { ring } = setupFailure(constants.errno.ENOSYS);
  assert.match(ring.message, /io_uring_setup failed with ENOSYS/);
  assert.match(ring.message, /kernel \(\S+\) has no io_uring/);
  assert.match(ring.message, /sandbox/);
  assert.match(ring.message, /uname -r/);
});

test('EPERM under a seccomp filter: the message blames seccomp and says what to allow', () => {
  const { seccomp, ring } = setupFailure(constants.errno.EPERM);
  assert.equal(seccomp, 2, 'the child runs with a seccomp filter (mode 2)');
  assert.match(ring.message, /io_uring_setup failed with EPERM/);
  assert.match(ring.message, /seccomp filter blocks io_uring_setup/);
  assert.match(ring.message, /io_uring_enter/);
});

test('ENOMEM: the message names RLIMIT_MEMLOCK and how to raise it', () => {
  const { ring } = setupFailure(constants.errno.ENOMEM);
  assert.match(ring.message, /io_uring_setup failed with ENOMEM/);
  assert.match(ring.message, /RLIMIT_MEMLOCK/);
  assert.match(ring.message, /ulimit -l/);
  assert.match(ring.message, /fewer entries than 256/);
});

const facts = (overrides: Partial<SetupFacts>): SetupFacts => ({ ioUringDisabled: 0, seccomp: 0, kernel: '6.18.0-test', memlockKiB: 8192, ...overrides });

test('setupError(): kernel.io_uring_disabled = 2 says io_uring is off for everyone, and how to enable it', () => {
  const error = setupError(-constants.errno.EPERM, 256, 'io_uring_setup', facts({ ioUringDisabled: 2, seccomp: 2 }));
  assert.ok(error instanceof RingcoreError);
  assert.equal(error.code, 'ERR_RINGCORE_SETUP');
  assert.equal(error.errno, -constants.errno.EPERM);
  assert.match(error.message, /kernel\.io_uring_disabled is 2/);
  assert.match(error.message, /disabled for everyone/);
  assert.match(error.message, /sysctl -w kernel\.io_uring_disabled=0/);
  assert.doesNotMatch(error.message, /seccomp/, 'the sysctl explains it, even under seccomp');
});

test('setupError(): kernel.io_uring_disabled = 1 points at kernel.io_uring_group', () => {
  const error = setupError(-constants.errno.EPERM, 256, 'io_uring_setup', facts({ ioUringDisabled: 1 }));
  assert.equal(error.errno, -constants.errno.EPERM);
  assert.match(error.message, /kernel\.io_uring_disabled is 1/);
  assert.match(error.message, /kernel\.io_uring_group/);
  assert.match(error.message, /sysctl -w kernel\.io_uring_disabled=0/);
  // EACCES reads the same way.
  assert.match(setupError(-constants.errno.EACCES, 256, 'io_uring_setup', facts({ ioUringDisabled: 1 })).message, /io_uring_group/);
});

test('setupError(): the other causes each get their own message', () => {
  const plainEperm = setupError(-constants.errno.EPERM, 8, 'io_uring_setup', facts({}));
  assert.match(plainEperm.message, /not permitted/);
  assert.doesNotMatch(plainEperm.message, /seccomp|io_uring_disabled/);
  const unlimited = setupError(-constants.errno.ENOMEM, 8, 'io_uring_setup', facts({ memlockKiB: null }));
  assert.match(unlimited.message, /now unlimited/);
  assert.match(setupError(-constants.errno.EMFILE, 8, 'io_uring_setup', facts({})).message, /too many open files/);
  assert.match(setupError(-constants.errno.EINVAL, 8, 'io_uring_setup', facts({})).message, /6\.18\.0-test\) rejected/);
  const mmap = setupError(-constants.errno.ENOMEM, 8, 'mmap', facts({}));
  assert.match(mmap.message, /mmap failed with ENOMEM/);
  // Either sign of errno is accepted; the error carries it negative.
  assert.equal(setupError(constants.errno.ENOSYS, 8, 'io_uring_setup', facts({})).errno, -constants.errno.ENOSYS);
});
