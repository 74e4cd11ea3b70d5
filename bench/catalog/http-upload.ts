// Request bodies on createServer against node:http (child: scenarios/http-upload.ts).
import { formatValue } from '../lib/format.js';
import type { Mode, RowSpec, RunSpec, ScenarioDef, ScenarioResult } from '../lib/types.js';

const UPLOADS: Record<Mode, number> = { quick: 200, default: 1000, full: 1000 };
const SIZES = [
  { size: 16 * 1024, name: '16 KiB' },
  { size: 64 * 1024, name: '64 KiB' },
  { size: 200 * 1024, name: '200 KiB' },
  { size: 1024 * 1024, name: '1 MiB' },
];

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

export const httpUpload: ScenarioDef = {
  name: 'http-upload',
  title: 'Request bodies on createServer (uploads)',
  file: 'http-upload',
  description:
    'A node:http client POSTs a body of 16 KiB, 64 KiB, 200 KiB or 1 MiB (Content-Length) on one keep-alive connection, ' +
    "one upload at a time, to a handler that reads it ('data' events), counts its bytes and answers with the count " +
    "(bench/servers/upload.ts): on node:http (the Node column) and on ringcore/http's `createServer`, the same code, in " +
    'separate processes. 1000 uploads a run (200 in quick mode) after a quarter as many to warm up; the figure is the median ' +
    "wall time of an upload, client start to the response's end (on a shared 2-vCPU machine a few uploads wait tens of ms " +
    "for a CPU, which a mean would count as the server's). Lower is better. The server's CPU time per upload (/proc) is in " +
    'the reading; mean and p90 in the results file.',
  plan(mode) {
    const runs: RunSpec[] = [];
    const rows: RowSpec[] = [];
    for (const { size, name } of SIZES) {
      const params = { size, uploads: UPLOADS[mode] };
      runs.push({ id: `node-${size}`, variant: 'node', params, label: 'node:http' }, { id: `ringcore-${size}`, variant: 'ringcore', params });
      rows.push({ label: `upload ${name}, median time per upload`, node: `node-${size}`, ringcore: `ringcore-${size}` });
    }
    return { runs, rows };
  },
  reading(result: ScenarioResult): string {
    const parts: string[] = [];
    for (const { size, name } of SIZES) {
      const cpu = (id: string) => {
        const samples = result.runs.find((r) => r.id === id)?.samples.map((s) => Number(s.serverCpuNs));
        return samples === undefined || samples.length === 0 ? undefined : mean(samples);
      };
      const node = cpu(`node-${size}`);
      const ring = cpu(`ringcore-${size}`);
      if (node === undefined || ring === undefined) continue;
      parts.push(`${name} ${formatValue(ring, 'ns/op')} against ${formatValue(node, 'ns/op')} (${(node / ring).toFixed(2)}×)`);
    }
    return parts.length === 0 ? '' : `Server CPU per upload, createServer against node:http: ${parts.join('; ')}.`;
  },
};
