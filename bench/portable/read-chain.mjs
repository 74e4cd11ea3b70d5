// What readFile of a small file would cost as one linked chain (one enter)
// instead of ringcore's four enters: OPENAT into a registered file slot, two
// READs of that slot (16 KiB, then the READ of 0 that confirms the end) and
// a CLOSE of the slot, IOSQE_IO_HARDLINK between them, submitted together.
// A measurement only (success path, a 1 KiB file, no fallback for bigger
// files or errors): ringcore's readFile and the chain are alternated in one
// process, `rounds` times, CPU per call from process.cpuUsage (every thread).
// chain2: the same chain without the CLOSE, which goes in a second submit
// once the READs are in (a pipe's or a /proc file's rest must be readable
// after the READs, so a real readFile cannot close in the chain).
//   node|bun bench/portable/read-chain.mjs [rounds=5] [calls per loop=4000] [concurrent=1] [only=VARIANT]
// (only: run one variant, for counting its syscalls with perf stat or strace -c)
//   deno run -A bench/portable/read-chain.mjs ...
import { Buffer } from 'node:buffer';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ring, constants as C } from 'ringcore';
import * as ringFs from 'ringcore/fs';
import { native } from '../../dist/src/sys/native.js';

const [roundsArg = '5', callsArg = '4000', concurrentArg = '1', only] = process.argv.slice(2);
const rounds = Number(roundsArg);
const calls = Number(callsArg);
const concurrent = Number(concurrentArg);
const dir = mkdtempSync(join(tmpdir(), 'read-chain-'));
const file = join(dir, 'f');
writeFileSync(file, Buffer.alloc(1024, 7));
const cpath = Buffer.from(`${file}\0`);
const ring = new Ring({ entries: 256 });
if (ring.uring.registerFilesSparse(concurrent) !== 0) throw new Error('no sparse file table');
const PROBE = 16 * 1024;
const AT_FDCWD = -100;
// A direct descriptor takes no O_CLOEXEC (EINVAL): it is no fd of the process.
const O_RDONLY = 0;
const HARD = C.IOSQE_IO_HARDLINK;
const FIXED = C.IOSQE_FIXED_FILE;

/** A READ of the whole of `buffer` from the slot's file position. */
const readSlot = (slot, buffer, link) => ({
  syscall: 'read',
  pin: buffer,
  prep: (u, sqe) => {
    u.prepRead(sqe, slot, native.address(buffer), buffer.length, -1);
    u.addFlags(sqe, FIXED | link);
  },
});

const closeSlot = (slot) => ({
  syscall: 'close',
  prep: (u, sqe) => {
    u.prepClose(sqe, 0);
    u.setFileIndex(sqe, slot + 1);
  },
});

/** OPENAT →h READ →h READ →h CLOSE in one submit; `closeAfter`: the CLOSE is submitted once the READs are in (two enters). */
function chain(slot, closeAfter = false) {
  const buffer = Buffer.allocUnsafe(PROBE);
  const rest = Buffer.allocUnsafe(1);
  const pathAt = native.address(cpath);
  const [opened, first, second, closed] = ring.link([
    {
      syscall: 'open',
      pin: cpath,
      prep: (u, sqe) => {
        u.prepOpenat(sqe, AT_FDCWD, pathAt, O_RDONLY, 0);
        u.setFileIndex(sqe, slot + 1);
        u.addFlags(sqe, HARD);
      },
    },
    readSlot(slot, buffer, HARD),
    readSlot(slot, rest, closeAfter ? 0 : HARD),
    ...(closeAfter ? [] : [closeSlot(slot)]),
  ]);
  const done = closeAfter
    ? Promise.all([opened, first, second]).then((r) => ring.submit(closeSlot(slot)).then(() => r))
    : Promise.all([opened, first, second, closed]);
  return done.then(([, n, more]) => {
    if (more !== 0) throw new Error('the prototype reads files of at most 16 KiB');
    return buffer.subarray(0, n);
  });
}

const variants = {
  readFile: () => ringFs.readFile(file, { ring }),
  chain: (slot) => chain(slot),
  chain2: (slot) => chain(slot, true),
};
function cpuNs() {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}
async function loop(run) {
  const c0 = cpuNs();
  for (let i = 0; i < calls; i += concurrent) {
    const all = [];
    for (let k = 0; k < concurrent; k++) all.push(run(k));
    const got = await Promise.all(all);
    if (got[0].length !== 1024) throw new Error(`read ${got[0].length} bytes`);
  }
  return (cpuNs() - c0) / calls;
}
const names = only === undefined ? Object.keys(variants) : [only];
const results = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) await loop(variants[name]); // warm-up
for (let r = 0; r < rounds; r++) for (const name of names) results[name].push(await loop(variants[name]));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const runtime = process.versions.bun ? 'bun' : globalThis.Deno ? 'deno' : 'node';
if (only !== undefined) {
  console.log(JSON.stringify({ runtime, concurrent, only, us: +(median(results[only]) / 1000).toFixed(1), calls: calls * (rounds + 1) }));
  await ring.close();
  rmSync(dir, { recursive: true });
  process.exit(0);
}
const summary = { runtime, concurrent, readFileUs: +(median(results.readFile) / 1000).toFixed(1) };
for (const name of ['chain', 'chain2']) {
  const ratios = results[name].map((c, i) => c / results.readFile[i]);
  summary[`${name}Us`] = +(median(results[name]) / 1000).toFixed(1);
  summary[`${name}Ratio`] = +median(ratios).toFixed(2);
  summary[`${name}Range`] = [Math.min(...ratios), Math.max(...ratios)].map((x) => +x.toFixed(2));
}
console.log(JSON.stringify(summary));
await ring.close();
rmSync(dir, { recursive: true });
