// HTTP hello world under wrk: one server process, one wrk process, this
// process only starts and stops them. Each variant is one server:
//   ringcore       examples/http_server.ts (ringcore/http, one thread)
//   ringcore-w2    the same with --workers 2 (two threads, SO_REUSEPORT)
//   node           node:http
//   node-cluster2  node:http under node:cluster, two workers
//   node-adapter   node:http over ringcore sockets (ringcore/net serveHttp)
//   bun            Bun.serve (bun from bench/.tools)
//   nginx          nginx, one worker, `return 200 'Hello, World!'` (bench/lib/nginx.ts)
// Every server answers "Hello, World!" (13 bytes, text/plain) with keep-alive.
// The measurement is wrk's requests/s; p99 latency, errors and the server's CPU time per request
// (its process tree's, from /proc, over the measured run) ride along: on 2 vCPUs wrk's own CPU
// decides much of the rps, and the CPU per request says what the server costs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMain, intParam } from '../lib/child.js';
import { startNginx } from '../lib/nginx.js';
import { processTreeCpuNs } from '../lib/proc-cpu.js';
import { findTool, installHint } from '../lib/references.js';
import { startServer } from '../../test-support/server.js';
import type { Measurement } from '../lib/types.js';
import { runWrk } from '../lib/wrk.js';

interface Params {
  connections: number;
  seconds: number;
  /** wrk's run before the measured one (JIT, connection setup); 0: none (quick mode only proves the harness runs). */
  warmupSeconds: number;
}

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'); // dist/
const examples = path.join(dist, 'examples', 'run.js');
const nodeServer = path.join(dist, 'bench', 'servers', 'node-http.js');
const bunServer = path.join(dist, 'bench', 'servers', 'bun-serve.js');

/** A server under test, listening on 127.0.0.1. stop() waits for it to exit, so that its CPU time is counted as this run's. */
type Start = () => Promise<{ port: number; pid: number; stop(): Promise<unknown> }>;

const spawned =
  (command: string, args: string[]): Start =>
  async () => {
    const server = await startServer(command, [...args, '--host', '127.0.0.1', '--port', '0'], { stderr: 'inherit' });
    return { port: server.port, pid: server.child.pid!, stop: server.stop };
  };

async function measure(start: Start, { connections, seconds, warmupSeconds }: Params): Promise<Measurement> {
  const server = await start();
  try {
    const url = `http://127.0.0.1:${server.port}/`;
    // A short warm-up (JIT, connection setup), then the measured run.
    if (warmupSeconds > 0) await runWrk(url, connections, warmupSeconds);
    const cpuBefore = processTreeCpuNs(server.pid);
    const r = await runWrk(url, connections, seconds);
    const serverCpuUsPerRequest = r.requests > 0 ? (processTreeCpuNs(server.pid) - cpuBefore) / 1000 / r.requests : undefined;
    return {
      value: r.rps,
      unit: 'ops/s',
      p99Ms: r.p99Ms,
      serverCpuUsPerRequest,
      requests: r.requests,
      socketErrors: r.socketErrors,
      non2xx: r.non2xx,
      connections,
      seconds,
    };
  } finally {
    await server.stop();
  }
}

function bun(): string {
  const found = findTool('bun');
  if (found === undefined) throw new Error(installHint('bun'));
  return found;
}

await benchMain<Params>(
  {
    ringcore: (p) => measure(spawned(process.execPath, [examples, 'http_server']), p),
    'ringcore-w2': (p) => measure(spawned(process.execPath, [examples, 'http_server', '--workers', '2']), p),
    node: (p) => measure(spawned(process.execPath, [nodeServer]), p),
    'node-cluster2': (p) => measure(spawned(process.execPath, [nodeServer, '--cluster', '2']), p),
    'node-adapter': (p) => measure(spawned(process.execPath, [nodeServer, '--adapter']), p),
    bun: (p) => measure(spawned(bun(), [bunServer]), p),
    nginx: (p) => measure(() => startNginx({ workers: 1 }), p),
  },
  (raw) => ({
    connections: intParam(raw, 'connections', 256),
    seconds: intParam(raw, 'seconds', 10),
    warmupSeconds: raw.warmupSeconds === 0 ? 0 : intParam(raw, 'warmupSeconds', 1),
  }),
);
