// 10,000 idle connections on one thread: the echo example in one process, a
// node:net client holding 10,000 connections in another (both given enough
// fds with prlimit). Every connection must connect, stay open while idle, and
// then echo its own message; the server must not grow threads (no io-wq
// workers: each connection waits in ONE multishot recv, armed on the socket's
// poll, not on a thread). The server's RSS before and after is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { startExample } from '../../test-support/server.js';
import { fdCountOf, nofilePrefix, rssBytes, startIdleClient, threadNames } from '../../test-support/idle.js';
import { requireIoUring } from '../../test-support/backend.js';

/** It checks io_uring's way of holding them (one multishot recv each, no io-wq threads): io_uring only. */
const ioUring = requireIoUring();

const CONNECTIONS = 10_000;
const limit = nofilePrefix(CONNECTIONS + 1000);

test('10,000 idle connections to the echo server: all held, all echo afterwards, no new threads', {
  skip: ioUring.skip || ('skip' in limit ? limit.skip : false),
  timeout: 60_000,
}, async (t) => {
  const prefix = 'prefix' in limit ? limit.prefix : [];
  const server = await startExample('echo', ['--backlog', '4096'], prefix);
  const pid = server.child.pid!;
  let client: Awaited<ReturnType<typeof startIdleClient>> | null = null;
  try {
    // Warm-up: the first connections make the socket ring and its receive buffers.
    const fdsBeforeWarm = fdCountOf(pid);
    const warm = await startIdleClient(server.port, 10, prefix);
    assert.deepEqual(await warm.echo(), { ok: 10, wrong: 0, lost: 0 });
    await warm.quit();
    // The server closes the warm-up's connections when it reads their EOF, which may come after
    // quit(): wait for that (5 s at most), or the fds counted below would include them.
    for (let i = 0; i < 100 && fdCountOf(pid) > fdsBeforeWarm; i++) await new Promise((r) => setTimeout(r, 50));
    const threadsBefore = threadNames(pid);
    const rssBefore = rssBytes(pid);
    const fdsBefore = fdCountOf(pid);

    client = await startIdleClient(server.port, CONNECTIONS, prefix);
    assert.equal(client.failed, 0);
    assert.equal(client.connected, CONNECTIONS);
    // Idle a moment: nothing is sent, every connection has its recv armed.
    await new Promise((r) => setTimeout(r, 1000));
    const rssIdle = rssBytes(pid);
    assert.ok(fdCountOf(pid) >= fdsBefore + CONNECTIONS, `the server holds ${fdCountOf(pid) - fdsBefore} connections`);

    const echoed = await client.echo();
    assert.deepEqual(echoed, { ok: CONNECTIONS, wrong: 0, lost: 0 });
    const rssAfterEcho = rssBytes(pid);

    const threadsAfter = threadNames(pid);
    assert.deepEqual(
      threadsAfter.filter((name) => name.startsWith('iou-')),
      [],
      'no io_uring worker threads',
    );
    assert.equal(threadsAfter.length, threadsBefore.length, `threads before: ${threadsBefore.join(',')}; after: ${threadsAfter.join(',')}`);
    assert.equal(server.child.exitCode, null, 'the server is still running');
    t.diagnostic(
      `server RSS ${(rssBefore / 2 ** 20).toFixed(1)} MiB before, ${(rssIdle / 2 ** 20).toFixed(1)} MiB with ${CONNECTIONS} idle ` +
        `connections (${Math.round((rssIdle - rssBefore) / CONNECTIONS)} B each), ${(rssAfterEcho / 2 ** 20).toFixed(1)} MiB after one echo each ` +
        `(${Math.round((rssAfterEcho - rssBefore) / CONNECTIONS)} B each); ${threadsAfter.length} threads before and after`,
    );
  } finally {
    await client?.quit();
    await server.stop();
  }
});
