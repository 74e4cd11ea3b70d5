// Accept under EMFILE: the echo example runs with RLIMIT_NOFILE = 64. More
// clients than it has fds for connect at once: it serves those it could
// accept, keeps running, and accepts the rest as soon as fds free up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';

import { until } from '../../test-support/net.js';
import { startExample } from '../../test-support/server.js';
import { requireIoUring } from '../../test-support/backend.js';

/** Node's own accept drops connections under EMFILE (libuv closes them at once), so this holds on io_uring only. */
const ioUring = requireIoUring();

test('accept under EMFILE keeps the server running, and it recovers when fds free up', { skip: ioUring.skip }, async (t) => {
  if (spawnSync('prlimit', ['--version']).error) return void t.skip('prlimit (util-linux) is not installed');
  const server = await startExample('echo', [], ['prlimit', '--nofile=64:64']);
  const clients: net.Socket[] = [];
  const answered = new Set<number>();
  try {
    const n = 100;
    for (let i = 0; i < n; i++) {
      const socket = net.connect({ port: server.port, host: '127.0.0.1' });
      socket.on('error', () => {});
      socket.setEncoding('utf8');
      let got = '';
      socket.on('data', (d: string) => {
        got += d;
        if (got === `client ${i}`) answered.add(i);
      });
      socket.write(`client ${i}`);
      clients.push(socket);
    }
    // Phase 1: the server runs out of fds; some clients are served, the others wait in the backlog.
    await until(() => answered.size > 0, 5000, 'first answers');
    await new Promise((r) => setTimeout(r, 300));
    const first = answered.size;
    assert.ok(first < n, `the fd limit bit (${first} of ${n} served)`);
    assert.equal(server.child.exitCode, null, 'the server survived EMFILE');
    // Phase 2: served clients leave, their fds free up, the rest are accepted.
    for (const i of answered) clients[i]!.destroy();
    let closed = new Set(answered);
    await until(
      () => {
        for (const i of answered) if (!closed.has(i)) clients[i]!.destroy();
        closed = new Set(answered);
        return answered.size === n;
      },
      15000,
      `all ${n} answered (got ${answered.size})`,
    );
    assert.equal(server.child.exitCode, null);
    t.diagnostic(`${first} served under the limit, all ${n} after fds freed up`);
  } finally {
    for (const c of clients) c.destroy();
    await server.stop();
  }
});
