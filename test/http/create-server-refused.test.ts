// createServer(): after the parser refuses a request head, nothing more the
// client sends on that connection is parsed. The chunks are borrowed views of
// the ring's receive buffers, which go back to the kernel as the next chunk is
// taken: a parser still holding the refused chunk would later copy whatever
// the kernel put there since, another connection's bytes.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type net from 'node:net';

import { createServer } from '../../src/http/index.js';
import { RECV_BUFFERS as CONFIGURED } from '../../src/http/recv-buffers.js';
import { nodeConnect, until } from '../../test-support/net.js';

/** createServer's receive buffers (recv-buffers.ts): enough requests to reuse every one of them twice over. */
const RECV_BUFFERS = CONFIGURED.count;

/** One request per write on a keep-alive connection, each awaited: each is a receive of its own. */
async function requestsOneByOne(port: number, requests: string[]): Promise<void> {
  const socket = await nodeConnect(port);
  let text = '';
  let answered: (() => void) | null = null;
  socket.setEncoding('latin1').on('data', (data: string) => {
    text += data;
    const end = text.indexOf('\r\n\r\n');
    if (end < 0) return;
    text = text.slice(end + 4);
    answered?.();
  });
  for (const request of requests) {
    const done = new Promise<void>((resolve) => (answered = resolve));
    socket.write(request);
    await done;
  }
  socket.destroy();
}

test("a refused head's chunk is not read again once it went back to the kernel (no other connection's bytes become a request)", async () => {
  const urls = new Map<net.Socket, string[]>();
  let bigSocket: net.Socket | null = null;
  const server = createServer((req, res) => {
    const socket = req.socket as net.Socket;
    urls.set(socket, [...(urls.get(socket) ?? []), req.url!]);
    if (req.url === '/big') {
      bigSocket = socket;
      // More than the client's and the kernel's buffers hold, never read: this response stays in flight.
      res.end(Buffer.alloc(64 << 20));
    } else {
      res.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  // No 'clientError' listener: the server answers a refused head itself (here, with nothing:
  // the response that owns the socket has begun), so the connection ends only after it.
  const client = await nodeConnect(port);
  client.on('error', () => {});
  try {
    const big = 'GET /big HTTP/1.1\r\nHost: a\r\n\r\n';
    client.write(big);
    await until(() => bigSocket !== null, 5000, '/big');
    const socket = bigSocket!;
    // The same length as the flood's requests, so that its bytes, should they be read again, are one of them.
    const bad = 'GET /\x0100000000 HTTP/1.1\r\nHost: b\r\n\r\n';
    const request = (i: number) => `GET /b${String(i).padStart(8, '0')} HTTP/1.1\r\nHost: b\r\n\r\n`;
    assert.equal(request(0).length, bad.length);
    client.write(bad, 'latin1');
    await until(() => socket.bytesRead === big.length + bad.length, 5000, 'the refused head');

    // Other connections' requests go through every receive buffer, the refused chunk's included.
    const lanes = 8;
    const perLane = Math.ceil((2 * RECV_BUFFERS + 64) / lanes);
    await Promise.all(
      Array.from({ length: lanes }, (_, lane) =>
        requestsOneByOne(
          port,
          Array.from({ length: perLane }, (_, i) => request(lane * perLane + i)),
        ),
      ),
    );

    // More bytes on the refused connection: they must not be parsed (nor what its buffer holds now).
    const after = 'GET /after HTTP/1.1\r\nHost: a\r\n\r\n';
    client.write(after);
    await until(() => socket.bytesRead === big.length + bad.length + after.length, 5000, 'the bytes after the refusal');
    assert.deepEqual(urls.get(socket), ['/big'], 'requests seen on the refused connection');
  } finally {
    client.destroy();
    server.closeAllConnections();
    server.close();
  }
});
