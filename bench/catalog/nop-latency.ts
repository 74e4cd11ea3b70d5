// One awaited NOP at a time, with both drivers (child: scenarios/nop-latency.ts).
import { formatValue } from '../lib/format.js';
import type { Mode, ScenarioDef, ScenarioResult } from '../lib/types.js';

const SIZES: Record<Mode, { ops: number; warmup: number }> = {
  quick: { ops: 20_000, warmup: 20_000 },
  default: { ops: 200_000, warmup: 20_000 },
  full: { ops: 200_000, warmup: 20_000 },
};

export const nopLatency: ScenarioDef = {
  name: 'nop-latency',
  title: 'One awaited NOP at a time (latency)',
  file: 'nop-latency',
  description:
    'A loop of `await ring.nop()`: one IORING_OP_NOP in flight at a time, so each op pays a whole ' +
    'trip (SQE, `io_uring_enter`, reap, promise, continuation). NOP does no work in the kernel: this is ' +
    "ringcore's own cost per op. Measured with the default event-loop driver and inside `run()` (the " +
    'standalone executor). Node built-in: an awaited `setImmediate` round trip, the floor of a trip ' +
    "through Node's event loop. Limit reference: the raw ring (`IoUring` alone: SQE, one enter, reap; " +
    'no promises, no slots), the part of the figure that is the system call. Lower is better.',
  plan(mode) {
    const params = SIZES[mode];
    return {
      runs: [
        { id: 'setImmediate', variant: 'setImmediate', params, label: 'setImmediate' },
        { id: 'ringcore-loop', variant: 'ringcore-loop', params },
        { id: 'ringcore-run', variant: 'ringcore-run', params },
        { id: 'raw-ring', variant: 'raw-ring', params, label: 'raw ring' },
      ],
      rows: [
        {
          label: 'awaited NOP, event-loop driver',
          node: 'setImmediate',
          ringcore: 'ringcore-loop',
          limit: { run: 'raw-ring', label: 'raw ring' },
          target: { value: 2000, text: '≤ 2 µs' },
        },
        {
          label: 'awaited NOP, run() executor',
          node: 'setImmediate',
          ringcore: 'ringcore-run',
          limit: { run: 'raw-ring', label: 'raw ring' },
          target: { value: 2000, text: '≤ 2 µs' },
        },
      ],
    };
  },
  reading: readLatency,
};

function readLatency(result: ScenarioResult): string {
  const run = (id: string) => result.runs.find((r) => r.id === id);
  const loop = run('ringcore-loop');
  const exec = run('ringcore-run');
  const imm = run('setImmediate');
  const raw = run('raw-ring');
  if (!loop || !exec || !imm || !raw) return '';
  const us = (ns: number) => formatValue(ns, 'ns/op');
  const versus = (ns: number) => {
    const r = imm.median / ns;
    return r >= 1 ? `${r.toFixed(2)}× faster` : `${(1 / r).toFixed(2)}× slower`;
  };
  const enters = loop.samples.map((s) => s.entersPerOp).find((e) => typeof e === 'number');
  const overhead = loop.median - raw.median;
  const parts = [
    `One awaited NOP takes ${us(loop.median)} with the event-loop driver (${versus(loop.median)} than a \`setImmediate\` ` +
      `round trip, ${us(imm.median)}) and ${us(exec.median)} under \`run()\` (${versus(exec.median)}).`,
    `The raw ring does the same trip (SQE, \`io_uring_enter\`, reap) in ${us(raw.median)}: that is mostly the system call ` +
      `and the native call into it, and it is what an op costs at the least while each op gets its own enter. ` +
      `The other ${us(overhead)} (${((overhead / loop.median) * 100).toFixed(0)} %) is ringcore's JavaScript per op: ` +
      'the op object and its promise, the slot, the `process.nextTick` that batches the turn into one enter, ' +
      'the dispatch of the CQE and the resumption of the awaiting function.',
  ];
  if (enters !== undefined) {
    parts.push(
      `Enters per op: ${Number(enters).toFixed(2)}. Each op completes inside its own enter and is reaped right after it, ` +
        'so no op waits for epoll; the two drivers differ little here because neither ever has to block.',
    );
  }
  return parts.join(' ');
}
