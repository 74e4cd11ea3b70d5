// A server in a child process, awaited until it prints "listening on
// HOST:PORT" as its first line (every example server and bench server does),
// and stopped with SIGTERM (SIGKILL 3 s later). The one helper for that, used
// by the tests (startExample) and the bench harness (startServer).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const runJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'run.js');

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** What it wrote on stderr so far ('' when stderr was inherited). */
  stderr: () => string;
  /** Stops it; resolves with its exit code (null when a signal ended it). */
  stop: () => Promise<number | null>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** 'inherit' shows its stderr as it comes (the bench); 'pipe' keeps it for stderr() and error messages. */
  stderr?: 'pipe' | 'inherit';
  /** How long it may take to print its first line. Default 15 s. */
  timeoutMs?: number;
}

/** Runs `command args` and resolves once its first line says where it listens. */
export function startServer(command: string, args: string[], options: StartOptions = {}): Promise<ServerProcess> {
  const what = `${command} ${args.join(' ')}`;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', options.stderr ?? 'pipe'], env: options.env ?? process.env });
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const stop = () =>
    new Promise<number | null>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
      const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
      child.once('exit', (code) => {
        clearTimeout(kill);
        done(code);
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what}: no "listening on" line within ${options.timeoutMs ?? 15_000} ms; stderr: ${err}`));
    }, options.timeoutMs ?? 15_000);
    const onData = (d: string) => {
      out += d;
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // keep draining whatever else it prints
      const line = out.slice(0, newline).trim();
      const match = /^listening on (.+):(\d+)$/.exec(line);
      if (match === null) {
        child.kill('SIGKILL');
        return reject(new Error(`${what}: first line was ${JSON.stringify(line)}; stderr: ${err}`));
      }
      resolve({ child, port: Number(match[2]), stderr: () => err, stop });
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before listening; stderr: ${err}`));
    });
    child.once('error', reject);
  });
}

/** `npm run example -- <name> --port 0 ...args` (as node dist/examples/run.js); `prefix` runs before node (e.g. ['prlimit', '--nofile=64:64']). */
export function startExample(name: string, args: string[] = [], prefix: string[] = []): Promise<ServerProcess> {
  const command = [...prefix, process.execPath, runJs, name, '--port', '0', ...args];
  return startServer(command[0]!, command.slice(1));
}
