// Fastify 5, Koa 3 and Hono apps with the plugins and body handling real apps
// use (@fastify/static, a JSON schema and bodyLimit, streamed replies, hooks;
// Koa streamed bodies, a body parser, errors; Hono's serveStatic, streamed
// bodies, c.req.json() and parseBody()), started on ringcore/http's
// createServer and on node:http's side by side, over real sockets (not
// Fastify's inject): the same requests must get the same statuses, headers
// (but Date) and bytes from both, kept alive and pipelined too.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

import fastifyStatic from '@fastify/static';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import Fastify, { type FastifyInstance } from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';

import { exchange } from '../../test-support/http.js';
import {
  type AnyServer,
  type Create,
  look,
  openConnections,
  same,
  sha256,
  shutDown,
  type Side,
  twins,
  until,
  withoutDates,
} from '../../test-support/twin-servers.js';

const dir = mkdtempSync(path.join(tmpdir(), 'ringcore-framework-mw-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const FILE = 2 * 1024 * 1024 + 5;
const fileBytes = Buffer.alloc(FILE);
for (let i = 0; i < FILE; i++) fileBytes[i] = (i * 13 + (i >> 10)) & 0xff;
writeFileSync(path.join(dir, 'file.bin'), fileBytes);
writeFileSync(path.join(dir, 'hello.txt'), 'hello, static\n');
const MTIME = new Date('2026-01-02T03:04:05Z');
for (const name of ['file.bin', 'hello.txt']) utimesSync(path.join(dir, name), MTIME, MTIME);

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Pieces of text, a turn apart: a body that is still being made when the response starts. */
async function* pieces(count: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i++) {
    await tick();
    yield Buffer.from(`piece ${i} ${'z'.repeat(i * 300)}\n`);
  }
}
const piecesText = async (count: number): Promise<string> => {
  let text = '';
  for await (const piece of pieces(count)) text += piece.toString();
  return text;
};

/** What the server did with an endless body whose client left; one side at a time. */
let leaveLog: string[] = [];

/** Endless pieces, a turn apart; its finally says when the server let go of it. */
async function* endless(log: string[]): AsyncGenerator<Buffer> {
  try {
    for (let i = 0; ; i++) {
      await tick();
      yield Buffer.from(`data: ${i}\n\n`);
    }
  } finally {
    log.push('source released');
  }
}

/** Reads the start of an endless body, then leaves: the server must let go of the source and the connection. */
async function leaveEarly(side: Side, path: string): Promise<{ status: number; log: string[] }> {
  leaveLog = [];
  const log = leaveLog;
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.get(`${side.base}${path}`, { agent: false }, (res) => {
      let got = 0;
      res.on('error', () => {});
      res.on('data', (d: Buffer) => {
        got += d.length;
        if (got > 40) {
          req.destroy();
          resolve(res.statusCode!);
        }
      });
    });
    req.on('error', reject);
  });
  assert.ok(await until(() => log.includes('source released')), `${side.name}: the source was let go (${log})`);
  assert.ok(await until(async () => (await openConnections(side.server)) === 0), `${side.name}: the connection is gone`);
  return { status, log: [...log].sort() };
}

/** The same request sequence on a keep-alive agent (one socket): what each got, and how many connections it took. */
async function keptAlive(side: Side, requests: [string, Parameters<typeof look>[2]][]): Promise<{ out: unknown[]; connections: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const before = side.connections();
  const out: unknown[] = [];
  try {
    for (const [p, o] of requests) out.push(await look(side.base, p, { ...o, agent }));
  } finally {
    agent.destroy();
  }
  return { out, connections: side.connections() - before };
}

const statuses = (data: string): number[] => [...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

test('Fastify: @fastify/static, a JSON schema with bodyLimit, reply.send(stream), hooks', async (t) => {
  const hookLogs = new Map<string, string[]>();
  const apps: FastifyInstance[] = [];
  async function build(create: Create, name: string): Promise<AnyServer> {
    const log: string[] = [];
    hookLogs.set(name, log);
    let server: AnyServer | null = null;
    const app = Fastify({
      bodyLimit: 1024 * 1024,
      serverFactory: (handler) => {
        server = create(handler as http.RequestListener);
        return server as http.Server;
      },
    });
    apps.push(app);
    let n = 0;
    app.addHook('onRequest', async (req, reply) => {
      void reply.header('x-request-number', String(++n));
      log.push(`onRequest ${req.method} ${req.url}`);
    });
    app.addHook('onResponse', async (req, reply) => {
      log.push(`onResponse ${req.method} ${req.url} ${reply.statusCode}`);
    });
    await app.register(fastifyStatic, { root: dir, prefix: '/static/' });
    app.post(
      '/items',
      {
        schema: {
          body: {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: { name: { type: 'string', maxLength: 20 }, qty: { type: 'integer', minimum: 1 }, blob: { type: 'string' } },
          },
        },
      },
      async (req, reply) => {
        const body = req.body as { name: string; qty?: number; blob?: string };
        return reply.code(201).send({ name: body.name, qty: body.qty ?? 1, blob: body.blob?.length ?? 0 });
      },
    );
    app.get('/stream', (_req, reply) => reply.type('text/plain').send(Readable.from(pieces(30))));
    app.get('/file-stream', (_req, reply) => reply.type('application/octet-stream').send(createReadStream(path.join(dir, 'file.bin'))));
    app.get('/boom', async () => {
      await tick();
      throw Object.assign(new Error('no such thing'), { statusCode: 409 });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return server!;
  }
  const sides = await twins(build);
  t.after(async () => {
    await shutDown(sides);
    for (const app of apps) await app.close();
  });

  await t.test('@fastify/static: GET, ranges, HEAD, 304', async () => {
    const results = await same(
      sides,
      async (s) => [
        await look(s.base, '/static/file.bin'),
        await look(s.base, '/static/file.bin', { headers: { range: 'bytes=100-100099' } }),
        await look(s.base, '/static/file.bin', { headers: { range: 'bytes=-10' } }),
        await look(s.base, '/static/file.bin', { headers: { range: `bytes=${FILE + 1}-` } }),
        await look(s.base, '/static/file.bin', { method: 'HEAD' }),
        await look(s.base, '/static/file.bin', { headers: { 'if-modified-since': MTIME.toUTCString() } }),
        await look(s.base, '/static/hello.txt'),
        await look(s.base, '/static/nope'),
      ],
      '@fastify/static',
    );
    assert.deepEqual(
      results.map((r) => r!.status),
      [200, 206, 206, 416, 200, 304, 200, 404],
    );
    assert.equal(results[0]!.sha256, sha256(fileBytes));
    assert.equal(results[1]!.sha256, sha256(fileBytes.subarray(100, 100_100)));
    assert.equal(results[4]!.length, 0);
    const etag = results[6]!.headers.etag as string;
    const notModified = await same(sides, (s) => look(s.base, '/static/hello.txt', { headers: { 'if-none-match': etag } }), 'if-none-match');
    assert.equal(notModified.status, 304);
  });

  await t.test('JSON body schema: 201, 400 on the schema and on bad JSON, 413 over bodyLimit (Content-Length and chunked)', async () => {
    const big = JSON.stringify({ name: 'big', blob: 'b'.repeat(1200 * 1024) });
    const near = JSON.stringify({ name: 'near', blob: 'n'.repeat(1000 * 1024) });
    const json = { 'content-type': 'application/json' };
    const results = await same(
      sides,
      async (s) => [
        await look(s.base, '/items', { method: 'POST', headers: json, body: '{"name":"pen","qty":3}' }),
        await look(s.base, '/items', { method: 'POST', headers: json, body: '{"qty":0}' }),
        await look(s.base, '/items', { method: 'POST', headers: json, body: '{"name":' }),
        await look(s.base, '/items', { method: 'POST', headers: json, body: near }),
        await look(s.base, '/items', { method: 'POST', headers: json, body: big }),
        await look(s.base, '/items', { method: 'POST', headers: json, body: [Buffer.from(big.slice(0, 600_000)), Buffer.from(big.slice(600_000))] }),
        await look(s.base, '/boom'),
      ],
      'schema and limits',
    );
    assert.deepEqual(
      results.map((r) => r!.status),
      [201, 400, 400, 201, 413, 413, 409],
    );
  });

  await t.test('reply.send(stream): a generated stream and a file stream', async () => {
    const [generated, file] = await same(sides, async (s) => [await look(s.base, '/stream'), await look(s.base, '/file-stream')], 'streams');
    assert.equal(generated!.sha256, sha256(await piecesText(30)));
    assert.equal(generated!.headers['transfer-encoding'], 'chunked');
    assert.equal(file!.sha256, sha256(fileBytes));
  });

  await t.test('kept alive and pipelined; the hooks saw the same requests in the same order', async () => {
    for (const log of hookLogs.values()) log.length = 0;
    const run = await same(
      sides,
      (s) =>
        keptAlive(s, [
          ['/static/hello.txt', {}],
          ['/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"a"}' }],
          ['/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":1' }],
          ['/stream', {}],
          ['/boom', {}],
          ['/static/file.bin', { headers: { range: 'bytes=0-9' } }],
        ]),
      'keep-alive',
    );
    // Fastify closes the connection after a body it could not parse (400, Connection: close), on node:http too.
    assert.equal(run.connections, 2);
    const body = '{"name":"p"}';
    const requests = [
      'GET /static/hello.txt HTTP/1.1\r\nHost: a\r\n\r\n',
      `POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      'GET /stream HTTP/1.1\r\nHost: a\r\n\r\n',
      'HEAD /static/file.bin HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET /boom HTTP/1.1\r\nHost: a\r\n\r\n',
      // A body Fastify cannot parse: 400, and it closes the connection; the request after it is not answered.
      'POST /items HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"n\r\n0\r\n\r\n',
      'GET /static/hello.txt HTTP/1.1\r\nHost: a\r\n\r\n',
    ].join('');
    const data = await same(sides, async (s) => withoutDates((await exchange(s.port, requests)).data), 'pipelined');
    assert.deepEqual(statuses(data), [200, 201, 200, 200, 409, 400]);
    const [ringLog, nodeLog] = [hookLogs.get('ringcore')!, hookLogs.get('node:http')!];
    assert.deepEqual(ringLog, nodeLog);
    assert.equal(nodeLog.filter((l) => l.startsWith('onResponse')).length, 12);
    assert.equal(nodeLog.at(-1), 'onResponse POST /items 400');
  });
});

test('Koa: ctx.body = stream (and its client leaving), a small body parser, errors to 500', async (t) => {
  async function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of req) {
      length += (chunk as Buffer).length;
      if (length > limit) throw Object.assign(new Error('too large'), { status: 413, expose: true });
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }
  function build(create: Create): AnyServer {
    const app = new Koa();
    app.silent = true;
    app.use(async (ctx, next) => {
      ctx.set('x-started', ctx.method);
      await next();
    });
    app.use(async (ctx) => {
      if (ctx.path === '/stream') ctx.body = Readable.from(pieces(40));
      else if (ctx.path === '/endless') {
        const log = leaveLog;
        ctx.res.on('close', () => log.push('res close'));
        ctx.body = Readable.from(endless(log));
      } else if (ctx.path === '/file') {
        ctx.type = 'application/octet-stream';
        ctx.body = createReadStream(path.join(dir, 'file.bin'));
      } else if (ctx.path === '/json' && ctx.method === 'POST') {
        const raw = await readBody(ctx.req, 512 * 1024);
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw.toString());
        } catch {
          ctx.throw(400, 'bad json');
        }
        ctx.body = { sha256: sha256(JSON.stringify(parsed)), bytes: raw.length };
      } else if (ctx.path === '/throw') throw new Error('kaput');
      else if (ctx.path === '/throw-async') {
        await tick();
        throw new Error('kaput later');
      } else if (ctx.path === '/stream-fails') {
        // The stream fails after the headers went out: Koa can only cut the connection.
        ctx.body = Readable.from(
          (async function* () {
            yield Buffer.from('first\n');
            await tick();
            throw new Error('source failed');
          })(),
        );
      }
    });
    return create(app.callback());
  }
  const sides = await twins(build);
  t.after(() => shutDown(sides));

  const doc = JSON.stringify({ list: Array.from({ length: 8000 }, (_, i) => ({ i, t: `täxt ${i}` })) });
  const json = { 'content-type': 'application/json' };
  const results = await same(
    sides,
    async (s) => [
      await look(s.base, '/stream'),
      await look(s.base, '/file'),
      await look(s.base, '/json', { method: 'POST', headers: json, body: doc }),
      await look(s.base, '/json', { method: 'POST', headers: json, body: [Buffer.from(doc.slice(0, 1000)), Buffer.from(doc.slice(1000))] }),
      await look(s.base, '/json', { method: 'POST', headers: json, body: '{oops' }),
      await look(s.base, '/json', { method: 'POST', headers: json, body: Buffer.alloc(600 * 1024, 0x20) }),
      await look(s.base, '/throw'),
      await look(s.base, '/throw-async'),
      await look(s.base, '/nothing-here'),
      await look(s.base, '/stream-fails').catch((error: NodeJS.ErrnoException) => error.code),
    ],
    'Koa',
  );
  assert.deepEqual(
    results.map((r) => (typeof r === 'string' ? r : r!.status)),
    [200, 200, 200, 200, 400, 413, 500, 500, 404, 'ECONNRESET'],
  );
  assert.equal((results[0] as { sha256: string }).sha256, sha256(await piecesText(40)));
  assert.equal((results[1] as { sha256: string }).sha256, sha256(fileBytes));

  const run = await same(
    sides,
    (s) =>
      keptAlive(s, [
        ['/stream', {}],
        ['/json', { method: 'POST', headers: json, body: doc }],
        ['/json', { method: 'POST', headers: json, body: '{oops' }],
        ['/throw', {}],
        ['/file', {}],
      ]),
    'Koa keep-alive',
  );
  assert.equal(run.connections, 1);
  const requests = [
    'GET /stream HTTP/1.1\r\nHost: a\r\n\r\n',
    'POST /json HTTP/1.1\r\nHost: a\r\nContent-Length: 7\r\n\r\n[1,2,3]',
    'GET /throw-async HTTP/1.1\r\nHost: a\r\n\r\n',
    'GET /stream HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
  ].join('');
  const data = await same(sides, async (s) => withoutDates((await exchange(s.port, requests)).data), 'Koa pipelined');
  assert.deepEqual(statuses(data), [200, 200, 500, 200]);

  const left = await same(sides, (s) => leaveEarly(s, '/endless'), 'Koa: the client leaves');
  assert.deepEqual(left, { status: 200, log: ['res close', 'source released'] });
});

test('Hono: serveStatic, c.body(ReadableStream) (and its client leaving), c.req.json(), c.req.parseBody() multipart', async (t) => {
  const app = new Hono();
  app.use('/static/*', serveStatic({ root: dir, rewriteRequestPath: (p) => p.replace(/^\/static/, '') }));
  app.get('/stream', (c) => {
    const source = pieces(25);
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await source.next();
        if (next.done) controller.close();
        else controller.enqueue(new Uint8Array(next.value));
      },
    });
    return c.body(body, 200, { 'content-type': 'text/plain; charset=utf-8' });
  });
  app.get('/endless', (c) => {
    const source = endless(leaveLog);
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        controller.enqueue(new Uint8Array((await source.next()).value as Buffer));
      },
      async cancel() {
        await source.return(undefined);
      },
    });
    return c.body(body);
  });
  app.post('/json', async (c) => {
    const body = await c.req.json();
    return c.json({ sha256: sha256(JSON.stringify(body)) }, 201);
  });
  app.post('/form', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(form)) {
      if (value instanceof File) {
        const bytes = Buffer.from(await value.arrayBuffer());
        out[name] = { name: value.name, type: value.type, bytes: bytes.length, sha256: sha256(bytes) };
      } else out[name] = value;
    }
    return c.json(out);
  });
  app.onError((error, c) => c.json({ error: error.message }, 400));
  const sides = await twins(
    (create) =>
      new Promise<AnyServer>((resolve) => {
        const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', createServer: create as never }, () => resolve(server as AnyServer));
      }),
  );
  t.after(() => shutDown(sides));

  const upload = fileBytes.subarray(0, 1024 * 1024 + 3);
  const results = await same(
    sides,
    async (s) => [
      await look(s.base, '/static/file.bin'),
      await look(s.base, '/static/file.bin', { headers: { range: 'bytes=10-19' } }),
      await look(s.base, '/static/file.bin', { method: 'HEAD' }),
      await look(s.base, '/static/hello.txt'),
      await look(s.base, '/static/nope.txt'),
      await look(s.base, '/stream'),
      await look(s.base, '/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ä":[1,{"b":null}]}' }),
      await look(s.base, '/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: [Buffer.from('{"a":'), Buffer.from('"chunked"}')] }),
      await look(s.base, '/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' }),
    ],
    'Hono',
  );
  assert.deepEqual(
    results.map((r) => r!.status),
    [200, 206, 200, 200, 404, 200, 201, 201, 400],
  );
  assert.equal(results[0]!.sha256, sha256(fileBytes));
  assert.equal(results[1]!.sha256, sha256(fileBytes.subarray(10, 20)));
  assert.equal(results[5]!.sha256, sha256(await piecesText(25)));

  const form = await same(
    sides,
    async (s) => {
      const body = new FormData();
      body.append('title', 'tïtle');
      body.append('file', new Blob([upload], { type: 'application/octet-stream' }), 'up.bin');
      body.append('tag', 'a');
      body.append('tag', 'b');
      const res = await fetch(`${s.base}/form`, { method: 'POST', body });
      return [res.status, await res.json()];
    },
    'parseBody',
  );
  assert.deepEqual(form, [
    200,
    { title: 'tïtle', file: { name: 'up.bin', type: 'application/octet-stream', bytes: upload.length, sha256: sha256(upload) }, tag: ['a', 'b'] },
  ]);

  const run = await same(
    sides,
    (s) =>
      keptAlive(s, [
        ['/static/hello.txt', {}],
        ['/stream', {}],
        ['/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":1}' }],
        ['/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x"' }],
        ['/static/file.bin', { headers: { range: 'bytes=-3' } }],
      ]),
    'Hono keep-alive',
  );
  assert.equal(run.connections, 1);
  const requests = [
    'GET /static/hello.txt HTTP/1.1\r\nHost: a\r\n\r\n',
    'POST /json HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
    'GET /stream HTTP/1.1\r\nHost: a\r\n\r\n',
    'POST /json HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{"\r\n0\r\n\r\n',
    'GET /static/file.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=0-4\r\nConnection: close\r\n\r\n',
  ].join('');
  const data = await same(sides, async (s) => withoutDates((await exchange(s.port, requests)).data), 'Hono pipelined');
  assert.deepEqual(statuses(data), [200, 201, 200, 400, 206]);

  const left = await same(sides, (s) => leaveEarly(s, '/endless'), 'Hono: the client leaves');
  assert.deepEqual(left, { status: 200, log: ['source released'] });
});
