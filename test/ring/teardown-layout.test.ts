// The native tear-down reads a ring through words TypeScript passes in
// (src/ring/teardown.ts): their order is native/ringcore.c's L_* enum, and its
// "no SQ array" marker is NO_SQ_ARRAY on both sides. Neither language can
// import the other's, so this test holds them to each other.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FIELDS, NO_SQ_ARRAY } from '../../src/ring/teardown.js';

const source = readFileSync(new URL('../../../native/ringcore.c', import.meta.url), 'utf8');

test("the layout words TypeScript passes are in the order of native/ringcore.c's L_* enum", () => {
  const body = /enum \{\s*(L_[^}]*)\}/.exec(source)?.[1];
  assert.ok(body !== undefined, 'the L_* enum is in native/ringcore.c');
  const names = body.split(',').map((name) => name.trim());
  assert.equal(names.pop(), 'L_COUNT');
  // L_SQ_HEAD -> sqHead, L_CQES -> cqes
  const camel = names.map((name) =>
    name
      .slice(2)
      .toLowerCase()
      .replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()),
  );
  assert.deepEqual(camel, [...FIELDS]);
});

test('NO_SQ_ARRAY is the same marker on both sides', () => {
  const value = /#define NO_SQ_ARRAY (0x[0-9a-f]+)u/.exec(source)?.[1];
  assert.equal(Number(value), NO_SQ_ARRAY);
});
