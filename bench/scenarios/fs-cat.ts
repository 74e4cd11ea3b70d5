// cat of a big file: every byte read and written to an output, `dest`:
// /dev/null (the default), a pipe (a FIFO drained by a coreutils `cat` in
// another process) or a new regular file (deleted, and `sync` run, untimed,
// before each cat). The page cache is warmed right before each measurement.
//
// In-process variants (value: ns for one whole cat, timed inside the process):
//   readSync       Node: readSync + writeSync loop, 128 KiB buffer
//   filehandle     Node: `await fh.read()` loop (fs/promises) + writeSync
//   stream         Node: createReadStream, each chunk writeSync'ed
//   ringcore       what examples/cat.ts does (spliceTransfer): SPLICE file -> pipe -> out, pairs linked 16 to a chain (into a
//                  regular file: copy_file_range on a libuv pool thread; into the
//                  64 KiB FIFO: splice(2) file -> FIFO in a loop on a libuv pool thread)
//   ringcore-read  ringcore/fs transfer() until the end (no stat first, as a user's cat): READ/WRITE pairs
//                  linked in chains, two workers (to a regular file: copy_file_range on a pool thread)
//   ringcore-fixed the same with registered buffers (READ_FIXED/WRITE_FIXED)
//   coreutils      `cat file > /dev/null`, spawned (its time includes the spawn): the limit
// Whole-process variants (value: wall ns from spawn to exit; cpuNs: the process's CPU):
//   proc-<variant> a fresh `node` running the in-process variant once; proc-coreutils through /usr/bin/time
import { execSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, createReadStream, existsSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { open as nodeOpen } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { defaultRing } from 'ringcore';
import { open, spliceTransfer, transfer } from 'ringcore/fs';
import { benchMain, intParam, nowNs } from '../lib/child.js';
import { benchDir, ensureFile, warm } from '../lib/files.js';
import type { Measurement } from '../lib/types.js';

/** Where the cat writes. */
type Dest = 'null' | 'pipe' | 'file';

interface Params {
  megabytes: number;
  /** Whole cats measured per process (the median is kept). */
  repeat: number;
  dest: Dest;
}

/** An output ready to be opened for writing at `path`; finish() (untimed) waits for its reader and cleans up. */
interface Output {
  path: string;
  finish(): Promise<void>;
}

function prepareOutput(dest: Dest): Output {
  if (dest === 'null') return { path: '/dev/null', finish: async () => {} };
  if (dest === 'file') {
    const path = join(benchDir, `cat-out-${process.pid}`);
    rmSync(path, { force: true });
    // No cat pays for the writeback of the one before.
    execSync('sync');
    return { path, finish: async () => rmSync(path, { force: true }) };
  }
  const path = join(benchDir, `cat-fifo-${process.pid}`);
  if (!existsSync(path)) execSync(`mkfifo ${path}`);
  const reader = spawn('cat', [path], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = once(reader, 'exit');
  return {
    path,
    async finish() {
      const [code] = (await exited) as [number | null];
      rmSync(path, { force: true });
      if (code !== 0) throw new Error(`the pipe's reader exited with ${code}`);
    },
  };
}

/** One cat into a fresh output: resolves with the bytes and the time the cat took (its output's reader is done afterwards). */
async function catOnce(name: string, path: string, dest: Dest): Promise<{ bytes: number; ns: number }> {
  const output = prepareOutput(dest);
  // A FIFO's open waits for the reader to open its end.
  const out = openSync(output.path, 'w');
  let bytes: number;
  let ns: number;
  try {
    const start = nowNs();
    bytes = await cats[name]!(path, out);
    ns = nowNs() - start;
  } finally {
    closeSync(out);
    await output.finish();
  }
  return { bytes, ns };
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
    return await transfer(defaultRing(), { fd: handle.fd }, { fd: out }, { size: Infinity, positional: false, registered: false });
  },
  async 'ringcore-fixed'(path, out) {
    await using handle = await open(path);
    return await transfer(defaultRing(), { fd: handle.fd }, { fd: out }, { size: Infinity, positional: false, registered: true });
  },
};

const self = fileURLToPath(import.meta.url);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

async function inProcess(name: string, { megabytes, repeat, dest }: Params): Promise<Measurement> {
  const path = ensureFile(`cat-${megabytes}MB`, megabytes * 1e6);
  const times: number[] = [];
  // One untimed run first: it compiles the code paths (and registers the ring's buffers).
  await catOnce(name, path, dest);
  for (let i = 0; i < repeat; i++) {
    warm(path);
    const { bytes, ns } = await catOnce(name, path, dest);
    times.push(ns);
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
async function wholeProcess(name: string, { megabytes, repeat, dest }: Params): Promise<Measurement> {
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
    const output = prepareOutput(dest);
    const start = nowNs();
    const r = spawnSync(process.execPath, [self, 'once', JSON.stringify({ name, path, out: output.path })], { encoding: 'utf8' });
    walls.push(nowNs() - start);
    await output.finish();
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
    cpus.push((JSON.parse(r.stdout) as { cpuNs: number }).cpuNs);
  }
  return { value: median(walls), unit: 'ns/op', ops: 1, cpuNs: median(cpus) };
}

const variants: Record<string, (p: Params) => Promise<Measurement>> = {};
for (const name of Object.keys(cats)) {
  variants[name] = (p) => inProcess(name, p);
  variants[`proc-${name}`] = (p) => wholeProcess(name, p);
}
variants.coreutils = async (p) => coreutils(p);
variants['proc-coreutils'] = (p) => wholeProcess('coreutils', p);

if (process.argv[2] === 'once') {
  // The body of a whole-process run: one cat, then the process's CPU time.
  const { name, path, out: outPath } = JSON.parse(process.argv[3]!) as { name: string; path: string; out: string };
  const out = openSync(outPath, 'w');
  await cats[name]!(path, out);
  closeSync(out);
  const { user, system } = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuNs: (user + system) * 1000 })}\n`);
} else {
  const dest = (raw: Record<string, unknown>): Dest => {
    const value = raw.dest ?? 'null';
    if (value !== 'null' && value !== 'pipe' && value !== 'file') throw new RangeError(`param dest must be null, pipe or file, got ${String(value)}`);
    return value;
  };
  await benchMain<Params>(variants, (raw) => ({ megabytes: intParam(raw, 'megabytes', 100), repeat: intParam(raw, 'repeat', 5), dest: dest(raw) }));
}
