// Batched NOP throughput: start `batch` NOPs, await them all, repeat for a
// fixed time. Ops started in one turn share one io_uring_enter, so the cost
// of the syscall is spread over the batch; what is left is ringcore's cost
// per op (SQE, slot, promise). The ring has max(batch, 32) entries.
//
// Variants:
//   setImmediate  the reference row: Node has no NOP, so `batch` setImmediate
//                 callbacks awaited with Promise.all, the cheapest Node
//                 round trip through the event loop.
//   ringcore      `await Promise.all(batch × ring.nop())`, event-loop driver
//   raw-ring      IoUring alone: `batch` SQEs, one enter, reap them all. The
//                 limit ringcore's op layer can approach.
import { IoUring, Ring } from 'ringcore';
import { benchMain, clockMask, intParam, nowNs, numberParam } from '../lib/child.js';
import { rawNopBatch } from '../lib/raw-nops.js';
import type { Measurement } from '../lib/types.js';

interface Params {
  batch: number;
  seconds: number;
  warmupSeconds: number;
}

interface Timed {
  ops: number;
  elapsedNs: number;
}

/**
 * Starts `batch` ops with `start`, awaits them all, and repeats for `seconds`,
 * reading the clock only every few hundred ops. One tight loop, the same for
 * Node's reference and for ringcore, with no extra promise layer around it.
 */
async function batches(batch: number, seconds: number, start: () => Promise<void>): Promise<Timed> {
  const mask = clockMask(batch);
  const begin = nowNs();
  const deadline = begin + seconds * 1e9;
  let iterations = 0;
  for (;;) {
    const all = new Array<Promise<void>>(batch);
    for (let i = 0; i < batch; i++) all[i] = start();
    await Promise.all(all);
    if ((++iterations & mask) === 0 && nowNs() >= deadline) break;
  }
  return { ops: iterations * batch, elapsedNs: nowNs() - begin };
}

function result({ ops, elapsedNs }: Timed, extra: Record<string, unknown> = {}): Measurement {
  return { value: ops / (elapsedNs / 1e9), unit: 'ops/s', ops, elapsedNs, ...extra };
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

await benchMain<Params>(
  {
    async setImmediate({ batch, seconds, warmupSeconds }) {
      await batches(batch, warmupSeconds, immediate);
      return result(await batches(batch, seconds, immediate));
    },

    async ringcore({ batch, seconds, warmupSeconds }) {
      const ring = new Ring({ entries: Math.max(batch, 32) });
      const nop = () => ring.nop();
      await batches(batch, warmupSeconds, nop);
      const enters = ring.stats.enters;
      const measured = await batches(batch, seconds, nop);
      const opsPerEnter = measured.ops / (ring.stats.enters - enters);
      await ring.close();
      return result(measured, { opsPerEnter });
    },

    async 'raw-ring'({ batch, seconds, warmupSeconds }) {
      const uring = new IoUring({ entries: Math.max(batch, 32) });
      const iteration = rawNopBatch(uring, batch);
      // The same loop, synchronous: nothing to await on a bare ring.
      const loop = (seconds: number): Timed => {
        const mask = clockMask(batch);
        const begin = nowNs();
        const deadline = begin + seconds * 1e9;
        let iterations = 0;
        for (;;) {
          iteration();
          if ((++iterations & mask) === 0 && nowNs() >= deadline) break;
        }
        return { ops: iterations * batch, elapsedNs: nowNs() - begin };
      };
      loop(warmupSeconds);
      const measured = loop(seconds);
      uring.close();
      return result(measured);
    },
  },
  (raw) => ({
    batch: intParam(raw, 'batch', 32),
    seconds: numberParam(raw, 'seconds', 1),
    warmupSeconds: numberParam(raw, 'warmupSeconds', 0.2),
  }),
);
