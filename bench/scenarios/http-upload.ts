// Request bodies: a node:http client POSTs `size` bytes (Content-Length) on
// one keep-alive connection, one upload at a time, to a server that reads
// the body and answers with its length (bench/servers/upload.ts), on
// node:http or on ringcore/http's createServer. Variants: node, ringcore.
// The first quarter of the uploads warms up; over the rest, value = the
// median wall time of an upload (client start to the response's end): on a
// shared 2-vCPU machine a few uploads wait tens of ms for a CPU, which a
// mean would report as the server's. The mean, p90 and the server process's
// CPU time (user + system, /proc) per upload alongside.
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchMain, intParam, nowNs } from '../lib/child.js';
import type { Measurement } from '../lib/types.js';
import { processTreeCpuNs } from '../lib/proc-cpu.js';
import { startServer } from '../../test-support/server.js';

interface Params {
  size: number;
  uploads: number;
}

const serverJs = path.join(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), 'servers', 'upload.js');

function upload(port: number, agent: http.Agent, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/', agent, headers: { 'content-length': body.length } }, (res) => {
      let text = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => (text === String(body.length) ? resolve() : reject(new Error(`the server counted ${text} bytes of ${body.length}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function measure(on: 'node' | 'ringcore', { size, uploads }: Params): Promise<Measurement> {
  const server = await startServer(process.execPath, [serverJs, '--on', on], { stderr: 'inherit' });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const body = Buffer.alloc(size, 97);
    const warm = Math.max(1, Math.floor(uploads / 4));
    for (let i = 0; i < warm; i++) await upload(server.port, agent, body);
    const pid = server.child.pid!;
    const cpu = processTreeCpuNs(pid);
    const times: number[] = [];
    const start = nowNs();
    for (let i = 0; i < uploads; i++) {
      const t0 = nowNs();
      await upload(server.port, agent, body);
      times.push(nowNs() - t0);
    }
    const wallNs = nowNs() - start;
    const serverCpuNs = (processTreeCpuNs(pid) - cpu) / uploads;
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(times.length * q))]!;
    return { value: at(0.5), unit: 'ns/op', ops: uploads, meanNs: wallNs / uploads, p90Ns: at(0.9), serverCpuNs, size };
  } finally {
    agent.destroy();
    await server.stop();
  }
}

await benchMain<Params>(
  {
    node: (p) => measure('node', p),
    ringcore: (p) => measure('ringcore', p),
  },
  (raw) => ({ size: intParam(raw, 'size', 64 * 1024), uploads: intParam(raw, 'uploads', 1000) }),
);
