// serveHttp(): a plain node:http handler, unchanged, served over ringcore
// sockets (accept by multishot accept, each connection a Duplex).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';

import Fastify from 'fastify';

import { serveHttp, TcpListener } from '../../src/net/index.js';
import { runtime } from '../../src/sys/runtime.js';
import { until } from '../../test-support/net.js';
import { exchange, statuses } from '../../test-support/http.js';

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => execFile('curl', args, (error, stdout) => (error ? reject(error) : resolve(stdout))));
}

function get(port: number, path: string, agent?: http.Agent): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
      })
      .on('error', reject);
  });
}

test('an unchanged http.createServer handler answers http.get (also with keep-alive) and curl', async (t) => {
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      res.setHeader('x-peer', String(req.socket.remoteAddress));
      res.end(`${req.method} ${req.url} body=${body}`);
    });
  });
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  const handle = serveHttp(server, listener);
  const port = listener.address().port;
  try {
    const plain = await get(port, '/hello');
    assert.equal(plain.status, 200);
    assert.equal(plain.body, 'GET /hello body=');
    assert.equal(plain.headers['x-peer'], '127.0.0.1');

    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const results = await Promise.all([1, 2, 3, 4].map((i) => get(port, `/k${i}`, agent)));
    assert.deepEqual(
      results.map((r) => r.body),
      [1, 2, 3, 4].map((i) => `GET /k${i} body=`),
    );
    agent.destroy();

    try {
      const out = await curl(['-s', '-X', 'POST', '--data-binary', 'payload-from-curl', `http://127.0.0.1:${port}/post`]);
      assert.equal(out, 'POST /post body=payload-from-curl');
      const big = await curl(['-s', '-d', 'x'.repeat(100_000), `http://127.0.0.1:${port}/big`]);
      assert.equal(big, `POST /big body=${'x'.repeat(100_000)}`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') t.diagnostic('curl is not installed: checked with http.get only');
      else throw error;
    }
  } finally {
    await handle.close();
    handle.closeAllConnections();
    await handle.done;
    await until(() => handle.connections.size === 0, 2000, 'connections to close');
  }
});

// Node's own node:http internals (its timeout checks, its close bookkeeping): Bun's and Deno's node:http differ.
const notNode = runtime !== 'node' ? "node:http's internals are Node's only" : false;

test("node:http's headersTimeout holds on ringcore sockets: a half-sent head gets 408", { skip: notNode }, async () => {
  const server = http.createServer({ headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 }, (_req, res) => res.end('ok'));
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  const handle = serveHttp(server, listener);
  try {
    const { data } = await exchange(listener.address().port, 'GET / HTTP/1.1\r\nHost: x\r\n');
    assert.deepEqual(statuses(data), [408]);
  } finally {
    handle.closeAllConnections();
    await handle.close();
  }
});

test('server.close(callback) stops the ringcore listener, ends idle connections and calls back without an error', { skip: notNode }, async () => {
  const server = http.createServer((_req, res) => res.end('ok'));
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  serveHttp(server, listener);
  const port = listener.address().port;
  assert.equal(server.listening, true);
  assert.equal((server.address() as net.AddressInfo).port, port);
  const idle = net.connect(port, '127.0.0.1');
  idle.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await once(idle, 'data');
  const error = await new Promise<Error | undefined>((resolve) => server.close(resolve));
  assert.equal(error, undefined);
  assert.equal(server.listening, false);
  if (!idle.destroyed) await once(idle, 'close');
  assert.equal(idle.destroyed, true);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
});

test("Fastify's app.close() closes the ringcore listener (serveHttp on app.server)", { skip: notNode }, async () => {
  const app = Fastify();
  app.get('/', async () => ({ ok: true }));
  await app.ready();
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  serveHttp(app.server, listener);
  const port = listener.address().port;
  assert.deepEqual(await (await fetch(`http://127.0.0.1:${port}/`)).json(), { ok: true });
  await app.close();
  assert.equal(listener.closed, true);
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
});
