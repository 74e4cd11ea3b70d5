// Issue #9: CONNECT was handed to the handler and answered 200, which any
// proxy in front reads as "tunnel established". serve() now answers 501 and
// closes, unless it was started with { connect: true }.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { HttpResponse, serve } from '../../src/http/index.js';
import { exchange, statuses } from '../../test-support/http.js';

const CONNECT = 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n';

test('CONNECT is answered 501 and the connection closes; the handler never sees it', async () => {
  const seen: string[] = [];
  const server = await serve({
    host: '127.0.0.1',
    fetch: (req) => {
      seen.push(req.method);
      return new HttpResponse('handled');
    },
  });
  try {
    // Tunnel bytes after the CONNECT must not be read as a request.
    const { data } = await exchange(server.address.port, `${CONNECT}GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.deepEqual(statuses(data), [501]);
    assert.match(data, /Connection: close\r\n/);
    assert.deepEqual(seen, []);
    // Other methods still reach the handler.
    assert.deepEqual(statuses((await exchange(server.address.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).data), [200]);
    assert.deepEqual(seen, ['GET']);
  } finally {
    await server.close();
  }
});

test('serve({ connect: true }) hands CONNECT to the handler; the connection closes after its answer', async () => {
  const seen: string[] = [];
  const server = await serve({
    host: '127.0.0.1',
    connect: true,
    fetch: (req) => {
      seen.push(`${req.method} ${req.target}`);
      return new HttpResponse(null, { status: 403 });
    },
  });
  try {
    const { data } = await exchange(server.address.port, `${CONNECT}GET /after HTTP/1.1\r\nHost: x\r\n\r\n`);
    assert.deepEqual(statuses(data), [403]);
    assert.deepEqual(seen, ['CONNECT example.com:443']);
  } finally {
    await server.close();
  }
  await assert.rejects(serve({ fetch: () => new HttpResponse(''), connect: 'yes' as unknown as boolean }), TypeError);
});
