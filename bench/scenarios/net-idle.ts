// Memory per idle TCP connection, server side. Variants: 'ringcore' (the echo
// example: a multishot recv per connection, buffers from a shared
// provided-buffer ring) and 'node' (bench/servers/node-echo.ts, node:net).
// The server runs in its own process; a node:net client process
// (test-support/idle-client.ts) opens 10 connections and echoes once
// (warm-up), then the server's VmRSS is read; it opens `connections` more,
// they idle for `idleMs`, VmRSS is read again; value = the difference per
// connection. Then every connection echoes once (errors are counted) and
// VmRSS is read a third time. Both processes get their fds with prlimit.
import { benchMain, intParam } from '../lib/child.js';
import { startServer } from '../../test-support/server.js';
import { ECHO_SERVERS } from '../lib/echo-servers.js';
import type { Measurement } from '../lib/types.js';
import { fdCountOf, nofilePrefix, rssBytes, startIdleClient, threadNames } from '../../test-support/idle.js';

interface Params {
  connections: number;
  idleMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function variant(server: 'ringcore' | 'node') {
  return async (p: Params): Promise<Measurement> => {
    const limit = nofilePrefix(p.connections + 1000);
    if ('skip' in limit) throw new Error(limit.skip);
    const [script, ...args] = ECHO_SERVERS[server];
    const [command, ...prefixArgs] = [...limit.prefix, process.execPath];
    const proc = await startServer(command!, [...prefixArgs, script!, ...args, '--host', '127.0.0.1', '--port', '0'], { stderr: 'inherit' });
    const pid = proc.child.pid!;
    try {
      const warm = await startIdleClient(proc.port, 10, limit.prefix);
      await warm.echo();
      await warm.quit();
      await sleep(200);
      const before = rssBytes(pid);
      const threads = threadNames(pid).length;
      const client = await startIdleClient(proc.port, p.connections, limit.prefix);
      try {
        await sleep(p.idleMs);
        const idle = rssBytes(pid);
        const fds = fdCountOf(pid);
        const echoed = await client.echo();
        const afterEcho = rssBytes(pid);
        return {
          value: (idle - before) / p.connections,
          unit: 'B/conn',
          connections: p.connections,
          connected: client.connected,
          errors: client.failed + echoed.wrong + echoed.lost + (p.connections - echoed.ok - echoed.wrong),
          rssBeforeMiB: before / 2 ** 20,
          rssIdleMiB: idle / 2 ** 20,
          rssAfterEchoMiB: afterEcho / 2 ** 20,
          bytesPerConnAfterEcho: (afterEcho - before) / p.connections,
          serverFds: fds,
          threadsBefore: threads,
          threadsAfter: threadNames(pid).length,
        };
      } finally {
        await client.quit();
      }
    } finally {
      await proc.stop();
    }
  };
}

await benchMain<Params>({ ringcore: variant('ringcore'), node: variant('node') }, (raw) => ({
  connections: intParam(raw, 'connections', 10_000),
  idleMs: intParam(raw, 'idleMs', 1000),
}));
