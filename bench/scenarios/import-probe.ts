// One measurement of import-cost.ts: a program file, as a user's is, that times
// `await import(specifier)` and prints the ns. Being a file module, it has Node's
// loader for files set up before the timed import, as any program has by the
// time its first import runs (on Node 20 that set-up is ~8 ms, which
// `node --input-type=module -e` would charge to the first file imported).
// With `stat`, the time also covers the module's first call, `stat()` of this file: what a
// program pays before its first result (the first call compiles, and sets up a ring).
const [specifier, firstCall] = process.argv.slice(2);
if (specifier === undefined || (firstCall !== undefined && firstCall !== 'stat')) throw new TypeError('usage: import-probe.js <specifier> [stat]');
const start = process.hrtime.bigint();
const module = (await import(specifier)) as { stat?: (path: string) => Promise<unknown> };
if (firstCall === 'stat') await module.stat!(new URL(import.meta.url).pathname);
console.log(String(process.hrtime.bigint() - start));
