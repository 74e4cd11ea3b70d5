// concurrent_reads <dir>: every file of a directory read at once.
//
// All the readFile calls start in the same turn of the event loop, so their
// OPENATs go to the kernel in one io_uring_enter, then their STATXs in one,
// their READs in one, their CLOSEs in one (as long as the ring has room:
// 256 SQEs by default; more files wait their turn, never lost). Listing the
// directory has no io_uring op: it is node:fs's readdir.
//
//   npm run example -- concurrent_reads <dir>
import { defaultRing, addTraceListener } from 'ringcore';
import { readdir, readFile } from 'ringcore/fs';
import { join } from 'node:path';
import type { Dirent } from 'node:fs';

export async function main(args: string[]): Promise<void> {
  const [dir] = args;
  if (dir === undefined) throw new Error('usage: concurrent_reads <dir>');
  const entries = (await readdir(dir, { withFileTypes: true })) as Dirent[];
  const files = entries.filter((e) => e.isFile()).map((e) => join(dir, e.name));
  const ring = defaultRing();
  const batches: number[] = [];
  const stop = addTraceListener((event) => {
    if (event.type === 'enter' && event.ring === ring.uring.id && event.toSubmit > 0) batches.push(event.toSubmit);
  });
  const start = performance.now();
  const contents = await Promise.all(files.map((file) => readFile(file)));
  const ms = performance.now() - start;
  stop();
  const bytes = contents.reduce((sum, c) => sum + c.length, 0);
  console.log(`read ${files.length} files, ${bytes} bytes, in ${ms.toFixed(1)} ms`);
  console.log(`${batches.length} io_uring_enter call(s) submitted ${batches.reduce((a, b) => a + b, 0)} SQEs (per enter: ${batches.join(', ')})`);
}
