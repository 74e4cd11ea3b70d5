// One measurement of import-cost.ts: a program file, as a user's is, that times
// `await import(specifier)` and prints the ns. Being a file module, it has Node's
// loader for files set up before the timed import, as any program has by the
// time its first import runs (on Node 20 that set-up is ~8 ms, which
// `node --input-type=module -e` would charge to the first file imported).
// With `stat`, the time also covers the module's first call, `stat()` of this file: what a
// program pays before its first result (the first call compiles, and sets up a ring).
const [specifier, firstCall] = process.argv.slice(2);
if (specifier === undefined || (firstCall !== undefined && firstCall !== 'stat')) throw new TypeError('usage: import-probe.js <specifier> [stat]');
// The chunks the import compiles with ringcore's loader (scripts/bundle.mjs): each must have taken its V8 code
// cache, as in an installed package, or the figure is of a tree whose cache is missing or stale (`npm run build`
// makes it). Chunks a first call reads later (the node backend's) may have none.
const compiled: { name: string; script: { cachedDataRejected?: boolean } }[] = [];
(globalThis as Record<symbol, unknown>)[Symbol.for('ringcore.codeCache')] = compiled;
const start = process.hrtime.bigint();
const module = (await import(specifier)) as { stat?: (path: string) => Promise<unknown> };
const imported = compiled.length;
if (firstCall === 'stat') await module.stat!(new URL(import.meta.url).pathname);
const elapsed = process.hrtime.bigint() - start;
const uncached = compiled
  .slice(0, imported)
  .filter(({ script }) => script.cachedDataRejected !== false)
  .map(({ name }) => name);
if (uncached.length > 0) throw new Error(`import-probe: ${uncached.join(', ')} compiled without the code cache; run \`npm run build\``);
console.log(String(elapsed));
