// Seeded random sequences of careless calls on both ends of a connection
// (a socketpair, and a real TCP connection): writes, writev, reads, readv,
// chunk loops that break early, shutdowns, close and destroy, most of them
// not awaited, with abort signals, interleaved with the peer doing the same.
// A model checks what must hold whatever the order:
//   - the bytes a side reads (its reads and chunk loops, in call order) are
//     its peer's writes in call order: a resolved write whole, a rejected one
//     a prefix of it, nothing skipped, doubled or taken from the middle;
//   - a reader that saw EOF before it stopped reading got every resolved
//     write; a write called before close() resolves when the peer reads to EOF;
//   - a call made after close() or destroy() rejects with ERR_RINGCORE_CLOSED,
//     every rejection is Node-shaped (code; errno and syscall for the
//     kernel's) with a code the call can give;
//   - every promise settles once both ends have closed; no fd is left open;
//     no rejection goes unhandled.
// The seeds are fixed, so a failure names its seed and its sequence of calls
// (RANDOM_CARELESS_SEEDS=7,9 runs only those). The same seeds run again on the
// node backend (in a child, with RINGCORE_BACKEND=node), and the outcomes the
// model fixes must match.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { backend } from '../../src/index.js';
import { socketpair, TcpListener, TcpStream, type SocketStream } from '../../src/net/index.js';
import { leakedAfterWaiting, openFds } from '../../test-support/fds.js';
import { isNodeBackendChild, nodeBackendChildSkip, onlySeeds, prng, reportToParent, runOnNodeBackend } from '../../test-support/random.js';

// RANDOM_CARELESS_COUNT=2000 explores further (not in CI: a few seconds is the budget there).
const SEEDS_PAIR = Number(process.env.RANDOM_CARELESS_COUNT ?? 160);
const SEEDS_TCP = Number(process.env.RANDOM_CARELESS_COUNT ?? 100);

/** The j-th byte of side `side`'s k-th write: each write's bytes differ from its neighbours'. */
function dataByte(side: number, k: number, j: number, ascii: boolean): number {
  let h = Math.imul(side * 1000003 + k * 7919 + 1, 2654435761) ^ Math.imul(j + 1, 40503);
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return ascii ? 97 + ((h >>> 0) % 26) : h & 0xff;
}

type Op =
  | { kind: 'write'; size: number; str: boolean; wait: boolean; abortAfter?: number }
  | { kind: 'writev'; sizes: number[]; wait: boolean }
  | { kind: 'read'; size: number; wait: boolean; abortAfter?: number }
  | { kind: 'readv'; sizes: number[]; wait: boolean }
  | { kind: 'chunks'; take: number; wait: boolean }
  | { kind: 'shutdown'; how: 'write' | 'read' | 'both'; wait: boolean }
  | { kind: 'close'; wait: boolean }
  | { kind: 'destroy'; wait: boolean }
  | { kind: 'badArg'; which: number }
  | { kind: 'pause'; ms: number };

/** Calls with a bad argument: each throws ERR_INVALID_ARG_TYPE, whether the stream is open or closed. */
const badCalls: [string, (s: SocketStream) => Promise<unknown>][] = [
  ['write(123)', (s) => s.write(123 as unknown as string)],
  ["read('x')", (s) => s.read('x' as unknown as Buffer)],
  ["readv('x')", (s) => s.readv('x' as unknown as Buffer[])],
  ['writev([1])', (s) => s.writev([1] as unknown as Buffer[])],
  ["shutdown('x')", (s) => s.shutdown('x' as 'write')],
];

type Finale = 'close' | 'destroy' | 'shutdown-drain-close' | 'drain-close' | 'close-drain';

interface Plan {
  ops: [Op[], Op[]];
  finale: [Finale, Finale];
}

function writeSize(r: () => number): number {
  const x = r();
  if (x < 0.45) return 1 + Math.floor(r() * 64);
  if (x < 0.85) return 512 + Math.floor(r() * 8192);
  if (x < 0.97) return 32768 + Math.floor(r() * 65536);
  return 200_000 + Math.floor(r() * 300_000);
}

function makePlan(seed: number): Plan {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const side = (): Op[] => {
    const n = 3 + Math.floor(r() * 14);
    const ops: Op[] = [];
    for (let i = 0; i < n; i++) {
      const x = r();
      const wait = r() < 0.3;
      if (x < 0.3) {
        const op: Op = { kind: 'write', size: writeSize(r), str: r() < 0.15, wait };
        if (r() < 0.08) op.abortAfter = Math.floor(r() * 3);
        ops.push(op);
      } else if (x < 0.38) ops.push({ kind: 'writev', sizes: Array.from({ length: 1 + Math.floor(r() * 5) }, () => (r() < 0.15 ? 0 : writeSize(r))), wait });
      else if (x < 0.56) {
        const op: Op = { kind: 'read', size: pick([1, 7, 100, 4096, 65536]), wait };
        if (r() < 0.08) op.abortAfter = Math.floor(r() * 3);
        ops.push(op);
      } else if (x < 0.63) ops.push({ kind: 'readv', sizes: Array.from({ length: 1 + Math.floor(r() * 4) }, () => pick([0, 1, 5, 300, 8192])), wait });
      else if (x < 0.71) ops.push({ kind: 'chunks', take: 1 + Math.floor(r() * 3), wait });
      else if (x < 0.75) ops.push({ kind: 'shutdown', how: pick(['write', 'write', 'read', 'both'] as const), wait });
      else if (x < 0.78) ops.push({ kind: 'close', wait });
      else if (x < 0.8) ops.push({ kind: 'destroy', wait });
      else if (x < 0.83) ops.push({ kind: 'badArg', which: Math.floor(r() * badCalls.length) });
      else ops.push({ kind: 'pause', ms: pick([0, 0, 1, 3]) });
    }
    return ops;
  };
  const ops: [Op[], Op[]] = [side(), side()];
  const finales: Finale[] = ['close', 'destroy', 'shutdown-drain-close', 'drain-close', 'close-drain'];
  const a = pick(finales);
  let b = pick(finales);
  // Two ends that each read to EOF before they close wait for each other for ever.
  while (a === 'drain-close' && b === 'drain-close') b = pick(finales);
  return { ops, finale: [a, b] };
}

type Outcome = { ok: true; n?: number } | { ok: false; code: string; errno?: unknown; syscall?: unknown; message: string; name: string };

interface Record {
  side: number;
  index: number;
  what: string;
  /** Called after this side's close() or destroy(). */
  afterClose: boolean;
  promise: Promise<unknown>;
  outcome?: Outcome;
}

interface WriteRec {
  bytes: Buffer;
  rec: Record;
  aborted: boolean;
}

/** One piece of what a side read: a read's bytes, or a chunk loop's chunks, at its place in call order. */
interface ReadRec {
  parts: Buffer[];
  rec: Record;
  eof: boolean;
  /** The side had not called close(), destroy() or shutdown('read'|'both') when this read saw EOF. */
  eofBeforeStop: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Codes a careless call may reject with. */
const allowedCodes: { [kind: string]: Set<string> } = {
  write: new Set(['ERR_RINGCORE_CLOSED', 'EPIPE', 'ECONNRESET', 'ABORT_ERR']),
  read: new Set(['ERR_RINGCORE_CLOSED', 'ECONNRESET', 'ABORT_ERR', 'ERR_INVALID_STATE']),
  chunks: new Set(['ERR_RINGCORE_CLOSED', 'ECONNRESET', 'ERR_INVALID_STATE']),
  shutdown: new Set(['ERR_RINGCORE_CLOSED', 'ENOTCONN']),
  close: new Set([]),
  destroy: new Set([]),
  badArg: new Set(['ERR_INVALID_ARG_TYPE']),
};

function outcomeOf(error: unknown): Extract<Outcome, { ok: false }> {
  const e = error as { code?: unknown; errno?: unknown; syscall?: unknown; message?: unknown; name?: unknown };
  return {
    ok: false,
    code: String(e?.code),
    errno: e?.errno,
    syscall: e?.syscall,
    message: String(e?.message),
    name: String(e?.name),
  };
}

interface Run {
  plan: Plan;
  log: string[];
  records: Record[];
  writes: [WriteRec[], WriteRec[]];
  reads: [ReadRec[], ReadRec[]];
  problems: string[];
  /** A TCP connection (else a socketpair). */
  tcp: boolean;
}

/** Runs `plan` on the two ends of a fresh connection; the problems found (empty when the model holds). */
async function runPlan(plan: Plan, connect: () => Promise<[SocketStream, SocketStream]>, tcp: boolean): Promise<Run> {
  const [s0, s1] = await connect();
  const streams = [s0, s1];
  const run: Run = { plan, log: [], records: [], writes: [[], []], reads: [[], []], problems: [], tcp };
  const stopped = [false, false]; // close, destroy or shutdown('read'|'both') called
  const closed = [false, false]; // close or destroy called
  const chunkLoops: [Promise<unknown>[], Promise<unknown>[]] = [[], []];
  const writeCount = [0, 0];

  const track = (side: number, what: string, kind: string, start: () => Promise<unknown>): Record => {
    const rec: Record = { side, index: run.records.length, what, afterClose: closed[side]!, promise: Promise.resolve() };
    run.log.push(`${side}#${rec.index} ${what}`);
    let p: Promise<unknown>;
    try {
      p = start();
    } catch (error) {
      p = Promise.reject(error);
    }
    rec.promise = p.then(
      (value) => {
        rec.outcome = { ok: true, n: typeof value === 'number' ? value : undefined };
        run.log.push(`  ${side}#${rec.index} settled: ok ${typeof value === 'number' ? value : ''}`);
      },
      (error) => {
        const o = outcomeOf(error);
        rec.outcome = o;
        run.log.push(`  ${side}#${rec.index} settled: ${o.code}`);
        if (!allowedCodes[kind]!.has(o.code)) run.problems.push(`${side}#${rec.index} ${what} rejected with an unexpected ${o.name} ${o.code}: ${o.message}`);
        if (!(error instanceof Error)) run.problems.push(`${side}#${rec.index} ${what} rejected with a non-Error`);
        if (/^E[A-Z]+$/.test(o.code) && (typeof o.errno !== 'number' || typeof o.syscall !== 'string'))
          run.problems.push(`${side}#${rec.index} ${what}: ${o.code} without errno/syscall (${String(o.errno)}, ${String(o.syscall)})`);
      },
    );
    run.records.push(rec);
    return rec;
  };

  const settleOrPause = async (rec: Record, wait: boolean): Promise<void> => {
    if (wait) await Promise.race([rec.promise, sleep(5)]);
  };

  const signalFor = (abortAfter: number | undefined): AbortSignal | undefined => {
    if (abortAfter === undefined) return undefined;
    const ac = new AbortController();
    if (abortAfter === 0) setImmediate(() => ac.abort());
    else setTimeout(() => ac.abort(), abortAfter);
    return ac.signal;
  };

  const doWrite = (side: number, bufs: Buffer[], asString: boolean, signal: AbortSignal | undefined, vectored: boolean, wait: boolean): Promise<void> => {
    const s = streams[side]!;
    const bytes = Buffer.concat(bufs);
    const what = vectored ? `writev([${bufs.map((b) => b.length)}])` : `write(${bytes.length}${asString ? ' as string' : ''}${signal ? ', signal' : ''})`;
    const rec = track(side, what + (wait ? ' awaited' : ''), 'write', () =>
      vectored ? s.writev(bufs) : s.write(asString ? bytes.toString('latin1') : bytes, signal ? { signal } : undefined),
    );
    run.writes[side]!.push({ bytes, rec, aborted: signal !== undefined });
    return settleOrPause(rec, wait);
  };

  const makeWrite = (side: number, size: number, ascii: boolean): Buffer => {
    const k = writeCount[side]!++;
    const b = Buffer.allocUnsafe(size);
    for (let j = 0; j < size; j++) b[j] = dataByte(side, k, j, ascii);
    return b;
  };

  const doRead = (side: number, sizes: number[], vectored: boolean, signal: AbortSignal | undefined, wait: boolean, drain = false): Record => {
    const s = streams[side]!;
    const bufs = sizes.map((n) => Buffer.alloc(n));
    const entry: ReadRec = { parts: [], rec: undefined as unknown as Record, eof: false, eofBeforeStop: false };
    const what = `${drain ? 'drain ' : ''}${vectored ? `readv([${sizes}])` : `read(${sizes[0]}${signal ? ', signal' : ''})`}${wait ? ' awaited' : ''}`;
    const rec = track(side, what, 'read', () =>
      (vectored ? s.readv(bufs) : s.read(bufs[0]!, signal ? { signal } : undefined)).then((n) => {
        const total = sizes.reduce((a, b) => a + b, 0);
        let left = n;
        for (const b of bufs) {
          const take = Math.min(left, b.length);
          if (take > 0) entry.parts.push(Buffer.from(b.subarray(0, take)));
          left -= take;
        }
        if (n === 0 && total > 0) {
          entry.eof = true;
          entry.eofBeforeStop = !stopped[side];
        }
        return n;
      }),
    );
    entry.rec = rec;
    run.reads[side]!.push(entry);
    return rec;
  };

  // Each next() of a chunk loop is a read of its own, at its place in call order: a read() called while
  // the loop reads rejects (ERR_INVALID_STATE) or, where the loop reads through read(), comes in between.
  const doChunks = (side: number, take: number, wait: boolean): Record => {
    const s = streams[side]!;
    let entry: ReadRec | undefined;
    const early: ReadRec[] = [];
    let recRef: Record | undefined;
    const rec = track(side, `chunks(take ${take})${wait ? ' awaited' : ''}`, 'chunks', async () => {
      const it = s.chunks();
      let got = 0;
      for (;;) {
        entry = { parts: [], rec: recRef as Record, eof: false, eofBeforeStop: false };
        if (recRef === undefined) early.push(entry);
        run.reads[side]!.push(entry);
        const r = await it.next();
        if (r.done) {
          entry.eof = true;
          entry.eofBeforeStop = !stopped[side];
          break;
        }
        entry.parts.push(Buffer.from(r.value));
        if (++got >= take) {
          await it.return();
          break;
        }
      }
      return got;
    });
    recRef = rec;
    for (const e of early) e.rec = rec;
    chunkLoops[side]!.push(rec.promise);
    return rec;
  };

  const doClose = (side: number, destroy: boolean, wait: boolean): Promise<void> => {
    const s = streams[side]!;
    const rec = track(side, destroy ? 'destroy()' : 'close()', destroy ? 'destroy' : 'close', () => (destroy ? s.destroy() : s.close()));
    stopped[side] = true;
    closed[side] = true;
    return settleOrPause(rec, wait);
  };

  const drain = async (side: number): Promise<void> => {
    // Chunk loops still running end at EOF, or took their chunks; reads wait for them.
    await Promise.all(chunkLoops[side]!);
    for (let i = 0; i < 10_000; i++) {
      const rec = doRead(side, [65536], false, undefined, false, true);
      await rec.promise;
      const o = rec.outcome!;
      if (!o.ok || o.n === 0) return;
    }
  };

  const script = async (side: number): Promise<void> => {
    const s = streams[side]!;
    for (const op of plan.ops[side]!) {
      switch (op.kind) {
        case 'write':
          await doWrite(side, [makeWrite(side, op.size, op.str)], op.str, signalFor(op.abortAfter), false, op.wait);
          break;
        case 'writev':
          await doWrite(
            side,
            op.sizes.map((n) => makeWrite(side, n, false)),
            false,
            undefined,
            true,
            op.wait,
          );
          break;
        case 'read':
          await settleOrPause(doRead(side, [op.size], false, signalFor(op.abortAfter), op.wait), op.wait);
          break;
        case 'readv':
          await settleOrPause(doRead(side, op.sizes, true, undefined, op.wait), op.wait);
          break;
        case 'chunks':
          await settleOrPause(doChunks(side, op.take, op.wait), op.wait);
          break;
        case 'shutdown': {
          const rec = track(side, `shutdown('${op.how}')`, 'shutdown', () => s.shutdown(op.how));
          if (op.how !== 'write') stopped[side] = true;
          await settleOrPause(rec, op.wait);
          break;
        }
        case 'close':
        case 'destroy':
          await doClose(side, op.kind === 'destroy', op.wait);
          break;
        case 'badArg': {
          const [what, call] = badCalls[op.which]!;
          track(side, `bad ${what}`, 'badArg', () => call(s));
          break;
        }
        case 'pause':
          await (op.ms === 0 ? new Promise((resolve) => setImmediate(resolve)) : sleep(op.ms));
          break;
      }
    }
    const finale = plan.finale[side]!;
    run.log.push(`${side} finale ${finale}`);
    if (finale === 'close') await doClose(side, false, false);
    else if (finale === 'destroy') await doClose(side, true, false);
    else if (finale === 'close-drain') {
      // close() not awaited, then reads: they reject (closed) at once.
      void doClose(side, false, false);
      await drain(side);
    } else {
      if (finale === 'shutdown-drain-close') track(side, "shutdown('write')", 'shutdown', () => s.shutdown('write'));
      await drain(side);
      await doClose(side, false, false);
    }
  };

  await Promise.all([script(0), script(1)]);
  // Once both ends have closed, every call settles.
  const all = Promise.all(run.records.map((r) => r.promise));
  let settled = await Promise.race([all.then(() => true), sleep(5_000).then(() => false)]);
  if (!settled) {
    const pending = run.records.filter((r) => r.outcome === undefined);
    // Both ends in close(), each waiting for its writes, which the other no longer reads: the wait
    // close() documents (destroy() ends it). Anything else pending is a hang.
    const waitingClose = [0, 1].every((side) => pending.some((r) => r.side === side && r.what.startsWith('close()')));
    // A write given a signal (aborted by now) must have ended, and let its close() go on.
    const onlyWrites = pending.every(
      (r) => r.what.startsWith('close()') || (r.what.startsWith('write') && !r.what.includes('signal')) || r.what.startsWith("shutdown('write')"),
    );
    if (!(waitingClose && onlyWrites))
      run.problems.push(`calls still pending 5 s after both ends closed: ${pending.map((r) => `${r.side}#${r.index} ${r.what}`).join(', ')}`);
    run.log.push('destroy() of both ends');
    await Promise.all([s0.destroy(), s1.destroy()]);
    settled = await Promise.race([all.then(() => true), sleep(5_000).then(() => false)]);
    if (!settled) {
      const left = run.records.filter((r) => r.outcome === undefined).map((r) => `${r.side}#${r.index} ${r.what}`);
      run.problems.push(`calls still pending after destroy() of both ends: ${left.join(', ')}`);
    }
  }
  check(run);
  return run;
}

/** Whether `got` (from `at`) is writes[k..] of `writes`, resolved ones whole, rejected ones cut short; `complete` asks for all of it. */
function matches(got: Buffer, at: number, writes: WriteRec[], k: number, complete: boolean): boolean {
  if (at === got.length && !complete) return true;
  if (k === writes.length) return at === got.length;
  const w = writes[k]!;
  const o = w.rec.outcome;
  const left = got.length - at;
  // How much of this write matches what came.
  let same = 0;
  const max = Math.min(left, w.bytes.length);
  while (same < max && got[at + same] === w.bytes[same]) same++;
  if (o?.ok === true) {
    if (same === w.bytes.length) return matches(got, at + same, writes, k + 1, complete);
    // A resolved write cut short by the end of what was read: fine unless all was asked for.
    return same === left && !complete;
  }
  // Rejected: any prefix of it, longest first.
  for (let take = same; take >= 0; take--) if (matches(got, at + take, writes, k + 1, complete)) return true;
  return false;
}

function check(run: Run): void {
  const { records, problems } = run;
  for (const rec of records) {
    if (rec.outcome === undefined) continue;
    if (rec.afterClose && !rec.what.startsWith('close') && !rec.what.startsWith('destroy') && !rec.what.startsWith('bad ')) {
      if (rec.outcome.ok || rec.outcome.code !== 'ERR_RINGCORE_CLOSED')
        problems.push(
          `${rec.side}#${rec.index} ${rec.what} after close gave ${rec.outcome.ok ? `ok ${rec.outcome.n ?? ''}` : rec.outcome.code}, not ERR_RINGCORE_CLOSED`,
        );
    }
    if (rec.what.startsWith('bad ') && (rec.outcome.ok || rec.outcome.code !== 'ERR_INVALID_ARG_TYPE'))
      problems.push(`${rec.side}#${rec.index} ${rec.what} gave ${rec.outcome.ok ? 'ok' : rec.outcome.code}, not ERR_INVALID_ARG_TYPE`);
  }
  for (const reader of [0, 1]) {
    const writer = 1 - reader;
    const reads = run.reads[reader]!;
    // After a read saw EOF (before the side stopped reading), later reads in call order get nothing.
    let eofAt = -1;
    const parts: Buffer[] = [];
    for (let i = 0; i < reads.length; i++) {
      const r = reads[i]!;
      if (eofAt >= 0 && r.parts.length > 0) problems.push(`${reader}#${r.rec.index} ${r.rec.what} got bytes after EOF at ${reader}#${reads[eofAt]!.rec.index}`);
      parts.push(...r.parts);
      if (r.eof && r.eofBeforeStop && eofAt < 0) eofAt = i;
    }
    const got = Buffer.concat(parts);
    const writes = run.writes[writer]!;
    // An RST (the writer closed, or shut down its reading, with bytes unread, as TCP does) drops what was
    // still on its way, written or not: the reader sees ECONNRESET on some call (or, on TCP, EPIPE or
    // ENOTCONN once the reset is taken), and what it got is still in order, but need not be complete.
    const resetCodes = run.tcp ? ['ECONNRESET', 'EPIPE', 'ENOTCONN'] : ['ECONNRESET'];
    const reset = records.some((r) => r.side === reader && r.outcome?.ok === false && resetCodes.includes(r.outcome.code));
    // On TCP, a writer that closes with bytes it never read sends an RST too (whichever backend saw what).
    const sentToWriter = run.writes[reader]!.reduce((n, w) => n + (w.rec.outcome?.ok === true ? w.bytes.length : 0), 0);
    const writerRead = run.reads[writer]!.reduce((n, r) => n + r.parts.reduce((m, p) => m + p.length, 0), 0);
    const writerReset = run.tcp && writerRead < sentToWriter;
    const complete = eofAt >= 0 && !reset && !writerReset;
    if (!matches(got, 0, writes, 0, complete)) {
      const summary = writes.map(
        (w) => `${w.rec.index}:${w.bytes.length}${w.rec.outcome?.ok ? '' : `(${w.rec.outcome?.ok === false ? w.rec.outcome.code : 'pending'})`}`,
      );
      problems.push(
        `side ${reader} read ${got.length} bytes that are not side ${writer}'s writes in order${complete ? ' (complete: it saw EOF)' : ''}; writes ${summary.join(' ')}`,
      );
    }
    // The reader read to EOF without stopping first: each write the writer called before close() and
    // before any destroy or shutdown('write'), and gave no signal, resolved.
    if (complete) {
      const wlog = records.filter((r) => r.side === writer);
      // destroy() rejects the writes that have not started, whenever they were called.
      const destroyed = wlog.some((r) => r.what.startsWith('destroy'));
      const cut = wlog.findIndex((r) => r.what.startsWith("shutdown('write')") || r.what.startsWith("shutdown('both')"));
      const cutIndex = destroyed ? -1 : cut < 0 ? Infinity : wlog[cut]!.index;
      for (const w of writes) {
        if (w.rec.index > cutIndex || w.rec.afterClose || w.aborted) continue;
        if (w.rec.outcome?.ok !== true)
          problems.push(
            `${writer}#${w.rec.index} ${w.rec.what} failed (${w.rec.outcome?.ok === false ? w.rec.outcome.code : 'pending'}) though the peer read to EOF`,
          );
      }
    }
  }
}

/**
 * Where the node backend differs from io_uring, found by this test and not
 * yet fixed (a lead in CHANGELOG's Unreleased section): a write's EPIPE
 * destroys the node:net socket, so reads waiting reject with that EPIPE
 * (syscall 'write') where io_uring gives them the bytes left and EOF.
 */
function knownNodeProblem(problem: string): boolean {
  if (backend() !== 'node') return false;
  return /^\d#\d+ (drain )?(read|readv|chunks)\b.* rejected with an unexpected Error EPIPE: write EPIPE$/.test(problem);
}

/** What the model fixes about a run, to compare the backends: what calls after close and calls with bad arguments gave, and whether it held. */
function fixed(run: Run): unknown {
  const calls = [0, 1].map((side) =>
    run.records
      .filter((r) => r.side === side)
      .map((r, i) => (r.afterClose || r.what.startsWith('bad ') ? `${i}:${r.outcome?.ok ? 'ok' : r.outcome?.code}` : ''))
      .filter((x) => x !== ''),
  );
  return { calls, problems: run.problems.length };
}

async function runAll(kind: 'pair' | 'tcp'): Promise<{ seeds: number; ops: Set<string>; failures: string[]; fixed: { [seed: number]: unknown } }> {
  const only = onlySeeds();
  const count = kind === 'pair' ? SEEDS_PAIR : SEEDS_TCP;
  const base = kind === 'pair' ? 1 : 100_001;
  const failures: string[] = [];
  const ops = new Set<string>();
  const fixedBySeed: { [seed: number]: unknown } = {};
  let listener: TcpListener | null = null;
  if (kind === 'tcp') listener = await TcpListener.bind({ host: '127.0.0.1' });
  const connect =
    kind === 'pair'
      ? async (): Promise<[SocketStream, SocketStream]> => socketpair()
      : async (): Promise<[SocketStream, SocketStream]> => {
          const accepted = listener!.accept();
          const client = await TcpStream.connect({ host: '127.0.0.1', port: listener!.address().port });
          return [client, await accepted];
        };
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  // One run first, so that what the first connection opens for good (the ring, its buffers) is counted before.
  await runPlan({ ops: [[], []], finale: ['close', 'close'] }, connect, kind === 'tcp');
  const before = openFds();
  let seeds = 0;
  try {
    for (let i = 0; i < count; i++) {
      const seed = base + i;
      if (only !== null && !only.has(seed)) continue;
      seeds++;
      const plan = makePlan(seed);
      for (const side of plan.ops) for (const op of side) ops.add(op.kind);
      const run = await runPlan(plan, connect, kind === 'tcp');
      // Let a rejection nobody handled show up, and this run's fds close.
      await new Promise((resolve) => setImmediate(resolve));
      await sleep(0);
      for (const reason of unhandled.splice(0)) run.problems.push(`unhandled rejection: ${String((reason as Error)?.stack ?? reason)}`);
      run.problems = run.problems.filter((problem) => !knownNodeProblem(problem));
      fixedBySeed[seed] = fixed(run);
      if (run.problems.length > 0) {
        failures.push(
          `seed ${seed} (${kind}, finales ${plan.finale.join('/')}):\n  ${run.problems.join('\n  ')}\n  calls:\n    ${run.log.join('\n    ')}\n  outcomes:\n    ${run.records
            .map((r) => `${r.side}#${r.index} ${r.outcome === undefined ? 'pending' : r.outcome.ok ? `ok ${r.outcome.n ?? ''}` : r.outcome.code}`)
            .join('\n    ')}`,
        );
      }
    }
  } finally {
    await listener?.close();
    process.off('unhandledRejection', onUnhandled);
  }
  const leaked = await leakedAfterWaiting(before);
  if (leaked.length > 0) failures.push(`fds left open: ${leaked.join(', ')}`);
  return { seeds, ops, failures, fixed: fixedBySeed };
}

if (isNodeBackendChild) {
  const pair = await runAll('pair');
  const tcp = await runAll('tcp');
  reportToParent({ pair: { ...pair, ops: [...pair.ops] }, tcp: { ...tcp, ops: [...tcp.ops] } });
  process.exit(0);
} else {
  const results: { [kind: string]: Awaited<ReturnType<typeof runAll>> } = {};
  for (const kind of ['pair', 'tcp'] as const) {
    test(`random careless sequences on a ${kind === 'pair' ? 'socketpair' : 'TCP connection'} (${backend()} backend) keep the model`, async () => {
      const result = await runAll(kind);
      results[kind] = result;
      console.log(`# ${kind}: ${result.seeds} sequences, call kinds ${[...result.ops].sort().join(' ')}`);
      assert.deepEqual(result.failures, [], result.failures.join('\n\n'));
    });
  }

  test('the node backend keeps the model on the same seeds, with the same fixed outcomes', { skip: nodeBackendChildSkip() }, () => {
    const child = runOnNodeBackend<{ [kind: string]: { failures: string[]; fixed: { [seed: string]: unknown } } }>(fileURLToPath(import.meta.url));
    for (const kind of ['pair', 'tcp']) {
      assert.deepEqual(child[kind].failures, [], `node backend, ${kind}:\n${child[kind].failures.join('\n\n')}`);
      const ours = results[kind];
      if (ours === undefined) continue;
      for (const [seed, fixedHere] of Object.entries(ours.fixed))
        assert.deepEqual(child[kind].fixed[seed], fixedHere, `seed ${seed} (${kind}): the backends differ`);
    }
  });
}
