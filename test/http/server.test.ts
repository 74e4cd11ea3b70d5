// ringcore/http's serve() in this process, with real sockets and raw clients
// (node:net for byte-exact requests, node:http for a real client).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';

import { HttpResponse, serve, type ServeHandle as Server } from '../../src/http/index.js';
import type { HttpRequest } from '../../src/http/request.js';
import { exchange, statuses } from '../../test-support/http.js';
import { leakedAfterWaiting, openFds } from '../../test-support/fds.js';
import { until } from '../../test-support/net.js';

function handler(req: HttpRequest): HttpResponse | Promise<HttpResponse> {
  const path = req.pathname;
  if (path === '/echo') return req.bytes().then((b) => new HttpResponse(b, { headers: { 'x-method': req.method } }));
  if (path === '/throw') throw new Error('handler failure (expected by the test)');
  if (path === '/inject') return new HttpResponse('x', { headers: { 'x-bad': 'a\r\nSet-Cookie: evil=1' } });
  if (path === '/slow') return new Promise((resolve) => setTimeout(() => resolve(new HttpResponse('slow')), 50));
  if (path === '/whatwg') return new Response('from a WHATWG Response', { status: 201, headers: { 'x-kind': 'whatwg' } }) as unknown as HttpResponse;
  if (path === '/big') return new HttpResponse(Buffer.alloc(300_000, 'b'));
  if (path === '/empty') return new HttpResponse(null, { status: 204 });
  return new HttpResponse(`hello ${req.method} ${req.target}`);
}

async function withServer(options: Partial<Parameters<typeof serve>[0]>, body: (server: Server) => Promise<void>): Promise<void> {
  const errors: unknown[] = [];
  const server = await serve({ host: '127.0.0.1', port: 0, fetch: handler, onError: (e) => errors.push(e), ...options });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

test('GET, HEAD and keep-alive: several requests on one connection, in order', async () => {
  await withServer({}, async (server) => {
    const { data } = await exchange(
      server.address.port,
      ['GET /a HTTP/1.1\r\nHost: x\r\n\r\n', 'HEAD /b HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      20,
    );
    assert.deepEqual(statuses(data), [200, 200, 200]);
    assert.match(data, /Content-Length: 12\r\n\r\nhello GET \/a/);
    // HEAD: the GET's Content-Length, no body: the next bytes are the next response.
    assert.match(data, /Content-Length: 13\r\n\r\nHTTP\/1\.1 200 OK/);
    assert.match(data, /Connection: close\r\n\r\nhello GET \/c$/);
    assert.match(data, /Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
  });
});

test('pipelining: many requests in one packet are answered in order, slow handlers included', async () => {
  await withServer({}, async (server) => {
    const requests = ['/1', '/slow', '/3', '/echo', '/5'].map((p) =>
      p === '/echo' ? 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nBODY' : `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    const { data } = await exchange(server.address.port, `${requests.join('')}GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.deepEqual(statuses(data), [200, 200, 200, 200, 200, 200]);
    const bodies = data
      .split(/HTTP\/1\.1 200 OK\r\n/)
      .slice(1)
      .map((r) => r.split('\r\n\r\n')[1]);
    assert.deepEqual(bodies, ['hello GET /1', 'slow', 'hello GET /3', 'BODY', 'hello GET /5', 'hello GET /last']);
  });
});

test('chunked and Content-Length request bodies reach the handler whole', async () => {
  await withServer({}, async (server) => {
    const { data } = await exchange(
      server.address.port,
      [
        'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
        '6\r\n world\r\n0\r\n\r\n',
        'PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc',
      ],
      20,
    );
    assert.match(data, /x-method: POST\r\nContent-Length: 11\r\n\r\nhello world/);
    assert.match(data, /x-method: PUT\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc$/);
  });
});

test('malformed requests get 400 and a close; what follows them is not served', async () => {
  await withServer({}, async (server) => {
    for (const bad of [
      'GARBAGE\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    ]) {
      const { data } = await exchange(server.address.port, `${bad}GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.deepEqual(statuses(data), [400], JSON.stringify(bad));
      assert.match(data, /Connection: close/);
      assert.doesNotMatch(data, /smuggled/);
    }
  });
});

test('limits: oversized headers 431, too many headers 431, big body 413, each with a close', async () => {
  await withServer({ limits: { maxHeaderBytes: 1024, maxHeaderCount: 10, maxBodyBytes: 1000 } }, async (server) => {
    const port = server.address.port;
    const big = await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(2000)}\r\n\r\n`);
    assert.deepEqual(statuses(big.data), [431]);
    const many = await exchange(port, `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 11 }, (_, i) => `X-${i}: v\r\n`).join('')}\r\n`);
    assert.deepEqual(statuses(many.data), [431]);
    const body = await exchange(port, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n');
    assert.deepEqual(statuses(body.data), [413]);
    const chunked = await exchange(port, `POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n${'z'.repeat(1001)}\r\n0\r\n\r\n`);
    assert.deepEqual(statuses(chunked.data), [413]);
    // Within the limits all is well.
    const ok = await exchange(port, `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n${'y'.repeat(1000)}`);
    assert.deepEqual(statuses(ok.data), [200]);
  });
});

test('the same heads on two connections, then on a stricter server: each request answered as sent, and refused (431) where the limits say so', async () => {
  const echoHeaders = (req: HttpRequest) => new HttpResponse(`${req.target} ${req.headers.raw().join(',')}`);
  await withServer({ fetch: echoHeaders }, async (generous) => {
    await withServer({ fetch: echoHeaders, limits: { maxHeaderCount: 2 } }, async (strict) => {
      const head = (close: boolean) => `GET /same HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
      // Two requests on each of two connections to the generous server: the same answers every time.
      for (let i = 0; i < 2; i++) {
        const { data } = await exchange(generous.address.port, head(false) + head(true));
        assert.deepEqual(statuses(data), [200, 200]);
        assert.equal(data.split('/same host,x,a,1,b,2').length - 1, 2, data);
        assert.equal(data.split('/same host,x,a,1,b,2,connection,close').length - 1, 1, data);
      }
      const refused = await exchange(strict.address.port, head(false));
      assert.deepEqual(statuses(refused.data), [431]);
    });
  });
});

test('slowloris: a client that sends its head slowly is dropped at the headers timeout', async () => {
  await withServer({ headersTimeout: 300, idleTimeout: 5000 }, async (server) => {
    // One byte every 50 ms: each byte is progress, but the head never completes in time.
    const trickle = [...'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n'];
    const { data, closedAfterMs } = await exchange(server.address.port, trickle, 50);
    assert.equal(data, '', 'no response for a head that came too slowly');
    assert.ok(closedAfterMs >= 250 && closedAfterMs < 1500, `closed after ${closedAfterMs} ms`);
    // The server still serves others.
    const { data: after } = await exchange(server.address.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.deepEqual(statuses(after), [200]);
  });
});

test('an idle keep-alive connection is closed at the idle timeout', async () => {
  await withServer({ idleTimeout: 200 }, async (server) => {
    const { data, closedAfterMs } = await exchange(server.address.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.deepEqual(statuses(data), [200]);
    assert.ok(closedAfterMs >= 150 && closedAfterMs < 1200, `closed after ${closedAfterMs} ms`);
    // The client sees the FIN from the shutdown; the server counts the connection gone once its CLOSE completes, just after.
    await until(() => server.connections === 0, 2000, 'the server to drop the connection');
  });
});

test('the Date header advances on a kept-alive connection (the server reads its clock once per batch, not once per process)', async () => {
  await withServer({}, async (server) => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const { data } = await exchange(server.address.port, ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], 1100);
    const after = Date.now();
    const dates = [...data.matchAll(/\r\nDate: ([^\r]+)\r\n/g)].map((m) => Date.parse(m[1]!));
    assert.equal(dates.length, 2, data);
    assert.ok(dates[1]! - dates[0]! >= 1000, `the second response's Date is a second later: ${data}`);
    for (const date of dates) assert.ok(date >= before && date <= after, `${new Date(date).toUTCString()} within the exchange`);
  });
});

test('a handler that runs long synchronously: its response dated after it, and the keep-alive idle timeout counted from its end', async () => {
  // The server reads its clock once per batch; this batch is two pipelined requests whose second handler
  // blocks for longer than the idle timeout. Its Date and the connection's deadline must not come from the
  // reading taken before it (the Date a second early; the connection shut down as soon as the batch ended).
  let blockEnd = 0;
  const block = (req: HttpRequest): HttpResponse => {
    if (req.pathname === '/block') {
      const until = Date.now() + 1300;
      while (Date.now() < until); // synchronous work, longer than the idle timeout
      blockEnd = Date.now();
    }
    return new HttpResponse('ok');
  };
  await withServer({ idleTimeout: 1000, fetch: block }, async (server) => {
    const pipelined = 'GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /block HTTP/1.1\r\nHost: x\r\n\r\n';
    // The third request comes 400 ms after the block ended: well within the idle timeout.
    const { data } = await exchange(server.address.port, [pipelined, 'GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], 1700);
    const dates = [...data.matchAll(/\r\nDate: ([^\r]+)\r\n/g)].map((m) => Date.parse(m[1]!));
    assert.ok(dates.length >= 2, data);
    assert.ok(
      dates[1]! >= Math.floor(blockEnd / 1000) * 1000,
      `the blocking request's Date (${new Date(dates[1]!).toUTCString()}) is not before its handler ended (${new Date(blockEnd).toUTCString()})`,
    );
    assert.deepEqual(statuses(data), [200, 200, 200], `the kept-alive connection answers the next request: ${data}`);
  });
});

test('a handler that throws gives 500 and the connection goes on; header injection is refused', async () => {
  const errors: unknown[] = [];
  await withServer({ onError: (e) => errors.push(e) }, async (server) => {
    const { data } = await exchange(
      server.address.port,
      ['GET /throw HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /inject HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      20,
    );
    assert.deepEqual(statuses(data), [500, 500, 200]);
    assert.doesNotMatch(data, /evil/);
    assert.equal(errors.length, 2);
  });
});

test('async handlers: a WHATWG Response, a rejection and a value that is no response, answered in order on one connection (201, 500, 500) and reported', async () => {
  const errors: unknown[] = [];
  const fetch = async (req: HttpRequest): Promise<HttpResponse> => {
    await new Promise((resolve) => setImmediate(resolve));
    if (req.pathname === '/whatwg') return new Response('from a WHATWG Response', { status: 201 }) as unknown as HttpResponse;
    if (req.pathname === '/reject') throw new Error('async handler failure (expected by the test)');
    if (req.pathname === '/wrong') return 42 as unknown as HttpResponse;
    return new HttpResponse(`async ${req.pathname}`);
  };
  await withServer({ fetch, onError: (e) => errors.push(e) }, async (server) => {
    const { data } = await exchange(
      server.address.port,
      ['/whatwg', '/reject', '/wrong', '/last'].map((p, i) => `GET ${p} HTTP/1.1\r\nHost: x\r\n${i === 3 ? 'Connection: close\r\n' : ''}\r\n`).join(''),
    );
    assert.deepEqual(statuses(data), [201, 500, 500, 200]);
    assert.match(data, /\r\n\r\nfrom a WHATWG Response/);
    assert.match(data, /async \/last$/);
    assert.equal(errors.length, 2);
    assert.match(String(errors[0]), /async handler failure/);
    assert.ok(errors[1] instanceof TypeError, String(errors[1]));
  });
});

test('responses: WHATWG Response objects, 204 without a length, large bodies', async () => {
  await withServer({}, async (server) => {
    const { data } = await exchange(
      server.address.port,
      ['GET /whatwg HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /empty HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
      20,
    );
    assert.deepEqual(statuses(data), [201, 204, 200]);
    assert.match(data, /x-kind: whatwg\r\n/);
    assert.match(data, /from a WHATWG Response/);
    assert.match(data, /204 No Content\r\nDate: [^\r]+\r\n\r\nHTTP/);
    assert.ok(data.endsWith('b'.repeat(300_000)));
    assert.match(data, /Content-Length: 300000\r\n/);
  });
});

test('node:http clients with a keep-alive agent: 200 requests over a few sockets, then no fd left open', async () => {
  const before = openFds();
  await withServer({}, async (server) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const get = (i: number) =>
      new Promise<string>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: server.address.port, path: `/n${i}`, agent }, (res) => {
            let body = '';
            res
              .setEncoding('utf8')
              .on('data', (c: string) => (body += c))
              .on('end', () => resolve(body));
          })
          .on('error', reject);
      });
    const bodies = await Promise.all(Array.from({ length: 200 }, (_, i) => get(i)));
    bodies.forEach((b, i) => assert.equal(b, `hello GET /n${i}`));
    assert.ok(server.connections <= 8, `${server.connections} connections`);
    agent.destroy();
    await until(() => server.connections === 0, 2000, 'connections to close');
  });
  assert.deepEqual(await leakedAfterWaiting(before, 2000), []);
});

test('close() ends idle connections at once and lets a busy one finish its response', async () => {
  const server = await serve({ host: '127.0.0.1', port: 0, fetch: handler });
  const idle = exchange(server.address.port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => server.connections === 1, 2000, 'a connection');
  await new Promise((r) => setTimeout(r, 50));
  const busy = exchange(server.address.port, 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
  await until(() => server.connections === 2, 2000, 'two connections');
  const started = Date.now();
  await server.close();
  assert.ok(Date.now() - started < 1000);
  assert.deepEqual(statuses((await idle).data), [200]);
  const slow = await busy;
  assert.deepEqual(statuses(slow.data), [200]);
  assert.match(slow.data, /Connection: close\r\n\r\nslow$/);
});

test('IPv6: serve on ::1 and answer a node:http client there', async () => {
  const server = await serve({ host: '::1', port: 0, fetch: (req) => new HttpResponse(`v6 ${req.remoteAddress?.family} ${req.url}`) });
  try {
    assert.equal(server.address.family, 'IPv6');
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '::1', port: server.address.port, path: '/six' }, (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (c: string) => (text += c))
            .on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    assert.equal(body, `v6 IPv6 http://[::1]:${server.address.port}/six`);
  } finally {
    await server.close();
  }
});

test('close() while responses wait in a full socket: every response the client gets is whole, and the connection ends cleanly', async () => {
  // 60,000-byte bodies stay under LARGE_BODY, so each goes out as a batch whose send is not awaited;
  // a client that does not read fills the socket, and such a send stays in flight. A close() then must
  // let it finish (and answer a request already received), never shut the socket under it.
  const body = 60_000;
  const server = await serve({ host: '127.0.0.1', port: 0, fetch: () => new HttpResponse(Buffer.alloc(body, 'z')) });
  const client = net.connect(server.address.port, '127.0.0.1');
  await new Promise((resolve) => client.once('connect', resolve));
  client.pause();
  const chunks: Buffer[] = [];
  const ended = new Promise<void>((resolve, reject) => {
    client.on('data', (c: Buffer) => chunks.push(c));
    client.once('end', resolve);
    client.once('error', reject);
  });
  // One request per write, so that each is a batch of its own; 7.2 MB of answers, more than both socket buffers hold.
  for (let i = 0; i < 120; i++) {
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 5));
  }
  const closing = server.close();
  await new Promise((r) => setTimeout(r, 100));
  client.resume();
  await ended;
  client.end();
  await closing;
  const data = Buffer.concat(chunks).toString('latin1');
  let at = 0;
  let responses = 0;
  while (at < data.length) {
    const headEnd = data.indexOf('\r\n\r\n', at);
    assert.ok(headEnd > 0, `a whole head at byte ${at} of ${data.length}`);
    assert.match(data.slice(at, headEnd), new RegExp(`^HTTP/1.1 200 OK\\r\\n[^]*Content-Length: ${body}`));
    assert.ok(headEnd + 4 + body <= data.length, `response ${responses + 1} is whole (${data.length - headEnd - 4} of ${body} body bytes)`);
    at = headEnd + 4 + body;
    responses++;
  }
  assert.ok(responses >= 1, 'at least one response');
});

test("pipelined responses of many sizes, each with bytes of its own, to a client that stalls: every body is its own (the output buffer, 1 KiB from Node's pool at first, grows and is never written while a send of it is in flight)", async () => {
  const bodyOf = (i: number, size: number) => Buffer.alloc(size, 97 + (i % 26));
  const sizes = [0, 10, 900, 1000, 1100, 2000, 5000, 17_000, 70_000];
  const server = await serve({
    host: '127.0.0.1',
    port: 0,
    fetch: (req) => {
      const [, , i, size, mode] = req.pathname.split('/');
      // A header whose length varies too, so that heads and bodies land at ever different offsets.
      const answer = () => new HttpResponse(bodyOf(Number(i), Number(size)), { headers: { 'x-i': i!, 'x-pad': 'p'.repeat(Number(i) % 700) } });
      return mode === 'async' ? new Promise((resolve) => setImmediate(() => resolve(answer()))) : answer();
    },
  });
  try {
    const count = 300;
    let requests = '';
    for (let i = 0; i < count; i++) {
      const size = sizes[(i * 7) % sizes.length]!;
      requests += `GET /n/${i}/${size}/${i % 5 === 0 ? 'async' : 'sync'} HTTP/1.1\r\nHost: x\r\n${i === count - 1 ? 'Connection: close\r\n' : ''}\r\n`;
    }
    const client = net.connect(server.address.port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    // Not reading at first: the socket fills, and the server's sends stay in flight while requests keep coming.
    client.pause();
    for (let at = 0; at < requests.length; at += 3000) client.write(requests.slice(at, at + 3000));
    await new Promise((r) => setTimeout(r, 200));
    const chunks: Buffer[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      client.on('data', (c: Buffer) => chunks.push(c));
      client.once('end', resolve);
      client.once('error', reject);
    });
    client.resume();
    await ended;
    const data = Buffer.concat(chunks);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const headEnd = data.indexOf('\r\n\r\n', at);
      assert.ok(headEnd > 0, `response ${i}: a whole head`);
      const head = data.subarray(at, headEnd).toString('latin1');
      const size = sizes[(i * 7) % sizes.length]!;
      assert.match(head, new RegExp(`\\r\\nx-i: ${i}(\\r\\n|$)`, 'i'), `response ${i} in order`);
      assert.match(head, new RegExp(`\\r\\nContent-Length: ${size}(\\r\\n|$)`, 'i'));
      assert.ok(data.subarray(headEnd + 4, headEnd + 4 + size).equals(bodyOf(i, size)), `response ${i}: its own body`);
      at = headEnd + 4 + size;
    }
    assert.equal(at, data.length, 'nothing after the last response');
  } finally {
    await server.close();
  }
});
