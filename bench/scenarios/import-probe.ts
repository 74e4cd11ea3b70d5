// One measurement of import-cost.ts: a program file, as a user's is, that times
// `await import(specifier)` and prints the ns. Being a file module, it has Node's
// loader for files set up before the timed import, as any program has by the
// time its first import runs (on Node 20 that set-up is ~8 ms, which
// `node --input-type=module -e` would charge to the first file imported).
const specifier = process.argv[2];
if (specifier === undefined) throw new TypeError('usage: import-probe.js <specifier>');
const start = process.hrtime.bigint();
await import(specifier);
console.log(String(process.hrtime.bigint() - start));
