// Many small files: `count` files of 4 KiB, all read with readFile under
// Promise.all. value: ns per file. The files are read right before each run.
//   ringcore   ringcore/fs readFile
//   promises   node:fs/promises readFile
import { readFile as nodeReadFile } from 'node:fs/promises';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFile } from 'ringcore/fs';
import { benchMain, intParam, nowNs } from '../lib/child.js';
import { benchDir, warm } from '../lib/files.js';
import type { Measurement } from '../lib/types.js';

interface Params {
  count: number;
  repeat: number;
}

function files(count: number): string[] {
  const dir = join(benchDir, `small-${count}`);
  mkdirSync(dir, { recursive: true });
  const paths = Array.from({ length: count }, (_, i) => join(dir, `f${i}`));
  for (const [i, path] of paths.entries()) if (!existsSync(path)) writeFileSync(path, Buffer.alloc(4096, i & 0xff));
  return paths;
}

async function measure(read: (path: string) => Promise<Buffer>, { count, repeat }: Params): Promise<Measurement> {
  const paths = files(count);
  await Promise.all(paths.map(read)); // untimed: JIT, ring setup
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    warm(...paths);
    const start = nowNs();
    const contents = await Promise.all(paths.map(read));
    times.push(nowNs() - start);
    if (contents.some((c) => c.length !== 4096)) throw new Error('short read');
  }
  times.sort((a, b) => a - b);
  return { value: times[times.length >> 1]! / count, unit: 'ns/op', ops: count };
}

await benchMain<Params>(
  {
    ringcore: (p) => measure((path) => readFile(path) as Promise<Buffer>, p),
    promises: (p) => measure((path) => nodeReadFile(path), p),
  },
  (raw) => ({ count: intParam(raw, 'count', 1000), repeat: intParam(raw, 'repeat', 5) }),
);
