// One awaited NOP at a time: the latency of one trip through the ring, start
// to continuation, with nothing else in flight. IORING_OP_NOP does no work in
// the kernel, so this is the runtime's own cost per op: writing the SQE, one
// io_uring_enter, the reap right after it, and resolving the promise.
//
// Variants:
//   setImmediate   Node's floor: `await new Promise(r => setImmediate(r))`
//   ringcore-loop  `await ring.nop()` with the default event-loop driver
//   ringcore-run   the same loop inside run(), the standalone executor
//   raw-ring       IoUring alone, no promises or slots: SQE, enter, reap. The
//                  limit ringcore's op layer can approach.
import { constants, IoUring, Ring, run } from 'ringcore';
import { benchMain, intParam, nowNs } from '../lib/child.js';
import type { Measurement } from '../lib/types.js';

interface Params {
  ops: number;
  warmup: number;
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

async function immediateLoop(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await immediate();
}

async function nopLoop(ring: Ring, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await ring.nop();
}

function result(ops: number, elapsedNs: number, extra: Record<string, unknown> = {}): Measurement {
  return { value: elapsedNs / ops, unit: 'ns/op', ops, elapsedNs, ...extra };
}

await benchMain<Params>(
  {
    async setImmediate({ ops, warmup }) {
      await immediateLoop(warmup);
      const start = nowNs();
      await immediateLoop(ops);
      return result(ops, nowNs() - start);
    },

    async 'ringcore-loop'({ ops, warmup }) {
      const ring = new Ring();
      await nopLoop(ring, warmup);
      const enters = ring.stats.enters;
      const start = nowNs();
      await nopLoop(ring, ops);
      const elapsed = nowNs() - start;
      const entersPerOp = (ring.stats.enters - enters) / ops;
      await ring.close();
      return result(ops, elapsed, { entersPerOp });
    },

    async 'ringcore-run'({ ops, warmup }) {
      const ring = new Ring();
      const enters = { before: 0, after: 0 };
      // Timed inside main: run()'s own start and finish are not per-op costs.
      const elapsed = await run(
        async () => {
          await nopLoop(ring, warmup);
          enters.before = ring.stats.enters;
          const start = nowNs();
          await nopLoop(ring, ops);
          const elapsed = nowNs() - start;
          enters.after = ring.stats.enters;
          return elapsed;
        },
        { ring },
      );
      await ring.close();
      return result(ops, elapsed, { entersPerOp: (enters.after - enters.before) / ops });
    },

    async 'raw-ring'({ ops, warmup }) {
      const uring = new IoUring({ entries: 32 });
      let reaped = 0;
      const onCqe = () => void reaped++;
      const loop = (n: number) => {
        for (let i = 0; i < n; i++) {
          const sqe = uring.getSqe()!;
          uring.prepNop(sqe);
          uring.setUserData(sqe, 0, 0);
          uring.submit();
          // A NOP completes inside the enter; wait only if it somehow did not.
          if (uring.reap(onCqe) === 0) {
            uring.enter(0, 1, constants.IORING_ENTER_GETEVENTS);
            uring.reap(onCqe);
          }
        }
      };
      loop(warmup);
      const start = nowNs();
      loop(ops);
      const elapsed = nowNs() - start;
      if (reaped !== warmup + ops) throw new Error(`raw-ring: reaped ${reaped} CQEs for ${warmup + ops} NOPs`);
      uring.close();
      return result(ops, elapsed);
    },
  },
  (raw) => ({ ops: intParam(raw, 'ops', 200_000), warmup: intParam(raw, 'warmup', 20_000) }),
);
