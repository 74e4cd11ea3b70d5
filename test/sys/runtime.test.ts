// src/sys/runtime.ts reads process.versions; the runtimes' own globals say the same thing another way.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { runtime } from '../../src/sys/runtime.js';

test('the runtime is named as its own global names it', () => {
  const expected = 'Bun' in globalThis ? 'bun' : 'Deno' in globalThis ? 'deno' : 'node';
  assert.equal(runtime, expected);
});
