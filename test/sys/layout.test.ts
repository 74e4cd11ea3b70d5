// Checks every offset and size in src/sys/layout.ts against offsetof()/sizeof()
// from a C program compiled at test time against the installed kernel headers.
//
// Field names are read from the preprocessed headers, so only names the
// installed header has are compared; a name layout.ts has but the header lacks
// must be listed in NEWER_FIELDS (added after the installed header's kernel) or
// have an older spelling in ALIASES, so a misspelt key still fails.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as layout from '../../src/sys/layout.js';
import { cHeaders } from '../../test-support/c-headers.js';

type LayoutName =
  | 'SQE'
  | 'CQE'
  | 'SQRING_OFFSETS'
  | 'CQRING_OFFSETS'
  | 'PARAMS'
  | 'PROBE'
  | 'PROBE_OP'
  | 'TIMESPEC'
  | 'IOVEC'
  | 'STATX'
  | 'STATX_TIMESTAMP'
  | 'SOCKADDR_IN'
  | 'SOCKADDR_IN6'
  | 'SOCKADDR_UN'
  | 'SOCKADDR_STORAGE'
  | 'MSGHDR'
  | 'IO_URING_BUF'
  | 'IO_URING_BUF_RING'
  | 'IO_URING_BUF_REG'
  | 'IO_URING_RECVMSG_OUT'
  | 'RSRC_REGISTER'
  | 'FILES_UPDATE'
  | 'GETEVENTS_ARG'
  | 'OPEN_HOW';

/** Each layout.ts object and the C struct it describes. */
const STRUCTS: { readonly [K in LayoutName]: string } = {
  SQE: 'io_uring_sqe',
  CQE: 'io_uring_cqe',
  SQRING_OFFSETS: 'io_sqring_offsets',
  CQRING_OFFSETS: 'io_cqring_offsets',
  PARAMS: 'io_uring_params',
  PROBE: 'io_uring_probe',
  PROBE_OP: 'io_uring_probe_op',
  TIMESPEC: '__kernel_timespec',
  IOVEC: 'iovec',
  STATX: 'statx',
  STATX_TIMESTAMP: 'statx_timestamp',
  SOCKADDR_IN: 'sockaddr_in',
  SOCKADDR_IN6: 'sockaddr_in6',
  SOCKADDR_UN: 'sockaddr_un',
  SOCKADDR_STORAGE: 'sockaddr_storage',
  MSGHDR: 'msghdr',
  IO_URING_BUF: 'io_uring_buf',
  IO_URING_BUF_RING: 'io_uring_buf_ring',
  IO_URING_BUF_REG: 'io_uring_buf_reg',
  IO_URING_RECVMSG_OUT: 'io_uring_recvmsg_out',
  RSRC_REGISTER: 'io_uring_rsrc_register',
  FILES_UPDATE: 'io_uring_files_update',
  GETEVENTS_ARG: 'io_uring_getevents_arg',
  OPEN_HOW: 'open_how',
};

/**
 * layout.ts keys that are not (or not always) C field names: the C names to
 * try, in order. op_flags is ringcore's name for the per-op flags union;
 * user_addr was called resv2 before Linux 6.5.
 */
const ALIASES: { readonly [K in LayoutName]?: { readonly [key: string]: readonly string[] } } = {
  SQE: { op_flags: ['rw_flags'] },
  SQRING_OFFSETS: { user_addr: ['user_addr', 'resv2'] },
  CQRING_OFFSETS: { user_addr: ['user_addr', 'resv2'] },
  // io_uring_buf_reg.flags was `pad` before Linux 6.4.
  IO_URING_BUF_REG: { flags: ['flags', 'pad'] },
};

/** Field names newer kernels added; skipped (with a diagnostic) if the installed header lacks them. */
const NEWER_FIELDS: { readonly [K in LayoutName]?: readonly string[] } = {
  SQE: [
    'level',
    'optname',
    'optlen',
    'optval',
    'zcrx_ifq_idx',
    'attr_ptr',
    'attr_type_mask',
    'write_stream',
    'waitid_flags',
    'futex_flags',
    'install_fd_flags',
    'nop_flags',
    'pipe_flags',
  ],
};

const LAYOUT_NAMES = Object.keys(STRUCTS) as LayoutName[];

function layoutOf(name: LayoutName): Readonly<Record<string, number>> {
  // biome-ignore lint/performance/noDynamicNamespaceImportAccess: the test looks layouts up by the names the C header gives
  return layout[name] as Readonly<Record<string, number>>;
}

// ---------------------------------------------------------------------------
// Compiler and header availability.
// ---------------------------------------------------------------------------

const c = cHeaders('layout', [
  '#include <linux/io_uring.h>',
  '#include <linux/time_types.h>',
  '#include <linux/stat.h>',
  '#include <linux/openat2.h>',
  '#include <sys/uio.h>',
  '#include <sys/socket.h>',
  '#include <sys/un.h>',
  '#include <netinet/in.h>',
  '#include <stddef.h>',
]);
const { skipReason } = c;

// ---------------------------------------------------------------------------
// A small parser for struct bodies in preprocessed C.
// ---------------------------------------------------------------------------

interface Block {
  /** Fields declared directly in this block. */
  readonly fields: string[];
  /** Anonymous nested structs/unions (their fields belong to the enclosing struct). */
  readonly children: Block[];
}

function stripAttributes(text: string): string {
  return text.replace(/__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\)/g, ' ');
}

/** The field names a declaration like `__u16 a, b[3]` declares. */
function declarators(decl: string): string[] {
  const names: string[] = [];
  decl.split(',').forEach((part, i) => {
    const cleaned = part
      .replace(/\[[^\]]*\]/g, ' ')
      .replace(/:\s*\d+\s*$/, ' ')
      .replace(/\*/g, ' ')
      .trim();
    const words = cleaned.split(/\s+/).filter(Boolean);
    // the first declarator needs a type before its name; later ones are bare names
    if (words.length >= (i === 0 ? 2 : 1)) names.push(words[words.length - 1]!);
  });
  return names;
}

/** Parses the body of `struct tag { ... }` from preprocessed text. */
function parseStruct(pre: string, tag: string): Block {
  const head = new RegExp(`struct\\s+${tag}\\s*\\{`).exec(pre);
  if (!head) throw new Error(`struct ${tag} not found in the preprocessed headers`);
  const text = pre.slice(head.index + head[0].length);
  const root: Block = { fields: [], children: [] };
  const stack: Block[] = [root];
  let buf = '';
  let pendingChild: Block | undefined; // a just-closed nested block, until its declarator is seen
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '{') {
      const child: Block = { fields: [], children: [] };
      stack.push(child);
      buf = '';
    } else if (ch === '}') {
      const closed = stack.pop()!;
      if (stack.length === 0) return root; // end of the struct itself
      pendingChild = closed;
      buf = '';
    } else if (ch === ';') {
      const top = stack[stack.length - 1]!;
      const decl = stripAttributes(buf).trim();
      if (pendingChild) {
        // `union { ... };` is anonymous: its fields are the parent's.
        // `union { ... } name;` would be a named member (not used in these headers).
        if (decl === '') top.children.push(pendingChild);
        else top.fields.push(...declarators(`x ${decl}`));
        pendingChild = undefined;
      } else if (decl !== '') {
        top.fields.push(...declarators(decl));
      }
      buf = '';
    } else {
      buf += ch;
    }
  }
  throw new Error(`struct ${tag}: unbalanced braces`);
}

function allFields(block: Block): Set<string> {
  const out = new Set<string>(block.fields);
  for (const child of block.children) for (const f of allFields(child)) out.add(f);
  return out;
}

function findBlockWith(block: Block, field: string): Block | undefined {
  if (block.fields.includes(field)) return block;
  for (const child of block.children) {
    const found = findBlockWith(child, field);
    if (found) return found;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Build, run and read the C program once.
// ---------------------------------------------------------------------------

interface Plan {
  /** layout key -> C field compared, per object. */
  readonly compared: { readonly [K in LayoutName]: Map<string, string> };
  /** layout keys skipped because the installed header predates them. */
  readonly skipped: string[];
  /** layout keys neither in the header nor known to be newer. */
  readonly unknown: string[];
  /** The fields of the SQE union that holds rw_flags (all must sit at SQE.op_flags). */
  readonly opFlagsUnion: readonly string[];
}

interface CResult {
  readonly plan: Plan;
  readonly values: Readonly<Record<string, number>>;
}

function build(): CResult {
  const pre = c.preprocess(['-E', '-P']);

  const compared = {} as { [K in LayoutName]: Map<string, string> };
  const skipped: string[] = [];
  const unknown: string[] = [];
  const lines: string[] = [];
  const emit = (key: string, expr: string) => lines.push(`  printf("\\"%s\\": %zu,\\n", "${key}", (size_t)(${expr}));`);

  const sqeRoot = parseStruct(pre, STRUCTS.SQE);
  const opFlagsUnion = findBlockWith(sqeRoot, 'rw_flags')?.fields ?? [];
  for (const f of opFlagsUnion) emit(`SQE_UNION.${f}`, `offsetof(struct io_uring_sqe, ${f})`);

  for (const name of LAYOUT_NAMES) {
    const tag = STRUCTS[name];
    const fields = allFields(parseStruct(pre, tag));
    const map = new Map<string, string>();
    emit(`${name}.size`, `sizeof(struct ${tag})`);
    for (const key of Object.keys(layoutOf(name))) {
      if (key === 'size') continue;
      const candidates = ALIASES[name]?.[key] ?? [key];
      const cField = candidates.find((c) => fields.has(c));
      if (cField !== undefined) {
        map.set(key, cField);
        emit(`${name}.${key}`, `offsetof(struct ${tag}, ${cField})`);
      } else if (NEWER_FIELDS[name]?.includes(key)) {
        skipped.push(`${name}.${key}`);
      } else {
        unknown.push(`${name}.${key} (struct ${tag} has: ${[...fields].join(', ')})`);
      }
    }
    compared[name] = map;
  }

  const out = c.compileAndRun('layout_print', `  printf("{\\n");\n${lines.join('\n')}\n  printf("\\"end\\": 0}\\n");`);
  return { plan: { compared, skipped, unknown, opFlagsUnion }, values: JSON.parse(out) as Record<string, number> };
}

const result: CResult | undefined = skipReason === undefined ? build() : undefined;

// ---------------------------------------------------------------------------
// Tests.
// ---------------------------------------------------------------------------

test('every layout.ts key is a field of the installed header (or a known newer/renamed one)', (t) => {
  if (!result) return void t.skip(skipReason);
  for (const s of result.plan.skipped) t.diagnostic(`not in the installed header, not compared: ${s}`);
  assert.deepEqual(result.plan.unknown, []);
});

for (const name of LAYOUT_NAMES) {
  test(`${name} matches struct ${STRUCTS[name]}`, (t) => {
    if (!result) return void t.skip(skipReason);
    const ts = layoutOf(name);
    const expected: Record<string, number> = { size: result.values[`${name}.size`]! };
    const actual: Record<string, number> = { size: ts.size! };
    for (const [key, cField] of result.plan.compared[name]) {
      const label = cField === key ? key : `${key} (C: ${cField})`;
      expected[label] = result.values[`${name}.${key}`]!;
      actual[label] = ts[key]!;
    }
    // at least the size plus one field must have been compared
    assert.ok(Object.keys(expected).length >= 2, `nothing of ${name} was compared`);
    for (const v of Object.values(expected)) assert.equal(typeof v, 'number');
    assert.deepEqual(actual, expected);
  });
}

test('every member of the SQE per-op flags union sits at SQE.op_flags', (t) => {
  if (!result) return void t.skip(skipReason);
  const fields = result.plan.opFlagsUnion;
  // the installed header's union has rw_flags, fsync_flags, poll_events, ... (19 in Linux 6.1)
  assert.ok(fields.length >= 10, `found only [${fields.join(', ')}] in the union holding rw_flags`);
  const offsets = Object.fromEntries(fields.map((f) => [f, result.values[`SQE_UNION.${f}`]]));
  const expected = Object.fromEntries(fields.map((f) => [f, layout.SQE.op_flags]));
  assert.deepEqual(offsets, expected);
});

test('layout offsets are in bounds and every size is positive', () => {
  for (const name of LAYOUT_NAMES) {
    const ts = layoutOf(name);
    assert.ok(Number.isInteger(ts.size) && ts.size! > 0, `${name}.size`);
    for (const [key, value] of Object.entries(ts)) {
      assert.ok(Number.isInteger(value) && value >= 0 && value <= ts.size!, `${name}.${key} = ${value} (size ${ts.size})`);
    }
  }
});
