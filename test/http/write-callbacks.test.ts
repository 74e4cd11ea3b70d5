// res.write(chunk, callback) while an earlier large write is still being
// sent, then the connection fails: every write callback must be called, and
// with an error when its bytes were not sent, as node:http's are (code that
// awaits each write, `await new Promise((r) => res.write(chunk, r))`, hangs
// on a callback that never comes, and takes one called without an error for
// bytes delivered). createServer called a write that waited behind a failed
// send back with no error, and tried to send it on the dead connection; and
// after res.destroy() it never called a write that waited behind the send
// in flight.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';

import { backend } from '../../src/index.js';
import { createServer } from '../../src/http/index.js';
import { exchange } from '../../test-support/http.js';

type Ending = 'the client resets' | 'the handler destroys the response';

/** The late write's callback result: its error's code, 'ok' (no error), or 'never' (not called within a second of the end). */
async function lateWrite(make: typeof http.createServer, ending: Ending): Promise<string> {
  // (The callback's promise in an object: a promise resolved with a promise would wait for it.)
  let made!: (late: { result: Promise<string> }) => void;
  const late = new Promise<{ result: Promise<string> }>((resolve) => (made = resolve));
  const server = make((_req, res) => {
    res.writeHead(200);
    // More than the sockets' buffers take while the client reads nothing: the send is in flight from now on.
    res.write(Buffer.alloc(32 << 20, 'a'));
    setTimeout(() => {
      made({
        result: new Promise((resolve) => {
          res.write('late', (error?: Error | null) => resolve(error ? ((error as { code?: string }).code ?? error.message) : 'ok'));
        }),
      });
      if (ending === 'the handler destroys the response') res.destroy();
    }, 100);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  client.on('error', () => {});
  try {
    client.pause();
    client.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
    const { result } = await late;
    if (ending === 'the client resets') client.resetAndDestroy();
    return await Promise.race([result, new Promise<string>((resolve) => setTimeout(() => resolve('never'), 1000))]);
  } finally {
    client.destroy();
    server.closeAllConnections();
    server.close();
  }
}

for (const ending of ['the client resets', 'the handler destroys the response'] as const) {
  test(`a write waiting behind a send in flight when ${ending}: its callback gets an error, as on node:http`, async () => {
    for (const [name, make] of [
      ['node:http', http.createServer],
      ['createServer', createServer as unknown as typeof http.createServer],
    ] as const) {
      const outcome = await lateWrite(make, ending);
      assert.ok(outcome !== 'ok' && outcome !== 'never', `${name}: the late write's callback: ${outcome}`);
    }
  });
}

test("req.socket.end(data, callback) calls the callback once, as node:http's socket", async () => {
  for (const [name, make] of [
    ['node:http', http.createServer],
    ['createServer', createServer as unknown as typeof http.createServer],
  ] as const) {
    let calls = 0;
    const server = make((req) => req.socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi', () => calls++));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { data } = await exchange((server.address() as net.AddressInfo).port, 'GET / HTTP/1.1\r\nhost: x\r\n\r\n');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.match(data, /\r\n\r\nhi$/, name);
      assert.equal(calls, 1, `${name}: the end callback's calls`);
    } finally {
      server.close();
    }
  }
});

// (node:http's net.Socket never calls an end() callback given after destroy(): a wait that never ends. createServer's calls it with ERR_STREAM_DESTROYED.)
test('req.socket.end(callback) a second time, and after destroy(): the callback is called', async () => {
  for (const [name, make] of [
    ['node:http', http.createServer],
    ['createServer', createServer as unknown as typeof http.createServer],
  ] as const) {
    const results: string[] = [];
    const result = (which: string) => (error?: Error | null) => results.push(`${which}: ${error ? (error as { code?: string }).code : 'ok'}`);
    const server = make((req) => {
      const socket = req.socket;
      if (req.url === '/twice') {
        socket.end('HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n', result('first end'));
        socket.end(result('second end'));
      } else {
        socket.destroy();
        socket.end(result('end after destroy'));
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      for (const path of ['/twice', '/destroyed']) {
        const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
        client.on('error', () => {});
        client.resume();
        client.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`);
        await once(client, 'close');
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      const ringcore = name === 'createServer' && backend() === 'io_uring';
      const afterDestroy = ringcore ? ['end after destroy: ERR_STREAM_DESTROYED'] : [];
      assert.deepEqual(results.sort(), [...afterDestroy, 'first end: ok', 'second end: ok'], name);
    } finally {
      server.close();
    }
  }
});
