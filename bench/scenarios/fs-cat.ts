// cat of a big file: every byte read and written to /dev/null (stdout is the
// harness's pipe). The page cache is warmed right before each measurement.
//
// In-process variants (value: ns for one whole cat, timed inside the process):
//   readSync       Node: readSync + writeSync loop, 128 KiB buffer
//   filehandle     Node: `await fh.read()` loop (fs/promises) + writeSync
//   stream         Node: createReadStream, each chunk writeSync'ed
//   ringcore       what examples/cat.ts does: SPLICE file -> pipe -> out, each pair linked
//   ringcore-read  ringcore/fs transfer(): DEPTH READs in flight into user buffers, ordered WRITEs
//   ringcore-fixed the same with registered buffers (READ_FIXED/WRITE_FIXED)
//   coreutils      `cat file > /dev/null`, spawned (its time includes the spawn): the limit
// Whole-process variants (value: wall ns from spawn to exit; cpuNs: the process's CPU):
//   proc-<variant> a fresh `node` running the in-process variant once; proc-coreutils through /usr/bin/time
import { spawnSync } from 'node:child_process';
import { closeSync, createReadStream, openSync, readSync, writeSync } from 'node:fs';
import { open as nodeOpen } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { defaultRing } from 'ringcore';
import { open, spliceTransfer, transfer } from 'ringcore/fs';
import { benchMain, intParam, nowNs } from '../lib/child.js';
import { ensureFile, warm } from '../lib/files.js';
import type { Measurement } from '../lib/types.js';

interface Params {
  megabytes: number;
  /** Whole cats measured per process (the median is kept). */
  repeat: number;
}

const BUF = 128 * 1024;

type Cat = (path: string, out: number) => Promise<number>;

const cats: Record<string, Cat> = {
  async readSync(path, out) {
    const fd = openSync(path, 'r');
    const buf = Buffer.allocUnsafe(BUF);
    let total = 0;
    for (let n: number; (n = readSync(fd, buf, 0, BUF, null)) > 0; total += n) writeSync(out, buf, 0, n);
    closeSync(fd);
    return total;
  },
  async filehandle(path, out) {
    const fh = await nodeOpen(path, 'r');
    const buf = Buffer.allocUnsafe(BUF);
    let total = 0;
    for (let n: number; (n = (await fh.read(buf, 0, BUF, null)).bytesRead) > 0; total += n) writeSync(out, buf, 0, n);
    await fh.close();
    return total;
  },
  async stream(path, out) {
    let total = 0;
    for await (const chunk of createReadStream(path, { highWaterMark: BUF })) {
      writeSync(out, chunk as Buffer);
      total += (chunk as Buffer).length;
    }
    return total;
  },
  async ringcore(path, out) {
    await using handle = await open(path);
    const stats = await handle.stat();
    return await spliceTransfer(defaultRing(), { fd: handle.fd }, { fd: out }, { size: stats.size, positional: false });
  },
  async 'ringcore-read'(path, out) {
    await using handle = await open(path);
    const stats = await handle.stat();
    return await transfer(defaultRing(), { fd: handle.fd }, { fd: out }, { size: stats.size, positional: false, registered: false });
  },
  async 'ringcore-fixed'(path, out) {
    await using handle = await open(path);
    const stats = await handle.stat();
    return await transfer(defaultRing(), { fd: handle.fd }, { fd: out }, { size: stats.size, positional: false, registered: true });
  },
};

const self = fileURLToPath(import.meta.url);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

async function inProcess(name: string, { megabytes, repeat }: Params): Promise<Measurement> {
  const path = ensureFile(`cat-${megabytes}MB`, megabytes * 1e6);
  const out = openSync('/dev/null', 'w');
  const times: number[] = [];
  // One untimed run first: it compiles the code paths (and registers the ring's buffers).
  await cats[name]!(path, out);
  for (let i = 0; i < repeat; i++) {
    warm(path);
    const start = nowNs();
    const bytes = await cats[name]!(path, out);
    times.push(nowNs() - start);
    if (bytes !== megabytes * 1e6) throw new Error(`${name}: copied ${bytes} bytes of ${megabytes * 1e6}`);
  }
  return { value: median(times), unit: 'ns/op', ops: 1, bytes: megabytes * 1e6 };
}

function coreutils({ megabytes, repeat }: Params): Measurement {
  const path = ensureFile(`cat-${megabytes}MB`, megabytes * 1e6);
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    warm(path);
    const start = nowNs();
    const r = spawnSync('cat', [path], { stdio: ['ignore', openSync('/dev/null', 'w'), 'inherit'] });
    times.push(nowNs() - start);
    if (r.status !== 0) throw new Error('cat failed');
  }
  return { value: median(times), unit: 'ns/op', ops: 1 };
}

/** A whole `node` process doing one cat: wall time here, CPU time as the process saw it. */
function wholeProcess(name: string, { megabytes, repeat }: Params): Measurement {
  const path = ensureFile(`cat-${megabytes}MB`, megabytes * 1e6);
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < repeat; i++) {
    warm(path);
    if (name === 'coreutils') {
      const start = nowNs();
      const r = spawnSync('/usr/bin/time', ['-f', '%U %S', 'cat', path], { stdio: ['ignore', openSync('/dev/null', 'w'), 'pipe'], encoding: 'utf8' });
      walls.push(nowNs() - start);
      const [user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number) as [number, number];
      cpus.push((user + sys) * 1e9);
      continue;
    }
    const start = nowNs();
    const r = spawnSync(process.execPath, [self, 'once', JSON.stringify({ name, path })], { encoding: 'utf8' });
    walls.push(nowNs() - start);
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
    cpus.push((JSON.parse(r.stdout) as { cpuNs: number }).cpuNs);
  }
  return { value: median(walls), unit: 'ns/op', ops: 1, cpuNs: median(cpus) };
}

const variants: Record<string, (p: Params) => Promise<Measurement>> = {};
for (const name of Object.keys(cats)) {
  variants[name] = (p) => inProcess(name, p);
  variants[`proc-${name}`] = async (p) => wholeProcess(name, p);
}
variants.coreutils = async (p) => coreutils(p);
variants['proc-coreutils'] = async (p) => wholeProcess('coreutils', p);

if (process.argv[2] === 'once') {
  // The body of a whole-process run: one cat, then the process's CPU time.
  const { name, path } = JSON.parse(process.argv[3]!) as { name: string; path: string };
  const out = openSync('/dev/null', 'w');
  await cats[name]!(path, out);
  const { user, system } = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuNs: (user + system) * 1000 })}\n`);
} else {
  await benchMain<Params>(variants, (raw) => ({ megabytes: intParam(raw, 'megabytes', 100), repeat: intParam(raw, 'repeat', 5) }));
}
