// The package's entry points as a program imports them (`ringcore/fs`, through
// package.json's exports: the bundles of scripts/bundle.mjs), each in a fresh
// process. Importing one loads no Node built-in that only some calls need
// (docs/benchmarks.md, "Import cost"), and the entry points share one copy of
// every module: a Ring made through `ringcore` is a Ring to `ringcore/fs`, and
// both use the same default ring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  cpSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Module from 'node:module';
import { requireIoUring } from '../../test-support/backend.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs an ES module program in a fresh node at the package root; returns its last line of output, parsed. */
function run(program: string, env: Record<string, string> = {}): unknown {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', program], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, RINGCORE_TRACE: '', ...env },
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

// Each is loaded on the first call that needs it, never by the import: node:stream (fs's streams, the first
// RingcoreDuplex; also under node:worker_threads and node:fs's ReadStream getter), node:http (the first
// createServer() or status line; it loads node:net and node:stream), node:worker_threads (the fallback's warning),
// node:net and node:dgram (the fallback's sockets), node:diagnostics_channel (made with the first ring),
// node:util's argument parser and MIME type (read by node:util's namespace), node:os (errno names, on the
// first error; the errno values are src/sys/errno.ts). Nor, where process.getBuiltinModule exists, node:module
// (and the source-map module its namespace loads).
const MODERN = 'getBuiltinModule' in process;
const NEVER = [
  'os',
  ...(MODERN ? ['module', 'internal/source_map/source_map'] : []),
  'stream',
  'http',
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
  'ringcore/net': NEVER,
  'ringcore/http': NEVER,
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

// The native addon is loaded by the first call that needs it (this thread's first I/O decides the backend), not by the
// import: its lookup and dlopen were about 1 ms of every import (docs/performance.md, "Session 23: import cost").
test('importing an entry point maps no native addon; the first call loads it', () => {
  const result = run(`
    import { readFileSync } from 'node:fs';
    const mapped = () => /\\/ringcore\\.node$/m.test(readFileSync('/proc/self/maps', 'latin1'));
    const atImport = {};
    for (const entry of ['ringcore/fs', 'ringcore/net', 'ringcore/http', 'ringcore/time', 'ringcore/trace', 'ringcore']) {
      await import(entry);
      atImport[entry] = mapped();
    }
    const { readFile } = await import('ringcore/fs');
    const read = (await readFile('package.json', 'utf8')).length > 0;
    console.log(JSON.stringify({ atImport, read, afterCall: mapped() }));
  `);
  assert.deepEqual(result, {
    atImport: { 'ringcore/fs': false, 'ringcore/net': false, 'ringcore/http': false, 'ringcore/time': false, 'ringcore/trace': false, ringcore: false },
    read: true,
    afterCall: true,
  });
});

/**
 * The package's files (dist/bundle/, without the chunks' hashes) that importing `specifier` reads: the ES modules,
 * seen by a module.register load hook, and the chunks the entries' loader ran (scripts/bundle.mjs), from its registry.
 */
function filesOf(specifier: string): string[] {
  const hooks = `
    let port;
    export function initialize(data) { port = data.port; }
    export async function load(url, context, next) {
      port.postMessage(url);
      return next(url, context);
    }`;
  return run(`
    import { register } from 'node:module';
    import { MessageChannel } from 'node:worker_threads';
    const { port1, port2 } = new MessageChannel();
    const urls = [];
    const end = 'data:text/javascript,export default 1;';
    const ended = new Promise((resolve) => port1.on('message', (url) => (url === end ? resolve() : urls.push(url))));
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), { data: { port: port2 }, transferList: [port2] });
    await import(${JSON.stringify(specifier)});
    // The hooks thread posts in load order: this module's URL comes after every file the import read.
    await import(end);
    await ended;
    port1.close();
    const chunks = [...(globalThis[Symbol.for('ringcore.chunks')]?.keys() ?? [])];
    const files = [...urls, ...chunks].filter((url) => url.includes('/dist/bundle/')).map((url) => url.slice(url.lastIndexOf('/dist/bundle/') + 13).replace(/-[\\w-]{8}(\\.c?js)$/, '$1'));
    console.log(JSON.stringify(files.sort()));
  `) as string[];
}

// Each entry point reads its own ES module, which runs its chunk, and the chunks of the layers it is built on, no
// more: ringcore/http reads the fs layer's chunk only when it first sends a file body (http/file-send.ts;
// docs/performance.md, "Import cost"). ringcore/fs and ringcore/net have no chunk of their own: their exports are the
// layer chunk's, renamed in their ES module (session 27; before, a third file, fs.cjs or net.cjs, did it).
const FILES: Record<string, readonly string[]> = {
  ringcore: ['core.cjs', 'index.cjs', 'index.js'],
  'ringcore/fs': ['core.cjs', 'fs.cjs', 'fs.js'],
  'ringcore/net': ['core.cjs', 'net.cjs', 'net.js'],
  'ringcore/http': ['core.cjs', 'http.cjs', 'http.js', 'net.cjs'],
};

for (const [specifier, files] of Object.entries(FILES)) {
  test(`import('${specifier}') reads ${files.join(', ')} from dist/bundle/`, {
    skip: ('bun' in process.versions || !('register' in Module)) && 'no working module.register here (Bun has a stub)',
  }, () => {
    // Node before 20.16 (no "module-sync" condition) reads the compat entry too (scripts/bundle.mjs).
    const compat = MODERN ? [] : [`compat/${specifier === 'ringcore' ? 'index' : specifier.slice('ringcore/'.length)}.js`, 'compat/require.js'];
    assert.deepEqual(filesOf(specifier), [...files, ...compat].sort());
  });
}

/**
 * The chunks ringcore/fs has read (without their hashes) after its import, after a write, a read and a copyFile() (by
 * copy_file_range on io_uring), and after a copyFile() by SPLICE.
 */
function fsChunksOf(backend: string): { atImport: string[]; afterIo: string[]; afterCopy: string[]; copied: string } {
  return run(
    `
    import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
    import { tmpdir } from 'node:os';
    import path from 'node:path';
    const chunks = () => [...globalThis[Symbol.for('ringcore.chunks')].keys()].map((file) => path.basename(file).replace(/-[\\w-]{8}\\.cjs$/, '')).sort();
    const fs = await import('ringcore/fs');
    const atImport = chunks();
    const dir = mkdtempSync(path.join(tmpdir(), 'ringcore-chunks-'));
    await fs.writeFile(path.join(dir, 'a'), 'bytes');
    await fs.readFile(path.join(dir, 'a'));
    await fs.copyFile(path.join(dir, 'a'), path.join(dir, 'c'));
    const afterIo = chunks();
    await fs.copyFile(path.join(dir, 'a'), path.join(dir, 'b'), 0, { method: 'splice' });
    const afterCopy = chunks();
    const copied = readFileSync(path.join(dir, 'b'), 'utf8');
    rmSync(dir, { recursive: true });
    console.log(JSON.stringify({ atImport, afterIo, afterCopy, copied }));
  `,
    { RINGCORE_BACKEND: backend, RINGCORE_QUIET: '1' },
  ) as { atImport: string[]; afterIo: string[]; afterCopy: string[]; copied: string };
}

// The fs layer's copying code (fs/copying.ts: transfer(), spliceTransfer(), copyFile()'s SPLICE and READ/WRITE
// copies) and the node backend's fs are chunks of their own, read by their first use, not by the import (docs/performance.md, "Import cost", session
// 21). Before, both were in the fs chunk, which the import reads.
test('ringcore/fs reads its copying code at the first copy, not at import', requireIoUring(), () => {
  const { atImport, afterIo, afterCopy, copied } = fsChunksOf('io_uring');
  assert.deepEqual(atImport, ['core', 'fs']);
  assert.deepEqual(afterIo, atImport);
  assert.deepEqual(afterCopy, ['core', 'fs', 'fs-copy']);
  assert.equal(copied, 'bytes');
});

test("ringcore/fs reads the node backend's fs at its first call, not at import", () => {
  const { atImport, afterIo, afterCopy, copied } = fsChunksOf('node');
  assert.deepEqual(atImport, ['core', 'fs']);
  assert.deepEqual(afterIo, ['core', 'fs', 'fs-node']);
  assert.deepEqual(afterCopy, afterIo);
  assert.equal(copied, 'bytes');
});

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

// RingcoreDuplex extends a stand-in until the first one is made, which loads node:stream and puts Duplex under it
// (src/net/duplex.ts): a subclass declared before that, its instances, and the class's statics are Duplex's all the same.
test('RingcoreDuplex is a node:stream Duplex, node:stream loaded by the first one made', () => {
  const result = run(`
    // Bun has a process.moduleLoadList that lists no built-in.
    const tracked = 'moduleLoadList' in process && !process.versions.bun;
    const streamLoaded = () => process.moduleLoadList.includes('NativeModule stream');
    const { socketpair, RingcoreDuplex } = await import('ringcore/net');
    const atImport = tracked ? streamLoaded() : false;
    class Mine extends RingcoreDuplex {
      mine() { return 'mine'; }
    }
    const [a, b] = socketpair();
    const left = new Mine(a);
    const afterFirst = tracked ? streamLoaded() : true;
    const right = b.toDuplex();
    const { Duplex, Readable, Writable } = await import('node:stream');
    left.end('ping');
    const chunks = [];
    for await (const chunk of right) chunks.push(chunk);
    console.log(JSON.stringify({
      atImport, afterFirst,
      duplex: left instanceof Duplex && left instanceof Readable && left instanceof Writable && right instanceof Duplex,
      ringcore: left instanceof RingcoreDuplex && right instanceof RingcoreDuplex && !(right instanceof Mine),
      prototype: RingcoreDuplex.prototype instanceof Duplex && Object.getPrototypeOf(RingcoreDuplex) === Duplex,
      statics: RingcoreDuplex.from === Duplex.from,
      mine: left.mine(),
      received: Buffer.concat(chunks).toString(),
    }));
  `);
  assert.deepEqual(result, {
    atImport: false,
    afterFirst: true,
    duplex: true,
    ringcore: true,
    prototype: true,
    statics: true,
    mine: 'mine',
    received: 'ping',
  });
});

test('on Node without process.getBuiltinModule, the compat entry points load the built-ins through node:module', {
  skip: !('moduleLoadList' in process) && 'Node only',
}, () => {
  // Node before 20.16 has neither process.getBuiltinModule nor the "module-sync" condition (20.19), which
  // --no-experimental-require-module turns off; the first import then resolves to dist/bundle/compat/.
  const out = execFileSync(
    process.execPath,
    [
      ...(process.allowedNodeEnvironmentFlags.has('--experimental-require-module') ? ['--no-experimental-require-module'] : []),
      '--input-type=module',
      '-e',
      `delete process.getBuiltinModule;
      const { readFile } = await import('ringcore/fs');
      const { TcpStream } = await import('ringcore/net');
      // errnoName loads node:os on this first error.
      const missing = await readFile('no-such-file').catch((error) => error.code);
      console.log(JSON.stringify({
        resolved: import.meta.resolve('ringcore/fs'),
        name: JSON.parse(await readFile('package.json', 'utf8')).name,
        stream: typeof TcpStream,
        missing,
      }));`,
    ],
    { cwd: root, encoding: 'utf8', env: { ...process.env, RINGCORE_TRACE: '' } },
  );
  const result = JSON.parse(out.trim().split('\n').at(-1)!) as { resolved: string; name: string; stream: string; missing: string };
  assert.match(result.resolved, /\/dist\/bundle\/compat\/fs\.js$/);
  assert.equal(result.name, 'ringcore');
  assert.equal(result.stream, 'function');
  assert.equal(result.missing, 'ENOENT');
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

test("the bundle keeps readFile's allocation after a large result (checkGcAfter, which a bundler may take for dead code)", requireIoUring(), () => {
  // read-all.ts allocates a 1-byte ArrayBuffer right after a result of 64 KiB or more, so that V8's young-GC check
  // runs while the result is alive (docs/performance.md, "Session 19: readFile's page faults"). Rollup once dropped
  // it as pure (`new ArrayBuffer(1)`, unused): counted here through Reflect.construct, as the bundle runs it.
  const result = run(`
    let made = 0;
    const construct = Reflect.construct;
    Reflect.construct = (target, args, newTarget) => {
      if (target === ArrayBuffer) made++;
      return construct(target, args, newTarget ?? target);
    };
    const { readFile } = await import('ringcore/fs');
    const { writeFileSync, rmSync } = await import('node:fs');
    const file = 'dist/.check-gc-after-' + process.pid;
    writeFileSync(file, Buffer.alloc(256 * 1024, 7));
    try {
      const small = (await readFile('package.json')).length;
      const before = made;
      const big = (await readFile(file)).length;
      console.log(JSON.stringify({ small: small > 0 && before === 0, big, made: made - before }));
    } finally {
      rmSync(file);
    }
  `);
  assert.deepEqual(result, { small: true, big: 256 * 1024, made: 1 });
});

/** Runs `program` (an ES module) in a fresh node at `dir`; returns its last line of output, parsed. */
function runIn(dir: string, program: string): unknown {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', program], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, RINGCORE_TRACE: '' },
  });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

/**
 * The chunks importing `specifier` compiled, and whether V8 rejected their code cache ('none': none given); then
 * whether a readFile() works (on the node backend it reads the fs-node chunk, which the import does not).
 */
const CACHED = (specifier: string) => `
  const scripts = (globalThis[Symbol.for('ringcore.codeCache')] = []);
  const { readFile } = await import(${JSON.stringify(specifier)});
  const imported = [...scripts];
  const read = (await readFile('package.json', 'utf8')).length > 0;
  console.log(JSON.stringify({ read, chunks: imported.map(({ name, script }) => [name.replace(/-[\\w-]{8}\\.cjs$/, ''), script.cachedDataRejected ?? 'none']) }));`;

const NODE_ONLY = ('bun' in process.versions || 'deno' in process.versions) && 'Node only (V8 code cache)';

/**
 * A copy of the package (package.json, dist/bundle, the addon) in a temporary directory, with the V8 code cache
 * that scripts/code-cache.mjs makes there for this node (the checkout's dist/bundle has one for the node that
 * built it, maybe another one).
 */
function packageCopy(): { dir: string; bundle: string; caches: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'ringcore-code-cache-'));
  copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  cpSync(path.join(root, 'dist', 'bundle'), path.join(dir, 'dist', 'bundle'), { recursive: true });
  cpSync(path.join(root, 'build', 'Release', 'ringcore.node'), path.join(dir, 'build', 'Release', 'ringcore.node'));
  const bundle = path.join(dir, 'dist', 'bundle');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'code-cache.mjs'), bundle], { stdio: 'ignore' });
  return { dir, bundle, caches: path.join(bundle, 'code-cache', process.versions.v8) };
}

type Cached = { read: boolean; chunks: [string, boolean | 'none'][] };
const byName = (a: [string, unknown], b: [string, unknown]) => `${a}`.localeCompare(`${b}`);

test("the entries compile their chunks from scripts/code-cache.mjs's V8 code cache", { skip: NODE_ONLY }, () => {
  const copy = packageCopy();
  try {
    const result = runIn(copy.dir, CACHED('ringcore/fs')) as Cached;
    assert.equal(result.read, true);
    assert.deepEqual(result.chunks.sort(byName), [
      ['core', false],
      ['fs', false],
    ]);
  } finally {
    rmSync(copy.dir, { recursive: true, force: true });
  }
});

test('a code cache that V8 rejects, or older than its chunk, is not used: the chunks compile from source', { skip: NODE_ONLY }, () => {
  const copy = packageCopy();
  try {
    // Caches that are garbage (as from another V8 build of the same version string).
    const made = readdirSync(copy.caches);
    for (const name of made) {
      const file = path.join(copy.caches, name);
      const header = readFileSync(file).subarray(0, readFileSync(file).indexOf(10) + 1);
      const { mtime } = statSync(file);
      writeFileSync(file, Buffer.concat([header, Buffer.alloc(4096, 7)]));
      // As made by code-cache.mjs (its mtime kept): only V8 can tell.
      utimesSync(file, mtime, mtime);
    }
    const rejected = runIn(copy.dir, CACHED('ringcore/fs')) as Cached;
    assert.equal(rejected.read, true);
    assert.deepEqual(rejected.chunks.sort(byName), [
      ['core', true],
      ['fs', true],
    ]);
    // A chunk edited after its cache was made (V8 compares only the source's length): the cache is not given to V8.
    execFileSync(process.execPath, [path.join(root, 'scripts', 'code-cache.mjs'), copy.bundle], { stdio: 'ignore' });
    const core = readdirSync(copy.bundle).find((name) => name.startsWith('core-'))!;
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(copy.bundle, core), later, later);
    const stale = runIn(copy.dir, CACHED('ringcore/fs')) as Cached;
    assert.equal(stale.read, true);
    assert.deepEqual(stale.chunks.sort(byName), [
      ['core', 'none'],
      ['fs', false],
    ]);
  } finally {
    rmSync(copy.dir, { recursive: true, force: true });
  }
});

test('a code cache corrupted in place (a byte changed, the same length) is not used: the chunk compiles from source, the process lives', {
  skip: NODE_ONLY,
}, () => {
  const copy = packageCopy();
  try {
    // V8 checks the data's length, not its content: such a byte in the core chunk's cache crashed its deserializer.
    // The write moves the file's mtime off the one its first line names.
    const core = readdirSync(copy.caches).find((name) => name.startsWith('core-'))!;
    const file = path.join(copy.caches, core);
    const data = readFileSync(file);
    const fd = openSync(file, 'r+');
    for (const at of [0.25, 0.5, 0.75].map((part) => Math.floor(data.length * part))) writeSync(fd, Buffer.of(data[at]! ^ 0x5a), 0, 1, at);
    closeSync(fd);
    assert.equal(statSync(file).size, data.length);
    const corrupt = runIn(copy.dir, CACHED('ringcore/fs')) as Cached;
    assert.equal(corrupt.read, true);
    assert.deepEqual(corrupt.chunks.sort(byName), [
      ['core', 'none'],
      ['fs', false],
    ]);
  } finally {
    rmSync(copy.dir, { recursive: true, force: true });
  }
});

test('a package copied after its code cache was made compiles from source there: stack traces name its own chunks', { skip: NODE_ONLY }, () => {
  const copy = packageCopy();
  const moved = mkdtempSync(path.join(tmpdir(), 'ringcore-code-cache-moved-'));
  try {
    // As a Docker stage's node_modules copied to another path, or a package manager's cache of an installed package.
    cpSync(copy.dir, moved, { recursive: true, preserveTimestamps: true });
    const program = `${CACHED('ringcore/fs')}
      const { Ring } = await import('ringcore');
      let stack = '';
      try {
        new Ring({ entries: -1 });
      } catch (error) {
        stack = error.stack;
      }
      console.log(JSON.stringify({ files: [...stack.matchAll(/(\\/[^\\s():]+\\.cjs):\\d+/g)].map((found) => found[1]) }));`;
    const files = (runIn(moved, program) as { files: string[] }).files;
    assert.ok(files.length > 0, 'the error was thrown in a chunk');
    for (const file of files) assert.ok(file.startsWith(path.join(moved, 'dist', 'bundle')), `a frame names ${file}, not the chunk that ran`);
    // Where the cache was made, it is used.
    const here = runIn(copy.dir, CACHED('ringcore/fs')) as Cached;
    assert.deepEqual(here.chunks.sort(byName), [
      ['core', false],
      ['fs', false],
    ]);
  } finally {
    rmSync(copy.dir, { recursive: true, force: true });
    rmSync(moved, { recursive: true, force: true });
  }
});

// Without an addon the import succeeds, and the first call that needs one throws the error that names where the loader
// looked, on either backend (docs/errors.md). Before session 23 the import threw it.
test('without a native addon, the import succeeds and the first call throws ERR_RINGCORE_NATIVE_MISSING', { skip: NODE_ONLY }, () => {
  const copy = packageCopy();
  try {
    rmSync(path.join(copy.dir, 'build'), { recursive: true });
    const program = `
      const { backend } = await import('ringcore');
      const { readFile } = await import('ringcore/fs');
      const thrown = (f) => { try { f(); return null; } catch (error) { return error; } };
      const first = thrown(backend);
      const second = thrown(backend);
      const read = await readFile('package.json').then(() => null, (error) => error);
      console.log(JSON.stringify({ first: first?.code, names: first?.message.includes('build/Release/ringcore.node (absent)'), second: second?.code, read: read?.code }));`;
    for (const backend of ['auto', 'node']) {
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', program], {
        cwd: copy.dir,
        encoding: 'utf8',
        env: { ...process.env, RINGCORE_TRACE: '', RINGCORE_BACKEND: backend, RINGCORE_QUIET: '1' },
      });
      assert.deepEqual(
        JSON.parse(out.trim().split('\n').at(-1)!),
        {
          first: 'ERR_RINGCORE_NATIVE_MISSING',
          names: true,
          second: 'ERR_RINGCORE_NATIVE_MISSING',
          read: 'ERR_RINGCORE_NATIVE_MISSING',
        },
        `RINGCORE_BACKEND=${backend}`,
      );
    }
  } finally {
    rmSync(copy.dir, { recursive: true, force: true });
  }
});

test("require('ringcore') and import('ringcore') give one Ring class and one default ring", {
  // Without it, require() takes the "require" condition: the CommonJS entries, through the same registry
  // (test/package/require.cjs checks that, from the installed tarball on Node 20.15).
  skip: !process.features.require_module && 'no require() of ES modules in this runtime',
}, () => {
  const result = run(`
    import { createRequire } from 'node:module';
    const require = createRequire(process.cwd() + '/');
    const required = require('ringcore');
    const imported = await import('ringcore');
    const { readFile } = require('ringcore/fs');
    const ring = new imported.Ring();
    const text = await readFile('package.json', { encoding: 'utf8', ring });
    ring.close();
    console.log(JSON.stringify({
      ring: required.Ring === imported.Ring,
      defaultRing: required.defaultRing() === imported.defaultRing(),
      fs: readFile === (await import('ringcore/fs')).readFile,
      read: text.length > 0,
    }));
  `);
  assert.deepEqual(result, { ring: true, defaultRing: true, fs: true, read: true });
});
