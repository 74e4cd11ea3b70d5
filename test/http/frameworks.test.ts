// Express 5, Fastify 5, Koa 3 and Hono apps, unchanged, on ringcore/http's
// createServer, each exercised as its users do (routing and params, JSON in
// and out, an error handler, a streamed file, a 10 MB upload, keep-alive,
// graceful close), with real clients (fetch, curl); and a ws echo over
// 'upgrade'.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, RequestListener } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

import express from 'express';
import Fastify from 'fastify';
import fastifyStatic from '@fastify/static';
import Koa from 'koa';
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { WebSocket, WebSocketServer } from 'ws';

import { createServer, type Server } from '../../src/http/index.js';

const UPLOAD = 10 * 1024 * 1024;
const dir = mkdtempSync(path.join(tmpdir(), 'ringcore-frameworks-'));
const file = path.join(dir, 'file.bin');
const fileBytes = Buffer.alloc(300_000);
for (let i = 0; i < fileBytes.length; i++) fileBytes[i] = (i * 7) & 0xff;
writeFileSync(file, fileBytes);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

function countBytes(stream: NodeJS.ReadableStream): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    stream.on('data', (d: Buffer) => (n += d.length));
    stream.on('end', () => resolve(n));
    stream.on('error', reject);
  });
}

function curl(args: string[]): Promise<string | null> {
  return new Promise((resolve, reject) =>
    execFile('curl', args, (error, stdout) => {
      if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') resolve(null);
      else if (error) reject(error);
      else resolve(stdout);
    }),
  );
}

/** The same checks for every framework: each app serves these routes. */
async function exercise(base: string, server: Server, filePath = '/file'): Promise<void> {
  // Kept-alive connections must outlive a slow machine's gaps between requests: with the default 5 s (which
  // fetch's pool also follows, from the Keep-Alive header, minus 1 s), a loaded machine saw fetch open a third
  // connection, or send the 10 MB upload on a connection the server was closing ('fetch failed').
  server.keepAliveTimeout = 600_000;
  let connections = 0;
  server.on('connection', () => connections++);

  const user = await fetch(`${base}/users/42`);
  assert.equal(user.status, 200);
  assert.deepEqual(await user.json(), { id: '42' });

  const echo = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: [1, 2], b: 'ü' }) });
  assert.equal(echo.status, 200);
  assert.match(echo.headers.get('content-type')!, /application\/json/);
  assert.deepEqual(await echo.json(), { echo: { a: [1, 2], b: 'ü' } });

  const boom = await fetch(`${base}/boom`);
  assert.equal(boom.status, 500);
  assert.deepEqual(await boom.json(), { handled: 'boom' });

  const streamed = Buffer.from(await (await fetch(`${base}${filePath}`)).arrayBuffer());
  assert.ok(streamed.equals(fileBytes), 'the file arrives whole');

  const upload = await fetch(`${base}/upload`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(UPLOAD, 1) });
  assert.deepEqual(await upload.json(), { bytes: UPLOAD });

  // fetch keeps its connection alive: the sequential requests above and these shared few connections.
  for (let i = 0; i < 5; i++) assert.equal((await fetch(`${base}/users/${i}`)).status, 200);
  assert.ok(connections <= 2, `keep-alive: ${connections} connections for 10 sequential requests`);

  const viaCurl = await curl(['-s', '-H', 'content-type: application/json', '--data-binary', '{"c":3}', `${base}/echo`]);
  if (viaCurl !== null) assert.deepEqual(JSON.parse(viaCurl), { echo: { c: 3 } });
}

/** Graceful close: a request in progress is answered, then the server stops accepting. */
async function closesGracefully(base: string, server: Server, close: () => Promise<void>): Promise<void> {
  const slow = fetch(`${base}/slow`).then((r) => r.text());
  await new Promise((r) => setTimeout(r, 50));
  const closing = close();
  assert.equal(await slow, 'slow done');
  await closing;
  assert.equal(server.listening, false);
  await assert.rejects(fetch(`${base}/users/1`));
}

const slowly = (): Promise<string> => new Promise((resolve) => setTimeout(() => resolve('slow done'), 200));

/**
 * After a test, passed or failed: its connections destroyed and its server closed (if a failed check left
 * it open), so that one failure cannot keep the process, and the tests after it in this file, waiting.
 */
async function shutDown(server: Server | null): Promise<void> {
  if (server === null) return;
  server.closeAllConnections();
  if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
}

test('Express 5: createServer(app)', async () => {
  const app = express();
  app.use(express.json());
  app.get('/users/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.post('/echo', (req, res) => {
    res.json({ echo: req.body });
  });
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/file', (_req, res) => res.sendFile(file));
  app.post('/upload', async (req, res) => {
    res.json({ bytes: await countBytes(req) });
  });
  app.get('/slow', async (_req, res) => {
    res.send(await slowly());
  });
  app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ handled: error.message });
  });
  const server = createServer(app);
  try {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await exercise(base, server);
    // Express's own req.ip comes from req.socket.remoteAddress.
    app.get('/ip', (req, res) => {
      res.send(req.ip);
    });
    assert.match(await (await fetch(`${base}/ip`)).text(), /127\.0\.0\.1/);
    await closesGracefully(base, server, () => new Promise((resolve) => server.close(() => resolve())));
  } finally {
    await shutDown(server);
  }
});

test('Fastify 5: serverFactory; app.close() closes the server', async () => {
  let server: Server | null = null;
  const app = Fastify({
    serverFactory: (handler) => {
      server = createServer(handler as RequestListener);
      return server;
    },
  });
  await app.register(fastifyStatic, { root: dir, prefix: '/static/' });
  app.addContentTypeParser('application/octet-stream', (_req: unknown, payload: IncomingMessage, done: (e: Error | null, n?: number) => void) => {
    countBytes(payload).then((n) => done(null, n), done);
  });
  app.setErrorHandler((error, _req, reply) => {
    void reply.code(500).send({ handled: (error as Error).message });
  });
  app.get<{ Params: { id: string } }>('/users/:id', async (req) => ({ id: req.params.id }));
  app.post('/echo', async (req) => ({ echo: req.body }));
  app.get('/boom', async () => {
    throw new Error('boom');
  });
  app.post('/upload', async (req) => ({ bytes: req.body }));
  app.get('/slow', async () => slowly());
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    assert.ok(server !== null, 'fastify used the factory');
    const srv = server as Server;
    const base = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    await exercise(base, srv, '/static/file.bin');
    await closesGracefully(base, srv, () => app.close());
  } finally {
    await shutDown(server);
  }
});

test('Koa 3: createServer(app.callback())', async () => {
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      ctx.status = 500;
      ctx.body = { handled: (error as Error).message };
    }
  });
  app.use(async (ctx) => {
    const user = /^\/users\/([^/]+)$/.exec(ctx.path);
    if (user !== null) ctx.body = { id: user[1] };
    else if (ctx.path === '/echo') {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
      ctx.body = { echo: JSON.parse(Buffer.concat(chunks).toString()) };
    } else if (ctx.path === '/boom') throw new Error('boom');
    else if (ctx.path === '/file') ctx.body = createReadStream(file);
    else if (ctx.path === '/upload') ctx.body = { bytes: await countBytes(ctx.req) };
    else if (ctx.path === '/slow') ctx.body = await slowly();
  });
  const server = createServer(app.callback());
  try {
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '127.0.0.1' }, resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await exercise(base, server);
    await closesGracefully(base, server, () => new Promise((resolve) => server.close(() => resolve())));
  } finally {
    await shutDown(server);
  }
});

test('Hono: @hono/node-server with createServer', async () => {
  const app = new Hono();
  app.get('/users/:id', (c) => c.json({ id: c.req.param('id') }));
  app.post('/echo', async (c) => c.json({ echo: await c.req.json() }));
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/file', (c) => c.body(Readable.toWeb(createReadStream(file)) as ReadableStream));
  app.post('/upload', async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }));
  app.get('/slow', async (c) => c.text(await slowly()));
  app.onError((error, c) => c.json({ handled: error.message }, 500));
  let ready!: () => void;
  const listening = new Promise<void>((resolve) => (ready = resolve));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', createServer }, () => ready()) as unknown as Server;
  try {
    assert.ok(server instanceof (await import('../../src/http/index.js')).Server);
    await listening;
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await exercise(base, server);
    await closesGracefully(base, server, () => new Promise((resolve) => server.close(() => resolve())));
  } finally {
    await shutDown(server);
  }
});

test('ws: a WebSocket echo over upgrade, next to plain requests', async () => {
  const server = createServer((_req, res) => res.end('plain'));
  const wss = new WebSocketServer({ server: server as never });
  wss.on('connection', (socket) => socket.on('message', (data, binary) => socket.send(binary ? data : `echo: ${String(data)}`)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  let client: WebSocket | null = null;
  try {
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'plain');
    client = new WebSocket(`ws://127.0.0.1:${port}/`);
    await once(client, 'open');
    const replies: string[] = [];
    client.on('message', (data) => replies.push(String(data)));
    client.send('one');
    client.send('two');
    const big = Buffer.alloc(200_000, 3);
    client.send(big);
    while (replies.length < 3) await once(client, 'message');
    assert.deepEqual(replies.slice(0, 2), ['echo: one', 'echo: two']);
    assert.equal(replies[2]!.length, big.length);
    // An upgraded connection is no longer HTTP: closing idle HTTP connections leaves it open (as node:http).
    server.closeIdleConnections();
    client.send('three');
    while (replies.length < 4) await once(client, 'message');
    assert.equal(replies[3], 'echo: three');
    client.close();
    await once(client, 'close');
  } finally {
    // An upgraded connection is not the server's to close: a check that failed with it open would leave it (and the file) waiting.
    client?.terminate();
    wss.close();
    await shutDown(server);
  }
});
