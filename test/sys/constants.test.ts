// Checks src/sys/constants.ts against the installed <linux/io_uring.h>: every
// io_uring constant that header defines (object-like #defines and enum
// members, found by parsing the preprocessor's output) must be exported under
// the same name with the same value. Also checks the derived opcode tables,
// the flag groups, and src/sys/syscalls.ts against <sys/syscall.h>.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';

import * as C from '../../src/sys/constants.js';
import { OPCODES, OPCODE_NAMES, SYSCALL_NAMES } from '../../src/sys/constants.js';
import { SYSCALLS, SYSCALL_TABLES, type SyscallName } from '../../src/sys/syscalls.js';
import { cHeaders } from '../../test-support/c-headers.js';

const exported = C as unknown as Readonly<Record<string, unknown>>;

/** Names of header constants io_uring owns. */
const IO_URING_NAME = /^(IORING_|IOSQE_|IO_URING_|IO_WQ_|IOU_|SOCKET_URING_OP_|ZCRX_|SPLICE_F_FD_IN_FIXED$)/;

/**
 * Header constants deliberately not exported: the *_LAST enum sentinels
 * (they grow with every kernel, so a fixed number would be wrong somewhere),
 * and IORING_ZCRX_AREA_MASK (a 64-bit mask, not representable as a number).
 */
function deliberatelyOmitted(name: string): boolean {
  return /_LAST$/.test(name) || name === 'IORING_ZCRX_AREA_MASK';
}

// ---------------------------------------------------------------------------
// Compiler and header availability.
// ---------------------------------------------------------------------------

const c = cHeaders('constants', [
  '#include <linux/io_uring.h>',
  '#include <linux/time_types.h>',
  '#include <sys/uio.h>',
  '#include <sys/syscall.h>',
  '#include <stddef.h>',
]);
const { skipReason } = c;

// ---------------------------------------------------------------------------
// Enumerate the installed header's constants.
// ---------------------------------------------------------------------------

/** Object-like #defines seen by the compiler (cc -dM -E). */
function headerMacros(): string[] {
  const names: string[] = [];
  for (const m of c.preprocess(['-dM', '-E']).matchAll(/^#define ([A-Za-z_]\w*) +\S/gm)) names.push(m[1]!);
  return names;
}

/** Members of every enum in the preprocessed headers (cc -E). */
function headerEnumMembers(): string[] {
  const names: string[] = [];
  for (const block of c.preprocess(['-E', '-P']).matchAll(/\benum\b\s*\w*\s*\{([^}]*)\}/g)) {
    for (const item of block[1]!.split(',')) {
      const m = /^\s*([A-Za-z_]\w*)/.exec(item);
      if (m) names.push(m[1]!);
    }
  }
  return names;
}

interface HeaderConstants {
  readonly names: readonly string[];
  readonly values: ReadonlyMap<string, bigint>;
}

function readHeaderConstants(): HeaderConstants {
  const all = new Set([...headerMacros(), ...headerEnumMembers()]);
  const names = [...all].filter((n) => IO_URING_NAME.test(n)).sort();
  // print each value exactly, as a decimal string, signed only if negative
  const body = names
    .map((n) => `  if ((${n}) < 0) printf("%s %lld\\n", "${n}", (long long)(${n}));\n` + `  else printf("%s %llu\\n", "${n}", (unsigned long long)(${n}));`)
    .join('\n');
  const out = c.compileAndRun('constants_print', body);
  const values = new Map<string, bigint>();
  for (const line of out.trim().split('\n')) {
    const [name, value] = line.split(' ');
    values.set(name!, BigInt(value!));
  }
  return { names, values };
}

const header: HeaderConstants | undefined = skipReason === undefined ? readHeaderConstants() : undefined;

// ---------------------------------------------------------------------------
// Tests against the installed header.
// ---------------------------------------------------------------------------

test('the installed header yields the expected kinds of constants', (t) => {
  if (!header) return void t.skip(skipReason);
  t.diagnostic(`${header.names.length} io_uring constants in the installed header`);
  // Linux 6.1's header already has ~177 such names; far fewer means the parsing broke.
  assert.ok(header.names.length > 150, `only ${header.names.length} constants found`);
  for (const n of ['IORING_OP_NOP', 'IORING_OP_READ', 'IOSQE_IO_LINK', 'IORING_SETUP_SQPOLL', 'IORING_REGISTER_PROBE', 'IORING_CQE_BUFFER_SHIFT']) {
    assert.ok(header.values.has(n), `${n} not found in the header`);
  }
});

test('constants.ts exports every constant of the installed header, with the same value', (t) => {
  if (!header) return void t.skip(skipReason);
  const missing: string[] = [];
  const wrong: string[] = [];
  let compared = 0;
  for (const name of header.names) {
    const expected = header.values.get(name)!;
    if (deliberatelyOmitted(name)) {
      t.diagnostic(`not exported on purpose: ${name} = ${expected}`);
      continue;
    }
    const value = exported[name];
    if (value === undefined) {
      missing.push(`${name} (header: ${expected})`);
      continue;
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || BigInt(value) !== expected) {
      wrong.push(`${name}: constants.ts ${String(value)}, header ${expected}`);
    }
    compared++;
  }
  assert.deepEqual({ missing, wrong }, { missing: [], wrong: [] });
  assert.ok(compared > 150, `only ${compared} constants compared`);
});

test('the installed header has no opcode beyond OPCODES', (t) => {
  if (!header) return void t.skip(skipReason);
  const last = header.values.get('IORING_OP_LAST');
  assert.notEqual(last, undefined, 'IORING_OP_LAST not found');
  assert.ok(Number(last) <= OPCODE_NAMES.length, `header has ${last} opcodes, OPCODES only ${OPCODE_NAMES.length}`);
});

// ---------------------------------------------------------------------------
// Tests of constants.ts on its own (no compiler needed).
// ---------------------------------------------------------------------------

const opExports = Object.entries(exported).filter(([name]) => name.startsWith('IORING_OP_')) as [string, number][];

test('every IORING_OP_* export has an OPCODE_NAMES and a SYSCALL_NAMES entry', () => {
  assert.equal(opExports.length, Object.keys(OPCODES).length);
  assert.equal(OPCODE_NAMES.length, opExports.length);
  assert.equal(SYSCALL_NAMES.length, opExports.length);
  for (const [name, value] of opExports) {
    assert.equal(typeof value, 'number', name);
    assert.equal(`IORING_OP_${OPCODE_NAMES[value]}`, name);
    assert.equal(OPCODES[OPCODE_NAMES[value] as keyof typeof OPCODES], value);
    const sys = SYSCALL_NAMES[value];
    assert.equal(typeof sys, 'string', `SYSCALL_NAMES[${value}] (${name})`);
    assert.match(sys!, /^[a-z][a-z0-9_]*$/, `SYSCALL_NAMES[${value}] (${name})`);
  }
  // opcodes are dense: 0 .. n-1
  assert.deepEqual(
    opExports.map(([, v]) => v).sort((a, b) => a - b),
    Array.from({ length: opExports.length }, (_, i) => i),
  );
});

test('OPCODES is written in value order, one name per value from 0: OPCODE_NAMES is its keys', () => {
  assert.deepEqual(
    Object.values(OPCODES),
    Object.keys(OPCODES).map((_, i) => i),
  );
  assert.deepEqual(OPCODE_NAMES, Object.keys(OPCODES));
});

test('OPCODE_NAMES and SYSCALL_NAMES spot checks', () => {
  assert.equal(OPCODE_NAMES[0], 'NOP');
  assert.equal(OPCODE_NAMES[22], 'READ');
  assert.equal(OPCODE_NAMES[C.IORING_OP_PIPE], 'PIPE');
  const expectSys: Record<number, string> = {
    [C.IORING_OP_NOP]: 'nop',
    [C.IORING_OP_READ]: 'read',
    [C.IORING_OP_WRITE]: 'write',
    [C.IORING_OP_READV]: 'readv',
    [C.IORING_OP_OPENAT]: 'open',
    [C.IORING_OP_STATX]: 'statx',
    [C.IORING_OP_CLOSE]: 'close',
    [C.IORING_OP_ACCEPT]: 'accept',
    [C.IORING_OP_CONNECT]: 'connect',
    [C.IORING_OP_SEND]: 'send',
    [C.IORING_OP_RECV]: 'recv',
    [C.IORING_OP_TIMEOUT]: 'timeout',
    [C.IORING_OP_RENAMEAT]: 'rename',
    [C.IORING_OP_UNLINKAT]: 'unlink',
    [C.IORING_OP_MKDIRAT]: 'mkdir',
    [C.IORING_OP_FSYNC]: 'fsync',
    [C.IORING_OP_FALLOCATE]: 'fallocate',
    [C.IORING_OP_SOCKET]: 'socket',
    [C.IORING_OP_BIND]: 'bind',
    [C.IORING_OP_LISTEN]: 'listen',
  };
  for (const [op, sys] of Object.entries(expectSys)) {
    assert.equal(SYSCALL_NAMES[Number(op)], sys, `SYSCALL_NAMES[${op}] (${OPCODE_NAMES[Number(op)]})`);
  }
  assert.ok(Object.isFrozen(OPCODE_NAMES) && Object.isFrozen(SYSCALL_NAMES));
});

/** Flag groups: every member must be a single bit, distinct within its group. */
const FLAG_GROUPS: readonly { prefix: string; exclude?: RegExp }[] = [
  { prefix: 'IOSQE_', exclude: /_BIT$/ },
  { prefix: 'IORING_SETUP_' },
  { prefix: 'IORING_FEAT_' },
  { prefix: 'IORING_ENTER_' },
  { prefix: 'IORING_SQ_' },
  { prefix: 'IORING_CQE_F_', exclude: /TSTAMP/ },
  { prefix: 'IORING_TIMEOUT_', exclude: /_MASK$/ },
  { prefix: 'IORING_POLL_' },
  { prefix: 'IORING_ASYNC_CANCEL_' },
  { prefix: 'IORING_ACCEPT_' },
  { prefix: 'IORING_NOP_' },
  { prefix: 'IORING_MSG_RING_' },
  { prefix: 'IORING_URING_CMD_', exclude: /_MASK$/ },
];

test('flag constants are single bits, distinct within their group', () => {
  for (const { prefix, exclude } of FLAG_GROUPS) {
    const members = Object.entries(exported).filter(([n, v]) => n.startsWith(prefix) && !exclude?.test(n) && typeof v === 'number') as [string, number][];
    assert.ok(members.length > 0, `no ${prefix}* exports`);
    const seen = new Map<number, string>();
    for (const [name, value] of members) {
      assert.ok(value > 0 && value <= 0x80000000 && Number.isInteger(Math.log2(value)), `${name} = ${value} is not one bit`);
      assert.equal(seen.get(value), undefined, `${name} and ${seen.get(value)} are both ${value}`);
      seen.set(value, name);
    }
  }
  // RECVSEND flags share one ioprio space
  const recvsend = [
    C.IORING_RECVSEND_POLL_FIRST,
    C.IORING_RECV_MULTISHOT,
    C.IORING_RECVSEND_FIXED_BUF,
    C.IORING_SEND_ZC_REPORT_USAGE,
    C.IORING_RECVSEND_BUNDLE,
    C.IORING_SEND_VECTORIZED,
  ];
  assert.equal(new Set(recvsend).size, recvsend.length);
  assert.equal(
    recvsend.reduce((a, b) => a | b, 0),
    0x3f,
  );
});

test('composite masks equal the OR of their parts', () => {
  assert.equal(C.IORING_TIMEOUT_CLOCK_MASK, C.IORING_TIMEOUT_BOOTTIME | C.IORING_TIMEOUT_REALTIME);
  assert.equal(C.IORING_TIMEOUT_UPDATE_MASK, C.IORING_TIMEOUT_UPDATE | C.IORING_LINK_TIMEOUT_UPDATE);
  assert.equal(C.IORING_URING_CMD_MASK, C.IORING_URING_CMD_FIXED | C.IORING_URING_CMD_MULTISHOT);
  for (const [name, value] of [
    ['SPLICE_F_FD_IN_FIXED', C.SPLICE_F_FD_IN_FIXED],
    ['IORING_NOTIF_USAGE_ZC_COPIED', C.IORING_NOTIF_USAGE_ZC_COPIED],
    ['IORING_REGISTER_USE_REGISTERED_RING', C.IORING_REGISTER_USE_REGISTERED_RING],
    ['IORING_OFF_PBUF_RING', C.IORING_OFF_PBUF_RING],
  ] as const) {
    assert.equal(value, 2 ** 31, `${name} must be the positive 0x80000000`);
  }
  assert.equal(C.IORING_FILE_INDEX_ALLOC, 2 ** 32 - 1);
});

// ---------------------------------------------------------------------------
// The other numbers constants.ts keeps: path, file, fcntl, lseek and splice
// values, from the libc headers.
// ---------------------------------------------------------------------------

/** Non-io_uring constants newer than some installed headers (Debian 12's are Linux 6.1's): compared where the header has them. */
const NEWER_THAN_HEADERS = ['STATX_MNT_ID_UNIQUE'];
/** Every numeric export that is not io_uring's own (those are checked above). */
const OTHER_NAMES = Object.keys(C).filter(
  (n) => /^[A-Z][A-Z0-9_]*$/.test(n) && typeof exported[n] === 'number' && !IO_URING_NAME.test(n) && !NEWER_THAN_HEADERS.includes(n),
);
const libc = cHeaders('file-constants', [
  '#define _GNU_SOURCE',
  '#include <fcntl.h>',
  '#include <unistd.h>',
  '#include <poll.h>',
  '#include <sys/eventfd.h>',
  '#include <sys/stat.h>',
  '#include <sys/uio.h>',
  '#include <linux/openat2.h>',
]);

test('the path, file, fcntl, lseek, poll and splice constants match the C headers', (t) => {
  if (libc.skipReason !== undefined) return void t.skip(libc.skipReason);
  assert.ok(OTHER_NAMES.includes('AT_FDCWD') && OTHER_NAMES.includes('F_SETPIPE_SZ'), OTHER_NAMES.join());
  const fromC = libc.valuesOf('file_constants_print', OTHER_NAMES);
  assert.deepEqual(Object.fromEntries(OTHER_NAMES.map((n) => [n, exported[n]])), fromC);
});

test('the constants newer than some headers match the C headers that have them', (t) => {
  if (libc.skipReason !== undefined) return void t.skip(libc.skipReason);
  const body = NEWER_THAN_HEADERS.map((n) => `#ifdef ${n}\n  printf("%s %lld\\n", "${n}", (long long)(${n}));\n#endif`).join('\n');
  const fromC = Object.fromEntries(
    libc
      .compileAndRun('newer_constants_print', body)
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.split(' ')[0]!, Number(line.split(' ')[1])]),
  );
  for (const n of NEWER_THAN_HEADERS.filter((n) => !(n in fromC))) t.diagnostic(`${n}: not in the installed headers, not compared`);
  for (const [n, value] of Object.entries(fromC)) assert.equal(exported[n], value, n);
});

// ---------------------------------------------------------------------------
// syscalls.ts
// ---------------------------------------------------------------------------

const SYSCALL_NAME_LIST = Object.keys(SYSCALL_TABLES.x64) as SyscallName[];

test(`syscalls.ts matches <sys/syscall.h> for this machine (${process.arch})`, (t) => {
  if (skipReason !== undefined) return void t.skip(skipReason);
  const body = SYSCALL_NAME_LIST.map((n) => `  printf("%s %ld\\n", "${n}", (long)SYS_${n});`).join('\n');
  const out = c.compileAndRun('syscalls_print', body);
  const fromC: Record<string, number> = {};
  for (const line of out.trim().split('\n')) {
    const [name, value] = line.split(' ');
    fromC[name!] = Number(value);
  }
  assert.deepEqual({ ...SYSCALLS }, fromC);
});

/** Parses `#define __NR_name N` lines, following one level of `__NR_x -> __NR3264_x` indirection. */
function parseUnistd(text: string): Map<string, number> {
  const raw = new Map<string, string>();
  for (const m of text.matchAll(/^#define\s+(__NR(?:3264)?_\w+)\s+(\S+)/gm)) raw.set(m[1]!, m[2]!);
  const out = new Map<string, number>();
  for (const [key, value] of raw) {
    if (!key.startsWith('__NR_')) continue;
    const resolved = /^\d+$/.test(value) ? value : raw.get(value);
    if (resolved !== undefined && /^\d+$/.test(resolved)) out.set(key.slice(5), Number(resolved));
  }
  return out;
}

const UNISTD_FILES = {
  x64: ['/usr/include/x86_64-linux-gnu/asm/unistd_64.h', '/usr/include/asm/unistd_64.h'],
  arm64: ['/usr/include/asm-generic/unistd.h'],
} as const;

for (const arch of ['x64', 'arm64'] as const) {
  test(`syscalls.ts ${arch} table matches the kernel's ${arch} unistd header`, (t) => {
    const file = UNISTD_FILES[arch].find((f) => existsSync(f));
    if (!file) return void t.skip(`no ${arch} unistd header here (looked in ${UNISTD_FILES[arch].join(', ')})`);
    const table = parseUnistd(readFileSync(file, 'utf8'));
    const fromHeader = Object.fromEntries(SYSCALL_NAME_LIST.map((n) => [n, table.get(n)]));
    assert.deepEqual({ ...SYSCALL_TABLES[arch] }, fromHeader);
  });
}

test('the SYS_* exports are the table for process.arch', async () => {
  const mod = (await import('../../src/sys/syscalls.js')) as unknown as Record<string, unknown>;
  const expected = SYSCALL_TABLES[process.arch as 'x64' | 'arm64'];
  for (const n of SYSCALL_NAME_LIST) assert.equal(mod[`SYS_${n}`], expected[n], `SYS_${n}`);
  assert.equal(mod.SYS_io_uring_enter, 426);
  assert.equal(mod.SYS_io_uring_register, 427);
});

test('loading syscalls.ts on another architecture throws ERR_RINGCORE_UNSUPPORTED_ARCH', async () => {
  const saved = Object.getOwnPropertyDescriptor(process, 'arch');
  assert.ok(saved?.configurable, 'process.arch cannot be redefined here');
  Object.defineProperty(process, 'arch', { ...saved, value: 'ia32' });
  try {
    // a query string makes a fresh module instance, so the arch check runs again
    const url = new URL('../../src/sys/syscalls.js?arch=ia32', import.meta.url).href;
    await assert.rejects(import(url), { code: 'ERR_RINGCORE_UNSUPPORTED_ARCH' });
  } finally {
    Object.defineProperty(process, 'arch', saved);
  }
});
