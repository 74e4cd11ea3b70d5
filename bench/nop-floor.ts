// Where a NOP's time goes, and the least it can cost with one promise per op.
// Not a scenario of `npm run bench`: a tool behind the NOP notes in
// docs/performance.md.
//
// One process runs the loops below in the nop-batch shape (start `batch` ops,
// `await Promise.all`, repeat) or, with `awaited`, in the nop-latency shape
// (one `await` per op), alternating them round after round so that a busy
// spell of the machine hits all alike, and prints the CPU time per op (user +
// system; wall time on a shared VM counts other processes' work):
//   raw-ring          IoUring alone: SQEs, one enter, reap (the raw-ring row)
//   promises          no ring: one promise per op, resolved in one pass on
//                     the next tick, awaited with Promise.all
//   raw-ring+promises the two together: each SQE's CQE resolves its promise
//                     straight from the reap, with no slot table, op object,
//                     options or error path. The floor for any runtime that
//                     gives each op its own promise.
//   ringcore          `ring.nop()` (the ringcore row; with `awaited` also
//                     ringcore-run, the same loop inside run())
//   setImmediate      the rows' Node yardstick: a promise per op resolved
//                     by a setImmediate callback
//
// node dist/bench/nop-floor.js [batch=256] [rounds=10] [seconds per loop=0.3]
// node dist/bench/nop-floor.js awaited [rounds=10] [seconds per loop=0.3]
import { constants, IoUring, Ring, run } from 'ringcore';
import { clockMask, nowNs } from './lib/child.js';
import { rawNopBatch } from './lib/raw-nops.js';

const awaited = process.argv[2] === 'awaited';
const numbers = process.argv.slice(awaited ? 3 : 2).map(Number);
const [batch = 256, rounds = 10, seconds = 0.3] = awaited ? [1, ...numbers] : numbers;
const mask = clockMask(batch);
const entries = Math.max(batch, 32);

/** The nop-latency loop: one op, awaited, again until `seconds` pass. Returns the ops done. */
async function oneAtATime(start: () => Promise<unknown>): Promise<number> {
  const deadline = nowNs() + seconds * 1e9;
  let ops = 0;
  for (;;) {
    await start();
    if ((++ops & 255) === 0 && nowNs() >= deadline) return ops;
  }
}

/** The loop of the shape asked for, over `start`. */
const loopOver = (start: () => Promise<unknown>) => (awaited ? () => oneAtATime(start) : () => batches(start));

/** The nop-batch loop: `batch` ops, Promise.all, again until `seconds` pass. Returns the ops done. */
async function batches(start: () => Promise<unknown>): Promise<number> {
  const deadline = nowNs() + seconds * 1e9;
  let iterations = 0;
  for (;;) {
    const all = new Array<Promise<unknown>>(batch);
    for (let i = 0; i < batch; i++) all[i] = start();
    await Promise.all(all);
    if ((++iterations & mask) === 0 && nowNs() >= deadline) return iterations * batch;
  }
}

// One executor for every promise, as in the op layer: a closure per promise would be an allocation more.
let captured: () => void = () => {};
const capture = (resolve: () => void): void => {
  captured = resolve;
};

/** Calls `flush` once on the next tick, however many ops ask in this one (as the driver batches a turn). */
function nextTickBatcher(flush: () => void): () => void {
  let scheduled = false;
  const run = () => {
    scheduled = false;
    flush();
  };
  return () => {
    if (scheduled) return;
    scheduled = true;
    process.nextTick(run);
  };
}

function rawRing(): () => Promise<number> {
  const uring = new IoUring({ entries });
  const iteration = rawNopBatch(uring, batch);
  return async () => {
    const deadline = nowNs() + seconds * 1e9;
    let iterations = 0;
    for (;;) {
      iteration();
      if ((++iterations & mask) === 0 && nowNs() >= deadline) return iterations * batch;
    }
  };
}

function promises(): () => Promise<number> {
  const pending: (() => void)[] = [];
  const schedule = nextTickBatcher(() => {
    for (let i = 0; i < pending.length; i++) pending[i]!();
    pending.length = 0;
  });
  const start = () => {
    const promise = new Promise<void>(capture);
    pending.push(captured);
    schedule();
    return promise;
  };
  return loopOver(start);
}

function rawRingAndPromises(): () => Promise<number> {
  const uring = new IoUring({ entries });
  const resolvers = new Array<(() => void) | undefined>(uring.cqEntries).fill(undefined);
  let next = 0;
  const onCqe = (slot: number) => {
    const resolve = resolvers[slot]!;
    resolvers[slot] = undefined;
    resolve();
  };
  const schedule = nextTickBatcher(() => {
    uring.submit();
    uring.reap(onCqe);
    while (uring.cqReady() > 0 || uring.sqPending() > 0) {
      uring.enter(0, 1, constants.IORING_ENTER_GETEVENTS);
      uring.reap(onCqe);
    }
  });
  const start = () => {
    const promise = new Promise<void>(capture);
    const sqe = uring.getSqe()!;
    uring.prepNop(sqe);
    const slot = next++ & (uring.cqEntries - 1);
    resolvers[slot] = captured;
    uring.setUserData(sqe, slot, 0);
    schedule();
    return promise;
  };
  return loopOver(start);
}

function ringcore(ring: Ring): () => Promise<number> {
  const start = () => ring.nop();
  return loopOver(start);
}

function ringcoreRun(ring: Ring): () => Promise<number> {
  const loop = ringcore(ring);
  return () => run(loop, { ring });
}

function immediates(): () => Promise<number> {
  const start = () => new Promise<void>((resolve) => setImmediate(resolve));
  return loopOver(start);
}

const loops: Record<string, () => Promise<number>> = {
  'raw-ring': rawRing(),
  promises: promises(),
  'raw-ring+promises': rawRingAndPromises(),
  ringcore: ringcore(new Ring({ entries })),
  ...(awaited ? { 'ringcore-run': ringcoreRun(new Ring({ entries })) } : {}),
  setImmediate: immediates(),
};
const cpu: Record<string, number[]> = {};
const system: Record<string, number[]> = {};
for (let round = -1; round < rounds; round++) {
  for (const [name, loop] of Object.entries(loops)) {
    const before = process.cpuUsage();
    const ops = await loop();
    const used = process.cpuUsage(before);
    // Round -1 warms every loop up.
    if (round >= 0) {
      (cpu[name] ??= []).push(((used.user + used.system) * 1e3) / ops);
      (system[name] ??= []).push((used.system * 1e3) / ops);
    }
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const raw = median(cpu['raw-ring']!);
console.log(
  `${awaited ? 'awaited, one at a time' : `batch ${batch}`}, ${rounds} rounds of ${seconds} s each; CPU ns per op, median (min) [of which system]; % of the raw ring's rate`,
);
for (const [name, values] of Object.entries(cpu)) {
  const ns = median(values);
  const sys = median(system[name]!);
  console.log(
    `${name.padEnd(18)} ${ns.toFixed(1).padStart(7)} (${Math.min(...values).toFixed(1)}) [${sys.toFixed(1)}]  ${((raw / ns) * 100).toFixed(0).padStart(4)} %`,
  );
}
process.exit(0);
