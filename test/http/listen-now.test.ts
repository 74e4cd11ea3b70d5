// createServer().listen() without a host binds before it returns, as
// node:http's does: address() and `listening` answer at once (supertest, and
// many test suites, read the port right after `listen(0)`), and 'listening' or
// 'error' come a tick later. With a host (even a numeric one) node:http looks
// it up first: nothing at once. Each case runs node:http's server and
// ringcore's the same way and expects the same record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { createServer } from '../../src/http/index.js';

type Make = (listener: http.RequestListener) => http.Server;
const servers: [string, Make][] = [
  ['node:http', (listener) => http.createServer(listener)],
  ['ringcore', (listener) => createServer(listener) as unknown as http.Server],
];

async function get(port: number, host: string): Promise<string> {
  const response = await fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/`);
  return response.text();
}

for (const host of [undefined, '127.0.0.1', '::1']) {
  const now = host === undefined;
  test(`listen(0${now ? '' : `, '${host}'`}): address() and listening ${now ? 'at once' : 'once listening'}, 'listening' a tick later, a request served`, async () => {
    const seen: Record<string, unknown> = {};
    for (const [name, make] of servers) {
      const server = make((_req, res) => res.end('hello'));
      const events: string[] = [];
      server.on('listening', () => events.push('listening'));
      if (host === undefined) server.listen(0);
      else server.listen(0, host);
      const record = { addressAtReturn: server.address() !== null, listening: server.listening, eventsAtReturn: [...events] };
      await once(server, 'listening');
      const address = server.address() as AddressInfo;
      const body = await get(address.port, host ?? '127.0.0.1');
      seen[name] = { ...record, port: address.port > 0, family: address.family, events, body };
      server.close();
      await once(server, 'close');
    }
    assert.deepEqual(seen.ringcore, seen['node:http']);
    assert.deepEqual(seen['node:http'], {
      addressAtReturn: now,
      listening: now,
      eventsAtReturn: [],
      port: true,
      family: host === '127.0.0.1' ? 'IPv4' : 'IPv6',
      events: ['listening'],
      body: 'hello',
    });
  });
}

test("a port in use: listen() returns, then 'error' (EADDRINUSE) a tick later, as node:http", async () => {
  const holder = http.createServer();
  holder.listen(0, '127.0.0.1');
  await once(holder, 'listening');
  const { port } = holder.address() as AddressInfo;
  const seen: Record<string, unknown> = {};
  try {
    for (const [name, make] of servers) {
      const server = make(() => {});
      let thrown = false;
      const errors: string[] = [];
      server.on('error', (error: NodeJS.ErrnoException & { port?: number }) => errors.push(`${error.code} ${error.syscall} ${error.port}`));
      try {
        server.listen(port);
      } catch {
        thrown = true;
      }
      const atReturn = [...errors];
      await new Promise((resolve) => setImmediate(resolve));
      seen[name] = { thrown, atReturn, errors, address: server.address(), listening: server.listening };
    }
  } finally {
    holder.close();
  }
  assert.deepEqual(seen.ringcore, seen['node:http']);
  assert.deepEqual(seen['node:http'], { thrown: false, atReturn: [], errors: [`EADDRINUSE listen ${port}`], address: null, listening: false });
});

test("listen(0) then close() before the next tick: no 'listening', 'close', the port free again", async () => {
  const seen: Record<string, unknown> = {};
  for (const [name, make] of servers) {
    const server = make(() => {});
    const events: string[] = [];
    server.on('listening', () => events.push('listening'));
    server.on('close', () => events.push('close'));
    server.listen(0);
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');
    await new Promise((resolve) => setImmediate(resolve));
    // The port can be bound again: the socket was closed.
    const again = http.createServer();
    again.listen(port);
    const rebound = await Promise.race([once(again, 'listening').then(() => true), once(again, 'error').then(() => false)]);
    again.close();
    seen[name] = { events, rebound };
  }
  assert.deepEqual(seen.ringcore, seen['node:http']);
  assert.deepEqual(seen['node:http'], { events: ['close'], rebound: true });
});
