// A keep-alive request answered synchronously costs ringcore/http no promise:
// the multishot recv hands each chunk to the connection by callback
// (ChunkIterator.read), and the response's SEND is settled by callback
// (Ring.submitWith). Before, each request made about five: the recv's
// next(), the reader's then, the `for await` step, and the SEND's promise
// and its reaction. A handler that returns a promise costs that promise and
// the one reaction the connection goes on from (answer()); before, ten in
// all (the connection's chain of promises on the handler's, session 10's
// race with the peer watch among them). Counted with async_hooks, over
// requests sent one after another by a node:net client that makes none of
// its own.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import net from 'node:net';

import { HttpResponse, serve, type Handler } from '../../src/http/index.js';
import { noBufferRings } from '../../test-support/kernel.js';

/**
 * Promises made while `count` keep-alive GETs are answered one after another
 * on one connection by `fetch` (after a warm-up), or null where async_hooks
 * does not report promises (Bun's and Deno's).
 */
async function promisesFor(fetch: Handler, count: number): Promise<number | null> {
  const server = await serve({ host: '127.0.0.1', port: 0, fetch });
  const socket = net.connect({ port: server.address.port, host: '127.0.0.1' });
  try {
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const request = 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n';
    /** Sends `count` requests one at a time (each when the last response is in); resolves once all are answered. */
    const requests = (count: number): Promise<void> =>
      new Promise((resolve, reject) => {
        let answered = 0;
        let buffered = '';
        const onData = (data: Buffer) => {
          buffered += data.toString('latin1');
          for (let end = buffered.indexOf('Hello, World!'); end >= 0; end = buffered.indexOf('Hello, World!')) {
            buffered = buffered.slice(end + 13);
            if (++answered === count) {
              socket.off('data', onData).off('error', reject);
              resolve();
              return;
            }
            socket.write(request);
          }
        };
        socket.on('data', onData).once('error', reject);
        socket.write(request);
      });
    await requests(200); // warm-up: the connection and the JIT settle
    let promises = 0;
    const hook = createHook({
      init(_id, type) {
        if (type === 'PROMISE') promises++;
      },
    });
    let counted: number;
    hook.enable();
    try {
      await requests(count);
    } finally {
      hook.disable();
      counted = promises;
    }
    // requests() makes a promise of its own: a hook that saw none cannot count.
    return counted === 0 ? null : counted;
  } finally {
    socket.destroy();
    await server.close();
  }
}

test('keep-alive GETs with a synchronous handler make no promise per request', { timeout: 30_000 }, async (t) => {
  // Before 5.19 (no buffer rings) a connection reads with a promise per recv: the counts below are the multishot path's.
  const plain = await noBufferRings();
  if (plain) return void t.skip(plain);
  const count = 500;
  const counted = await promisesFor(() => new HttpResponse('Hello, World!'), count);
  if (counted === null) {
    t.skip('async_hooks does not report promises in this runtime');
    return;
  }
  // The await above and the requests() promise are the test's own: a few, not one per request.
  assert.ok(counted < count / 10, `${counted} promises for ${count} requests (about 5 per request before)`);
});

test("keep-alive GETs with an async handler make two promises per request: the handler's and the reaction the connection goes on from", {
  timeout: 30_000,
}, async (t) => {
  // Before 5.19 (no buffer rings) a connection reads with a promise per recv: the counts below are the multishot path's.
  const plain = await noBufferRings();
  if (plain) return void t.skip(plain);
  const count = 500;
  const counted = await promisesFor(async () => new HttpResponse('Hello, World!'), count);
  if (counted === null) {
    t.skip('async_hooks does not report promises in this runtime');
    return;
  }
  // Ten per request before.
  assert.ok(counted <= 2 * count + 10, `${counted} promises for ${count} requests (${(counted / count).toFixed(2)} per request; 10 before)`);
});

/**
 * Promises made while `count` clients each connect, send one GET, read the
 * answer and close, one after another (after a warm-up that fills the
 * server's pool of connections), or null where async_hooks does not report
 * promises.
 */
async function promisesPerConnection(count: number): Promise<number | null> {
  const server = await serve({ host: '127.0.0.1', port: 0, fetch: () => new HttpResponse('Hello, World!') });
  /** One client: connect, GET, the answer, close; resolves once the server's connection count is back to 0. */
  const client = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = net.connect({ port: server.address.port, host: '127.0.0.1' });
      let buffered = '';
      socket.on('error', reject);
      socket.on('data', (data: Buffer) => {
        buffered += data.toString('latin1');
        if (buffered.includes('Hello, World!')) socket.end();
      });
      socket.on('close', () => {
        const gone = (): void => {
          if (server.connections === 0) resolve();
          else setTimeout(gone, 1);
        };
        gone();
      });
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    });
  try {
    for (let i = 0; i < 50; i++) await client(); // warm-up: the pool, the JIT
    let promises = 0;
    const hook = createHook({
      init(_id, type) {
        if (type === 'PROMISE') promises++;
      },
    });
    hook.enable();
    try {
      for (let i = 0; i < count; i++) await client();
    } finally {
      hook.disable();
    }
    return promises === 0 ? null : promises / count;
  } finally {
    await server.close();
  }
}

test("a new client of a warm server costs none of serve()'s own promises beyond the accept's and the close's", { timeout: 30_000 }, async (t) => {
  // Before 5.19 (no buffer rings) a connection reads with a promise per recv: the counts below are the multishot path's.
  const plain = await noBufferRings();
  if (plain) return void t.skip(plain);
  const perConnection = await promisesPerConnection(100);
  if (perConnection === null) {
    t.skip('async_hooks does not report promises in this runtime');
    return;
  }
  // What every client costs whatever serve() does: the accept loop's next() and the
  // socket's close, and the client's own promise here. Before, serve()'s async run(), its
  // receive promise and the `finally` per connection made about 5 more, each of them
  // (and their closures) kept as long as the client is: copied by the scavenges after a
  // burst of new connections (docs/performance.md, "Session 15: the tail at c=1000").
  assert.ok(perConnection <= 12, `${perConnection.toFixed(2)} promises per connection`);
});
