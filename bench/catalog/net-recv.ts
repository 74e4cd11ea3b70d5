// Receiving a stream: owned chunks (the default) against borrowed ones and
// node:net (child: scenarios/net-recv.ts; writer: servers/source.ts).
import { formatValue } from '../lib/format.js';
import type { Mode, ScenarioDef, ScenarioResult } from '../lib/types.js';

const BYTES: Record<Mode, number> = { quick: 32 << 20, default: 512 << 20, full: 512 << 20 };

export const netRecv: ScenarioDef = {
  name: 'net-recv',
  title: 'Receiving a stream: owned and borrowed chunks',
  file: 'net-recv',
  description:
    'A node:net writer in another process (`bench/servers/source.ts`) floods one TCP connection on 127.0.0.1 with 512 MiB ' +
    '(32 MiB in quick mode) from one static buffer; the reader counts the bytes. ringcore owned: `for await (const chunk of stream)`, ' +
    "the default, each chunk a Buffer of its own copied out of the ring's provided buffer (256 × 32 KiB), which goes straight back " +
    'to the kernel; ringcore borrowed: `stream.chunks({ borrow: true })`, views of the provided buffers, no copy. Node: ' +
    "node:net 'data' events. The first quarter of the stream (16 MiB at most) warms up; the figure is the reader process's " +
    "CPU time (user + system) per MiB over the rest, since on loopback the wall time is mostly the writer's and the kernel's " +
    '(wall time, GB/s and the chunk count are in the results file). Lower is better. The gap between the two ringcore rows is ' +
    'what the default copy costs (docs/net.md, "Owned or borrowed chunks").',
  plan(mode) {
    const params = { bytes: BYTES[mode] };
    return {
      runs: [
        { id: 'node', variant: 'node', params, label: "node:net 'data'" },
        { id: 'owned', variant: 'owned', params },
        { id: 'borrowed', variant: 'borrowed', params },
      ],
      rows: [
        { label: 'owned chunks (the default), CPU per MiB', node: 'node', ringcore: 'owned' },
        { label: 'borrowed chunks ({ borrow: true }), CPU per MiB', node: 'node', ringcore: 'borrowed' },
      ],
    };
  },
  reading(result: ScenarioResult): string {
    const median = (id: string) => result.runs.find((r) => r.id === id)?.median;
    const owned = median('owned');
    const borrowed = median('borrowed');
    if (owned === undefined || borrowed === undefined) return '';
    const chunks = result.runs.find((r) => r.id === 'owned')?.samples.map((s) => Number(s.chunks) / Number(s.ops));
    const perMiB = chunks === undefined || chunks.length === 0 ? undefined : chunks.reduce((a, b) => a + b, 0) / chunks.length;
    return (
      `The default (owned) costs ${formatValue(owned, 'ns/op')} of CPU per MiB received, borrowed chunks ${formatValue(borrowed, 'ns/op')}: ` +
      `the copy adds ${(((owned - borrowed) / borrowed) * 100).toFixed(0)} %` +
      (perMiB === undefined ? '' : ` (${formatValue((owned - borrowed) / perMiB, 'ns/op')} per chunk, ${perMiB.toFixed(0)} chunks per MiB)`) +
      '. Loops that consume each chunk before asking for the next (parsers, proxies, echo) can borrow; anything that keeps chunks must not.'
    );
  },
};
