// npm's install step. In the published package it does nothing when an addon
// already loads here (a prebuilt binary for this platform, arch and libc, so
// no compiler is needed); only when none does is native/ringcore.c built with
// node-gyp, the last resort. In a checkout (src/ present) it always builds, so
// a change to the C source takes effect on `npm install`.
// `npm install --ignore-scripts` skips this: the loader finds the prebuilt binary at import.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const checkout = existsSync(path.join(root, 'src', 'sys', 'native.ts'));

if (!checkout) {
  try {
    // The package's own entry point loads the addon as a program would (the package ships no other JavaScript of its
    // own); the compat entry, which runs on every Node the package supports (before 20.16 too). The addon is loaded by
    // the first call that needs it, not by the import: backend() is one, and with RINGCORE_BACKEND=node it loads the
    // addon and nothing more (no io_uring_setup, no warning, whatever the install's environment sets).
    process.env.RINGCORE_BACKEND = 'node';
    (await import('../dist/bundle/compat/index.js')).backend();
    const loaded = /\S*\/ringcore\.node$/m.exec(readFileSync('/proc/self/maps', 'latin1'))?.[0];
    console.log(`ringcore: using ${loaded === undefined ? 'a binary that loads here' : path.relative(root, loaded)}`);
    codeCache();
    process.exit(0);
  } catch (error) {
    if (error?.code !== 'ERR_RINGCORE_NATIVE_MISSING') throw error;
  }
}

/**
 * V8's code cache of the entry points' chunks for this node (scripts/code-cache.mjs), which makes an import
 * cheaper; in a checkout `npm run build` makes it. Best effort: without it the chunks compile from source.
 */
function codeCache() {
  spawnSync(process.execPath, [path.join(root, 'scripts', 'code-cache.mjs')], { stdio: 'inherit', env: { ...process.env, RINGCORE_TRACE: '' } });
}

const onPath = (command) => spawnSync('sh', ['-c', 'command -v "$0"', command], { stdio: 'ignore' }).status === 0;
const python = [process.env.PYTHON, process.env.npm_config_python, 'python3', 'python'].filter(Boolean);
const missing = [
  ...(python.some(onPath) ? [] : ['python3']),
  ...(onPath('make') ? [] : ['make']),
  ...(onPath(process.env.CC ?? 'cc') ? [] : [`a C compiler (${process.env.CC ?? 'cc'})`]),
];
const wanted = `${process.platform}-${process.arch}`;
if (missing.length > 0) {
  console.error(
    `ringcore: no prebuilt binary loads on ${wanted}${checkout ? ' (a checkout builds from source)' : ''}, and building one needs ${missing.join(', ')}: install them and run \`npm rebuild ringcore\`.`,
  );
  process.exit(1);
}
// node-gyp's Makefile links with $(CXX), g++ by default; the addon is C, so
// without g++ the C compiler links it.
const env = { ...process.env };
if (env.LINK === undefined && !onPath(env.CXX ?? 'g++')) env.LINK = env.CC ?? 'cc';
// npm puts its bundled node-gyp on PATH for lifecycle scripts.
const gyp = spawnSync('node-gyp', ['rebuild'], { cwd: root, env, stdio: 'inherit', shell: true });
if (gyp.status === 0 && !checkout) codeCache();
if (gyp.status !== 0) console.error(`ringcore: building the native addon from source failed on ${wanted} (node-gyp exit ${gyp.status}); see above.`);
process.exit(gyp.status ?? 1);
