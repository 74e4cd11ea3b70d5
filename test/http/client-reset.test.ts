// A client that resets its connection (RST: SO_LINGER 0, as
// socket.resetAndDestroy()) makes node:http emit 'clientError' with the read's
// ECONNRESET and the socket, whatever the connection was doing: before any
// byte, in a request head or body, waiting for its response, or idle
// between keep-alive requests. createServer() emitted nothing: a server
// that logs or counts resets through 'clientError' saw none. Each case runs
// against node:http and ringcore's createServer, which must agree.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { test } from 'node:test';
import { createServer } from '../../src/http/index.js';
import { until } from '../../test-support/net.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const CASES: [name: string, send: string][] = [
  ['nothing sent', ''],
  ['part of a request head', 'GET / HTTP/1.1\r\nHost: x\r\n'],
  ['idle after a keep-alive response', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['idle after two pipelined keep-alive responses', 'GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['waiting for its response', 'GET /hold HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['part of a request body', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc'],
];

/** What `make`'s server reports for each case: the 'clientError's (code, errno, syscall, whether the socket was writable) and the held request's end. */
async function observe(make: typeof http.createServer): Promise<Record<string, string[]>> {
  const events: string[] = [];
  let held = 0;
  const server = make((req, res) => {
    req.resume();
    if (req.url === '/hold') {
      held++;
      res.on('close', () => events.push(`response close, finished ${res.writableFinished}`));
      return;
    }
    req.on('end', () => res.end('ok'));
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: net.Socket) => {
    events.push(`clientError ${error.code} ${error.errno} ${error.syscall} writable ${socket.writable}`);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const seen: Record<string, string[]> = {};
  try {
    for (const [name, send] of CASES) {
      events.length = 0;
      const client = net.connect(port, '127.0.0.1');
      client.on('error', () => {});
      await new Promise((resolve) => client.once('connect', resolve));
      let answered = 0;
      client.on('data', (chunk: Buffer) => (answered += chunk.toString().split('HTTP/1.1 200').length - 1));
      if (send !== '') client.write(send);
      const expected = send.split('GET / HTTP/1.1\r\nHost: x\r\n\r\n').length - 1; // complete requests that get a response
      const holds = held + (send.includes('/hold') ? 1 : 0);
      await until(() => answered >= expected && held >= holds, 30_000, `${name}: the answers and held requests`);
      await delay(20);
      client.resetAndDestroy();
      for (let i = 0; i < 200 && events.length < (send.includes('/hold') ? 2 : 1); i++) await delay(5);
      await delay(20);
      seen[name] = [...events];
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return seen;
}

test("a client's reset gives 'clientError' ECONNRESET in every state of the connection, as node:http", async () => {
  const node = await observe(http.createServer);
  const ours = await observe(createServer as unknown as typeof http.createServer);
  // node:http's own behaviour, first: the case list means what it says.
  for (const [name] of CASES) assert.ok(node[name]!.includes('clientError ECONNRESET -104 read writable false'), `node:http, ${name}: ${node[name]}`);
  assert.deepEqual(ours, node);
}); // before: ringcore's emitted no 'clientError' in any case
