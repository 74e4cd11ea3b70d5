// The published package, tried as a new user would: `npm pack`, then install
// the tarball into a fresh project and run a program that imports ringcore.
// Not part of `npm test` (it packs the whole project); .ci/run runs it after
// the prebuilt binaries are built (npm run prebuilds).
//
// Cases, each in its own fresh project:
//   ignore-scripts   npm install --ignore-scripts, no compiler on PATH: the loader finds the prebuilt binary
//   install-script   npm install, no compiler on PATH: the install step sees the prebuilt binary and builds nothing
//   no-binary        no prebuilt binary matches and no compiler: the install fails with one line naming what is missing,
//                    and ringcore's first call throws ERR_RINGCORE_NATIVE_MISSING (its import succeeds)
//   source-build     no prebuilt binary matches, a C compiler but no g++: node-gyp builds one from the shipped source
//
// Usage: node test/package/tarball.mjs [--program FILE] [--node BINARY] [--tarball FILE] [--only CASE]...
//   --program  the program to run in each project (default test/package/program.mjs); it must exit 0
//   --node     the runtime that runs it (default: this node); npm itself always runs on this node
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const { values } = parseArgs({
  options: {
    program: { type: 'string', default: path.join(root, 'test', 'package', 'program.mjs') },
    node: { type: 'string', default: process.execPath },
    tarball: { type: 'string' },
    only: { type: 'string', multiple: true },
  },
});
const program = path.resolve(values.program);
const work = mkdtempSync(path.join(tmpdir(), 'ringcore-tarball-'));
const npmCli = realpathSync(spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim());

/**
 * A PATH holding node and sh only: no cc, gcc, make or python3, as on a slim container image. Its node, which runs
 * the install step, is the one under test when --node names a node.
 */
function bareBin() {
  const bin = path.join(work, 'bare-bin');
  mkdirSync(bin);
  symlinkSync(path.basename(values.node) === 'node' ? values.node : process.execPath, path.join(bin, 'node'));
  symlinkSync(realpathSync('/bin/sh'), path.join(bin, 'sh'));
  for (const tool of ['cc', 'gcc', 'make', 'python3', 'python']) {
    assert.notEqual(spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { env: { PATH: bin } }).status, 0, `${tool} on the bare PATH`);
  }
  return bin;
}

function pack() {
  if (values.tarball !== undefined) return path.resolve(values.tarball);
  const result = npm(root, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], process.env);
  const [{ filename, files }] = JSON.parse(result.stdout);
  const names = files.map((f) => f.path);
  // The V8 code cache is made at install, for the installing node (scripts/code-cache.mjs), never shipped.
  assert.deepEqual(
    names.filter((n) => n.includes('code-cache/')),
    [],
    'the tarball ships a V8 code cache',
  );
  for (const wanted of [
    'LICENSE',
    'scripts/install.mjs',
    'scripts/code-cache.mjs',
    'binding.gyp',
    'native/ringcore.c',
    `prebuilds/linux-${process.arch}/ringcore.node`,
  ]) {
    assert.ok(names.includes(wanted), `the tarball lacks ${wanted} (for prebuilds: npm run prebuilds first)`);
  }
  // Every file package.json's exports name, the declarations too (the CommonJS ones are made by scripts/bundle.mjs).
  const leaves = (target) => (typeof target === 'string' ? [target] : Object.values(target).flatMap(leaves));
  for (const file of leaves(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).exports)) {
    assert.ok(names.includes(path.posix.normalize(file)), `the tarball lacks ${file}, which package.json's exports name`);
  }
  assert.deepEqual(
    names.filter((n) => n.endsWith('.map')),
    [],
    'the tarball ships source maps',
  );
  return path.join(work, filename);
}

/** Every installed .js/.mjs file that names a source map (none is shipped, so any would dangle). */
function sourceMapReferences(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((name) => /\.m?js$/.test(name))
    .filter((name) => /^\/\/# sourceMappingURL=/m.test(readFileSync(path.join(dir, name), 'utf8')));
}

function npm(cwd, args, env) {
  const result = spawnSync(process.execPath, [npmCli, ...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env, encoding: 'utf8' });
  return { ...result, output: `${result.stdout}${result.stderr}` };
}

function project(name) {
  const dir = path.join(work, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `try-${name}`, private: true, type: 'module' }));
  copyFileSync(program, path.join(dir, 'program.mjs'));
  return dir;
}

/** Runs the program, then test/package/require.cjs (the package through require()); says what the program printed last. */
function runProgram(dir, env) {
  copyFileSync(path.join(root, 'test', 'package', 'require.cjs'), path.join(dir, 'require.cjs'));
  const said = [];
  for (const file of ['program.mjs', 'require.cjs']) {
    const result = spawnSync(values.node, [file], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(result.status, 0, `${file} failed:\n${result.stdout}${result.stderr}`);
    said.push(result.stdout.trim().split('\n').at(-1));
  }
  return said.join('; ');
}

/** This PATH's programs less those whose names match `hide`, as one directory of links. */
function pathWithout(name, hide) {
  const bin = path.join(work, name);
  mkdirSync(bin);
  for (const dir of (process.env.PATH ?? '').split(':').filter((d) => d !== '' && existsSync(d))) {
    for (const entry of readdirSync(dir)) {
      const link = path.join(bin, entry);
      if (!hide.test(entry) && !existsSync(link)) symlinkSync(path.join(dir, entry), link);
    }
  }
  return bin;
}

const tarball = pack();
const bare = { ...cleanEnv(), PATH: bareBin() };
// gcc without g++, as Debian's gcc package alone: node-gyp must link the C addon with cc.
const noCxx = { ...cleanEnv(), PATH: pathWithout('no-cxx-bin', /^(.+-)?[gc]\+\+(-\d+)?$/) };
const installed = (dir) => path.join(dir, 'node_modules', 'ringcore');
/** The chunks with a V8 code cache, for any V8, in an installed package. */
const codeCache = (dir) => {
  const cache = path.join(installed(dir), 'dist', 'bundle', 'code-cache');
  return existsSync(cache) ? readdirSync(cache, { recursive: true }).filter((name) => name.endsWith('.cjs')) : [];
};

/**
 * Each chunk `import('ringcore/fs')` compiles in an installed package, and whether V8 took its code cache (false:
 * taken; true: rejected; 'none': none given), under the node that ran the install step (the bare PATH's): a cache
 * made at install but never used would leave every import compiling from source, which only its time shows.
 */
function cacheUse(dir) {
  const program = `const scripts = (globalThis[Symbol.for('ringcore.codeCache')] = []);
    await import('ringcore/fs');
    console.log(JSON.stringify(scripts.map(({ name, script }) => [name.replace(/-[\\w-]{8}\\.cjs$/, ''), script.cachedDataRejected ?? 'none'])));`;
  const installer = path.basename(values.node) === 'node' ? values.node : process.execPath;
  const result = spawnSync(installer, ['--input-type=module', '-e', program], { cwd: dir, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout).sort();
}

function cleanEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('npm_') || key === 'CC' || key === 'PYTHON') delete env[key];
  return env;
}

/** Installs with --ignore-scripts, then takes away every prebuilt binary, as on an unsupported machine. */
function withoutPrebuilds(name) {
  const dir = project(name);
  const install = npm(dir, ['install', '--ignore-scripts', tarball], bare);
  assert.equal(install.status, 0, install.output);
  rmSync(path.join(installed(dir), 'prebuilds'), { recursive: true });
  return dir;
}

const cases = {
  'ignore-scripts': () => {
    const dir = project('ignore-scripts');
    const install = npm(dir, ['install', '--ignore-scripts', tarball], bare);
    assert.equal(install.status, 0, install.output);
    assert.ok(!existsSync(path.join(installed(dir), 'build')));
    assert.deepEqual(sourceMapReferences(installed(dir)), [], 'files name source maps the package does not ship');
    assert.deepEqual(codeCache(dir), [], 'a code cache without the install step');
    return runProgram(dir, bare);
  },
  'install-script': () => {
    const dir = project('install-script');
    const install = npm(dir, ['install', '--foreground-scripts', tarball], bare);
    assert.equal(install.status, 0, install.output);
    assert.match(install.output, new RegExp(`ringcore: using prebuilds/linux-${process.arch}(-musl)?/ringcore\\.node`));
    assert.ok(!existsSync(path.join(installed(dir), 'build')), 'the install step built from source beside a prebuilt binary');
    assert.ok(
      codeCache(dir).some((name) => path.basename(name).startsWith('core-')),
      'the install step made no V8 code cache',
    );
    assert.deepEqual(cacheUse(dir), [
      ['core', false],
      ['fs', false],
    ]);
    return runProgram(dir, bare);
  },
  'no-binary': () => {
    const dir = withoutPrebuilds('no-binary');
    const rebuild = npm(dir, ['rebuild', '--foreground-scripts', 'ringcore'], bare);
    assert.notEqual(rebuild.status, 0, 'the install step succeeded without any binary');
    const ours = rebuild.output.split('\n').filter((line) => line.startsWith('ringcore:'));
    assert.equal(ours.length, 1, rebuild.output);
    assert.match(ours[0], /no prebuilt binary loads on linux-\w+, and building one needs python3, make, a C compiler/);
    assert.doesNotMatch(rebuild.output, /gyp (ERR|info)|Traceback/);
    // The import succeeds; the first call (here backend()) loads the addon and throws.
    const load = spawnSync(values.node, ['-e', "import('ringcore').then((m) => m.backend()).catch((e) => { console.log(e.code); process.exit(3); })"], {
      cwd: dir,
      env: bare,
      encoding: 'utf8',
    });
    assert.equal(load.status, 3, load.stderr);
    assert.equal(load.stdout.trim(), 'ERR_RINGCORE_NATIVE_MISSING');
    return ours[0];
  },
  'source-build': () => {
    const dir = withoutPrebuilds('source-build');
    const rebuild = npm(dir, ['rebuild', 'ringcore'], noCxx);
    assert.equal(rebuild.status, 0, rebuild.output);
    assert.ok(existsSync(path.join(installed(dir), 'build', 'Release', 'ringcore.node')));
    assert.ok(
      codeCache(dir).some((name) => path.basename(name).startsWith('core-')),
      'the install step made no V8 code cache after the build',
    );
    assert.deepEqual(cacheUse(dir), [
      ['core', false],
      ['fs', false],
    ]);
    return runProgram(dir, bare);
  },
};

let passed = 0;
let failed = 0;
try {
  for (const [name, check] of Object.entries(cases)) {
    if (values.only !== undefined && !values.only.includes(name)) continue;
    const start = Date.now();
    try {
      const said = check();
      passed++;
      console.log(`ok ${name} (${((Date.now() - start) / 1000).toFixed(1)} s): ${said}`);
    } catch (error) {
      failed++;
      console.log(`not ok ${name}: ${error instanceof Error ? error.message : error}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`tarball: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
