// V8's code cache of the package's chunks, for the V8 of the node that runs
// this: dist/bundle/code-cache/<process.versions.v8>/<chunk>. The entries'
// loader (scripts/bundle.mjs) hands it to vm.Script, and V8 then deserializes
// the chunk's compiled functions instead of compiling its source: on Node 20
// that is most of an import's cost (docs/performance.md, "Import cost",
// Session 15). V8 checks the cache's version, flags and source length and
// compiles from source when they differ, so a stale or foreign cache costs a
// read, never a wrong result. Each file starts with the path of the chunk it
// was made for (a line): V8 keeps that path as the script's name, so a
// package copied or moved after its install compiles from source rather than
// naming the old place in its stack traces. (V8 verifies no checksum of the
// data: a file corrupted in place, same length, can crash the process.)
//
// Run by `npm run build` (scripts/bundle.mjs) and by the install step of the
// published package (scripts/install.mjs) for the node that installs it; the
// tarball ships none. Best effort: a directory it cannot write is skipped.
//
// Usage: node scripts/code-cache.mjs [bundle directory]
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bundle'));
const scripts = [];
globalThis[Symbol.for('ringcore.codeCache')] = scripts;
// Importing every entry compiles and runs what an import does; the cache then
// holds the functions that ran (the top level of each chunk and what it called).
// Node before 20.16 has no process.getBuiltinModule: compat/require.js leaves the entries its stand-in.
if (!process.getBuiltinModule) await import(pathToFileURL(path.join(bundle, 'compat', 'require.js')).href);
for (const entry of readdirSync(bundle).filter((name) => name.endsWith('.js'))) {
  await import(pathToFileURL(path.join(bundle, entry)).href);
}
const dir = path.join(bundle, 'code-cache', process.versions.v8);
try {
  mkdirSync(dir, { recursive: true });
  for (const { name, file, script } of scripts) {
    // Whole or absent: a loader never reads a half-written file. The chunk's path first: V8 names the chunk's
    // functions after the path the cache was made for, so a loader uses it only for the chunk at that path.
    const temporary = path.join(dir, `.${name}.${process.pid}`);
    writeFileSync(temporary, Buffer.concat([Buffer.from(`${file}\n`), script.createCachedData()]));
    renameSync(temporary, path.join(dir, name));
  }
} catch (error) {
  if (!['EACCES', 'EPERM', 'EROFS'].includes(error?.code)) throw error;
  console.error(`ringcore: no code cache for V8 ${process.versions.v8} (${dir}: ${error.code})`);
}
