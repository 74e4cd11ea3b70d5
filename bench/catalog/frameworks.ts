// Framework apps on createServer against the same apps on node:http, under
// wrk -t1 -c256 (child: scenarios/frameworks.ts).
import type { Mode, RowSpec, RunSpec, ScenarioDef, ScenarioResult } from '../lib/types.js';

const SETTINGS: Record<Mode, { connections: number; seconds: number; warmupSeconds: number }> = {
  quick: { connections: 64, seconds: 1, warmupSeconds: 0 },
  default: { connections: 256, seconds: 2, warmupSeconds: 1 },
  full: { connections: 256, seconds: 2, warmupSeconds: 1 },
};

/** Each app, and the least ratio against the same app on node:http that the issue asks for. */
const APPS: { app: string; title: string; target: number }[] = [
  { app: 'bare', title: 'bare createServer', target: 1.5 },
  { app: 'express', title: 'Express 5', target: 1.1 },
  { app: 'fastify', title: 'Fastify 5', target: 1.3 },
  { app: 'koa', title: 'Koa 3', target: 1.3 },
  { app: 'hono', title: 'Hono (@hono/node-server)', target: 1.3 },
];

const ROUTES = [
  { path: '/', name: 'hello world', headline: true },
  { path: '/json', name: '1 KiB JSON', headline: false },
];

/** Responses with bodies, on the bare app: fewer connections, as a client downloading does not open 256. */
const BODIES = [
  { path: '/stream', name: '64 × 1 KiB res.write()', connections: 16 },
  { path: '/large', name: '1 MiB res.end()', connections: 8 },
];

export const frameworks: ScenarioDef = {
  name: 'frameworks',
  title: 'Framework apps on createServer (wrk)',
  file: 'frameworks',
  description:
    '`wrk -t1 -c256 -d2s` (after a 1 s warm-up) against one app at a time: a bare `createServer` handler, Express 5, ' +
    'Fastify 5 (`serverFactory`), Koa 3 (`app.callback()`) and Hono (`@hono/node-server`), each answering `GET /` with ' +
    '`Hello, World!` and `GET /json` with a 1 KiB JSON document. The same app code runs on `node:http` (the Node column) ' +
    "and on ringcore/http's `createServer` (bench/servers/frameworks.ts), in separate processes, keep-alive, no pipelining. " +
    "The targets are the issue's: bare ≥ 1.5×, Fastify, Koa and Hono ≥ 1.3×, Express ≥ 1.1×. Hello-world rows are headline " +
    'rows; the JSON rows run with --full or --only frameworks. Two more rows on the bare app send bodies as users do: ' +
    '`GET /stream`, 64 KiB as 64 `res.write()` calls of 1 KiB (chunked), at c=16, and `GET /large`, 1 MiB in one ' +
    '`res.end()`, at c=8. Quick mode: c=64 (the body rows keep theirs), 1 s runs, no warm-up.',
  plan(mode) {
    const { connections, seconds, warmupSeconds } = SETTINGS[mode];
    const runs: RunSpec[] = [];
    const rows: RowSpec[] = [];
    for (const { app, title, target } of APPS) {
      for (const route of ROUTES) {
        const params = { app, path: route.path, connections, seconds, warmupSeconds };
        const key = `${app}${route.path === '/' ? '' : '-json'}-c${connections}`;
        runs.push(
          { id: `node-${key}`, variant: 'node', params, label: `${title} on node:http`, requires: ['wrk'] },
          { id: `ringcore-${key}`, variant: 'ringcore', params, requires: ['wrk'] },
        );
        rows.push({
          label: `${title}, ${route.name}, c=${connections}`,
          node: `node-${key}`,
          ringcore: `ringcore-${key}`,
          headline: route.headline,
          target: { value: target, text: `≥ ${target}× the app on node:http`, ratio: true },
        });
      }
    }
    // Bodies as users send them, on the bare app only (session 18): many res.write() calls, and one large body.
    for (const body of BODIES) {
      const params = { app: 'bare', path: body.path, connections: body.connections, seconds, warmupSeconds };
      const key = `bare-${body.path.slice(1)}-c${body.connections}`;
      runs.push(
        { id: `node-${key}`, variant: 'node', params, label: 'bare createServer on node:http', requires: ['wrk'] },
        { id: `ringcore-${key}`, variant: 'ringcore', params, requires: ['wrk'] },
      );
      rows.push({ label: `bare createServer, ${body.name}, c=${body.connections}`, node: `node-${key}`, ringcore: `ringcore-${key}` });
    }
    return { runs, rows };
  },
  reading(result: ScenarioResult): string {
    const parts: string[] = [];
    for (const { app, title } of APPS) {
      const ring = result.runs.find((r) => r.id.startsWith(`ringcore-${app}-c`));
      const node = result.runs.find((r) => r.id.startsWith(`node-${app}-c`));
      if (ring?.median === undefined || node?.median === undefined) continue;
      parts.push(`${title}: ${(ring.median / 1000).toFixed(1)}k against ${(node.median / 1000).toFixed(1)}k rps (${(ring.median / node.median).toFixed(2)}×)`);
    }
    const errors = result.runs.flatMap((r) => r.samples.map((s) => Number(s.socketErrors ?? 0) + Number(s.non2xx ?? 0))).reduce((a, b) => a + b, 0);
    return `Hello world: ${parts.join('; ')}. ${errors === 0 ? 'No socket errors or non-2xx responses.' : `Socket errors or non-2xx responses: ${errors}.`}`;
  },
};
