// Starts an example server in a child process and reads its port from the
// first line of stdout ("listening on HOST:PORT").
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const runJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'run.js');

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  stderr: () => string;
  stop: () => Promise<number | null>;
}

/** `prefix` runs before node (e.g. ['prlimit', '--nofile=64:64']). */
export function startExample(name: string, args: string[] = [], prefix: string[] = []): Promise<ServerProcess> {
  const command = [...prefix, process.execPath, runJs, name, '--port', '0', ...args];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d: string) => {
      out += d;
      const m = /^listening on (.+):(\d+)$/m.exec(out);
      if (m === null) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      resolve({
        child,
        port: Number(m[2]),
        stderr: () => err,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done(child.exitCode);
            child.once('exit', (code) => done(code));
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening: ${err}`)));
    child.once('error', reject);
  });
}
