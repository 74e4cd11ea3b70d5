// HTTP hello world under wrk: one server process, one wrk process, this
// process only starts and stops them. Each variant is one server:
//   ringcore       examples/http_server.ts (ringcore/http, one thread)
//   ringcore-w2    the same with --workers 2 (two threads, SO_REUSEPORT)
//   node           node:http
//   node-cluster2  node:http under node:cluster, two workers
//   node-adapter   node:http over ringcore sockets (ringcore/net serveHttp)
//   bun            Bun.serve (bun from bench/.tools)
// Every server answers "Hello, World!" (13 bytes, text/plain) with keep-alive.
// The measurement is wrk's requests/s; p99 latency and errors ride along.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMain, intParam } from '../lib/child.js';
import { treeCpuMs } from '../lib/proc-cpu.js';
import { findTool, installHint } from '../lib/references.js';
import { startServer } from '../lib/server-process.js';
import type { Measurement } from '../lib/types.js';
import { runWrk } from '../lib/wrk.js';

interface Params {
  connections: number;
  seconds: number;
}

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'); // dist/
const examples = path.join(dist, 'examples', 'run.js');
const nodeServer = path.join(dist, 'bench', 'servers', 'node-http.js');
const bunServer = path.join(dist, 'bench', 'servers', 'bun-serve.js');

async function measure(command: string, args: string[], { connections, seconds }: Params): Promise<Measurement> {
  const server = await startServer(command, [...args, '--host', '127.0.0.1', '--port', '0']);
  try {
    const url = `http://127.0.0.1:${server.port}/`;
    // A short warm-up (JIT, connection setup), then the measured run.
    const warm = await runWrk(url, connections, 1);
    const r = await runWrk(url, connections, seconds);
    // The server's and wrk's CPU are the measurement's, not background load.
    const helperCpuMs = treeCpuMs(server.child.pid!) + warm.cpuMs + r.cpuMs;
    return { value: r.rps, unit: 'ops/s', p99Ms: r.p99Ms, requests: r.requests, socketErrors: r.socketErrors, non2xx: r.non2xx, connections, seconds, helperCpuMs };
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
    ringcore: (p) => measure(process.execPath, [examples, 'http_server'], p),
    'ringcore-w2': (p) => measure(process.execPath, [examples, 'http_server', '--workers', '2'], p),
    node: (p) => measure(process.execPath, [nodeServer], p),
    'node-cluster2': (p) => measure(process.execPath, [nodeServer, '--cluster', '2'], p),
    'node-adapter': (p) => measure(process.execPath, [nodeServer, '--adapter'], p),
    bun: (p) => measure(bun(), [bunServer], p),
  },
  (raw) => ({ connections: intParam(raw, 'connections', 256), seconds: intParam(raw, 'seconds', 10) }),
);
