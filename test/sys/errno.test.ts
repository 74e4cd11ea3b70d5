// Checks src/sys/errno.ts: every export against <errno.h> (compiled and
// printed) and against the running Node's os.constants.errno.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';

import * as E from '../../src/sys/errno.js';
import { errnoName } from '../../src/sys/errors.js';
import { cHeaders } from '../../test-support/c-headers.js';

const ours = E as unknown as Readonly<Record<string, number>>;
const names = Object.keys(ours);

const c = cHeaders('errno', ['#include <errno.h>']);

test('every errno value matches <errno.h>', (t) => {
  if (c.skipReason !== undefined) return void t.skip(c.skipReason);
  assert.deepEqual({ ...ours }, c.valuesOf('c', names));
});

test("every errno value matches the running Node's os.constants.errno", () => {
  const node = constants.errno as Readonly<Record<string, number>>;
  assert.deepEqual({ ...ours }, Object.fromEntries(names.map((name) => [name, node[name]])));
});

test("errnoName gives each value os.constants.errno's first name for it (EOPNOTSUPP is ENOTSUP)", () => {
  const node = Object.entries(constants.errno as Readonly<Record<string, number>>);
  for (const value of Object.values(ours)) assert.equal(errnoName(-value), node.find(([, v]) => v === value)![0]);
  assert.equal(errnoName(-E.EOPNOTSUPP), 'ENOTSUP');
});
