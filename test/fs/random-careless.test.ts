// Seeded random sequences of careless calls on two FileHandles of one file
// (and the module's readFile/appendFile/writeFile on its path): positional
// and current-position reads, writes, readv and writev, stat, sync, datasync,
// truncate, close called early or twice, calls after close, aborted signals,
// bad arguments, most of them not awaited. The file starts as BASE bytes of a
// known pattern; handle 0 writes at its current position (handle 1 never
// does), handle 1 reads at its current position (handle 0 never does), both
// read and write at positions; truncate never cuts below BASE. A model checks
// what must hold whatever the order:
//   - every byte a read returned, and every byte of the file at the end, is
//     one that was there: the pattern, a write's byte at that offset, a zero
//     past BASE, an appended byte past BASE;
//   - a write that resolved and that no other write overlaps is in the file at
//     its place; handle 0's current-position writes land one after the other,
//     in call order, from 0; handle 1's current-position reads cover one
//     contiguous range from 0 (in call order on io_uring; in some order on the
//     node backend, whose reads run in Node's thread pool, as Node's do);
//   - a call made after close() rejects with EBADF (errno, syscall); a bad
//     argument rejects with Node's code, never throws; every rejection is
//     Node-shaped; close() again resolves;
//   - everything settles; no rejection goes unhandled; no fd is left open.
// The seeds are fixed, so a failure names its seed and its sequence of calls
// (RANDOM_CARELESS_SEEDS=7,9 runs only those, RANDOM_CARELESS_COUNT=2000
// explores further). The same seeds run again on the node backend (a child
// with RINGCORE_BACKEND=node), and the outcomes the model fixes must match.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { backend } from '../../src/index.js';
import { appendFile, open, readFile, writeFile, type FileHandle } from '../../src/fs/index.js';
import { leakedAfterWaiting, openFds } from '../../test-support/fds.js';
import { isNodeBackendChild, nodeBackendChildSkip, onlySeeds, prng, reportToParent, runOnNodeBackend } from '../../test-support/random.js';

const COUNT = Number(process.env.RANDOM_CARELESS_COUNT ?? 150);
const BASE = 65536;
/** Handle 1's current-position reads stop taking bytes before BASE: they never come back short. */
const CREAD_BUDGET = BASE - 8192;

function hashByte(k: number, j: number): number {
  let h = Math.imul(k * 1000003 + 1, 2654435761) ^ Math.imul(j + 1, 40503);
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return h & 0xff;
}

/** The file's first BASE bytes at the start. */
const base = Buffer.from(Array.from({ length: BASE }, (_, j) => hashByte(-1, j)));
/** Appended bytes are upper-case letters: past BASE, any of them may be anywhere. */
const isAppendByte = (b: number): boolean => b >= 65 && b <= 90;

type Op =
  | { kind: 'pwrite'; h: number; at: number; size: number; vectored: boolean; abort: boolean; wait: boolean }
  | { kind: 'cwrite'; size: number; how: 'write' | 'writev' | 'writeFile' | 'string'; abort: boolean; wait: boolean }
  | { kind: 'pread'; h: number; at: number; size: number; vectored: boolean; abort: boolean; wait: boolean }
  | { kind: 'cread'; size: number; vectored: boolean; abort: boolean; wait: boolean }
  | { kind: 'simple'; h: number; call: 'stat' | 'sync' | 'datasync' | 'truncate'; abort: boolean; wait: boolean }
  | { kind: 'path'; call: 'readFile' | 'appendFile' | 'writeFile'; size: number; wait: boolean }
  | { kind: 'close'; h: number; wait: boolean }
  | { kind: 'badArg'; h: number; which: number }
  | { kind: 'pause'; ms: number };

const b4 = (): Buffer => Buffer.alloc(4);
/** Calls with a bad argument, and the code each rejects with (open or closed, on either backend). */
const badCalls: [string, string, (h: FileHandle) => Promise<unknown>][] = [
  ['write(123)', 'ERR_INVALID_ARG_TYPE', (h) => h.write(123 as unknown as string)],
  ["read('x')", 'ERR_INVALID_ARG_TYPE', (h) => h.read('x' as unknown as Buffer)],
  ['read(b4, 0, -1)', 'ERR_OUT_OF_RANGE', (h) => h.read(b4(), 0, -1)],
  ['read(b4, 0, 5)', 'ERR_OUT_OF_RANGE', (h) => h.read(b4(), 0, 5)],
  ['write(b4, 5)', 'ERR_OUT_OF_RANGE', (h) => h.write(b4(), 5)],
  ["readv('x')", 'ERR_INVALID_ARG_TYPE', (h) => h.readv('x' as unknown as Buffer[])],
  ['writev([1])', 'ERR_INVALID_ARG_TYPE', (h) => h.writev([1] as unknown as Buffer[])],
  ["truncate('x')", 'ERR_INVALID_ARG_TYPE', (h) => h.truncate('x' as unknown as number)],
  ['truncate(1.5)', 'ERR_OUT_OF_RANGE', (h) => h.truncate(1.5)],
  ["stat('x')", 'ERR_INVALID_ARG_TYPE', (h) => h.stat('x' as never)],
  ["sync('x')", 'ERR_INVALID_ARG_TYPE', (h) => h.sync('x' as never)],
  ["datasync('x')", 'ERR_INVALID_ARG_TYPE', (h) => h.datasync('x' as never)],
  ['truncate(-1)', 'ERR_OUT_OF_RANGE', (h) => h.truncate(-1)],
  ["readFile('bogus')", 'ERR_INVALID_ARG_VALUE', (h) => h.readFile('bogus' as BufferEncoding)],
  ["writeFile('x', 'bogus')", 'ERR_INVALID_ARG_VALUE', (h) => h.writeFile('x', 'bogus' as BufferEncoding)],
  ['writeFile(123)', 'ERR_INVALID_ARG_TYPE', (h) => h.writeFile(123 as unknown as string)],
  ['appendFile(123)', 'ERR_INVALID_ARG_TYPE', (h) => h.appendFile(123 as unknown as string)],
];

function size(r: () => number): number {
  const x = r();
  if (x < 0.5) return 1 + Math.floor(r() * 64);
  if (x < 0.9) return 64 + Math.floor(r() * 4096);
  return 4096 + Math.floor(r() * 20000);
}

function makePlan(seed: number): Op[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const n = 4 + Math.floor(r() * 22);
  const ops: Op[] = [];
  for (let i = 0; i < n; i++) {
    const x = r();
    const wait = r() < 0.25;
    const h = r() < 0.5 ? 0 : 1;
    const at = (): number => Math.floor(r() * (BASE + 8192));
    if (x < 0.2) ops.push({ kind: 'pwrite', h, at: at(), size: size(r), vectored: r() < 0.3, abort: r() < 0.06, wait });
    else if (x < 0.36)
      ops.push({ kind: 'cwrite', size: size(r), how: pick(['write', 'write', 'writev', 'writeFile', 'string'] as const), abort: r() < 0.08, wait });
    else if (x < 0.52) ops.push({ kind: 'pread', h, at: at(), size: size(r), vectored: r() < 0.3, abort: r() < 0.06, wait });
    else if (x < 0.66) ops.push({ kind: 'cread', size: size(r), vectored: r() < 0.3, abort: r() < 0.08, wait });
    else if (x < 0.74) ops.push({ kind: 'simple', h, call: pick(['stat', 'sync', 'datasync', 'truncate'] as const), abort: r() < 0.1, wait });
    else if (x < 0.8) ops.push({ kind: 'path', call: pick(['readFile', 'readFile', 'appendFile', 'writeFile'] as const), size: size(r), wait });
    else if (x < 0.85) ops.push({ kind: 'close', h, wait });
    else if (x < 0.91) ops.push({ kind: 'badArg', h, which: Math.floor(r() * badCalls.length) });
    else ops.push({ kind: 'pause', ms: pick([0, 0, 1]) });
  }
  return ops;
}

type Outcome = { ok: true; n?: number } | { ok: false; code: string; errno?: unknown; syscall?: unknown; message: string; name: string };

interface Rec {
  index: number;
  h: number;
  what: string;
  /** Called after this handle's close(). */
  afterClose: boolean;
  /** The code a bad argument must give. */
  badCode?: string;
  threw?: string;
  promise: Promise<unknown>;
  outcome?: Outcome;
}

/** Bytes that may be in the file at `at`: a write (or what it may have left, if it failed). */
interface WriteRec {
  at: number;
  bytes: Buffer;
  rec: Rec;
}

/** A read's bytes, from `at` (undefined: handle 1's current position, placed by the check). */
interface ReadRec {
  at?: number;
  /** Bytes asked for. */
  want: number;
  got: Buffer;
  rec: Rec;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Codes a careless call may reject with (besides a bad argument's). */
const allowedCodes = new Set(['EBADF', 'ABORT_ERR']);

function outcomeOf(error: unknown): Extract<Outcome, { ok: false }> {
  const e = error as { code?: unknown; errno?: unknown; syscall?: unknown; message?: unknown; name?: unknown };
  return { ok: false, code: String(e?.code), errno: e?.errno, syscall: e?.syscall, message: String(e?.message), name: String(e?.name) };
}

interface Run {
  log: string[];
  records: Rec[];
  writes: WriteRec[];
  reads: ReadRec[];
  /** Handle 0's current-position writes, in call order. */
  cwrites: WriteRec[];
  truncated: boolean;
  final: Buffer;
  problems: string[];
}

async function runPlan(plan: Op[], dir: string, seed: number): Promise<Run> {
  const path = join(dir, `f${seed}`);
  writeFileSync(path, base);
  const handles = [await open(path, 'r+'), await open(path, 'r+')];
  const closed = [false, false];
  const run: Run = { log: [], records: [], writes: [], reads: [], cwrites: [], truncated: false, final: Buffer.alloc(0), problems: [] };
  let writeCount = 0;
  let cwriteAt = 0;
  let creadTaken = 0;

  const track = (h: number, what: string, start: () => Promise<unknown>, badCode?: string): Rec => {
    const rec: Rec = { index: run.records.length, h, what, afterClose: closed[h] ?? false, promise: Promise.resolve(), badCode };
    run.log.push(`#${rec.index} h${h} ${what}`);
    let p: Promise<unknown>;
    try {
      p = start();
    } catch (error) {
      // A careless caller does not wrap an fs/promises call in try: it must reject, not throw.
      rec.threw = outcomeOf(error).code;
      run.problems.push(`#${rec.index} ${what} threw ${rec.threw} synchronously (node:fs/promises rejects)`);
      p = Promise.reject(error);
    }
    rec.promise = p.then(
      (value) => {
        rec.outcome = { ok: true, n: typeof value === 'number' ? value : undefined };
        run.log.push(`  #${rec.index} settled: ok`);
      },
      (error) => {
        const o = outcomeOf(error);
        rec.outcome = o;
        run.log.push(`  #${rec.index} settled: ${o.code} ${String(o.syscall ?? '')}`);
        if (!(allowedCodes.has(o.code) || o.code === badCode))
          run.problems.push(`#${rec.index} ${what} rejected with an unexpected ${o.name} ${o.code}: ${o.message}`);
        if (!(error instanceof Error)) run.problems.push(`#${rec.index} ${what} rejected with a non-Error`);
        if (/^E[A-Z]+$/.test(o.code) && (typeof o.errno !== 'number' || typeof o.syscall !== 'string'))
          run.problems.push(`#${rec.index} ${what}: ${o.code} without errno/syscall (${String(o.errno)}, ${String(o.syscall)})`);
      },
    );
    run.records.push(rec);
    return rec;
  };

  const settleOrPause = async (rec: Rec, wait: boolean): Promise<void> => {
    if (wait) await Promise.race([rec.promise, sleep(5)]);
  };
  const makeData = (n: number): Buffer => {
    const k = writeCount++;
    return Buffer.from(Array.from({ length: n }, (_, j) => hashByte(k, j)));
  };
  const signal = (abort: boolean): { signal: AbortSignal } | undefined => (abort ? { signal: AbortSignal.abort() } : undefined);
  const split = (b: Buffer): Buffer[] => (b.length < 2 ? [b] : [b.subarray(0, b.length >> 1), Buffer.alloc(0), b.subarray(b.length >> 1)]);

  for (const op of plan) {
    switch (op.kind) {
      case 'pwrite': {
        const fh = handles[op.h]!;
        const bytes = makeData(op.size);
        const rec = track(op.h, `${op.vectored ? 'writev' : 'write'}(${op.size} at ${op.at}${op.abort ? ', aborted' : ''})`, () =>
          op.vectored ? fh.writev(split(bytes), op.at, signal(op.abort)) : fh.write(bytes, 0, bytes.length, op.at, signal(op.abort)),
        );
        run.writes.push({ at: op.at, bytes, rec });
        await settleOrPause(rec, op.wait);
        break;
      }
      case 'cwrite': {
        const fh = handles[0]!;
        const bytes = makeData(op.size);
        const o = signal(op.abort);
        const rec = track(0, `${op.how}(${op.size}${op.abort ? ', aborted' : ''}) at the current position`, () =>
          op.how === 'write'
            ? fh.write(bytes, o)
            : op.how === 'writev'
              ? fh.writev(split(bytes), null, o)
              : op.how === 'writeFile'
                ? fh.writeFile(bytes, o)
                : fh.write(bytes.toString('latin1'), null, 'latin1', o),
        );
        const w = { at: cwriteAt, bytes, rec };
        // A call after close(), or with an aborted signal, takes no range; the others land one after the other.
        if (!closed[0] && !op.abort) cwriteAt += op.size;
        run.writes.push(w);
        if (!closed[0] && !op.abort) run.cwrites.push(w);
        await settleOrPause(rec, op.wait);
        break;
      }
      case 'pread': {
        const fh = handles[op.h]!;
        const buf = Buffer.alloc(op.size);
        const entry: ReadRec = { at: op.at, want: op.size, got: Buffer.alloc(0), rec: undefined as unknown as Rec };
        entry.rec = track(op.h, `${op.vectored ? 'readv' : 'read'}(${op.size} at ${op.at}${op.abort ? ', aborted' : ''})`, async () => {
          const n = op.vectored
            ? (await fh.readv(split(buf), op.at, signal(op.abort))).bytesRead
            : (await fh.read(buf, 0, buf.length, op.at, signal(op.abort))).bytesRead;
          entry.got = Buffer.from(buf.subarray(0, n));
          return n;
        });
        run.reads.push(entry);
        await settleOrPause(entry.rec, op.wait);
        break;
      }
      case 'cread': {
        const fh = handles[1]!;
        const len = Math.min(op.size, CREAD_BUDGET - creadTaken);
        if (len <= 0) break;
        if (!closed[1] && !op.abort) creadTaken += len;
        const buf = Buffer.alloc(len);
        const entry: ReadRec = { want: len, got: Buffer.alloc(0), rec: undefined as unknown as Rec };
        const o = signal(op.abort);
        entry.rec = track(1, `${op.vectored ? 'readv' : 'read'}(${len}${op.abort ? ', aborted' : ''}) at the current position`, async () => {
          const n = op.vectored ? (await fh.readv(split(buf), null, o)).bytesRead : (await fh.read(buf, 0, len, null, o)).bytesRead;
          entry.got = Buffer.from(buf.subarray(0, n));
          return n;
        });
        run.reads.push(entry);
        await settleOrPause(entry.rec, op.wait);
        break;
      }
      case 'simple': {
        const fh = handles[op.h]!;
        const o = signal(op.abort);
        const len = BASE + (op.abort ? 0 : 4096);
        if (op.call === 'truncate') run.truncated = true;
        const rec = track(op.h, `${op.call}(${op.call === 'truncate' ? len : ''}${op.abort ? ' aborted' : ''})`, () =>
          op.call === 'stat' ? fh.stat(o) : op.call === 'sync' ? fh.sync(o) : op.call === 'datasync' ? fh.datasync(o) : fh.truncate(len, o),
        );
        await settleOrPause(rec, op.wait);
        break;
      }
      case 'path': {
        if (op.call === 'readFile') {
          const entry: ReadRec = { at: 0, want: -1, got: Buffer.alloc(0), rec: undefined as unknown as Rec };
          entry.rec = track(-1, 'readFile(path)', async () => {
            entry.got = await readFile(path);
            if (entry.got.length < BASE) run.problems.push(`readFile(path) gave ${entry.got.length} bytes, fewer than BASE`);
          });
          run.reads.push(entry);
          await settleOrPause(entry.rec, op.wait);
        } else if (op.call === 'appendFile') {
          const data = Buffer.from(Array.from({ length: op.size }, (_, j) => 65 + (hashByte(writeCount, j) % 26)));
          writeCount++;
          await settleOrPause(
            track(-1, `appendFile(path, ${op.size})`, () => appendFile(path, data)),
            op.wait,
          );
        } else {
          // writeFile with 'r+': the bytes at 0, no truncation (a careless rewrite of the head of the file).
          const bytes = makeData(Math.min(op.size, 4096));
          const rec = track(-1, `writeFile(path, ${bytes.length}, r+)`, () => writeFile(path, bytes, { flag: 'r+' }));
          run.writes.push({ at: 0, bytes, rec });
          await settleOrPause(rec, op.wait);
        }
        break;
      }
      case 'close': {
        const rec = track(op.h, `close()${closed[op.h] ? ' again' : ''}`, () => handles[op.h]!.close());
        closed[op.h] = true;
        await settleOrPause(rec, op.wait);
        break;
      }
      case 'badArg': {
        const [what, code, call] = badCalls[op.which]!;
        track(op.h, `bad ${what}`, () => call(handles[op.h]!), code);
        break;
      }
      case 'pause':
        await (op.ms === 0 ? new Promise((resolve) => setImmediate(resolve)) : sleep(op.ms));
        break;
    }
  }
  run.log.push('close() of both handles');
  for (const h of [0, 1]) track(h, `close()${closed[h] ? ' again' : ''}`, () => handles[h]!.close());
  const all = Promise.all(run.records.map((r) => r.promise));
  const settled = await Promise.race([all.then(() => true), sleep(5_000).then(() => false)]);
  if (!settled)
    run.problems.push(
      `calls still pending 5 s after close(): ${run.records
        .filter((r) => r.outcome === undefined)
        .map((r) => `#${r.index} ${r.what}`)
        .join(', ')}`,
    );
  run.final = readFileSync(path);
  rmSync(path);
  check(run);
  return run;
}

/** Whether `b` may be at offset `x` of the file, at any time during the run. */
function mayBe(run: Run, x: number, b: number): boolean {
  if (x < BASE && base[x] === b) return true;
  if (x >= BASE && (b === 0 || isAppendByte(b))) return true;
  for (const w of run.writes) if (x >= w.at && x < w.at + w.bytes.length && w.bytes[x - w.at] === b) return true;
  return false;
}

function badBytes(run: Run, at: number, got: Buffer): number {
  for (let j = 0; j < got.length; j++) if (!mayBe(run, at + j, got[j]!)) return j;
  return -1;
}

function check(run: Run): void {
  const { records, problems } = run;
  for (const rec of records) {
    const o = rec.outcome;
    if (o === undefined) continue;
    if (rec.badCode !== undefined) {
      if (o.ok || o.code !== rec.badCode) problems.push(`#${rec.index} ${rec.what} gave ${o.ok ? 'ok' : o.code}, not ${rec.badCode}`);
    } else if (rec.what.startsWith('close()')) {
      if (!o.ok) problems.push(`#${rec.index} ${rec.what} rejected with ${o.code}`);
    } else if (rec.afterClose && (o.ok || o.code !== 'EBADF')) {
      problems.push(`#${rec.index} ${rec.what} after close gave ${o.ok ? 'ok' : o.code}, not EBADF`);
    } else if (!rec.afterClose && !o.ok && o.code === 'EBADF') {
      problems.push(`#${rec.index} ${rec.what}, called before close(), rejected with EBADF`);
    } else if (!o.ok && o.code === 'ABORT_ERR' && !rec.what.includes('aborted')) {
      problems.push(`#${rec.index} ${rec.what} rejected with ABORT_ERR without a signal`);
    } else if (o.ok && rec.what.includes('aborted')) {
      problems.push(`#${rec.index} ${rec.what} resolved though its signal was aborted before the call`);
    }
  }
  // Reads at a known position: each byte one that was there.
  for (const r of run.reads) {
    if (r.at === undefined || r.rec.outcome?.ok !== true) continue;
    const j = badBytes(run, r.at, r.got);
    if (j >= 0) problems.push(`#${r.rec.index} ${r.rec.what}: byte ${r.at + j} (${r.got[j]}) was never in the file there`);
  }
  // Handle 1's current-position reads: one range from 0.
  const creads = run.reads.filter((r) => r.at === undefined && r.rec.outcome?.ok === true);
  if (backend() === 'io_uring') {
    let at = 0;
    for (const r of creads) {
      const j = badBytes(run, at, r.got);
      if (j >= 0) problems.push(`#${r.rec.index} ${r.rec.what}: byte ${at + j} (${r.got[j]}) is not the file's at its place in call order (from ${at})`);
      at += r.got.length;
    }
  } else {
    // Node's thread pool runs them in any order: each goes, in some order, right after the one before.
    const left = [...creads];
    let at = 0;
    while (left.length > 0) {
      const i = left.findIndex((r) => badBytes(run, at, r.got) < 0);
      if (i < 0) {
        problems.push(`current-position reads ${left.map((r) => `#${r.rec.index}`).join(' ')} do not continue the range at ${at}`);
        break;
      }
      at += left[i]!.got.length;
      left.splice(i, 1);
    }
  }
  for (const r of creads) if (r.got.length !== r.want) problems.push(`#${r.rec.index} ${r.rec.what} read ${r.got.length} bytes, short of BASE`);
  // The file at the end.
  const { final } = run;
  if (final.length < BASE) problems.push(`the file ended ${final.length} bytes long, shorter than BASE`);
  const j = badBytes(run, 0, final);
  if (j >= 0) problems.push(`the file's byte ${j} (${final[j]}) was never there`);
  // A write that resolved, that no other write overlaps and no truncate could cut, is in the file.
  for (const w of run.writes) {
    if (w.rec.outcome?.ok !== true) continue;
    const end = w.at + w.bytes.length;
    if (end > BASE && run.truncated) continue;
    const overlapped = run.writes.some((v) => v !== w && v.at < end && w.at < v.at + v.bytes.length);
    if (overlapped) continue;
    if (!final.subarray(w.at, end).equals(w.bytes)) problems.push(`#${w.rec.index} ${w.rec.what} resolved, but its bytes are not in the file at ${w.at}`);
  }
}

/** What the model fixes about a run, to compare the backends: what calls after close and bad calls gave, and whether it held. */
function fixed(run: Run): unknown {
  const calls = run.records
    .map((r) =>
      r.afterClose || r.badCode !== undefined || r.what.includes('aborted')
        ? `${r.index}:${r.outcome?.ok ? 'ok' : r.outcome?.code}${r.threw ? ' threw' : ''}`
        : '',
    )
    .filter((x) => x !== '');
  return { calls, problems: run.problems.length };
}

async function runAll(): Promise<{ seeds: number; ops: Set<string>; failures: string[]; fixed: { [seed: number]: unknown } }> {
  const only = onlySeeds();
  const dir = mkdtempSync(join(tmpdir(), 'ringcore-fs-careless-'));
  const failures: string[] = [];
  const ops = new Set<string>();
  const fixedBySeed: { [seed: number]: unknown } = {};
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  // One run first, so that what the first call opens for good (the ring) is counted before.
  await runPlan([], dir, 0);
  const before = openFds();
  let seeds = 0;
  try {
    for (let seed = 1; seed <= COUNT; seed++) {
      if (only !== null && !only.has(seed)) continue;
      seeds++;
      const plan = makePlan(seed);
      for (const op of plan) ops.add(op.kind === 'simple' || op.kind === 'path' ? `${op.kind}:${op.call}` : op.kind);
      const run = await runPlan(plan, dir, seed);
      await new Promise((resolve) => setImmediate(resolve));
      await sleep(0);
      for (const reason of unhandled.splice(0)) run.problems.push(`unhandled rejection: ${String((reason as Error)?.stack ?? reason)}`);
      fixedBySeed[seed] = fixed(run);
      if (run.problems.length > 0)
        failures.push(
          `seed ${seed}:\n  ${run.problems.join('\n  ')}\n  calls:\n    ${run.log.join('\n    ')}\n  outcomes:\n    ${run.records
            .map((r) => `#${r.index} ${r.outcome === undefined ? 'pending' : r.outcome.ok ? 'ok' : `${r.outcome.code} ${String(r.outcome.syscall ?? '')}`}`)
            .join('\n    ')}`,
        );
    }
  } finally {
    process.off('unhandledRejection', onUnhandled);
    rmSync(dir, { recursive: true, force: true });
  }
  const leaked = await leakedAfterWaiting(before);
  if (leaked.length > 0) failures.push(`fds left open: ${leaked.join(', ')}`);
  return { seeds, ops, failures, fixed: fixedBySeed };
}

if (isNodeBackendChild) {
  const result = await runAll();
  reportToParent({ ...result, ops: [...result.ops] });
  process.exit(0);
} else {
  let ours: Awaited<ReturnType<typeof runAll>> | undefined;
  test(`random careless sequences on two FileHandles of one file (${backend()} backend) keep the model`, async () => {
    ours = await runAll();
    console.log(`# ${ours.seeds} sequences, call kinds ${[...ours.ops].sort().join(' ')}`);
    assert.deepEqual(ours.failures, [], ours.failures.join('\n\n'));
  });

  test('the node backend keeps the model on the same seeds, with the same fixed outcomes', { skip: nodeBackendChildSkip() }, () => {
    const child = runOnNodeBackend<{ failures: string[]; fixed: Record<string, unknown> }>(fileURLToPath(import.meta.url));
    assert.deepEqual(child.failures, [], `node backend:\n${child.failures.join('\n\n')}`);
    if (ours === undefined) return;
    for (const [seed, fixedHere] of Object.entries(ours.fixed)) assert.deepEqual(child.fixed[seed], fixedHere, `seed ${seed}: the backends differ`);
  });
}
