// The white box: RINGCORE_TRACE=1 prints one readable line per SQE, CQE and
// io_uring_enter on stderr; addTraceListener() sees the same events as objects,
// which also shows that submission is batched (one enter per turn).

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { Ring, TRACE_CHANNELS, addTraceListener, constants as C, type TraceEvent } from '../../src/index.js';
import { traceFormatter } from '../../src/trace/index.js';
import { runtime } from '../../src/sys/runtime.js';

const index = new URL('../../src/index.js', import.meta.url).href;
const time = new URL('../../src/time/index.js', import.meta.url).href;

test('RINGCORE_TRACE=1 prints a line per SQE, CQE and enter, with errno names', () => {
  const script = `
    import { nop, defaultRing } from '${index}';
    import { sleep } from '${time}';
    await nop();
    await sleep(1);
    await defaultRing().submit({ syscall: 'read', prep: (u, sqe) => u.prepRead(sqe, 987654, 0, 0, -1) }).catch(() => {});
    console.log('ok');
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 10_000,
    env: { ...process.env, RINGCORE_TRACE: '1' },
  });
  assert.equal(child.error, undefined);
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout, 'ok\n');
  const lines = child.stderr.trim().split('\n');
  assert.ok(
    lines.every((line) => /^ringcore\[\d+\] (SQE|CQE|ENTER) /.test(line)),
    `only trace lines:\n${child.stderr}`,
  );
  assert.ok(lines.some((line) => /SQE NOP .*user_data=\d+:\d+/.test(line)));
  assert.ok(lines.some((line) => /CQE NOP .*res=0 /.test(line)));
  assert.ok(lines.some((line) => /ENTER to_submit=1 min_complete=0 .* -> 1/.test(line)));
  assert.ok(lines.some((line) => /CQE TIMEOUT .*res=-62 ETIME/.test(line)));
  assert.ok(lines.some((line) => /SQE READ .*fd=987654/.test(line)));
  assert.ok(
    lines.some((line) => /CQE READ .*res=-9 EBADF/.test(line)),
    'a failed CQE names its errno',
  );
  assert.equal(lines.filter((line) => / SQE /.test(line)).length, 3);
  assert.equal(lines.filter((line) => / CQE /.test(line)).length, 3);
});

test('without RINGCORE_TRACE nothing is printed', () => {
  const env = { ...process.env };
  delete env.RINGCORE_TRACE;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `import { nop } from '${index}'; await nop();`], {
    encoding: 'utf8',
    timeout: 10_000,
    env,
  });
  assert.equal(child.status, 0);
  assert.equal(child.stderr, '');
});

test('100 NOPs started in one turn go to the kernel in a single enter with to_submit = 100', async () => {
  const ring = new Ring({ entries: 256 });
  const events: TraceEvent[] = [];
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id) events.push(event);
  });
  try {
    const ops = Array.from({ length: 100 }, () => ring.nop());
    assert.equal(events.length, 0, 'nothing is submitted until the turn ends');
    await Promise.all(ops);
    const enters = events.filter((e) => e.type === 'enter');
    assert.equal(enters.length, 1);
    assert.ok(enters[0]!.type === 'enter');
    assert.equal(enters[0]!.toSubmit, 100);
    assert.equal(enters[0]!.ret, 100);
    const sqes = events.filter((e) => e.type === 'sqe');
    const cqes = events.filter((e) => e.type === 'cqe');
    assert.equal(sqes.length, 100);
    assert.equal(cqes.length, 100);
    assert.ok(sqes.every((e) => e.type === 'sqe' && e.opcode === C.IORING_OP_NOP));
    assert.deepEqual(new Set(cqes.map((e) => e.userData)), new Set(sqes.map((e) => e.userData)), 'a CQE for each SQE');
    assert.equal(new Set(sqes.map((e) => e.userData)).size, 100, 'each in its own slot');
    // All SQEs were traced before the enter.
    assert.ok(events.indexOf(enters[0]!) > events.lastIndexOf(sqes[99]!));
  } finally {
    stop();
    await ring.close();
  }
});

test('a listener removed stops receiving; other rings are traced with their own id', async () => {
  const a = new Ring({ entries: 4 });
  const b = new Ring({ entries: 4 });
  const seen: number[] = [];
  const stop = addTraceListener((event) => seen.push(event.ring));
  try {
    await Promise.all([a.nop(), b.nop()]);
    assert.ok(seen.includes(a.uring.id) && seen.includes(b.uring.id));
    assert.notEqual(a.uring.id, b.uring.id);
    stop();
    const count = seen.length;
    await a.nop();
    assert.equal(seen.length, count);
    assert.equal(a.uring.trace, null, 'an untraced ring pays one null check');
  } finally {
    stop();
    await a.close();
    await b.close();
  }
});

test("the formatter names each CQE after its own ring's SQE, even when slots coincide", () => {
  const format = traceFormatter();
  const sqe = (ring: number, opcode: number): TraceEvent => ({
    type: 'sqe',
    ring,
    opcode,
    flags: 0,
    fd: -1,
    len: 0,
    off: 0,
    userData: 0,
    slot: 0,
    generation: 0,
  });
  const cqe = (ring: number, res: number): TraceEvent => ({ type: 'cqe', ring, res, flags: 0, userData: 0, slot: 0, generation: 0 });
  format(sqe(1, C.IORING_OP_READ));
  format(sqe(2, C.IORING_OP_TIMEOUT));
  assert.match(format(cqe(2, -62)), /^ringcore\[2\] CQE TIMEOUT +res=-62 ETIME /);
  assert.match(format(cqe(1, 5)), /^ringcore\[1\] CQE READ +res=5 /);
  assert.match(format(cqe(1, 0)), /CQE \? /, 'a CQE nobody submitted (or seen twice) is shown as ?');
});

test('diagnostics_channel subscribers get each SQE, enter and CQE, with no listener added', async () => {
  const ring = new Ring({ entries: 4 });
  const seen: TraceEvent[] = [];
  const onEvent = (message: unknown) => {
    const event = message as TraceEvent;
    if (event.ring === ring.uring.id) seen.push(event);
  };
  for (const name of Object.values(TRACE_CHANNELS)) diagnostics.subscribe(name, onEvent);
  try {
    assert.equal(ring.uring.trace, null, 'the channels need no listener hook');
    await ring.nop();
    assert.deepEqual(
      seen.map((e) => e.type),
      ['sqe', 'enter', 'cqe'],
    );
    assert.ok(seen[0]!.type === 'sqe' && seen[0]!.opcode === C.IORING_OP_NOP);
  } finally {
    for (const name of Object.values(TRACE_CHANNELS)) diagnostics.unsubscribe(name, onEvent);
  }
  await ring.nop();
  assert.equal(seen.length, 3, 'nothing is published once unsubscribed');
  await ring.close();
});

// Counted with node:module's loader hooks, which Bun and Deno do not run.
const loaderHooks = runtime !== 'node' ? 'needs node:module loader hooks (Node only)' : false;

test('the main entry does not load the trace layer (only its RINGCORE_TRACE check)', { skip: loaderHooks }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringcore-modules-'));
  try {
    const log = path.join(dir, 'loaded.txt');
    const hooks = path.join(dir, 'hooks.mjs');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';
      export async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }`,
    );
    const register = `data:text/javascript,import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`;
    const env = { ...process.env };
    delete env.RINGCORE_TRACE;
    const child = spawnSync(process.execPath, ['--import', register, '--input-type=module', '-e', `import { nop } from '${index}'; await nop();`], {
      encoding: 'utf8',
      timeout: 10_000,
      env,
    });
    assert.equal(child.status, 0, child.stderr);
    const loaded = readFileSync(log, 'utf8').trim().split('\n');
    assert.ok(
      loaded.some((url) => url.endsWith('/src/ring/io-uring.js')),
      'the hook saw the ring being loaded',
    );
    assert.deepEqual(
      loaded.filter((url) => url.includes('/src/trace/')).map((url) => path.basename(url)),
      ['env.js'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bounded wait (waitFor, IORING_ENTER_EXT_ARG) is published on diagnostics_channel like any enter', async (t) => {
  const ring = new Ring({ entries: 4 });
  if ((ring.uring.features & C.IORING_FEAT_EXT_ARG) === 0) {
    t.skip('the kernel has no IORING_FEAT_EXT_ARG (Linux 5.11)');
    await ring.close();
    return;
  }
  const seen: TraceEvent[] = [];
  const onEvent = (message: unknown) => {
    const event = message as TraceEvent;
    if (event.ring === ring.uring.id) seen.push(event);
  };
  diagnostics.subscribe(TRACE_CHANNELS.enter, onEvent);
  try {
    // Nothing in flight: the wait ends with -ETIME after 1 ms.
    const ret = ring.uring.waitFor(1, 1);
    assert.equal(ret, -os.constants.errno.ETIME);
    assert.equal(seen.length, 1, 'the old code traced only through a listener hook, so a channel subscriber saw nothing');
    assert.ok(seen[0]!.type === 'enter' && seen[0]!.ret === ret && (seen[0]!.flags & C.IORING_ENTER_EXT_ARG) !== 0);
  } finally {
    diagnostics.unsubscribe(TRACE_CHANNELS.enter, onEvent);
  }
  await ring.close();
});
