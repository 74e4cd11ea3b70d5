// Framework apps under wrk: each app (bench/servers/frameworks.ts) once on
// node:http and once on ringcore/http's createServer, the same app code.
// Variants: node, ringcore; params: app (bare|express|fastify|koa|hono),
// path (/ or /json), connections, seconds, warmupSeconds.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMain, intParam } from '../lib/child.js';
import { startServer } from '../../test-support/server.js';
import type { Measurement } from '../lib/types.js';
import { runWrk } from '../lib/wrk.js';

interface Params {
  app: string;
  path: string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

const server = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'), 'bench', 'servers', 'frameworks.js');

async function measure(on: 'node' | 'ringcore', { app, path: route, connections, seconds, warmupSeconds }: Params): Promise<Measurement> {
  const running = await startServer(process.execPath, [server, '--app', app, '--on', on, '--host', '127.0.0.1', '--port', '0']);
  try {
    const url = `http://127.0.0.1:${running.port}${route}`;
    if (warmupSeconds > 0) await runWrk(url, connections, warmupSeconds);
    const r = await runWrk(url, connections, seconds);
    return { value: r.rps, unit: 'ops/s', p99Ms: r.p99Ms, requests: r.requests, socketErrors: r.socketErrors, non2xx: r.non2xx, connections, seconds };
  } finally {
    await running.stop();
  }
}

await benchMain<Params>(
  {
    node: (p) => measure('node', p),
    ringcore: (p) => measure('ringcore', p),
  },
  (raw) => ({
    app: typeof raw.app === 'string' ? raw.app : 'bare',
    path: typeof raw.path === 'string' ? raw.path : '/',
    connections: intParam(raw, 'connections', 256),
    seconds: intParam(raw, 'seconds', 2),
    warmupSeconds: raw.warmupSeconds === 0 ? 0 : intParam(raw, 'warmupSeconds', 1),
  }),
);
