// Random 4 KiB reads over a big file (page cache warm), `depth` reads in
// flight, for a fixed time. value: reads per second.
//
//   ringcore     `depth` loops of `await handle.read(buf, 0, 4096, pos)` (ringcore/fs)
//   ringcore-fixed  the same on a handle opened with { fixed: true }: a registered
//                file (IORING_REGISTER_FILES), each READ naming it with IOSQE_FIXED_FILE
//   promises     the same loops over node:fs/promises FileHandle.read
//   callback     `depth` chains of callback fs.read
//   fio          fio --ioengine=io_uring --iodepth=<depth> --invalidate=0 (buffered, same file);
//                skipped (value NaN) when fio is not installed: `apt-get install -y fio`
import { spawnSync } from 'node:child_process';
import { read as readCallback, openSync } from 'node:fs';
import { open as nodeOpen } from 'node:fs/promises';
import { open } from 'ringcore/fs';
import { benchMain, intParam, nowNs, numberParam } from '../lib/child.js';
import { ensureFile, warm } from '../lib/files.js';
import type { Measurement } from '../lib/types.js';

interface Params {
  megabytes: number;
  depth: number;
  seconds: number;
}

const BLOCK = 4096;

/** A random block-aligned offset (xorshift: cheap, and the same sequence in every variant). */
function offsets(blocks: number): () => number {
  let x = 88172645;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % blocks) * BLOCK;
  };
}

type Reader = (position: number, buffer: Buffer) => Promise<unknown>;

/** `depth` loops of awaited reads for `seconds`; returns reads per second. */
async function loops(read: Reader, p: Params, blocks: number): Promise<Measurement> {
  const next = offsets(blocks);
  let count = 0;
  let end = 0;
  // The clock is read every 256 reads. Not a timer: ringcore's page-cache reads
  // complete inside io_uring_enter and resume their loops as microtasks, so a
  // loop of them never yields to the timers phase of Node's event loop.
  const loop = async () => {
    const buffer = Buffer.alloc(BLOCK);
    for (;;) {
      await read(next(), buffer);
      if ((++count & 255) === 0 && Date.now() >= end) break;
    }
  };
  // Warm-up: JIT and ring setup, then measure.
  const warmEnd = Date.now() + 300;
  await Promise.all(
    Array.from({ length: p.depth }, async () => {
      const buffer = Buffer.alloc(BLOCK);
      while (Date.now() < warmEnd) await read(next(), buffer);
    }),
  );
  count = 0;
  const start = nowNs();
  end = Date.now() + p.seconds * 1000;
  await Promise.all(Array.from({ length: p.depth }, loop));
  const elapsed = nowNs() - start;
  return { value: (count / elapsed) * 1e9, unit: 'ops/s', ops: count, elapsedNs: elapsed };
}

function file(p: Params): { path: string; blocks: number } {
  const path = ensureFile(`random-${p.megabytes}MB`, p.megabytes * 1024 * 1024);
  warm(path);
  return { path, blocks: (p.megabytes * 1024 * 1024) / BLOCK };
}

await benchMain<Params>(
  {
    async ringcore(p) {
      const { path, blocks } = file(p);
      const handle = await open(path);
      const m = await loops((pos, buf) => handle.read(buf, 0, BLOCK, pos), p, blocks);
      await handle.close();
      return m;
    },
    async 'ringcore-fixed'(p) {
      const { path, blocks } = file(p);
      const handle = await open(path, 'r', 0o666, { fixed: true });
      const fileIndex = handle.fileIndex;
      if (fileIndex < 0) throw new Error('the file could not be registered with the ring');
      const m = await loops((pos, buf) => handle.read(buf, 0, BLOCK, pos), p, blocks);
      await handle.close();
      return { ...m, fileIndex };
    },
    async promises(p) {
      const { path, blocks } = file(p);
      const handle = await nodeOpen(path, 'r');
      const m = await loops((pos, buf) => handle.read(buf, 0, BLOCK, pos), p, blocks);
      await handle.close();
      return m;
    },
    async callback(p) {
      const { path, blocks } = file(p);
      const fd = openSync(path, 'r');
      const next = offsets(blocks);
      // Chains of callbacks, no promises: Node's cheapest asynchronous read.
      const run = (ms: number) =>
        new Promise<number>((resolve) => {
          const end = Date.now() + ms;
          let count = 0;
          let live = p.depth;
          const chain = (buffer: Buffer) => {
            readCallback(fd, buffer, 0, BLOCK, next(), (error) => {
              if (error) throw error;
              count++;
              if ((count & 255) !== 0 || Date.now() < end) chain(buffer);
              else if (--live === 0) resolve(count);
            });
          };
          for (let i = 0; i < p.depth; i++) chain(Buffer.alloc(BLOCK));
        });
      await run(300);
      const start = nowNs();
      const count = await run(p.seconds * 1000);
      const elapsed = nowNs() - start;
      return { value: (count / elapsed) * 1e9, unit: 'ops/s', ops: count, elapsedNs: elapsed };
    },
    async fio(p) {
      const { path } = file(p);
      const args = [
        '--name=randread',
        `--filename=${path}`,
        '--rw=randread',
        `--bs=${BLOCK}`,
        '--ioengine=io_uring',
        `--iodepth=${p.depth}`,
        '--invalidate=0',
        '--direct=0',
        '--norandommap',
        '--randrepeat=0',
        '--time_based',
        `--runtime=${p.seconds}`,
        '--ramp_time=0.3',
        `--size=${p.megabytes}M`,
        '--output-format=json',
      ];
      const r = spawnSync('fio', args, { encoding: 'utf8' });
      if (r.error) {
        process.stderr.write('fio is not installed (apt-get install -y fio): its row is left empty\n');
        return { value: NaN, unit: 'ops/s', skipped: 'fio not installed: apt-get install -y fio' };
      }
      if (r.status !== 0) throw new Error(`fio failed: ${r.stderr}`);
      const job = (JSON.parse(r.stdout) as { jobs: { read: { iops: number } }[] }).jobs[0]!;
      return { value: job.read.iops, unit: 'ops/s', command: `fio ${args.join(' ')}` };
    },
  },
  (raw) => ({ megabytes: intParam(raw, 'megabytes', 1024), depth: intParam(raw, 'depth', 128), seconds: numberParam(raw, 'seconds', 10) }),
);
