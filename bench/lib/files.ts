// Files for the fs scenarios: made once in os.tmpdir()/ringcore-bench and
// reused by later runs (delete that directory to reclaim the space), and
// warmed into the page cache right before each measurement, since this VM
// evicts file pages that sit idle for about 60 s.
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const benchDir = join(tmpdir(), 'ringcore-bench');

/** A file of `size` bytes of pseudo-random data at benchDir/name, made if missing. */
export function ensureFile(name: string, size: number): string {
  mkdirSync(benchDir, { recursive: true });
  const path = join(benchDir, name);
  if (existsSync(path) && statSync(path).size === size) return path;
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w');
  const block = Buffer.allocUnsafe(1 << 20);
  let x = 0x9e3779b9 ^ size;
  for (let i = 0; i < block.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    block.writeInt32LE(x | 0, i);
  }
  for (let done = 0; done < size; ) {
    // Shift the block each MiB so that no two MiB are alike.
    block[done % block.length] ^= 0xff;
    done += writeSync(fd, block, 0, Math.min(block.length, size - done));
  }
  closeSync(fd);
  renameSync(temp, path);
  return path;
}

/** Reads every byte of `paths` (into one scratch buffer): they are in the page cache afterwards. */
export function warm(...paths: string[]): void {
  const scratch = Buffer.allocUnsafe(1 << 20);
  for (const path of paths) {
    const fd = openSync(path, 'r');
    while (readSync(fd, scratch, 0, scratch.length, null) > 0);
    closeSync(fd);
  }
}
