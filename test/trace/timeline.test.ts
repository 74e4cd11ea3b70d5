// RINGCORE_TRACE=perfetto:<file> writes a Chrome trace-event file when the
// process exits: a process (track group) per ring, a slice per op with its
// args, counters, and an instant per io_uring_enter with its submit count.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Ring, nop } from '../../src/index.js';
import { Timeline, startTimeline, stopTimeline, type ChromeTrace, type ChromeTraceEvent } from '../../src/trace/index.js';
import { hasMultishotTimeout } from '../../test-support/kernel.js';

const index = new URL('../../src/index.js', import.meta.url).href;
const time = new URL('../../src/time/index.js', import.meta.url).href;

/** Runs `script` as an ES module with the timeline on; returns the parsed file. */
function traced(script: string): ChromeTrace {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringcore-timeline-'));
  const file = path.join(dir, 'trace.json');
  try {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 10_000,
      env: { ...process.env, RINGCORE_TRACE: `perfetto:${file}` },
    });
    assert.equal(child.error, undefined);
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, 'ok\n');
    return JSON.parse(readFileSync(file, 'utf8')) as ChromeTrace;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const slices = (trace: ChromeTrace, name: string) => trace.traceEvents.filter((e) => e.ph === 'X' && e.name === name);

test('RINGCORE_TRACE=perfetto: writes slices, counters and enter markers on a normal exit', () => {
  const trace = traced(`
    import { nop } from '${index}';
    import { sleep } from '${time}';
    await Promise.all([nop(), nop(), nop()]);
    await sleep(5);
    console.log('ok');
  `);
  assert.equal(trace.displayTimeUnit, 'ms');
  const nops = slices(trace, 'NOP');
  assert.equal(nops.length, 3);
  for (const e of nops) {
    assert.equal(e.args?.res, 0);
    assert.equal(e.args?.fd, -1);
    assert.equal(e.args?.len, 0);
    assert.ok(e.dur! >= 0 && e.tid! >= 1);
  }
  assert.equal(new Set(nops.map((e) => e.tid)).size, 3, 'overlapping ops take separate lanes');

  const [timeout] = slices(trace, 'TIMEOUT');
  assert.ok(timeout, 'a TIMEOUT slice');
  assert.equal(timeout.args?.res, -62);
  assert.equal(timeout.args?.errno, 'ETIME');
  // sleep() takes its deadline when called, after the NOPs' completions were stamped, and the slice ends
  // at the TIMEOUT's completion: at least 5 ms after them. (Not its own length: under load the SQE can be
  // stamped later than the call, and the kernel then waits only what is left.)
  const nopsDone = Math.max(...nops.map((e) => e.ts + e.dur!));
  assert.ok(timeout.ts + timeout.dur! - nopsDone >= 4900, `the slice ends 5 ms after the NOPs (${timeout.ts + timeout.dur! - nopsDone} µs)`);

  const enters = trace.traceEvents.filter((e) => e.ph === 'i' && e.name === 'io_uring_enter');
  assert.ok(
    enters.some((e) => e.args?.to_submit === 3 && e.args?.ret === 3),
    'the three NOPs went in one enter',
  );
  assert.ok(
    enters.some((e) => e.args?.to_submit === 1),
    'the sleep in its own',
  );

  const counters = trace.traceEvents.filter((e) => e.ph === 'C');
  const inFlight = counters.filter((e) => e.name === 'in flight').map((e) => e.args?.ops);
  assert.ok(inFlight.includes(3) && inFlight.at(-1) === 0, `in flight rises to 3 and ends at 0: ${inFlight}`);
  assert.ok(
    counters.some((e) => e.name === 'SQ' && e.args?.entries === 3),
    'SQ holds the 3 NOPs before the enter',
  );
  assert.ok(
    counters.some((e) => e.name === 'CQ'),
    'a CQ occupancy track',
  );

  const times = trace.traceEvents.map((e) => e.ts);
  assert.ok(times.every((t) => Number.isFinite(t) && t >= 0));
});

test('two rings are two tracks, named by metadata events', () => {
  const trace = traced(`
    import { Ring } from '${index}';
    const a = new Ring({ entries: 8 });
    const b = new Ring({ entries: 16 });
    await Promise.all([a.nop(), b.nop(), b.nop()]);
    await Promise.all([a.close(), b.close()]);
    console.log('ok');
  `);
  const names = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name');
  assert.equal(names.length, 2);
  const pids = names.map((e) => e.pid);
  assert.notEqual(pids[0], pids[1]);
  assert.match(String(names.find((e) => e.pid === Math.min(...pids))?.args?.name), /^ring \d+ \(SQ 8, CQ 16\)$/);
  const nops = slices(trace, 'NOP');
  assert.deepEqual(pids.map((pid) => nops.filter((e) => e.pid === pid).length).sort(), [1, 2]);
  const threads = trace.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name');
  for (const pid of pids) assert.ok(threads.some((e) => e.pid === pid && e.args?.name === 'io_uring_enter'));
});

test('a multishot op is a slice per CQE, back to back', async (t) => {
  // Before 6.4 interval() ticks with one TIMEOUT per tick, after one refused as multishot: no multishot op to draw.
  const ring = new Ring({ entries: 2 });
  const multishot = await hasMultishotTimeout(ring).finally(() => ring.close());
  if (!multishot) return void t.skip('the kernel lacks IORING_TIMEOUT_MULTISHOT (Linux 6.4)');
  const trace = traced(`
    import { interval } from '${time}';
    for await (const _ of interval(2, { count: 3 })) {}
    console.log('ok');
  `);
  const ticks = slices(trace, 'TIMEOUT');
  assert.equal(ticks.length, 3);
  assert.deepEqual(
    ticks.map((e) => e.args?.cqe),
    [1, 2, 3],
  );
  assert.equal(new Set(ticks.map((e) => e.tid)).size, 1, 'one lane');
  for (let i = 1; i < 3; i++) assert.ok(Math.abs(ticks[i]!.ts - (ticks[i - 1]!.ts + ticks[i - 1]!.dur!)) < 0.01);
});

test('startTimeline()/stopTimeline() record in-process and write the file', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringcore-timeline-'));
  const file = path.join(dir, 'api.json');
  try {
    startTimeline(file);
    assert.throws(() => startTimeline(file), /already being recorded/);
    await nop();
    assert.equal(stopTimeline(), file);
    assert.equal(stopTimeline(), undefined);
    const trace = JSON.parse(readFileSync(file, 'utf8')) as ChromeTrace;
    assert.equal(slices(trace, 'NOP').length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Timeline: an op still in flight is drawn up to now', () => {
  let clock = 0;
  const timeline = new Timeline(
    () => undefined,
    () => clock,
  );
  timeline.record({ type: 'sqe', ring: 1, opcode: 11, flags: 0, fd: -1, len: 1, off: 0, userData: 7, slot: 7, generation: 0 });
  clock = 2;
  const events: ChromeTraceEvent[] = timeline.toJSON().traceEvents;
  const open = events.find((e) => e.ph === 'X');
  assert.equal(open?.name, 'TIMEOUT');
  assert.equal(open?.dur, 2000);
  assert.equal(open?.args?.res, 'in flight');
});

test('RINGCORE_TRACE=1 in a process that exits at once: the events are printed, or stderr says they were not', () => {
  // process.exit() right after the first op can beat the tracer's import; before, nothing at all came out.
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `import { nop } from '${index}'; await nop(); process.exit(0);`], {
    encoding: 'utf8',
    timeout: 10_000,
    env: { ...process.env, RINGCORE_TRACE: '1' },
  });
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stderr, /NOP|events were not written/);
});
