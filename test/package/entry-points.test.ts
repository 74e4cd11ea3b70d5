// The package's entry points as a program imports them (`ringcore/fs`, through
// package.json's exports: the bundles of scripts/bundle.mjs), each in a fresh
// process. Importing one loads no Node built-in that only some calls need
// (docs/benchmarks.md, "Import cost"), and the entry points share one copy of
// every module: a Ring made through `ringcore` is a Ring to `ringcore/fs`, and
// both use the same default ring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs an ES module program in a fresh node at the package root; returns its last line of output, parsed. */
function run(program: string): unknown {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', program], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, RINGCORE_TRACE: '' },
  });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

/** Node's internal modules that importing `specifier` loads (process.moduleLoadList, Node only). */
function loadedBy(specifier: string): string[] {
  return run(`
    const before = new Set(process.moduleLoadList);
    await import(${JSON.stringify(specifier)});
    console.log(JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m))));
  `) as string[];
}

// Each is loaded on the first call that needs it, never by the import: node:stream (fs's streams; also
// under node:worker_threads and node:fs's ReadStream getter), node:worker_threads (the fallback's warning),
// node:net and node:dgram (the fallback's sockets), node:diagnostics_channel (made with the first ring),
// node:util's argument parser and MIME type (read by node:util's namespace).
const NEVER = [
  'stream',
  'worker_threads',
  'net',
  'dgram',
  'diagnostics_channel',
  'internal/fs/streams',
  'internal/util/parse_args/parse_args',
  'internal/mime',
];
const EXPECTED: Record<string, readonly string[]> = {
  ringcore: NEVER,
  'ringcore/fs': NEVER,
  'ringcore/time': NEVER,
  // A ringcore socket is a node:stream Duplex's source, so node:stream is in; node:net (addresses) is not.
  'ringcore/net': NEVER.filter((m) => m !== 'stream'),
  // createServer is node:http's server: node:http, and with it node:net and node:stream, are in.
  'ringcore/http': NEVER.filter((m) => !['stream', 'net', 'diagnostics_channel'].includes(m)),
};

for (const [specifier, never] of Object.entries(EXPECTED)) {
  test(`import('${specifier}') loads none of ${never.join(', ')}`, { skip: !('moduleLoadList' in process) && 'no process.moduleLoadList here' }, () => {
    const loaded = loadedBy(specifier).map((m) => m.replace(/^NativeModule /, ''));
    assert.deepEqual(
      never.filter((m) => loaded.includes(m)),
      [],
    );
  });
}

test('the entry points share their modules: one Ring class, one default ring per thread', () => {
  const result = run(`
    import { writeFileSync, rmSync, mkdtempSync } from 'node:fs';
    import { tmpdir } from 'node:os';
    import path from 'node:path';
    const { Ring, backend, defaultRing } = await import('ringcore');
    const { readFile } = await import('ringcore/fs');
    const dir = mkdtempSync(path.join(tmpdir(), 'ringcore-entries-'));
    const file = path.join(dir, 'f');
    writeFileSync(file, 'shared');
    const ring = new Ring();
    const own = await readFile(file, { encoding: 'utf8', ring });
    const before = defaultRing().stats.completed;
    const viaDefault = await readFile(file, 'utf8');
    const after = defaultRing().stats.completed;
    ring.close();
    rmSync(dir, { recursive: true });
    console.log(JSON.stringify({ own, viaDefault, backend: backend(), defaultRingCompleted: after - before }));
  `) as { own: string; viaDefault: string; backend: string; defaultRingCompleted: number };
  assert.equal(result.own, 'shared');
  assert.equal(result.viaDefault, 'shared');
  // On the node backend a read makes no CQE to count.
  if (result.backend === 'io_uring') assert.ok(result.defaultRingCompleted > 0, "ringcore/fs's readFile ran on ringcore's default ring");
});

test('an uncaught error thrown in a bundle prints a short source line, not the whole bundle', () => {
  // The runtime prints the source line of an uncaught error's top frame; a bundle on one line printed tens of KB.
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', "const { Ring } = await import('ringcore'); new Ring({ entries: 'x' });"], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.notEqual(child.status, 0);
  assert.match(child.stderr, /TypeError: The "entries" argument must be of type number/);
  // Node prints the line under `file:///…/dist/bundle/x.js:N`, Bun the lines around it, numbered.
  const longest = Math.max(...child.stderr.split('\n').map((line) => line.length));
  assert.ok(longest <= 400, `a line of ${longest} characters in:\n${child.stderr.slice(0, 1000)}`);
});
