// HTTP hello world under wrk -t1 (child: scenarios/http-hello.ts).
import type { Mode, RowSpec, RunSpec, ScenarioDef, ScenarioResult } from '../lib/types.js';
import { sampleMedian } from '../lib/stats.js';

const SETTINGS: Record<Mode, { connections: number[]; seconds: number; warmupSeconds: number }> = {
  quick: { connections: [64], seconds: 1, warmupSeconds: 0 },
  // 10 s runs would be steadier; 2 s keeps the default run near 2 minutes and --full under 10 (15 runs × 3 rounds).
  default: { connections: [64, 256, 1000], seconds: 2, warmupSeconds: 1 },
  full: { connections: [64, 256, 1000], seconds: 2, warmupSeconds: 1 },
};

export const httpHello: ScenarioDef = {
  name: 'http-hello',
  title: 'HTTP hello world (wrk)',
  file: 'http-hello',
  description:
    '`wrk -t1 -c{64,256,1000} -d2s --latency` against a server answering every request with the same 13-byte ' +
    '`Hello, World!` (keep-alive, no pipelining), after a 1 s warm-up. 10 s runs would be steadier; 2 s keeps a plain ' +
    '`npm run bench` (c=256 only) near 2 minutes and `--full` under 10. Server and wrk are separate processes; nothing is ' +
    'pinned, so on this 2-vCPU VM wrk and a one-thread server share the two cores. ringcore: `examples/http_server.ts` ' +
    '(ringcore/http: multishot accept, multishot recv into provided buffers, one SEND per batch of responses). ' +
    'Node: `node:http` with the same handler. Also: node:http over ringcore sockets (ringcore/net `serveHttp`), ' +
    '`Bun.serve` as the reference (the limit column), and both cores: `http_server --workers 2` (two threads, ' +
    'SO_REUSEPORT) against node:http under `cluster` with two workers. nginx, the other reference, has rows of its own ' +
    "(its figure in the Node column): Debian's package, one worker process, `return 200 'Hello, World!'` with " +
    '`default_type text/plain` and the access log off: the same 13-byte body, under its own headers ' +
    "(bench/lib/nginx.ts). Requests per second, higher is better; p99 latency in the reading, and the server's CPU time per " +
    'request (its process tree, /proc, over the measured run; wrk on the same 2 vCPUs takes about as much again, so the rps ' +
    "ratio moves with wrk's share and the CPU ratio says what each server costs). Quick mode: c=64 only, 1 s runs, no warm-up.",
  plan(mode) {
    const { connections, seconds, warmupSeconds } = SETTINGS[mode];
    const runs: RunSpec[] = [];
    const rows: RowSpec[] = [];
    const wrk = ['wrk'];
    for (const c of connections) {
      const params = { connections: c, seconds, warmupSeconds };
      const headline = c === 256;
      runs.push(
        { id: `node-c${c}`, variant: 'node', params, label: 'node:http', requires: wrk },
        { id: `ringcore-c${c}`, variant: 'ringcore', params, requires: wrk },
        { id: `bun-c${c}`, variant: 'bun', params, label: 'Bun.serve', requires: ['wrk', 'bun'] },
        { id: `nginx-c${c}`, variant: 'nginx', params, label: 'nginx, 1 worker', requires: ['wrk', 'nginx'] },
      );
      rows.push(
        {
          label: `hello world, c=${c}`,
          node: `node-c${c}`,
          ringcore: `ringcore-c${c}`,
          limit: { run: `bun-c${c}`, label: 'Bun.serve' },
          headline,
          ...(headline ? { target: { value: 2, text: '≥ 2× node:http', ratio: true } } : {}),
        },
        // Bun.serve and nginx are limit references too; rows of their own, so that the ratio says how close ringcore comes.
        { label: `hello world, c=${c}, vs Bun.serve (not Node)`, node: `bun-c${c}`, ringcore: `ringcore-c${c}`, headline },
        { label: `hello world, c=${c}, vs nginx (not Node)`, node: `nginx-c${c}`, ringcore: `ringcore-c${c}`, headline },
      );
    }
    // The adapter and both cores: at c=256 only (c=64 in quick mode).
    const c = connections.includes(256) ? 256 : connections[0]!;
    const params = { connections: c, seconds, warmupSeconds };
    runs.push(
      { id: `adapter-c${c}`, variant: 'node-adapter', params, label: 'node:http on ringcore sockets', requires: wrk },
      { id: `node-cluster-c${c}`, variant: 'node-cluster2', params, label: 'node:http, cluster ×2', requires: wrk },
      { id: `ringcore-w2-c${c}`, variant: 'ringcore-w2', params, requires: wrk },
    );
    rows.push(
      { label: `node:http over ringcore sockets, c=${c}`, node: `node-c${c}`, ringcore: `adapter-c${c}` },
      { label: `both cores (2 workers), c=${c}`, node: `node-cluster-c${c}`, ringcore: `ringcore-w2-c${c}` },
    );
    return { runs, rows };
  },
  reading: readHttp,
};

function readHttp(result: ScenarioResult): string {
  const p99 = (id: string) => sampleMedian(result, id, 'p99Ms');
  const rps = (id: string) => result.runs.find((r) => r.id === id)?.median;
  const k = (v: number | undefined) => (v === undefined ? '–' : `${(v / 1000).toFixed(1)}k`);
  const cpu = (id: string) => {
    const us = sampleMedian(result, id, 'serverCpuUsPerRequest');
    return us === undefined ? '–' : `${us.toFixed(2)} µs`;
  };
  const ms = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(v < 10 ? 2 : 0)} ms`);
  const parts: string[] = [];
  for (const c of [64, 256, 1000]) {
    if (rps(`ringcore-c${c}`) === undefined) continue;
    const ring = rps(`ringcore-c${c}`)!;
    const node = rps(`node-c${c}`);
    const bun = rps(`bun-c${c}`);
    const nginx = rps(`nginx-c${c}`);
    parts.push(
      `c=${c}: ringcore/http ${k(ring)} rps (p99 ${ms(p99(`ringcore-c${c}`))}), node:http ${k(node)} (p99 ${ms(p99(`node-c${c}`))})` +
        (node ? `, ${(ring / node).toFixed(2)}×` : '') +
        (bun ? `; Bun.serve ${k(bun)} (p99 ${ms(p99(`bun-c${c}`))}), ringcore at ${(ring / bun).toFixed(2)}× Bun` : '; Bun.serve not measured') +
        (nginx ? `; nginx ${k(nginx)} (p99 ${ms(p99(`nginx-c${c}`))}), ringcore at ${(ring / nginx).toFixed(2)}× nginx.` : '; nginx not measured.'),
    );
    const cpus = [`ringcore-c${c}`, `node-c${c}`, `bun-c${c}`, `nginx-c${c}`].map((id) => cpu(id));
    if (cpus[0] !== '–') parts.push(`Server CPU per request at c=${c}: ringcore ${cpus[0]}, node:http ${cpus[1]}, Bun ${cpus[2]}, nginx ${cpus[3]}.`);
  }
  const errors = result.runs.flatMap((r) => r.samples.map((s) => Number(s.socketErrors ?? 0) + Number(s.non2xx ?? 0))).reduce((a, b) => a + b, 0);
  parts.push(errors === 0 ? 'No socket errors or non-2xx responses in any run.' : `Socket errors or non-2xx responses, all runs together: ${errors}.`);
  return parts.join(' ');
}
