// Batched NOP throughput at batch sizes 1, 32, 256 (child: scenarios/nop-batch.ts).
import { formatValue } from '../lib/format.js';
import type { Mode, RowSpec, RunSpec, ScenarioDef, ScenarioResult } from '../lib/types.js';

const BATCHES = [1, 32, 256];
const TARGET = 3e6;
const SECONDS: Record<Mode, { seconds: number; warmupSeconds: number }> = {
  quick: { seconds: 0.1, warmupSeconds: 0.1 },
  default: { seconds: 0.5, warmupSeconds: 0.2 },
  full: { seconds: 0.5, warmupSeconds: 0.2 },
};

export const nopBatch: ScenarioDef = {
  name: 'nop-batch',
  title: 'Batched NOPs (throughput)',
  file: 'nop-batch',
  description:
    'Start `batch` NOPs, `await Promise.all` them, repeat for a fixed time; the ring has max(batch, 32) ' +
    'entries. Ops started in one turn share one `io_uring_enter`, so the system call is spread over ' +
    "the batch and what is left is ringcore's cost per op. Node has no built-in NOP: the reference row " +
    'is the same loop over `setImmediate` callbacks (each awaited through a promise), the cheapest round ' +
    "trip Node's event loop offers; it is a yardstick, not a like-for-like rival. Limit reference: the raw " +
    'ring (`batch` SQEs, one enter, reap all; no promises). Higher is better. The target (≥ 3 M ops/s) is ' +
    'for batches; batch 1 is one op per enter and is shown for contrast.',
  plan(mode) {
    const time = SECONDS[mode];
    const runs: RunSpec[] = [];
    const rows: RowSpec[] = [];
    for (const batch of BATCHES) {
      const params = { batch, ...time };
      runs.push(
        { id: `setImmediate/${batch}`, variant: 'setImmediate', params, label: 'setImmediate' },
        { id: `ringcore/${batch}`, variant: 'ringcore', params },
        { id: `raw-ring/${batch}`, variant: 'raw-ring', params, label: 'raw ring' },
      );
      rows.push({
        label: `NOP batch ${batch}`,
        node: `setImmediate/${batch}`,
        ringcore: `ringcore/${batch}`,
        limit: { run: `raw-ring/${batch}`, label: 'raw ring' },
        ...(batch > 1 ? { target: { value: TARGET, text: '≥ 3 M ops/s' } } : {}),
      });
    }
    return { runs, rows };
  },
  reading: readBatch,
};

function readBatch(result: ScenarioResult): string {
  const median = (id: string) => result.runs.find((r) => r.id === id)?.median ?? NaN;
  const opsPerEnter = (batch: number) => result.runs.find((r) => r.id === `ringcore/${batch}`)?.samples[0]?.opsPerEnter;
  const rate = (v: number) => formatValue(v, 'ops/s');
  const [small, , big] = BATCHES as [number, number, number];
  const perOp = (v: number) => formatValue(1e9 / v, 'ns/op');
  const share = median(`ringcore/${big}`) / median(`raw-ring/${big}`);
  return [
    `Batching takes ringcore from ${rate(median(`ringcore/${small}`))} (one op per enter) to ` +
      `${BATCHES.slice(1)
        .map((b) => `${rate(median(`ringcore/${b}`))} at ${b}`)
        .join(' and ')}; ` +
      `every batch went to the kernel in one enter (${BATCHES.map((b) => `${b}: ${Number(opsPerEnter(b) ?? NaN).toFixed(0)} ops/enter`).join(', ')}).`,
    `At batch ${big} an op costs ${perOp(median(`ringcore/${big}`))} in ringcore against ${perOp(median(`raw-ring/${big}`))} on the raw ring, ` +
      `which reaches ${rate(median(`raw-ring/${big}`))}: ringcore gets ${(share * 100).toFixed(0)} % of what the ring itself allows here, ` +
      'and the difference is the per-op JavaScript (op object, promise, slot, dispatch), not the system call.',
    `The setImmediate yardstick reaches ${rate(median(`setImmediate/${big}`))} at batch ${big}; ` +
      `ringcore does ${(median(`ringcore/${big}`) / median(`setImmediate/${big}`)).toFixed(2)}× as many ops per second.`,
  ].join(' ');
}
