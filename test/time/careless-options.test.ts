// Options that are not an object, or a `ring` that is not a Ring, are refused
// with Node's TypeError before anything is started, on both backends. Node's
// timers/promises refuses such options too; ringcore ignored them (a `signal`
// inside a misplaced options object was never seen), and a wrong `ring`
// failed deep inside with no code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as nodeSleep } from 'node:timers/promises';

import { interval, sleep, timeout } from '../../src/time/index.js';

const refused = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };

for (const options of ['x', null, 5, true]) {
  test(`options ${JSON.stringify(options)} are refused, as Node's timers/promises refuses them`, async () => {
    await assert.rejects(nodeSleep(1, undefined, options as never), refused);
    assert.throws(() => sleep(1, options as never), refused);
    assert.throws(() => interval(1, options as never), refused);
    assert.throws(() => timeout(Promise.resolve(), 1, options as never), refused);
  });
}

test('a ring that is not a Ring is refused', () => {
  for (const ring of [{}, 'default', 1]) {
    assert.throws(() => sleep(1, { ring } as never), { ...refused, message: /options\.ring/ });
    assert.throws(() => interval(1, { ring } as never), { ...refused, message: /options\.ring/ });
    assert.throws(() => timeout(Promise.resolve(), 1, { ring } as never), { ...refused, message: /options\.ring/ });
  }
});

test('undefined options and an options object without a ring still work', async () => {
  await sleep(1);
  await sleep(1, {});
  await sleep(1, { signal: new AbortController().signal });
  assert.equal(await timeout(Promise.resolve(7), 1_000, {}), 7);
});
