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
// naming the old place in its stack traces. V8 verifies no checksum of the
// data (only with --verify-snapshot-checksum), and a file corrupted in place,
// same length, crashed the process. So the file's mtime is set to a whole
// second, written on the first line too (`<mtimeMs> <path>`), and the loader
// uses the data only while the two agree: a write in place moves the mtime
// (to the current time, with its nanoseconds). It costs the loader nothing
// (it stats the file anyway); checking the data itself cost 1.5 ms (a second
// copy compared) to 15 ms (a word hash in JavaScript) of CPU per import
// (docs/performance.md, "Session 17: the code cache's check"). Damage that
// keeps the mtime (the disk's own) is not caught.
//
// Run by `npm run build` (scripts/bundle.mjs) and by the install step of the
// published package (scripts/install.mjs) for the node that installs it; the
// tarball ships none. Best effort: a directory it cannot write is skipped.
//
// Usage: node scripts/code-cache.mjs [bundle directory]
import { mkdirSync, readdirSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
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
await firstCalls();

/**
 * A program's first calls (the backend's choice, a ring, a NOP, a stat, a
 * file read), so that the cache holds the functions they compile too: a
 * process's first stat took 6.4 ms of CPU on Node 24 with a cache of the
 * import alone and 2.8 ms with this one, for about 1 ms more at each entry's
 * import (docs/performance.md, "Session 25: the first call's compile").
 * Best effort: where io_uring is refused these are the node backend's calls
 * (quietly), and a failure or a call that hangs leaves the cache as the import made it.
 */
async function firstCalls() {
  process.env.RINGCORE_QUIET = '1';
  const calls = (async () => {
    const { Ring } = await import(pathToFileURL(path.join(bundle, 'index.js')).href);
    const fs = await import(pathToFileURL(path.join(bundle, 'fs.js')).href);
    await fs.stat(bundle);
    await fs.readFile(path.join(bundle, 'fs.js'));
    const ring = new Ring();
    try {
      await ring.nop();
    } finally {
      await ring.close();
    }
  })().catch(() => {});
  await Promise.race([calls, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
}
const dir = path.join(bundle, 'code-cache', process.versions.v8);
try {
  mkdirSync(dir, { recursive: true });
  for (const { name, file, script } of scripts) {
    // Whole or absent: a loader never reads a half-written file. The chunk's path first: V8 names the chunk's
    // functions after the path the cache was made for, so a loader uses it only for the chunk at that path.
    // With the mtime it is given, which a write in place changes: a loader uses the data only while they agree.
    // A whole second not before now, so that the cache is not older than its chunk.
    const temporary = path.join(dir, `.${name}.${process.pid}`);
    const made = Math.ceil(Date.now() / 1000);
    writeFileSync(temporary, Buffer.concat([Buffer.from(`${made * 1000} ${file}\n`), script.createCachedData()]));
    utimesSync(temporary, made, made);
    renameSync(temporary, path.join(dir, name));
  }
} catch (error) {
  if (!['EACCES', 'EPERM', 'EROFS'].includes(error?.code)) throw error;
  console.error(`ringcore: no code cache for V8 ${process.versions.v8} (${dir}: ${error.code})`);
}
