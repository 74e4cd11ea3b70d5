// The layering rule, checked: src/ has no import cycle, and each layer
// imports only from the layers allowed below it. This is the table of
// docs/architecture.md and CONTRIBUTING.md; change them together.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

import { importCycles, importGraph } from '../../test-support/import-graph.js';

// The tests run from dist/test/sys/; the sources are read, not the output (type-only imports count).
const src = fileURLToPath(new URL('../../../src/', import.meta.url));

/** Which folders of src/ each folder may import from (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  sys: [],
  // Which backend this thread uses (io_uring, or Node's own modules when io_uring_setup is refused).
  backend: ['sys'],
  ring: ['sys', 'backend'],
  trace: ['sys', 'ring'],
  op: ['sys', 'ring'],
  driver: ['sys', 'backend', 'ring', 'op', 'trace'],
  time: ['sys', 'backend', 'ring', 'op', 'driver', 'fallback'],
  fs: ['sys', 'backend', 'ring', 'op', 'driver', 'fallback'],
  net: ['sys', 'backend', 'ring', 'op', 'driver', 'fallback'],
  // The node backend's handles: they extend the io_uring handles' classes, which dispatch to them.
  fallback: ['sys', 'backend', 'ring', 'op', 'driver', 'time', 'fs', 'net', 'http'],
  http: ['sys', 'backend', 'ring', 'op', 'driver', 'time', 'fs', 'net', 'fallback'],
  // src/index.ts, the main entry.
  '.': ['sys', 'backend', 'ring', 'op', 'driver'],
};

/**
 * The one sanctioned loop: a handle's entry point dispatches to its node-backend
 * subclass in src/fallback/ (which must import the handle to extend it). The
 * dispatch runs only at call time on the node backend, never while the modules
 * load, so these edges are left out of the cycle check.
 */
const withoutFallbackDispatch = (graph: Map<string, Set<string>>) =>
  new Map([...graph].map(([file, deps]) => [file, folder(file) === 'fallback' ? deps : new Set([...deps].filter((d) => folder(d) !== 'fallback'))]));

const folder = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '.');

test('src/ has no import cycle', () => {
  const graph = importGraph(src);
  assert.ok(graph.size > 50 && graph.get('ring/io-uring.ts')?.has('sys/constants.ts'), 'the graph was read');
  assert.deepEqual(importCycles(withoutFallbackDispatch(graph)), []);
});

test('each layer imports only from the layers below it', () => {
  const graph = importGraph(src);
  const wrong: string[] = [];
  for (const [file, imports] of graph) {
    const from = folder(file);
    const allowed = ALLOWED[from];
    if (allowed === undefined) {
      wrong.push(`${file}: src/${from} is not in the layer table`);
      continue;
    }
    for (const dep of imports) {
      if (!graph.has(dep)) {
        if (dep.startsWith('node:')) continue;
        wrong.push(`${file} imports ${dep}, which is neither a source file nor a node: module`);
        continue;
      }
      const to = folder(dep);
      if (to !== from && !allowed.includes(to)) wrong.push(`${file} imports ${dep}: src/${from} may import only ${allowed.join(', ') || 'itself'}`);
      // The driver asks for RINGCORE_TRACE's tracing; the rest of the trace layer stays unloaded.
      if (to === 'trace' && from !== 'trace' && dep !== 'trace/env.ts') wrong.push(`${file} imports ${dep}: below ringcore/trace, only trace/env.ts is loaded`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('the cycle finder finds a cycle, and the reader sees type-only and dynamic imports', () => {
  const graph = new Map([
    ['a.ts', new Set(['b.ts'])],
    ['b.ts', new Set(['c.ts'])],
    ['c.ts', new Set(['a.ts'])],
    ['d.ts', new Set(['a.ts'])],
  ]);
  assert.deepEqual(importCycles(graph), [['a.ts', 'b.ts', 'c.ts']]);
  const real = importGraph(src);
  assert.ok(real.get('ring/io-uring.ts')?.has('ring/trace-hook.ts'));
  assert.ok(real.get('trace/env.ts')?.has('trace/from-env.ts'), 'a dynamic import is an edge');
  assert.ok(real.get('fs/streams.ts')?.has('fs/stream-source.ts'), 'a type-only import is an edge');
});
