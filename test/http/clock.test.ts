// The clock serve() stamps requests with (src/http/clock.ts): one reading per
// run of synchronous work, a new one once that run is over. The server's
// side of it (deadlines, the Date header) is in server.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { turnNow } from '../../src/http/clock.js';
import { httpDateLine } from '../../src/http/date.js';

test('turnNow: one reading while synchronous work runs, however long; a fresh one after it', async () => {
  const first = turnNow();
  const later = Date.now() + 30;
  while (Date.now() < later); // time passes inside one run of synchronous work
  assert.equal(turnNow(), first, 'the same reading within the run');
  await new Promise((resolve) => setImmediate(resolve)); // the run is over
  const second = turnNow();
  assert.ok(second >= later, `a new reading after the run: ${second} < ${later}`);
  assert.ok(second <= Date.now());
});

test('the Date header line follows the clock to the second', async () => {
  await new Promise((resolve) => setTimeout(resolve, 0));
  const line = httpDateLine();
  assert.match(line, /^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n$/);
  assert.ok(Math.abs(Date.parse(line.slice(6, -2)) - Date.now()) <= 1000, line);
  // A new second, seen after the run: a new line.
  const next = Math.floor(Date.now() / 1000) * 1000 + 1000;
  await new Promise((resolve) => setTimeout(resolve, next - Date.now() + 5));
  const after = httpDateLine();
  assert.ok(Date.parse(after.slice(6, -2)) >= next, `${after} is not past ${new Date(next).toUTCString()}`);
});
