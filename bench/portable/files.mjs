// ROUNDS × BATCH ringcore readFile(SIZE bytes) under Promise.all, for counting the
// wake-ups and syscalls they take (strace -f -c, perf stat). Not a scenario
// of `npm run bench`.
//   node|bun bench/portable/files.mjs [ROUNDS=20] [SIZE=4096] [BATCH=1000]; deno run -A bench/portable/files.mjs ...
import { Buffer } from 'node:buffer';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completionDriver } from 'ringcore';
import { readFile } from 'ringcore/fs';

const [rounds, size, batch] = [20, 4096, 1000].map((d, i) => Number(process.argv[2 + i] ?? d));
const dir = mkdtempSync(join(tmpdir(), 'ringcore-files-'));
const files = Array.from({ length: 16 }, (_, i) => join(dir, `f${i}`));
for (const [i, f] of files.entries()) writeFileSync(f, Buffer.alloc(size, i));
for (let r = 0; r < rounds; r++) await Promise.all(Array.from({ length: batch }, (_, i) => readFile(files[i & 15])));
console.log(JSON.stringify({ driver: completionDriver(), readFiles: rounds * batch, size }));
rmSync(dir, { recursive: true, force: true });
process.exit(0);
