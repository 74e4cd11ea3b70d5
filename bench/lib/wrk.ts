// Runs wrk against a URL and reads its figures: requests per second, the
// 99th percentile latency (wrk --latency), and the error counts. wrk opens
// one socket per connection, so its fd limit is raised first (c=1000).
import { spawn } from 'node:child_process';
import { findTool, installHint } from './references.js';

export interface WrkResult {
  rps: number;
  p99Ms: number;
  requests: number;
  /** connect/read/write/timeout socket errors, summed. */
  socketErrors: number;
  non2xx: number;
}

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

function parseWrk(output: string): WrkResult {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output);
  const total = /(\d+) requests in/.exec(output);
  if (rps === null || p99 === null || total === null) throw new Error(`could not read wrk's output:\n${output}`);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  return {
    rps: Number(rps[1]),
    p99Ms: toMs(p99[1]!, p99[2]!),
    requests: Number(total[1]),
    socketErrors: errors === null ? 0 : errors.slice(1).reduce((sum, n) => sum + Number(n), 0),
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
  };
}

export function runWrk(url: string, connections: number, seconds: number, threads = 1): Promise<WrkResult> {
  const wrk = findTool('wrk');
  if (wrk === undefined) return Promise.reject(new Error(installHint('wrk')));
  const command = 'ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn); exec "$0" "$@"';
  const args = [wrk, `-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', url];
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${code}:\n${out}`));
      try {
        resolve(parseWrk(out));
      } catch (error) {
        reject(error);
      }
    });
  });
}
