// Helpers for the HTTP tests: raw exchanges over node:net, example servers in
// child processes, and curl.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

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

export interface ExampleServer {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs `npm run example -- <name> --port 0 ...` (as node dist/examples/run.js) and waits for "listening on". */
export function startExample(name: string, args: string[] = []): Promise<ExampleServer> {
  const child = spawn(process.execPath, [path.join(root, 'dist', 'examples', 'run.js'), name, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n')[0]!;
      if (!out.includes('\n')) return;
      child.stdout!.off('data', onData);
      const match = /^listening on (.+):(\d+)$/.exec(line);
      if (match === null) return reject(new Error(`${name}: first line was ${JSON.stringify(line)}; stderr: ${stderr}`));
      resolve({
        port: Number(match[2]),
        child,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 3000).unref();
          }),
      });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening; stderr: ${stderr}`)));
  });
}

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
