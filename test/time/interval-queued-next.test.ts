// Several next() calls on one interval() at once, as careless code makes them
// (a Promise.all of next()s, a next() from a callback while one waits). Node's
// timers/promises setInterval is an async generator: it queues them, each
// gets a tick of its own, a return() made meanwhile comes after them, and an
// abort rejects the one being answered and ends the rest. Each case runs on
// Node's iterator and on ringcore's side by side, and their outcomes must be
// the same (ringcore's values are the tick numbers, Node's the value given).
// The file runs on both backends: the node backend's interval is an async
// generator too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setInterval as nodeSetInterval } from 'node:timers/promises';

import { backend, defaultRing } from '../../src/index.js';
import { interval } from '../../src/time/index.js';
import { hasMultishotTimeout } from '../../test-support/kernel.js';

type Ticks = AsyncIterator<unknown>;
type Outcome = string;

/** What a next()/return() promise settled with: 'value', 'done', or the error's name and code. */
function outcome(promise: Promise<IteratorResult<unknown>>, values: unknown[]): Promise<Outcome> {
  return promise.then(
    (result) => {
      if (result.done) return 'done';
      values.push(result.value);
      return 'value';
    },
    (error: Error & { code?: string }) => `${error.name} ${error.code}`,
  );
}

/** Runs `scenario` on Node's interval and on ringcore's; resolves with both outcomes and ringcore's values. */
async function sideBySide(
  ms: number,
  scenario: (ticks: Ticks, values: unknown[], abort: () => void) => Promise<Outcome[]>,
): Promise<{ node: Outcome[] | null; ringcore: Outcome[]; values: unknown[] }> {
  const nodeStop = new AbortController();
  const ringcoreStop = new AbortController();
  const [node, ringcore, values] = await Promise.all([
    // Bun's own setInterval never answers a second next() made while one waits: nothing to compare with there.
    'bun' in process.versions ? null : scenario(nodeSetInterval(ms, 'tick', { signal: nodeStop.signal }) as Ticks, [], () => nodeStop.abort()),
    (async () => {
      const values: unknown[] = [];
      return [await scenario(interval(ms, { signal: ringcoreStop.signal }), values, () => ringcoreStop.abort()), values] as const;
    })(),
  ]).then(([n, [r, v]]) => [n, r, v] as const);
  nodeStop.abort();
  ringcoreStop.abort();
  return { node, ringcore, values };
}

async function skipReason(): Promise<string | false> {
  if (backend() === 'io_uring' && !(await hasMultishotTimeout(defaultRing()))) return 'the kernel lacks IORING_TIMEOUT_MULTISHOT (Linux 6.4)';
  return false;
}

test('three next() at once: each gets a tick of its own, in order (was ERR_INVALID_STATE)', { timeout: 10_000 }, async (t) => {
  const skip = await skipReason();
  if (skip) return void t.skip(skip);
  const { node, ringcore, values } = await sideBySide(5, async (ticks, values) => {
    const calls = [ticks.next(), ticks.next(), ticks.next()];
    const outcomes = await Promise.all(calls.map((call) => outcome(call, values)));
    await ticks.return!();
    return outcomes;
  });
  const expected = ['value', 'value', 'value'];
  if (node !== null) assert.deepEqual(node, expected, 'Node');
  assert.deepEqual(ringcore, expected, 'ringcore');
  assert.deepEqual(values, [1, 2, 3]);
});

test('return() made while two next() wait comes after them: both get their tick, then done', { timeout: 10_000 }, async (t) => {
  const skip = await skipReason();
  if (skip) return void t.skip(skip);
  const { node, ringcore, values } = await sideBySide(5, async (ticks, values) => {
    const calls = [ticks.next(), ticks.next(), ticks.return!(), ticks.next()];
    return Promise.all(calls.map((call) => outcome(call, values)));
  });
  const expected = ['value', 'value', 'done', 'done'];
  if (node !== null) assert.deepEqual(node, expected, 'Node');
  assert.deepEqual(ringcore, expected, 'ringcore');
  assert.deepEqual(values, [1, 2]);
});

test('an abort while two next() wait rejects the first with an AbortError and ends the second; next() after it is done', { timeout: 10_000 }, async (t) => {
  const skip = await skipReason();
  if (skip) return void t.skip(skip);
  const { node, ringcore } = await sideBySide(60_000, async (ticks, values, abort) => {
    const calls = [ticks.next(), ticks.next()];
    abort();
    const outcomes = await Promise.all(calls.map((call) => outcome(call, values)));
    outcomes.push(await outcome(ticks.next(), values));
    return outcomes;
  });
  const expected = ['AbortError ABORT_ERR', 'done', 'done'];
  if (node !== null) assert.deepEqual(node, expected, 'Node');
  assert.deepEqual(ringcore, expected, 'ringcore');
});

test('count: 2 and three next() at once: ticks 1 and 2, then done', { timeout: 10_000 }, async (t) => {
  const skip = await skipReason();
  if (skip) return void t.skip(skip);
  const ticks = interval(5, { count: 2 });
  const results = await Promise.all([ticks.next(), ticks.next(), ticks.next()]);
  assert.deepEqual(results, [
    { value: 1, done: false },
    { value: 2, done: false },
    { value: undefined, done: true },
  ]);
});
