// Driving test-support/idle-client.ts from a test or benchmark, and reading a
// server process's memory and threads from /proc.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const clientJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'idle-client.js');

/** The prlimit prefix giving a child `nofile` fds, or why it cannot (not root, no prlimit). */
export function nofilePrefix(nofile: number): { prefix: string[] } | { skip: string } {
  const probe = spawnSync('prlimit', [`--nofile=${nofile}:${nofile}`, 'true']);
  if (probe.error !== undefined) return { skip: `prlimit is not available (${probe.error.message}); it raises RLIMIT_NOFILE for the child processes` };
  if (probe.status !== 0) return { skip: `cannot raise RLIMIT_NOFILE to ${nofile} (prlimit: ${probe.stderr.toString().trim()}); run as root` };
  return { prefix: ['prlimit', `--nofile=${nofile}:${nofile}`] };
}

export interface IdleClient {
  child: ChildProcess;
  /** Connections that connected, and those that failed. */
  connected: number;
  failed: number;
  /** Every connection sends its own message and checks the echo. */
  echo(): Promise<{ ok: number; wrong: number; lost: number }>;
  quit(): Promise<void>;
}

/** Starts the client process, which opens `connections` connections to 127.0.0.1:port; resolves once they are open. */
export async function startIdleClient(port: number, connections: number, prefix: string[], host = '127.0.0.1'): Promise<IdleClient> {
  const command = [...prefix, process.execPath, clientJs, '--port', String(port), '--host', host, '--connections', String(connections)];
  const child = spawn(command[0]!, command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`idle client exited (${code}): ${stderr}`))));
  exited.catch(() => {});
  const nextLine = async (): Promise<string[]> => {
    const { value, done } = await Promise.race([lines.next(), exited]);
    if (done) throw new Error(`idle client ended its output: ${stderr}`);
    return (value as string).split(' ');
  };
  const [word, ok, failed] = await nextLine();
  if (word !== 'connected') throw new Error(`idle client said ${word}`);
  return {
    child,
    connected: Number(ok),
    failed: Number(failed),
    async echo() {
      child.stdin!.write('echo\n');
      const [w, good, wrong, lost] = await nextLine();
      if (w !== 'echoed') throw new Error(`idle client said ${w}`);
      return { ok: Number(good), wrong: Number(wrong), lost: Number(lost) };
    },
    quit() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin!.end('quit\n');
      });
    },
  };
}

/** A process's resident set (VmRSS), in bytes. */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** A process's threads, by name (/proc/<pid>/task/<tid>/comm). */
export function threadNames(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      return '(gone)';
    }
  });
}

/** Open fds of a process. */
export function fdCountOf(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}
