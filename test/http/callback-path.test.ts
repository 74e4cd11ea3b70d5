// The HTTP connection's promise-free path (receive by callback, SEND settled
// by callback, repeated heads) under the cases where a fast path loses data or
// hangs: a ring closed under a handler, heads that repeat all but one byte,
// handlers that change their request, pipelining across chunk boundaries.
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';

import { Ring } from '../../src/index.js';
import { HttpResponse, serve } from '../../src/http/index.js';
import { exchange, statuses } from '../../test-support/http.js';
import { test } from '../../test-support/backend.js';

test('a ring closed while a handler runs: its Connection: close response does not leave the connection hanging', { timeout: 20_000 }, async () => {
  const ring = new Ring({ entries: 64 });
  let entered: () => void = () => {};
  const handlerRuns = new Promise<void>((resolve) => (entered = resolve));
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const server = await serve({
    host: '127.0.0.1',
    port: 0,
    ring,
    onError: () => {},
    fetch: async () => {
      entered();
      await gate;
      return new HttpResponse('late');
    },
  });
  const client = net.connect({ port: server.address.port, host: '127.0.0.1' });
  client.on('error', () => {});
  client.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await handlerRuns;
  const closing = ring.close();
  release();
  // The response's send is refused at once (the ring is closed): the connection must still end, and the server close.
  await closing;
  await server.close();
  client.destroy();
});
