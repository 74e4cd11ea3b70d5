// Node-shaped errors with address and port, and no fd left behind on any
// error path: ECONNREFUSED, EADDRINUSE, ETIMEDOUT, EPIPE, ECONNRESET.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { TcpListener, TcpStream, UnixListener, UnixStream } from '../../src/net/index.js';
import { leakedSince, openFds } from '../../test-support/fds.js';
import { nodeConnect } from '../../test-support/net.js';

/** A port nothing listens on: bound, then closed. */
async function deadPort(): Promise<number> {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  const { port } = listener.address();
  await listener.close();
  return port;
}

test('connect to a closed port: ECONNREFUSED with address and port, like node:net, and no fd leak', async () => {
  const port = await deadPort();
  const before = openFds();
  const error = await TcpStream.connect({ host: '127.0.0.1', port }).catch((e: unknown) => e as NodeJS.ErrnoException & { address: string; port: number });
  assert.ok(error instanceof Error);
  assert.equal(error.code, 'ECONNREFUSED');
  assert.equal(error.syscall, 'connect');
  assert.equal(error.address, '127.0.0.1');
  assert.equal(error.port, port);
  assert.equal(error.message, `connect ECONNREFUSED 127.0.0.1:${port}`);
  // node:net says the same thing
  const nodeError = await new Promise<NodeJS.ErrnoException>((resolve) => net.connect({ port, host: '127.0.0.1' }).on('error', resolve));
  assert.equal(error.message, nodeError.message);
  assert.deepEqual(leakedSince(before), []);
});

test('bind to a port in use: EADDRINUSE with address and port, and no fd leak', async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  try {
    const { port } = listener.address();
    const before = openFds();
    await assert.rejects(TcpListener.bind({ host: '127.0.0.1', port }), { code: 'EADDRINUSE', address: '127.0.0.1', port });
    assert.deepEqual(leakedSince(before), []);
    // reusePort on both sides is allowed
    const a = await TcpListener.bind({ host: '127.0.0.1', reusePort: true });
    const b = await TcpListener.bind({ host: '127.0.0.1', port: a.address().port, reusePort: true });
    await Promise.all([a.close(), b.close()]);
  } finally {
    await listener.close();
  }
});

test('Unix socket errors: ENOENT on connect, EADDRINUSE on bind, no fd leak', async () => {
  const path = `/tmp/ringcore-err-${process.pid}.sock`;
  const before = openFds();
  await assert.rejects(UnixStream.connect({ path }), { code: 'ENOENT', address: path });
  const listener = await UnixListener.bind({ path });
  await assert.rejects(UnixListener.bind({ path }), { code: 'EADDRINUSE' });
  await listener.close();
  assert.deepEqual(leakedSince(before), []);
});

test('connect with a timeout that passes: ETIMEDOUT (a kernel link timeout), no fd leak', async (t) => {
  // A listener whose accept queue is full drops further SYNs: connect() hangs.
  const listener = await TcpListener.bind({ host: '127.0.0.1', backlog: 0 });
  const port = listener.address().port;
  const fillers: net.Socket[] = [];
  try {
    // Fill the queue (its size is backlog + 1) with connections nobody accepts.
    for (let i = 0; i < 4; i++) {
      const s = net.connect({ port, host: '127.0.0.1' }).on('error', () => {});
      fillers.push(s);
    }
    await new Promise((r) => setTimeout(r, 100));
    const before = openFds();
    const started = Date.now();
    const error = await TcpStream.connect({ host: '127.0.0.1', port, timeout: 200 }).then(
      (s) => {
        void s.close();
        return null;
      },
      (e: NodeJS.ErrnoException) => e,
    );
    if (error === null) return void t.skip('the kernel completed the connect (its queue was not full)');
    assert.equal(error.code, 'ETIMEDOUT');
    assert.equal(error.syscall, 'connect');
    assert.ok(Date.now() - started >= 150, 'the deadline was honoured');
    assert.deepEqual(leakedSince(before), []);
  } finally {
    for (const s of fillers) s.destroy();
    await listener.close();
  }
});

test('writing to a closed peer gives EPIPE (MSG_NOSIGNAL: no SIGPIPE), and the process lives', async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  try {
    const accepted = listener.accept();
    const client = await TcpStream.connect({ host: '127.0.0.1', port: listener.address().port });
    const conn = await accepted;
    await conn.close();
    const chunk = Buffer.alloc(64 * 1024);
    let error: NodeJS.ErrnoException | undefined;
    for (let i = 0; i < 100 && error === undefined; i++) {
      await client.write(chunk).catch((e: NodeJS.ErrnoException) => (error = e));
    }
    assert.ok(error, 'a write failed');
    // The first failure is ECONNRESET (the peer's RST) or EPIPE; after it, always EPIPE.
    assert.ok(['EPIPE', 'ECONNRESET'].includes(error.code!), error.code);
    await assert.rejects(client.write(chunk), { code: 'EPIPE', syscall: 'write' });
    await client.close();
  } finally {
    await listener.close();
  }
});

test('a peer that resets mid-request: ECONNRESET on that connection, the server keeps serving others', async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  const errors: string[] = [];
  const served = (async () => {
    for await (const conn of listener) {
      void (async () => {
        try {
          for await (const chunk of conn) await conn.write(chunk);
        } catch (error) {
          errors.push((error as NodeJS.ErrnoException).code!);
        } finally {
          await conn.close();
        }
      })();
    }
  })();
  try {
    const port = listener.address().port;
    // The rude client: half a request, then a reset (SO_LINGER 0 + close), once its echo is back: the server's
    // loop then waits in its read, which gets the reset. (After a 50 ms sleep instead, a loaded machine could
    // reset while the echo's write was still to go: the read took the ECONNRESET, the write got EPIPE.)
    const rude = await nodeConnect(port);
    rude.write('GET / HT');
    await new Promise((resolve) => rude.once('data', resolve).once('close', resolve));
    rude.resetAndDestroy();
    // Polite clients before and after are answered.
    for (let i = 0; i < 5; i++) {
      const polite = await nodeConnect(port);
      const echoed = new Promise<string>((resolve) => {
        polite.once('data', (d: Buffer) => resolve(d.toString()));
        polite.once('close', () => resolve('(closed before any echo)')); // fails the assertion below, instead of waiting for ever
      });
      polite.write(`hello ${i}`);
      assert.equal(await echoed, `hello ${i}`);
      polite.destroy();
    }
    for (let i = 0; i < 100 && !errors.includes('ECONNRESET'); i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(errors, ['ECONNRESET']);
  } finally {
    await listener.close();
    await served;
  }
});

test('a connect aborted before it resolves rejects with an AbortError and leaves no socket, even when the kernel connected it first', async () => {
  // A local CONNECT completes at once, before its cancel: the stream was handed to a caller that had given up on it.
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  const { port } = listener.address();
  try {
    await TcpStream.connect({ host: '127.0.0.1', port }).then((s) => s.close()); // the ring and its fds, made before the count
    const before = openFds();
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const aborter = new AbortController();
      const connecting = TcpStream.connect({ host: '127.0.0.1', port, signal: aborter.signal });
      if (i % 2 === 0) aborter.abort();
      else queueMicrotask(() => aborter.abort());
      outcomes.push(
        await connecting.then(
          async (stream) => {
            await stream.close();
            return 'connected';
          },
          (error: Error) => error.name,
        ),
      );
    }
    assert.deepEqual(new Set(outcomes), new Set(['AbortError']));
    assert.deepEqual(leakedSince(before), []);
  } finally {
    await listener.close();
  }
});
