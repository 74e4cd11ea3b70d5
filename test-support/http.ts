// Helpers for the HTTP tests: raw exchanges over node:net, example servers in
// child processes, and curl.
import { execFile, execFileSync } from 'node:child_process';
import net from 'node:net';

/** Sends `request` (in pieces, `gapMs` apart, when an array) and resolves with all bytes until the server closes. */
export function exchange(port: number, request: string | Buffer | (string | Buffer)[], gapMs = 0): Promise<{ data: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A reset after the response still counts as the server closing.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') finish();
      else reject(error);
    });
    socket.on('close', finish);
    let done = false;
    function finish() {
      if (done) return;
      done = true;
      resolve({ data: Buffer.concat(chunks).toString('latin1'), closedAfterMs: Date.now() - started });
    }
    const pieces = Array.isArray(request) ? request : [request];
    socket.once('connect', async () => {
      for (const piece of pieces) {
        if (socket.destroyed) return;
        socket.write(piece);
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

/** The status codes in a stream of responses, in order. */
export function statuses(data: string): number[] {
  return [...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
}

export { startExample, type ServerProcess as ExampleServer } from './server.js';

/** Runs curl; resolves with its stdout and stderr (rejects on a non-zero exit). */
export function curl(args: string[]): Promise<{ stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '--max-time', '10', ...args], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`curl ${args.join(' ')}: ${error.message} ${stderr.toString()}`));
      else resolve({ stdout, stderr: stderr.toString() });
    });
  });
}

/** Whether curl is on this machine, and the skip reason for tests that drive servers with it. */
export const hasCurl = (() => {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
export const skipWithoutCurl: string | false = hasCurl ? false : 'curl is not installed (apt-get install -y curl)';
