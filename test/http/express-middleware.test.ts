// An Express 5 app with the middleware real apps use (express.static,
// sendFile/download, the body parsers, busboy multipart, compression, SSE,
// redirects, cookies, error handlers), started on ringcore/http's createServer
// and on node:http's side by side: the same requests, from node:http's client,
// fetch, curl and raw node:net (pipelined, kept alive), must get the same
// statuses, headers (but Date) and bytes from both.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';

import express from 'express';

import { curl, exchange, hasCurl } from '../../test-support/http.js';
import { look, openConnections, request, same, seen, sha256, shutDown, type Side, twins, until, withoutDates } from '../../test-support/twin-servers.js';

// compression and busboy ship no types of their own; these are the parts used here.
const require = createRequire(import.meta.url);
const compression = require('compression') as (options?: { threshold?: number }) => express.RequestHandler;
interface FileInfo {
  filename: string;
  mimeType: string;
}
interface Busboy extends NodeJS.WritableStream {
  on(event: 'field', listener: (name: string, value: string) => void): this;
  on(event: 'file', listener: (name: string, stream: Readable, info: FileInfo) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
}
const busboy = require('busboy') as (options: { headers: http.IncomingHttpHeaders }) => Busboy;

const dir = mkdtempSync(path.join(tmpdir(), 'ringcore-express-mw-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const BIG = 5 * 1024 * 1024;
const bigBytes = Buffer.alloc(BIG);
for (let i = 0; i < BIG; i++) bigBytes[i] = (i * 31 + (i >> 12)) & 0xff;
writeFileSync(path.join(dir, 'big.bin'), bigBytes);
writeFileSync(path.join(dir, 'mid.bin'), bigBytes.subarray(0, 1024 * 1024));
writeFileSync(path.join(dir, 'small.txt'), 'hello, static\n');
writeFileSync(path.join(dir, 'index.html'), '<h1>index</h1>\n');
// A fixed mtime: Last-Modified and the ETag (size and mtime) do not depend on when the test ran.
const MTIME = new Date('2026-01-02T03:04:05Z');
for (const name of ['big.bin', 'small.txt', 'index.html']) utimesSync(path.join(dir, name), MTIME, MTIME);

const MB = 1024 * 1024;
/** A JSON text of about `bytes` bytes. */
const bigJson = (bytes: number): string =>
  JSON.stringify({ items: Array.from({ length: Math.ceil(bytes / 1000) }, (_, i) => ({ i, s: `item-${i}-üñ`.padEnd(980, 'z') })) });

/** What the SSE route saw, per server: its request's and response's 'close', and ticks written. */
const sseLog = new Map<string, string[]>();
/** What /upload-log saw, per server: the error middleware and the response's 'close', in order. */
const uploadLog = new Map<string, string[]>();

function makeApp(name: string): express.Express {
  const app = express();
  // Express's default handler reports an error after the headers to console.error, except in 'test'.
  app.set('env', 'test');
  app.use('/static', express.static(dir));
  app.get('/send-file', (_req, res) => res.sendFile(path.join(dir, 'big.bin')));
  app.get('/download', (_req, res) => res.download(path.join(dir, 'small.txt'), 'report 1.txt'));
  app.get('/missing-file', (_req, res, next) => res.sendFile(path.join(dir, 'nope.txt'), (error) => next(error)));
  const summary = (body: unknown): { type: string; sha256: string } => ({ type: typeof body, sha256: sha256(JSON.stringify(body)) });
  app.post('/json', express.json({ limit: '5mb' }), (req, res) => res.json(summary(req.body)));
  app.post('/json-small', express.json(), (req, res) => res.json(summary(req.body)));
  app.post('/form', express.urlencoded({ extended: false, limit: '5mb', parameterLimit: 5_000 }), (req, res) =>
    res.json({ keys: Object.keys(req.body).length, ...summary(req.body) }),
  );
  app.post(
    '/upload-log',
    (_req, res, next) => {
      const log: string[] = [];
      uploadLog.set(name, log);
      res.on('close', () => log.push(`res close (writableFinished ${res.writableFinished})`));
      next();
    },
    express.json({ limit: '20mb' }),
    (_req, res) => res.json({}),
  );
  app.post('/raw', express.raw({ type: '*/*', limit: '20mb' }), (req, res) =>
    res.json({ bytes: (req.body as Buffer).length, sha256: sha256(req.body as Buffer) }),
  );
  app.post('/multipart', (req, res, next) => {
    const parts: unknown[] = [];
    const form = busboy({ headers: req.headers });
    form.on('field', (field, value) => parts.push({ field, value }));
    form.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      const part: Record<string, unknown> = { field, filename: info.filename, mimeType: info.mimeType };
      parts.push(part);
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const data = Buffer.concat(chunks);
        Object.assign(part, { bytes: data.length, sha256: sha256(data) });
      });
    });
    form.on('close', () => res.json(parts));
    form.on('error', next);
    req.pipe(form);
  });
  app.get('/gz', compression(), (_req, res) => {
    res.type('json').send(bigJson(300_000));
  });
  // Streamed through compression: each piece flushed (compression's res.flush) before the next is written.
  app.get('/gz-stream', compression(), async (_req, res) => {
    res.type('text');
    for (let i = 0; i < 20; i++) {
      res.write(`line ${i} ${'x'.repeat(i * 500)}\n`);
      (res as unknown as { flush(): void }).flush();
      await new Promise((r) => setImmediate(r));
    }
    res.end('end\n');
  });
  app.get('/sse', (req, res) => {
    const log: string[] = [];
    sseLog.set(name, log);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(': hello\n\n');
    let n = 0;
    const timer = setInterval(() => {
      res.write(`id: ${n}\ndata: tick ${n}\n\n`);
      n++;
    }, 5);
    req.on('close', () => log.push('req close'));
    res.on('close', () => {
      clearInterval(timer);
      log.push(`res close (writableEnded ${res.writableEnded})`);
    });
  });
  // Answers without reading the body: node:http's ServerResponse dumps what is left of it, and the next request follows.
  app.post('/early', (_req, res) => {
    res.status(202).send('accepted before the body');
  });
  app.get('/redirect', (_req, res) => res.redirect('/static/small.txt'));
  app.get('/redirect-301', (_req, res) => res.redirect(301, 'https://example.com/ü?a=1'));
  app.get('/cookies', (req, res) => {
    res.cookie('session', 'abc 123', { httpOnly: true, path: '/', expires: new Date('2030-01-01T00:00:00Z') });
    res.cookie('prefs', { theme: 'dark' }, { sameSite: 'lax' });
    res.clearCookie('old');
    res.json({ got: req.headers.cookie ?? null });
  });
  app.get('/throws', () => {
    throw Object.assign(new Error('sync boom'), { status: 418 });
  });
  app.get('/throws-async', async () => {
    await new Promise((r) => setImmediate(r));
    throw new Error('async boom');
  });
  app.get('/after-headers', async (_req, res) => {
    // An error after the response began: Express's default handler (finalhandler) destroys the socket.
    res.write('partial');
    await new Promise((r) => setImmediate(r));
    throw new Error('too late');
  });
  app.use((error: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (_req.path === '/upload-log') uploadLog.get(name)!.push(`error middleware: ${error.type}`);
    if (res.headersSent) return next(error);
    res.status(error.status ?? 500).json({ error: error.type ?? error.message });
  });
  return app;
}

let sides: Side[] = [];

test('Express middleware on createServer and node:http', async (t) => {
  sides = await twins((create, name) => create(makeApp(name)));
  t.after(() => shutDown(sides));

  await t.test('express.static: GET, ranges, HEAD, 304, redirect to a directory, 404', async () => {
    const whole = await same(sides, (s) => look(s.base, '/static/big.bin'), 'GET big.bin');
    assert.equal(whole.status, 200);
    assert.equal(whole.length, BIG);
    assert.equal(whole.sha256, sha256(bigBytes));
    assert.equal(whole.headers['content-length'], String(BIG));
    const etag = whole.headers.etag as string;
    assert.ok(etag);

    const ranges = await same(
      sides,
      async (s) => [
        await look(s.base, '/static/big.bin', { headers: { range: 'bytes=0-99' } }),
        await look(s.base, '/static/big.bin', { headers: { range: 'bytes=1000000-2999999' } }),
        await look(s.base, '/static/big.bin', { headers: { range: 'bytes=-100' } }),
        await look(s.base, '/static/big.bin', { headers: { range: `bytes=${BIG}-` } }),
        await look(s.base, '/static/big.bin', { headers: { range: 'bytes=0-1,5-6' } }),
        await look(s.base, '/static/big.bin', { headers: { range: 'bytes=0-99', 'if-range': '"stale"' } }),
      ],
      'ranges',
    );
    assert.deepEqual(
      ranges.map((r) => r.status),
      // send answers several ranges with the whole file (it does not do multipart/byteranges).
      [206, 206, 206, 416, 200, 200],
    );
    assert.equal(ranges[0]!.sha256, sha256(bigBytes.subarray(0, 100)));
    assert.equal(ranges[1]!.sha256, sha256(bigBytes.subarray(1_000_000, 3_000_000)));
    assert.equal(ranges[2]!.sha256, sha256(bigBytes.subarray(BIG - 100)));

    const head = await same(sides, (s) => look(s.base, '/static/big.bin', { method: 'HEAD' }), 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.length, 0);
    assert.equal(head.headers['content-length'], String(BIG));

    const conditional = await same(
      sides,
      async (s) => [
        await look(s.base, '/static/big.bin', { headers: { 'if-none-match': etag } }),
        await look(s.base, '/static/big.bin', { headers: { 'if-modified-since': MTIME.toUTCString() } }),
        await look(s.base, '/static/small.txt', { headers: { 'if-modified-since': new Date('2020-01-01').toUTCString() } }),
        await look(s.base, '/static/small.txt', { method: 'HEAD', headers: { 'if-none-match': `"other", ${etag}` } }),
      ],
      'conditional',
    );
    assert.deepEqual(
      conditional.map((r) => [r.status, r.length]),
      [
        [304, 0],
        [304, 0],
        [200, 14],
        [200, 0],
      ],
    );

    const others = await same(
      sides,
      async (s) => [await look(s.base, '/static'), await look(s.base, '/static/'), await look(s.base, '/static/nope'), await look(s.base, '/static/%2e%2e/x')],
      'directory and missing',
    );
    assert.deepEqual(
      others.map((r) => r.status),
      [301, 200, 404, 404],
    );
  });

  await t.test('res.sendFile, res.download, a missing file to the error handler', async () => {
    const [file, download, missing] = await same(
      sides,
      async (s) => [await look(s.base, '/send-file'), await look(s.base, '/download'), await look(s.base, '/missing-file')],
      'sendFile/download',
    );
    assert.equal(file!.sha256, sha256(bigBytes));
    assert.equal(download!.headers['content-disposition'], `attachment; filename="report 1.txt"`);
    assert.equal(download!.length, 14);
    assert.equal(missing!.status, 404);
  });

  await t.test('express.json and express.urlencoded: 1.5 MB bodies, bad JSON (400), over the limit (413)', async () => {
    const json = bigJson(1.5 * MB);
    const form = new URLSearchParams(Array.from({ length: 3_000 }, (_, i): [string, string] => [`k${i}`, `välue ${i} & more `.padEnd(400, 'v')])).toString();
    assert.ok(form.length > MB);
    const results = await same(
      sides,
      async (s) => [
        await look(s.base, '/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: json }),
        await look(s.base, '/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a": [1, 2' }),
        await look(s.base, '/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(json).subarray(0, 700_000) }),
        await look(s.base, '/json-small', { method: 'POST', headers: { 'content-type': 'application/json' }, body: json }),
        await look(s.base, '/form', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form }),
      ],
      'body parsers',
    );
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 400, 400, 413, 200],
    );
    assert.equal(results[0]!.sha256, sha256(JSON.stringify({ type: 'object', sha256: sha256(JSON.stringify(JSON.parse(json))) })));
    // Through fetch, whose bodies go out in its own pieces.
    const viaFetch = await same(
      sides,
      async (s) => {
        const res = await fetch(`${s.base}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bigJson(200_000) });
        return [res.status, await res.text()];
      },
      'fetch JSON',
    );
    assert.equal(viaFetch[0], 200);
  });

  await t.test('express.raw: a chunked upload streamed in pieces, and curl with Transfer-Encoding: chunked', async () => {
    const pieces = Array.from({ length: 24 }, (_, i) => bigBytes.subarray(i * 50_000, (i + 1) * 50_000 + (i % 7)));
    const whole = Buffer.concat(pieces);
    const raw = await same(
      sides,
      (s) => look(s.base, '/raw', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: pieces }),
      'chunked raw',
    );
    assert.equal(raw.status, 200);
    assert.equal(raw.sha256, sha256(JSON.stringify({ bytes: whole.length, sha256: sha256(whole) })));
    if (hasCurl) {
      const viaCurl = await same(
        sides,
        async (s) =>
          (
            await curl([
              '-H',
              'transfer-encoding: chunked',
              '-H',
              'content-type: application/octet-stream',
              '--data-binary',
              `@${path.join(dir, 'mid.bin')}`,
              `${s.base}/raw`,
            ])
          ).stdout.toString(),
        'curl raw',
      );
      assert.deepEqual(JSON.parse(viaCurl), { bytes: MB, sha256: sha256(bigBytes.subarray(0, MB)) });
    }
  });

  await t.test('multipart through busboy: fetch FormData and curl -F', async () => {
    const file = bigBytes.subarray(0, 2 * MB + 17);
    const expected = [
      { field: 'title', value: 'ünïcode title' },
      { field: 'upload', filename: 'data.bin', mimeType: 'application/octet-stream', bytes: file.length, sha256: sha256(file) },
      { field: 'after', value: 'yes' },
    ];
    const viaFetch = await same(
      sides,
      async (s) => {
        const form = new FormData();
        form.append('title', 'ünïcode title');
        form.append('upload', new Blob([file], { type: 'application/octet-stream' }), 'data.bin');
        form.append('after', 'yes');
        const res = await fetch(`${s.base}/multipart`, { method: 'POST', body: form });
        return [res.status, await res.json()];
      },
      'multipart via fetch',
    );
    assert.deepEqual(viaFetch, [200, expected]);
    if (hasCurl) {
      const viaCurl = await same(
        sides,
        async (s) =>
          JSON.parse(
            (
              await curl(['-F', 'title=ünïcode title', '-F', `upload=@${path.join(dir, 'small.txt')};type=text/plain`, `${s.base}/multipart`])
            ).stdout.toString(),
          ),
        'multipart via curl',
      );
      assert.equal(viaCurl.length, 2);
    }
  });

  await t.test('compression: gzip and br, whole and streamed', async () => {
    const results = await same(
      sides,
      async (s) => {
        const out: unknown[] = [];
        for (const encoding of ['gzip', 'br', 'identity']) {
          for (const route of ['/gz', '/gz-stream']) {
            const { res, body } = await request(s.base, route, { headers: { 'accept-encoding': encoding } });
            const plain = encoding === 'gzip' ? zlib.gunzipSync(body) : encoding === 'br' ? zlib.brotliDecompressSync(body) : body;
            // Compressed bytes are compared too: the same zlib compresses the same writes the same way.
            out.push({ ...seen(res, body), plain: sha256(plain), plainLength: plain.length });
          }
        }
        return out;
      },
      'compression',
    );
    const gz = results[0] as { headers: Record<string, string>; plainLength: number; length: number };
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.ok(gz.length < gz.plainLength / 3);
    const stream = results[1] as { headers: Record<string, string> };
    assert.equal(stream.headers['transfer-encoding'], 'chunked');
    assert.equal((results[3] as { headers: Record<string, string> }).headers['content-encoding'], 'br');
  });

  await t.test('SSE: events over time; the client leaves; close fires and the connection is gone', async () => {
    const results = await same(
      sides,
      async (s) => {
        const { req, res } = await new Promise<{ req: http.ClientRequest; res: http.IncomingMessage }>((resolve, reject) => {
          const req = http.get(`${s.base}/sse`, { agent: false }, (res) => resolve({ req, res }));
          req.on('error', reject);
        });
        let text = '';
        res.setEncoding('utf8');
        res.on('error', () => {});
        for await (const chunk of res) {
          text += chunk;
          if (text.includes('data: tick 4\n\n')) break;
        }
        req.destroy();
        const log = sseLog.get(s.name)!;
        assert.ok(await until(() => log.length >= 2), `${s.name}: close on the server (${log})`);
        assert.ok(await until(async () => (await openConnections(s.server)) === 0), `${s.name}: the connection is gone`);
        return { status: res.statusCode, headers: seen(res, Buffer.alloc(0)).headers, start: text.slice(0, text.indexOf('id: 4')), log: [...log].sort() };
      },
      'SSE',
    );
    assert.equal(results.start, ': hello\n\nid: 0\ndata: tick 0\n\nid: 1\ndata: tick 1\n\nid: 2\ndata: tick 2\n\nid: 3\ndata: tick 3\n\n');
    assert.deepEqual(results.log, ['req close', 'res close (writableEnded false)']);
  });

  await t.test('a client that leaves mid-upload: the error middleware runs, then the response closes', async () => {
    // body-parser waits (on-finished) for the request's socket to be done before passing the 'request aborted'
    // error on; a socket that still said readable after the connection closed made it wait for 'close', which
    // reached the response first.
    const log = await same(
      sides,
      async (s) => {
        const req = http.request(`${s.base}/upload-log`, {
          agent: false,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': 10 * MB },
        });
        req.on('error', () => {});
        req.write(`{"a":"${'x'.repeat(MB)}`);
        assert.ok(await until(() => uploadLog.has(s.name)), `${s.name}: the upload started`);
        // Some of the body has arrived (the server has read past the head) before the client leaves.
        await new Promise((r) => setTimeout(r, 50));
        req.destroy();
        const log = uploadLog.get(s.name)!;
        assert.ok(await until(() => log.length >= 2), `${s.name}: ${log}`);
        return log;
      },
      'upload cut short',
    );
    assert.deepEqual(log, ['error middleware: request.aborted', 'res close (writableFinished false)']);
  });

  await t.test('redirects, cookies, error middleware, sync and async throws, 404, an error after the headers', async () => {
    const results = await same(
      sides,
      async (s) => [
        await look(s.base, '/redirect'),
        await look(s.base, '/redirect-301', { headers: { accept: 'text/html' } }),
        await look(s.base, '/redirect', { method: 'HEAD' }),
        await look(s.base, '/cookies', { headers: { cookie: 'a=1; b=2' } }),
        await look(s.base, '/throws'),
        await look(s.base, '/throws-async'),
        await look(s.base, '/nowhere'),
        await look(s.base, '/after-headers').catch((error: NodeJS.ErrnoException) => error.code),
      ],
      'redirect, cookies, errors',
    );
    assert.deepEqual(
      results.map((r) => (typeof r === 'string' ? r : r!.status)),
      [302, 301, 302, 200, 418, 500, 404, 'ECONNRESET'],
    );
    const cookies = results[3] as { headers: Record<string, string[]> };
    assert.equal(cookies.headers['set-cookie']!.length, 3);
  });

  await t.test('keep-alive: one connection for a run of requests through every middleware', async () => {
    const json = bigJson(200_000);
    const counts = await same(
      sides,
      async (s) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const before = s.connections();
        const out: unknown[] = [];
        try {
          for (const [p, o] of [
            ['/static/small.txt', {}],
            ['/static/big.bin', { headers: { range: 'bytes=10-20' } }],
            ['/static/big.bin', { headers: { 'if-modified-since': MTIME.toUTCString() } }],
            ['/static/big.bin', { method: 'HEAD' }],
            ['/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: json }],
            ['/json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{bad' }],
            ['/raw', { method: 'POST', headers: { 'content-type': 'application/x-thing' }, body: [Buffer.alloc(70_000, 1), Buffer.alloc(10, 2)] }],
            ['/gz', { headers: { 'accept-encoding': 'gzip' } }],
            ['/gz-stream', { headers: { 'accept-encoding': 'br' } }],
            ['/redirect', {}],
            ['/cookies', {}],
            ['/throws', {}],
            ['/throws-async', {}],
            ['/download', {}],
            ['/static/small.txt', {}],
          ] as const) {
            out.push(await look(s.base, p, { ...o, agent } as never));
          }
        } finally {
          agent.destroy();
        }
        return { out, connections: s.connections() - before };
      },
      'keep-alive run',
    );
    assert.equal(counts.connections, 1);
  });

  await t.test('413 before the body: the unread body is dealt with the same way on the connection', async () => {
    // body-parser refuses on Content-Length alone; the 1.5 MB body is then still coming.
    const json = bigJson(1.5 * MB);
    await same(
      sides,
      async (s) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const before = s.connections();
        try {
          const first = await look(s.base, '/json-small', { method: 'POST', headers: { 'content-type': 'application/json' }, body: json, agent });
          const second = await look(s.base, '/static/small.txt', { agent });
          return { first, second, connections: s.connections() - before };
        } finally {
          agent.destroy();
        }
      },
      '413 then a request',
    );
  });

  await t.test('pipelined requests through the middleware (bodies left unread among them), in one write and in pieces', async () => {
    const body = '{"x":[1,2,3]}';
    const unread = 'u'.repeat(300_000);
    const requests = [
      'GET /static/small.txt HTTP/1.1\r\nHost: a\r\n\r\n',
      `GET /static/big.bin HTTP/1.1\r\nHost: a\r\nRange: bytes=5-9\r\n\r\n`,
      `GET /static/small.txt HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: ${MTIME.toUTCString()}\r\n\r\n`,
      `POST /json HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      'POST /json HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\n{ba!',
      'POST /raw HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
      'GET /gz HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n',
      'HEAD /redirect HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET /throws-async HTTP/1.1\r\nHost: a\r\n\r\n',
      `POST /early HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\nContent-Length: ${unread.length}\r\n\r\n${unread}`,
      `POST /early HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n${unread.length.toString(16)}\r\n${unread}\r\n0\r\n\r\n`,
      'GET /download HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    ].join('');
    const data = await same(sides, async (s) => withoutDates((await exchange(s.port, requests)).data), 'pipelined');
    assert.deepEqual(
      [...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1])),
      [200, 206, 304, 200, 400, 200, 200, 302, 500, 202, 202, 200],
    );
    // The same cut into small pieces, a turn apart.
    const pieces = Array.from({ length: Math.ceil(requests.length / 4099) }, (_, i) => requests.slice(i * 4099, (i + 1) * 4099));
    await same(sides, async (s) => withoutDates((await exchange(s.port, pieces, 1)).data), 'pipelined in pieces');
  });

  await t.test('server.close() with kept-alive idle connections ends, on both', async () => {
    for (const s of sides) {
      const agent = new http.Agent({ keepAlive: true });
      await look(s.base, '/static/small.txt', { agent });
      await look(s.base, '/gz', { agent, headers: { 'accept-encoding': 'gzip' } });
      s.server.close();
      await once(s.server, 'close');
      assert.equal(s.server.listening, false);
      agent.destroy();
    }
  });
});
