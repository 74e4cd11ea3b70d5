// A program that goes idle exits by itself: the ring's watch in Node's event
// loop keeps the process alive only while ops are in flight. A pending op does
// keep it alive until it completes. Each case runs in a child process; its
// spawnSync timeout catches a hang.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const index = new URL('../../src/index.js', import.meta.url).href;
const time = new URL('../../src/time/index.js', import.meta.url).href;

/** Runs an ES module body in a fresh node; ringcore's index and time modules are imported as `rc` and `time`. */
function runChild(body: string) {
  const script = `import * as rc from '${index}';\nimport * as time from '${time}';\n${body}\n`;
  const started = Date.now();
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
  return { ...child, ms: Date.now() - started };
}

function assertExited(child: ReturnType<typeof runChild>): void {
  assert.equal(
    child.error,
    undefined,
    `the child hung (killed after ${child.ms} ms): ${child.error?.message}; its stdout: ${JSON.stringify(child.stdout)}, stderr: ${JSON.stringify(child.stderr)}`,
  );
  assert.equal(child.signal, null);
  assert.equal(child.stderr, '');
  assert.equal(child.status, 0);
}

test('after `await nop(); await sleep(10)` the process exits with code 0 by itself', () => {
  const child = runChild(`await rc.nop();\nawait time.sleep(10);\nconsole.log('done');`);
  assertExited(child);
  assert.equal(child.stdout, 'done\n');
});

test('a pending sleep(300) keeps the process alive until it fires', () => {
  const child = runChild(`time.sleep(300).then(() => console.log('fired'));\nconsole.log('started');`);
  assertExited(child);
  assert.equal(child.stdout, 'started\nfired\n');
});

test('timers removed after the work settled do not keep the process alive', () => {
  // 60 s deadlines: if their kernel timers lingered, the child would be killed at 10 s.
  const child = runChild(
    `await time.timeout(rc.nop(), 60_000);\n` +
      `await time.timeout(new Promise((resolve) => setTimeout(resolve, 5)), 60_000);\n` +
      `const stop = new AbortController();\ntime.sleep(60_000, { signal: stop.signal }).catch(() => console.log('aborted'));\nstop.abort();\n` +
      `for await (const tick of time.interval(1)) if (tick === 2) break;\n` +
      `console.log('done');`,
  );
  assertExited(child);
  assert.equal(child.stdout, 'aborted\ndone\n');
});

test('an explicit Ring left open does not keep an idle process alive', () => {
  const child = runChild(`const ring = new rc.Ring({ entries: 4 });\nawait ring.nop();\nawait time.sleep(5, { ring });\nconsole.log('idle');`);
  assertExited(child);
  assert.equal(child.stdout, 'idle\n');
});

for (const [name, options] of [
  ['a default ring', '{}'],
  ['a DEFER_TASKRUN ring', `{ preferFlags: rc.constants.IORING_SETUP_DEFER_TASKRUN | rc.constants.IORING_SETUP_SINGLE_ISSUER }`],
] as const) {
  test(`run() started in the turn an op was queued hands over cleanly, and the process exits (${name})`, () => {
    // The event-loop driver's batch is still scheduled when run() replaces it:
    // that late flush must do nothing (no watch left behind, no closed fd used).
    const child = runChild(
      `const ring = new rc.Ring(${options});\n` +
        `const slept = time.sleep(30, { ring });\n` +
        `const ran = await ring.run(async () => { await time.sleep(10, { ring }); return 'ran'; });\n` +
        `await slept;\nconsole.log(ran);`,
    );
    assertExited(child);
    assert.equal(child.stdout, 'ran\n');
  });
}
