// nginx as the HTTP limit reference: started with a generated config on a free
// port, answering every request with the same fixed 'Hello, World!' that the
// other servers send, from Debian's package (`npm run bench -- --setup`).
//
//   const server = await startNginx({ workers: 1 });
//   ... wrk -c256 http://127.0.0.1:${server.port}/ ...
//   await server.stop();
//
// Everything it writes (config, pid, logs, temp dirs) goes in one temporary
// directory, removed by stop(); the access log is off.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { findTool, installHint } from './references.js';

export interface NginxOptions {
  /** Worker processes. Default 1 (one core, like the single-threaded servers it is compared with). */
  workers?: number;
  /** The response body. Default 'Hello, World!'. */
  body?: string;
  /** Default: a free port. */
  port?: number;
}

export interface NginxServer {
  port: number;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** A port nobody listens on now (the kernel picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function config(dir: string, port: number, workers: number, body: string): string {
  // nginx's string quoting: backslash-escape quotes and backslashes.
  const quoted = body.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return `daemon off;
master_process on;
worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; multi_accept on; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      default_type text/plain;
      return 200 '${quoted}';
    }
  }
}
`;
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts nginx and resolves once it accepts connections; rejects (saying how to install it) when there is no nginx. */
export async function startNginx(options: NginxOptions = {}): Promise<NginxServer> {
  const nginx = findTool('nginx');
  if (nginx === undefined) throw new Error(installHint('nginx'));
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ringcore-nginx-'));
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, config(dir, port, options.workers ?? 1, options.body ?? 'Hello, World!'));
  // -e: the early error log, before the config is read (else /var/log/nginx, which may not be writable).
  const child = spawn(nginx, ['-p', dir, '-c', conf, '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  for (let waited = 0; !(await listening(port)); waited += 20) {
    if (child.exitCode !== null || waited > 5000) {
      child.kill('SIGKILL');
      cleanup();
      throw new Error(`nginx did not start on port ${port}: ${stderr.trim() || `exit code ${child.exitCode}`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    pid: child.pid!,
    async stop() {
      // SIGQUIT: graceful shutdown of the master and its workers.
      if (child.exitCode === null) child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      cleanup();
    },
  };
}
