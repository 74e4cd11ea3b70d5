// Many small files (4 KiB each), read all at once under Promise.all: the
// fs-small-files scenario and the node-backend rows (fallback) measure the
// same thing, against their own readFile.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nowNs } from './child.js';
import { benchDir, warm } from './files.js';
import type { Measurement } from './types.js';

/** `count` files of 4 KiB under benchDir, made once. */
export function smallFiles(count: number): string[] {
  const dir = join(benchDir, `small-${count}`);
  mkdirSync(dir, { recursive: true });
  const paths = Array.from({ length: count }, (_, i) => join(dir, `f${i}`));
  for (const [i, path] of paths.entries()) if (!existsSync(path)) writeFileSync(path, Buffer.alloc(4096, i & 0xff));
  return paths;
}

/** Reads the `count` files with `read`, all at once, `repeat` times (warmed before each): the median in ns per file. */
export async function readSmallFiles(read: (path: string) => Promise<Buffer>, count: number, repeat: number): Promise<Measurement> {
  const paths = smallFiles(count);
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
