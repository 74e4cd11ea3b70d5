// curl against the http_server example (a child process): GET, HEAD,
// keep-alive (one connection for several URLs), chunked and Content-Length
// bodies, Expect: 100-continue, and --workers 2 with SO_REUSEPORT.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';

import { curl, exchange, startExample, statuses, skipWithoutCurl } from '../../test-support/http.js';
import { until } from '../../test-support/net.js';

const skip = skipWithoutCurl;

test('curl: GET and HEAD, several URLs over one kept-alive connection', { skip }, async () => {
  const server = await startExample('http_server');
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const { stdout, stderr } = await curl(['-v', `${base}/`, `${base}/again`, `${base}/third`]);
    assert.equal(stdout.toString(), 'Hello, World!'.repeat(3));
    // curl says so when it sends a request on a connection it already has.
    assert.equal((stderr.match(/Re-using existing connection/g) ?? []).length, 2, stderr);
    const head = await curl(['-I', `${base}/`]);
    assert.match(head.stdout.toString(), /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(head.stdout.toString(), /Content-Length: 13\r\n/);
  } finally {
    await server.stop();
  }
});

test('curl: chunked and Content-Length bodies echoed, Expect: 100-continue honoured', { skip }, async () => {
  const server = await startExample('http_server');
  try {
    const url = `http://127.0.0.1:${server.port}/echo`;
    const body = Buffer.alloc(200_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7919) & 0xff;
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/ringcore-http-');
    writeFileSync(`${dir}/body`, body);
    const chunked = await curl(['-H', 'Transfer-Encoding: chunked', '--data-binary', `@${dir}/body`, url]);
    assert.ok(chunked.stdout.equals(body), 'chunked body echoed byte for byte');
    // curl sends Expect: 100-continue for a body this large and waits for the 100 (a second, if it never comes).
    const expect = await curl(['-v', '-H', 'Expect: 100-continue', '--data-binary', `@${dir}/body`, url]);
    assert.ok(expect.stdout.equals(body));
    assert.match(expect.stderr, /HTTP\/1\.1 100 Continue/);
    // That the 100 comes before any of the body, without a clock: a client that sends the body only once the 100 is in.
    const socket = net.connect(server.port, '127.0.0.1');
    try {
      let received = '';
      socket.on('data', (data: Buffer) => (received += data.toString('latin1')));
      socket.write('POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n');
      await until(() => received.length > 0, 30_000, 'an answer to the head alone');
      assert.equal(received, 'HTTP/1.1 100 Continue\r\n\r\n');
      socket.write('hello');
      await once(socket, 'end');
      assert.match(received, /\r\n\r\nhello$/);
    } finally {
      socket.destroy();
    }
  } finally {
    await server.stop();
  }
});

test('the example refuses a malformed request with 400 and oversized headers with 431', async () => {
  const server = await startExample('http_server', ['--max-header-bytes', '2048']);
  try {
    assert.deepEqual(statuses((await exchange(server.port, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n')).data), [400]);
    assert.deepEqual(statuses((await exchange(server.port, `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(4096)}\r\n\r\n`)).data), [431]);
  } finally {
    await server.stop();
  }
});

test('--workers 2: two threads share the port (SO_REUSEPORT) and both answer', { skip }, async () => {
  const server = await startExample('http_server', ['--workers', '2']);
  try {
    const base = `http://127.0.0.1:${server.port}/`;
    const answers = await Promise.all(Array.from({ length: 40 }, () => curl([base])));
    for (const a of answers) assert.equal(a.stdout.toString(), 'Hello, World!');
  } finally {
    await server.stop();
  }
});
