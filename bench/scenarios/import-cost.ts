// What importing an entry point costs: `await import(specifier)` timed inside
// a fresh `node` process running a program file (import-probe.ts), so nothing
// is cached but what Node itself keeps.
// Variants are the specifiers: 'ringcore/fs', 'ringcore/net', 'ringcore/http'
// and the Node built-ins they stand in for ('node:fs/promises', 'node:net',
// 'node:http'), and 'ringcore/fs + stat' / 'node:fs/promises + stat': the
// import and the first stat() after it. Value: the median time over `processes` processes.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMain, intParam } from '../lib/child.js';
import type { Measurement } from '../lib/types.js';

interface Params {
  processes: number;
}

// The package root: `ringcore/...` resolves there through package.json's exports.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SPECIFIERS = [
  'ringcore/fs',
  'ringcore/net',
  'ringcore/http',
  'node:fs/promises',
  'node:net',
  'node:http',
  'ringcore/fs + stat',
  'node:fs/promises + stat',
];

/** The program each process runs (import-probe.ts): inside the package, so `ringcore/...` resolves to it by name. */
const probe = fileURLToPath(new URL('./import-probe.js', import.meta.url));

/** One fresh process: the ns its `await import()` took (and its first call, for a variant 'specifier + call'). */
function importOnce(variant: string): number {
  return Number(execFileSync(process.execPath, [probe, ...variant.split(' + ')], { cwd: root, encoding: 'utf8' }).trim());
}

function variant(specifier: string) {
  return async (p: Params): Promise<Measurement> => {
    importOnce(specifier); // warm the page cache
    const times: number[] = [];
    for (let i = 0; i < p.processes; i++) times.push(importOnce(specifier));
    times.sort((a, b) => a - b);
    return { value: times[Math.floor(times.length / 2)]!, unit: 'ns/op', processes: p.processes, minNs: times[0] };
  };
}

await benchMain<Params>(Object.fromEntries(SPECIFIERS.map((s) => [s, variant(s)])), (raw) => ({ processes: intParam(raw, 'processes', 20) }));
