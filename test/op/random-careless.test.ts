// Seeded random sequences of careless calls on the core ring: a small ring
// (8 entries, so more ops than SQEs wait in its queue) driven by NOPs,
// TIMEOUTs, READs and WRITEs on one pipe, linked chains, ops settled by
// callback (submitWith), signals aborted before the call or while the op is
// in flight, and ring.close() with ops in flight, most of them not awaited.
// A model checks what must hold whatever the order:
//   - every op settles exactly once (a callback is called once): an op whose
//     signal was aborted before the call rejects with AbortError; one aborted
//     in flight with AbortError or its result (the kernel had finished it);
//     one still in flight at ring.close(), or made after it, with
//     ERR_RINGCORE_CLOSED (or the kernel's result, or ECANCELED behind it in a
//     chain); anything else with its result;
//   - the bytes the reads returned, in the order they completed, then what is
//     left in the pipe, are the bytes of the writes that resolved, in call
//     order (writes stay below the pipe's size, so none blocks). That order
//     is the kernel's, not ringcore's: io_uring keeps none between ops in
//     flight, and it holds only where the kernel tries a pipe write inline,
//     in SQ order. Before Linux 6.x (6.1 and 5.10 here) a pipe has no
//     FMODE_NOWAIT, every pipe read and write runs in an io-wq worker, and
//     16 writes submitted together land in any order (reversed on 6.1). There
//     the bytes must still be the resolved writes' and nothing else, each
//     write's bytes whole and together (a pipe write below PIPE_BUF is
//     atomic), each once, in some order;
//   - the buffer of a read that rejected is never written, even by the data
//     written to the pipe after its promise rejected (filled with a canary
//     before, checked at the end): the kernel never writes into memory that
//     was given back; a read that resolved with n wrote no byte past n;
//   - nothing hangs; no rejection goes unhandled; no fd is left open.
// The seeds are fixed, so a failure names its seed and its calls
// (RANDOM_CARELESS_SEEDS=7,9 runs only those, RANDOM_CARELESS_COUNT=2000
// explores further; RANDOM_CARELESS_UNORDERED=1 checks as on a kernel whose pipe writes run in
// any order). io_uring only: the node backend's Ring has nop() alone.
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { Ring, type OpSpec } from '../../src/index.js';
import { sleep } from '../../src/time/index.js';
import { addressOf } from '../../src/sys/memory.js';
import { native } from '../../src/sys/native.js';
import { SYS_close, SYS_read, SYS_write } from '../../src/sys/syscalls.js';
import { RWF_NOWAIT } from '../../src/sys/constants.js';
import { test } from '../../test-support/backend.js';
import { pipe } from '../../test-support/kernel.js';
import { leakedSince, openFds } from '../../test-support/fds.js';
import { onlySeeds, prng } from '../../test-support/random.js';

const COUNT = Number(process.env.RANDOM_CARELESS_COUNT ?? 80);
const CANARY = 0xcc;
/** Reads in flight at most: blocked reads hold slots, and writes queued behind a full table would wait for ever (a real deadlock, not a bug). */
const MAX_READS = 3;

type Kind = 'nop' | 'timeout' | 'read' | 'write' | 'link';
type Abort = 'none' | 'before' | 'flight';

interface Rec {
  index: number;
  what: string;
  kind: Kind;
  abort: Abort;
  /** Made after ring.close() was called. */
  late: boolean;
  /** Whether it may end ECANCELED: an op behind another in a chain. */
  linked: boolean;
  settled: number;
  outcome?: { ok: true; value: unknown } | { ok: false; error: Error };
  /** For a read: its buffer; for a write: its bytes. */
  buf?: Buffer;
  data?: Buffer;
}

const readSpec = (fd: number, buf: Buffer): OpSpec<number> => ({
  syscall: 'read',
  prep: (u, sqe) => u.prepRead(sqe, fd, addressOf(buf), buf.length, -1),
  pin: buf,
});
const writeSpec = (fd: number, data: Buffer): OpSpec<number> => ({
  syscall: 'write',
  prep: (u, sqe) => u.prepWrite(sqe, fd, addressOf(data), data.length, -1),
  pin: data,
});
const nopSpec = (): OpSpec<number> => ({ syscall: 'nop', prep: (u, sqe) => u.prepNop(sqe) });

/** Bytes no other write has: write k's byte j. */
function bytesOf(k: number, size: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let j = 0; j < size; j++) {
    let h = Math.imul(k * 1000003 + 1, 2654435761) ^ Math.imul(j + 1, 40503);
    h ^= h >>> 13;
    buf[j] = (Math.imul(h, 0x5bd1e995) >>> 15) & 0xff;
  }
  return buf;
}

/** Everything left in the pipe once its write end is closed. */
function drain(fd: number): Buffer {
  const chunks: Buffer[] = [];
  for (;;) {
    const buf = Buffer.alloc(65536);
    const n = native.syscall(SYS_read, fd, addressOf(buf), buf.length);
    if (n <= 0) return Buffer.concat(chunks);
    chunks.push(buf.subarray(0, n));
  }
}

/**
 * Whether this kernel tries a pipe read or write inline (the pipe has FMODE_NOWAIT), so that writes
 * submitted together run in SQ order: a READ with RWF_NOWAIT on an empty pipe then fails with EAGAIN;
 * without it (before 6.x) io_uring refuses RWF_NOWAIT with EOPNOTSUPP, and hands pipe I/O to io-wq.
 */
async function pipeWritesInline(): Promise<boolean> {
  const ring = new Ring({ entries: 8 });
  const [r, w] = pipe();
  const buf = Buffer.alloc(16);
  try {
    const code = await ring
      .submit({
        syscall: 'read',
        prep: (u, sqe) => {
          u.prepRead(sqe, r, addressOf(buf), buf.length, -1);
          u.setOpFlags(sqe, RWF_NOWAIT);
        },
        pin: buf,
      })
      .then(
        (n) => `read ${n}`,
        (error: { code?: string }) => error.code,
      );
    if (code !== 'EAGAIN' && code !== 'ENOTSUP') throw new Error(`RWF_NOWAIT probe: ${code}`);
    return code === 'EAGAIN';
  } finally {
    await ring.close();
    native.syscall(SYS_close, r);
    native.syscall(SYS_close, w);
  }
}

/**
 * Whether `pieces` (the reads' bytes, in an order not known) then `last` (what was left in the pipe)
 * lay end to end as every one of `writes` once, each whole and in one place, in some order: a depth-first
 * search over the next piece and the write that goes on, with the states that failed remembered
 * (reads that start at a write's start can come in any order).
 */
function layUnordered(writes: Buffer[], pieces: Buffer[], last: Buffer): boolean {
  const used = writes.map(() => false);
  const taken = pieces.map(() => false);
  const failed = new Set<string>();
  type Open = { k: number; off: number } | null;
  // Lays piece[pos..] on the writes, the one at `open` going on first; then next(the write left open).
  const walk = (piece: Buffer, pos: number, open: Open, next: (open: Open) => boolean): boolean => {
    if (pos === piece.length) return next(open);
    if (open !== null) {
      const w = writes[open.k]!;
      const n = Math.min(w.length - open.off, piece.length - pos);
      if (!piece.subarray(pos, pos + n).equals(w.subarray(open.off, open.off + n))) return false;
      const off = open.off + n;
      return walk(piece, pos + n, off === w.length ? null : { k: open.k, off }, next);
    }
    for (let k = 0; k < writes.length; k++) {
      if (used[k] || writes[k]![0] !== piece[pos]) continue;
      used[k] = true;
      if (walk(piece, pos, { k, off: 0 }, next)) return true;
      used[k] = false;
    }
    return false;
  };
  const place = (left: number, open: Open): boolean => {
    if (left === 0) return walk(last, 0, open, (end) => end === null && used.every(Boolean));
    const key = `${taken.map(Number).join('')}/${used.map(Number).join('')}/${open === null ? '' : `${open.k}.${open.off}`}`;
    if (failed.has(key)) return false;
    for (let i = 0; i < pieces.length; i++) {
      if (taken[i]) continue;
      taken[i] = true;
      if (walk(pieces[i]!, 0, open, (after) => place(left - 1, after))) return true;
      taken[i] = false;
    }
    failed.add(key);
    return false;
  };
  return place(pieces.length, null);
}

async function runSeed(seed: number, inOrder: boolean): Promise<{ problems: string[]; log: string[] }> {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const problems: string[] = [];
  const log: string[] = [];
  const ring = new Ring({ entries: 8 });
  const [r, w] = pipe();
  const records: Rec[] = [];
  const flight: AbortController[] = [];
  let closing: Promise<void> | null = null;
  let readsOut = 0;

  const settle = (rec: Rec, ok: boolean, valueOrError: unknown): void => {
    rec.settled++;
    if (rec.settled > 1) {
      problems.push(`#${rec.index} ${rec.what} settled ${rec.settled} times`);
      return;
    }
    if (rec.kind === 'read') readsOut--;
    rec.outcome = ok ? { ok: true, value: valueOrError } : { ok: false, error: valueOrError as Error };
  };
  const track = (rec: Rec, p: Promise<unknown>): Promise<unknown> =>
    p.then(
      (v) => settle(rec, true, v),
      (e) => settle(rec, false, e),
    );
  const signalFor = (abort: Abort): AbortSignal | undefined => {
    if (abort === 'none') return undefined;
    const ac = new AbortController();
    if (abort === 'before') ac.abort(new Error('before'));
    else flight.push(ac);
    return ac.signal;
  };
  const newRec = (kind: Kind, what: string, abort: Abort, linked = false): Rec => {
    const rec: Rec = { index: records.length, what, kind, abort, late: closing !== null, linked, settled: 0 };
    records.push(rec);
    return rec;
  };
  const pending: Promise<unknown>[] = [];
  const steps = 10 + Math.floor(random() * 40);
  const closeAt = random() < 0.4 ? Math.floor(random() * steps) : steps;
  for (let step = 0; step < steps; step++) {
    if (step === closeAt) {
      log.push('ring.close()');
      closing = ring.close();
    }
    const roll = random();
    const abort: Abort = roll < 0.15 ? 'before' : roll < 0.35 ? 'flight' : 'none';
    const kind: Kind = pick(['nop', 'timeout', 'read', 'read', 'write', 'write', 'write', 'link'] as const);
    const byCallback = random() < 0.25;
    if (kind === 'read' && readsOut >= MAX_READS) continue;
    if (kind === 'link') {
      // A chain: each op runs after the one before. A WRITE only first: the kernel starts a linked op
      // once the one before it has completed, so the writes of the same submit after the chain go
      // before it (the chain orders its own ops only), and the model's call order would not hold.
      const parts = Array.from({ length: 2 + Math.floor(random() * 2) }, (_, i) => (i === 0 && random() < 0.6 ? 'write' : 'nop'));
      log.push(`#${records.length} link [${parts.join(', ')}]`);
      const specs = parts.map((part, i) => {
        const rec = newRec(part === 'write' ? 'write' : 'nop', `link ${part} ${i}`, 'none', i > 0);
        if (part === 'nop') return nopSpec();
        rec.data = bytesOf(rec.index, 1 + Math.floor(random() * 512));
        return writeSpec(w, rec.data);
      });
      const recs = records.slice(records.length - parts.length);
      try {
        ring.link(specs).forEach((p, i) => pending.push(track(recs[i]!, p)));
      } catch (error) {
        problems.push(`link threw ${(error as Error).message}`);
      }
    } else {
      const rec = newRec(kind, `${kind}${abort === 'none' ? '' : ` abort ${abort}`}${byCallback ? ' cb' : ''}`, abort);
      const signal = signalFor(abort);
      let spec: OpSpec<unknown> | null = null;
      if (kind === 'nop') spec = nopSpec();
      else if (kind === 'read') {
        rec.buf = Buffer.alloc(1 + Math.floor(random() * 600), CANARY);
        spec = readSpec(r, rec.buf);
        readsOut++;
      } else if (kind === 'write') {
        rec.data = bytesOf(rec.index, 1 + Math.floor(random() * 512));
        spec = writeSpec(w, rec.data);
      }
      log.push(`#${rec.index} ${rec.what}${rec.buf ? ` ${rec.buf.length}` : ''}${rec.data ? ` ${rec.data.length}` : ''}`);
      if (spec === null) {
        pending.push(track(rec, sleep(Math.floor(random() * 4), { ring, signal })));
      } else if (byCallback) {
        pending.push(
          new Promise<void>((resolve) => {
            ring.submitWith(
              spec,
              (error, value) => {
                settle(rec, error === null, error ?? value);
                resolve();
              },
              { signal },
            );
          }),
        );
      } else {
        pending.push(track(rec, ring.submit(spec, { signal })));
      }
    }
    // Now and then: abort an op in flight, let the ops reach the kernel, or wait a little.
    const then = random();
    if (then < 0.3 && flight.length > 0) flight.splice(Math.floor(random() * flight.length), 1)[0]!.abort(new Error('flight'));
    else if (then < 0.45) await new Promise((resolve) => setImmediate(resolve));
    else if (then < 0.5) await delay(1);
  }
  for (const ac of flight) ac.abort(new Error('flight'));
  log.push('ring.close() at the end');
  closing ??= ring.close();
  const settledAll = await Promise.race([Promise.all([closing, ...pending]).then(() => true), delay(10_000, false, { ref: false })]);
  if (!settledAll) {
    const left = records.filter((rec) => rec.settled === 0).map((rec) => `#${rec.index} ${rec.what}`);
    problems.push(`still pending 10 s after ring.close(): ${left.join(', ') || '(ring.close() itself)'}`);
    return { problems, log };
  }
  // Data written after the reads were given back: no cancelled read may take it or write it into its buffer.
  const late = Buffer.alloc(4096, 0x5a);
  assert.equal(native.syscall(SYS_write, w, addressOf(late), late.length), late.length);
  native.syscall(SYS_close, w);
  const left = drain(r);
  native.syscall(SYS_close, r);

  const expected: Buffer[] = [];
  const got: { bytes: Buffer }[] = [];
  for (const rec of records) {
    const o = rec.outcome!;
    const name = `#${rec.index} ${rec.what}`;
    if (rec.settled !== 1) {
      problems.push(`${name} settled ${rec.settled} times`);
      continue;
    }
    if (!o.ok) {
      const code = (o.error as { code?: string }).code;
      const allowed =
        (rec.abort !== 'none' && o.error.name === 'AbortError') || (closing !== null && code === 'ERR_RINGCORE_CLOSED') || (rec.linked && code === 'ECANCELED');
      if (!allowed) problems.push(`${name} rejected with ${o.error.name} ${code}: ${o.error.message}`);
      if (rec.abort === 'before' && o.error.name !== 'AbortError') problems.push(`${name}: an aborted signal gave ${o.error.name} ${code}`);
      if (rec.late && code !== 'ERR_RINGCORE_CLOSED' && o.error.name !== 'AbortError') problems.push(`${name} made after close() gave ${code}`);
      if (rec.buf !== undefined && !rec.buf.every((b) => b === CANARY)) problems.push(`${name} rejected, and its buffer was written into`);
      continue;
    }
    if (rec.abort === 'before') problems.push(`${name}: an aborted signal, and it resolved`);
    if (rec.late) problems.push(`${name} made after close() resolved`);
    if (rec.kind === 'write') {
      if (o.value !== rec.data!.length) problems.push(`${name} wrote ${String(o.value)} of ${rec.data!.length}`);
      expected.push(rec.data!);
    } else if (rec.kind === 'read') {
      const n = o.value as number;
      if (!(n > 0 && n <= rec.buf!.length)) problems.push(`${name} read ${n}`);
      else if (!rec.buf!.subarray(n).every((b) => b === CANARY)) problems.push(`${name} read ${n} and wrote past them`);
      got.push({ bytes: rec.buf!.subarray(0, n) });
    }
  }
  if (!inOrder) {
    // Laid end to end in some order, they are the writes that resolved (each whole, once), then the late bytes.
    const tail = left.subarray(Math.max(0, left.length - late.length));
    if (!tail.equals(late)) problems.push(`the pipe did not end with the ${late.length} bytes written after every op had settled`);
    else if (
      !layUnordered(
        expected,
        got.map((g) => g.bytes),
        left.subarray(0, left.length - late.length),
      )
    ) {
      problems.push(
        `the reads (${got.map((g) => g.bytes.length).join(', ')}) and the ${left.length - late.length} bytes left are not the ${expected.length} writes that resolved, each whole and once, in any order`,
      );
    }
    return { problems, log };
  }
  // The reads took consecutive pieces of the stream: laid end to end (in the kernel's order, which
  // the settle order does not show: callbacks run in the reap, promise handlers after it), then
  // what is left, they are the writes that resolved, in call order.
  const wrote = Buffer.concat([...expected, Buffer.alloc(4096, 0x5a)]);
  let at = 0;
  for (const rest = [...got]; rest.length > 0; ) {
    const i = rest.findIndex((g) => g.bytes.equals(wrote.subarray(at, at + g.bytes.length)));
    if (i < 0) {
      problems.push(`no read took the bytes at ${at} of the ${wrote.length} written (reads: ${rest.map((g) => g.bytes.length).join(', ')} left)`);
      break;
    }
    at += rest.splice(i, 1)[0]!.bytes.length;
  }
  if (!left.equals(wrote.subarray(at))) problems.push(`the pipe kept ${left.length} bytes, not the ${wrote.length - at} written after what was read`);
  return { problems, log };
}

test('random careless sequences on a small ring: every op settles once, rightly; pipe data in order; no write into given-back buffers', async () => {
  const only = onlySeeds();
  const before = openFds();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  const failures: string[] = [];
  const inOrder = process.env.RANDOM_CARELESS_UNORDERED === undefined && (await pipeWritesInline());
  if (!inOrder)
    console.log('pipe writes run in io-wq here (no FMODE_NOWAIT on a pipe, before 6.x): their order is not checked, only that each lands whole and once');
  try {
    for (let seed = 1; seed <= COUNT; seed++) {
      if (only !== null && !only.has(seed)) continue;
      const { problems, log } = await runSeed(seed, inOrder);
      if (problems.length > 0) failures.push(`seed ${seed} (RANDOM_CARELESS_SEEDS=${seed}):\n  ${problems.join('\n  ')}\n  calls: ${log.join('; ')}`);
      if (failures.length >= 3) break;
    }
    // Unhandled rejections are reported a turn after they happen.
    await delay(10);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(unhandled, [], 'no rejection went unhandled');
  assert.deepEqual(leakedSince(before), [], 'no fd left open');
});

test('the check for kernels that run pipe writes in any order finds a lost, doubled, foreign or split-up write', () => {
  const [a, b, c] = [bytesOf(1, 300), bytesOf(2, 40), bytesOf(3, 120)];
  // In another order, split by reads anywhere, the reads themselves in any order: all there.
  const stream = Buffer.concat([c, a, b]);
  assert.equal(layUnordered([a, b, c], [stream.subarray(100, 250), stream.subarray(0, 100)], stream.subarray(250)), true);
  assert.equal(layUnordered([a, b, c], [], Buffer.concat([b, c, a])), true);
  // A write lost, one twice, bytes no write had, a write's bytes split by another's.
  assert.equal(layUnordered([a, b, c], [Buffer.concat([c, a])], Buffer.alloc(0)), false);
  assert.equal(layUnordered([a, b, c], [Buffer.concat([c, a, b])], b), false);
  assert.equal(layUnordered([a, b, c], [Buffer.concat([c, a, b])], Buffer.from([1])), false);
  assert.equal(layUnordered([a, b, c], [Buffer.concat([a.subarray(0, 10), b, a.subarray(10)])], c), false);
});
