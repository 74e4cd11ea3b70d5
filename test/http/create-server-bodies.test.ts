// Request bodies through createServer(), byte for byte: sizes around the
// receive buffers' 4 KiB and the 64 KiB blocks the body is gathered in,
// Content-Length and chunked, pipelined requests behind a body, a body
// nobody reads, a client that leaves mid-body, a paused request, and chunks
// a handler keeps while more traffic flows. Real clients over real TCP. On
// the node backend createServer() is node:http's, and the same tests hold
// there (those about ringcore's own memory are io_uring's only).
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { test as anyBackend } from 'node:test';

import { createServer, type Server } from '../../src/http/index.js';
import { statuses } from '../../test-support/http.js';
import { readAll, until } from '../../test-support/net.js';

const sha = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Bytes that differ at every offset (and from request to request, by `seed`), so that a lost, doubled or moved byte shows. */
function pattern(size: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function listening(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

function closed(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** A server whose handler answers each body with its length and sha256 (as "length sha"). */
function hashingServer(): Server {
  return createServer((req, res) => {
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (d: Buffer) => {
      length += d.length;
      hash.update(d);
    });
    req.on('end', () => res.end(`${length} ${hash.digest('hex')}`));
  });
}

/** POSTs `body` on `agent`'s connection, with Content-Length, or chunked in writes of `pieces` bytes. */
function post(port: number, agent: http.Agent, body: Buffer, pieces = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers = pieces === 0 ? { 'content-length': body.length } : {};
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    if (pieces === 0) {
      req.end(body);
      return;
    }
    for (let i = 0; i < body.length; i += pieces) req.write(body.subarray(i, i + pieces));
    req.end();
  });
}

const SIZES = [0, 1, 4095, 4096, 4097, 16 * 1024, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1, 200 * 1024, 1024 * 1024, 8 * 1024 * 1024];

anyBackend('bodies of every size arrive byte for byte, with Content-Length and chunked, on one keep-alive connection', { timeout: 60_000 }, async () => {
  const server = hashingServer();
  const port = await listening(server);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    let seed = 1;
    for (const size of SIZES) {
      const body = pattern(size, seed++);
      assert.equal(await post(port, agent, body), `${size} ${sha(body)}`, `Content-Length, ${size} bytes`);
      // Chunked: in writes of 1000 bytes (many small chunks), and of 100 KB (chunks larger than a block).
      for (const pieces of [1000, 100_000]) {
        if (size > 1024 * 1024 && pieces === 1000) continue;
        assert.equal(await post(port, agent, body, pieces), `${size} ${sha(body)}`, `chunked in ${pieces}-byte writes, ${size} bytes`);
      }
    }
  } finally {
    agent.destroy();
    await closed(server);
  }
});

anyBackend(
  'raw bytes cut anywhere: pipelined requests behind bodies of both framings are each read whole and answered in order',
  { timeout: 30_000 },
  async () => {
    const server = hashingServer();
    const port = await listening(server);
    try {
      const bodies = [pattern(70_000, 3), pattern(4097, 4), pattern(200 * 1024, 5), pattern(1, 6)];
      const chunkedOf = (body: Buffer): Buffer => {
        const parts: Buffer[] = [];
        // Chunks of uneven sizes, some larger than a block.
        for (let i = 0, n = 1; i < body.length; i += n, n = (n * 7 + 13) % 90_000 || 1) {
          const piece = body.subarray(i, i + n);
          parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
        }
        parts.push(Buffer.from('0\r\n\r\n'));
        return Buffer.concat(parts);
      };
      const wire = Buffer.concat([
        Buffer.from(`POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: ${bodies[0]!.length}\r\n\r\n`),
        bodies[0]!,
        Buffer.from('POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'),
        chunkedOf(bodies[1]!),
        Buffer.from(`POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: ${bodies[2]!.length}\r\n\r\n`),
        bodies[2]!,
        Buffer.from('POST /d HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'),
        chunkedOf(bodies[3]!),
        Buffer.from('GET /e HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      ]);
      for (const cut of [1, 4096, 65_537, 99_999]) {
        const socket = net.connect(port, '127.0.0.1');
        const reply = readAll(socket);
        for (let i = 0; i < wire.length; i += cut) socket.write(wire.subarray(i, i + cut));
        const text = (await reply).toString('latin1');
        const answers = text
          .split(/HTTP\/1\.1 200 OK\r\n/)
          .slice(1)
          .map((r) => r.slice(r.indexOf('\r\n\r\n') + 4).replace(/\r\n.*$/s, ''));
        const expected = [...bodies.map((b) => `${b.length} ${sha(b)}`), `0 ${sha(Buffer.alloc(0))}`];
        assert.deepEqual(answers, expected, `writes of ${cut} bytes`);
      }
    } finally {
      await closed(server);
    }
  },
);

anyBackend('a body the handler never reads is dropped, and the next request on the connection is answered', { timeout: 30_000 }, async () => {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    res.end(`${req.method} ${req.url}`);
  });
  const port = await listening(server);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (const size of [100, 70_000, 1024 * 1024]) {
      assert.equal(await post(port, agent, pattern(size, size)), 'POST /');
      const got = await new Promise<string>((resolve, reject) =>
        http
          .get({ port, host: '127.0.0.1', path: '/after', agent }, (res) => {
            let text = '';
            res.on('data', (d: Buffer) => (text += d));
            res.on('end', () => resolve(text));
          })
          .on('error', reject),
      );
      assert.equal(got, 'GET /after', `after an unread body of ${size} bytes`);
    }
    assert.equal(requests, 6);
  } finally {
    agent.destroy();
    await closed(server);
  }
});

anyBackend(
  "a body read to its end is not dumped once the response finishes: the request keeps its 'data' listener, as node:http's",
  { timeout: 30_000 },
  async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      let length = 0;
      const onData = (d: Buffer): void => {
        length += d.length;
      };
      req.on('data', onData);
      req.on('end', () => res.end(String(length)));
      res.on('finish', () =>
        setImmediate(() => seen.push(`${length} ${(req as { _dumped?: boolean })._dumped === true} ${req.listeners('data').includes(onData)}`)),
      );
    });
    const port = await listening(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sizes = [100, 16 * 1024, 64 * 1024, 200 * 1024];
      for (const size of sizes) assert.equal(await post(port, agent, pattern(size, size)), String(size));
      await until(() => seen.length === sizes.length);
      assert.deepEqual(
        seen,
        sizes.map((size) => `${size} false true`),
      );
    } finally {
      agent.destroy();
      await closed(server);
    }
  },
);

anyBackend('a client that leaves mid-body: the request is aborted with what came before, and the server goes on', { timeout: 30_000 }, async () => {
  const seen: { received: number; aborted: boolean; error: string | undefined }[] = [];
  let arrived: (() => void) | null = null;
  const server = createServer((req, res) => {
    const entry = { received: 0, aborted: false, error: undefined as string | undefined };
    seen.push(entry);
    req.on('data', (d: Buffer) => {
      entry.received += d.length;
      if (entry.received >= 300_000) arrived?.();
    });
    req.on('aborted', () => (entry.aborted = true));
    req.on('error', (error: NodeJS.ErrnoException) => (entry.error = error.code));
    req.on('end', () => res.end('whole'));
  });
  const port = await listening(server);
  try {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${8 * 1024 * 1024}\r\n\r\n`);
    socket.write(pattern(400_000, 9));
    await reached;
    socket.destroy();
    await until(() => seen[0]?.error !== undefined, 5000, "the request's error");
    assert.ok(seen[0]!.aborted, "'aborted'");
    assert.equal(seen[0]!.error, 'ECONNRESET');
    assert.ok(seen[0]!.received >= 300_000 && seen[0]!.received <= 400_000, `received ${seen[0]!.received}`);
    // The server still answers.
    const body = pattern(123_456, 10);
    const agent = new http.Agent({ keepAlive: false });
    assert.equal(await post(port, agent, body), 'whole');
  } finally {
    await closed(server);
  }
});

anyBackend('a paused request holds a bounded part of its body (as node:http); read slowly, all of it arrives intact', { timeout: 60_000 }, async () => {
  const size = 8 * 1024 * 1024;
  const body = pattern(size, 11);
  let paused: http.IncomingMessage | null = null;
  let answer: ((text: string) => void) | null = null;
  const server = createServer((req, res) => {
    req.pause();
    paused = req;
    answer = (text) => res.end(text);
  });
  const port = await listening(server);
  try {
    const sent = post(port, new http.Agent({ keepAlive: false }), body);
    await until(() => paused !== null, 5000, 'the request');
    const req = paused! as http.IncomingMessage;
    await new Promise((r) => setTimeout(r, 300));
    // What the server pulled from the socket and not yet handed to a reader: the request's own buffer and
    // what the connection holds. node:http holds its 64 KiB reads up to the request's highWaterMark and a read more.
    const held = req.socket.bytesRead;
    assert.ok(held < 1024 * 1024, `a paused request pulled in ${held} bytes of an 8 MiB body`);
    // A slow consumer: takes a chunk, pauses, and resumes a moment later; the server reads on only as it does.
    const hash = createHash('sha256');
    let total = 0;
    let most = 0;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      total += chunk.length;
      most = Math.max(most, req.socket.bytesRead - total);
      req.pause();
      setTimeout(() => req.resume(), 1);
    });
    req.resume();
    await once(req, 'end');
    assert.ok(most < 1024 * 1024, `the server was ${most} bytes ahead of a slow reader`);
    assert.equal(total, size);
    assert.equal(hash.digest('hex'), sha(body));
    answer!('done');
    assert.equal(await sent, 'done');
  } finally {
    await closed(server);
  }
});

anyBackend("a request paused right after on('data') holds a bounded part of its body; resumed, all of it arrives", { timeout: 60_000 }, async () => {
  // on('data') starts the flow a tick later; a pause() in the same turn must still stop the reading
  // (createServer takes a body in without pausing only while the flow it was asked for is starting).
  const size = 8 * 1024 * 1024;
  const body = pattern(size, 12);
  let paused: http.IncomingMessage | null = null;
  let answer: ((text: string) => void) | null = null;
  const hash = createHash('sha256');
  let total = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      total += chunk.length;
    });
    req.pause();
    paused = req;
    answer = (text) => res.end(text);
  });
  const port = await listening(server);
  try {
    const sent = post(port, new http.Agent({ keepAlive: false }), body);
    await until(() => paused !== null, 5000, 'the request');
    const req = paused! as http.IncomingMessage;
    await new Promise((r) => setTimeout(r, 300));
    const held = req.socket.bytesRead;
    assert.ok(held < 1024 * 1024, `a paused request pulled in ${held} bytes of an 8 MiB body`);
    assert.equal(total, 0, 'no data while paused');
    req.resume();
    await once(req, 'end');
    assert.equal(total, size);
    assert.equal(hash.digest('hex'), sha(body));
    answer!('done');
    assert.equal(await sent, 'done');
  } finally {
    await closed(server);
  }
});

test("chunks a handler keeps stay intact while more traffic flows, and show no other request's bytes", { timeout: 60_000 }, async () => {
  const kept: { seed: number; chunk: Buffer; copy: Buffer }[] = [];
  const server = createServer((req, res) => {
    const seed = Number(req.url!.slice(1));
    req.on('data', (d: Buffer) => kept.push({ seed, chunk: d, copy: Buffer.from(d) }));
    req.on('end', () => res.end('ok'));
  });
  const port = await listening(server);
  const agents = [0, 1, 2].map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  // Each request's body is one byte value (its seed), so a byte of another request, or of a head, shows.
  const send = (agent: http.Agent, seed: number, size: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: `/${seed}`, agent, headers: { 'content-length': size } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(Buffer.alloc(size, seed));
    });
  try {
    const sizes = [1, 4095, 4097, 20_000, 70_000, 200_000, 1_000_000];
    let seed = 1;
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        agents.map(async (agent) => {
          for (const size of sizes) await send(agent, seed++ % 250 || 1, size);
        }),
      );
    }
    assert.ok(kept.length > 0);
    for (const { seed: s, chunk, copy } of kept) {
      assert.ok(chunk.equals(copy), `a kept chunk of request ${s} changed`);
      // What the chunk's memory holds besides it: zeros or the same request's bytes, nothing the runtime reuses.
      const memory = new Uint8Array(chunk.buffer, 0, chunk.buffer.byteLength);
      for (let i = 0; i < memory.length; i++) {
        if (memory[i] !== 0 && memory[i] !== s) assert.fail(`a chunk of request ${s} shares its memory with byte ${memory[i]} at ${i}`);
      }
    }
  } finally {
    for (const agent of agents) agent.destroy();
    await closed(server);
  }
});

test('a body comes in 64 KiB blocks, not a "data" event per 4 KiB receive buffer', { timeout: 30_000 }, async () => {
  const events: number[] = [];
  const server = createServer((req, res) => {
    let n = 0;
    req.on('data', () => n++);
    req.on('end', () => {
      events.push(n);
      res.end();
    });
  });
  const port = await listening(server);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 5; i++) await post(port, agent, pattern(1024 * 1024, i));
    // 16 blocks at the least; node:http's 64 KiB reads give about as many. Per 4 KiB buffer it was 257.
    assert.ok(Math.min(...events) <= 40, `"data" events for 1 MiB: ${events.join(', ')}`);
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      readAll(socket).then(resolve, reject);
    });
    assert.deepEqual(statuses(raw.toString('latin1')), [200]);
  } finally {
    agent.destroy();
    await closed(server);
  }
});

test("a chunked body's block is not reused for the next request's body on the connection", { timeout: 30_000 }, async () => {
  // A chunked body's block is made with room for 16 KiB: a short body leaves most of it unwritten when it ends.
  const kept: { url: string; chunk: Buffer }[] = [];
  const server = createServer((req, res) => {
    req.on('data', (d: Buffer) => kept.push({ url: req.url!, chunk: d }));
    req.on('end', () => res.end('ok'));
  });
  const port = await listening(server);
  const client = net.connect(port, '127.0.0.1');
  try {
    await once(client, 'connect');
    const answers = readAll(client);
    const ends = [
      'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nAAAAA\r\n0\r\n\r\n',
      'POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nBBBBB\r\n0\r\n\r\n',
      'POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nCCCCC',
    ];
    // One request at a time, each sent once the one before it has its answer (the same connection throughout).
    let text = '';
    client.on('data', (d: Buffer) => (text += d.toString('latin1')));
    for (const [i, request] of ends.entries()) {
      client.write(request);
      await until(() => statuses(text).length === i + 1);
    }
    await answers;
    assert.deepEqual(
      kept.map(({ url, chunk }) => `${url} ${chunk.toString('latin1')}`),
      ['/a AAAAA', '/b BBBBB', '/c CCCCC'],
    );
    for (const { url, chunk } of kept) {
      // What the chunk's memory holds besides it: zeros or its own request's bytes.
      const own = chunk[0]!;
      const memory = new Uint8Array(chunk.buffer, 0, chunk.buffer.byteLength);
      for (let i = 0; i < memory.length; i++) {
        if (memory[i] !== 0 && memory[i] !== own)
          assert.fail(`the chunk of ${url} shares its memory with byte ${memory[i]} (${String.fromCharCode(memory[i]!)}) at ${i}`);
      }
    }
  } finally {
    client.destroy();
    await closed(server);
  }
});

anyBackend('a chunked body with extensions and trailers, sent one byte at a time, then a pipelined request', { timeout: 60_000 }, async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('latin1');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${body} ${JSON.stringify(req.trailers)}`);
      res.end('ok');
    });
  });
  const port = await listening(server);
  const socket = net.connect(port, '127.0.0.1');
  try {
    socket.setNoDelay(true);
    await once(socket, 'connect');
    const reply = readAll(socket);
    const wire = Buffer.from(
      'POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '5;name=value;quoted="a;b"\r\nhello\r\n3\r\nabc\r\n0;last\r\nX-Sum: 8\r\nY-Note: two words\r\n\r\n' +
        'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nwxyz' +
        'GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      'latin1',
    );
    // Each byte its own write, a turn of the loop apart: the server's reads split the requests everywhere.
    for (const byte of wire) {
      socket.write(Buffer.from([byte]));
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(statuses((await reply).toString('latin1')), [200, 200, 200]);
    assert.deepEqual(seen, ['POST /a helloabc {"x-sum":"8","y-note":"two words"}', 'POST /b wxyz {}', 'GET /c  {}']);
  } finally {
    socket.destroy();
    await closed(server);
  }
});
