// A server under test in its own process: spawned, awaited until it prints
// "listening on HOST:PORT" as its first line, and stopped (SIGTERM, then
// SIGKILL) when the measurement is done.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerProcess {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startServer(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ServerProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')}: no "listening on" line within 15 s`));
    }, 15_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // keep draining whatever else it prints
      const match = /^listening on .+:(\d+)$/.exec(out.slice(0, newline).trim());
      if (match === null) {
        child.kill('SIGKILL');
        return reject(new Error(`${command} ${args.join(' ')}: first line was ${JSON.stringify(out.slice(0, newline))}`));
      }
      resolve({
        port: Number(match[1]),
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited with ${code} before listening`));
    });
  });
}
