// TcpListener and TcpStream against real sockets on 127.0.0.1 and ::1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import os from 'node:os';

import { Ring } from '../../src/index.js';
import { TcpListener, TcpStream } from '../../src/net/index.js';
import { IPPROTO_TCP, SOL_SOCKET, SO_KEEPALIVE, TCP_NODELAY } from '../../src/sys/socket-constants.js';
import { addressOf } from '../../src/sys/memory.js';
import { native } from '../../src/sys/native.js';
import { SYS_getsockopt } from '../../src/sys/syscalls.js';
import { leakedSince, openFds } from '../../test-support/fds.js';
import { nodeConnect, readAll } from '../../test-support/net.js';
import { requireIoUring } from '../../test-support/backend.js';

function intOption(fd: number, level: number, name: number): number {
  const value = new Int32Array(1);
  const length = new Uint32Array([4]);
  assert.equal(native.syscall(SYS_getsockopt, fd, level, name, addressOf(value), addressOf(length)), 0);
  return value[0]!;
}

test('bind() on port 0 gets a free port; address() reports it as node:net does', async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  try {
    const addr = listener.address();
    assert.equal(addr.address, '127.0.0.1');
    assert.equal(addr.family, 'IPv4');
    assert.ok(addr.port > 0);
  } finally {
    await listener.close();
  }
});

test('accept() + read/write with a node:net client; read() gives 0 at EOF', async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  try {
    const client = await nodeConnect(listener.address().port);
    const conn = await listener.accept();
    assert.equal(conn.remoteAddress?.port, client.localPort);
    assert.equal(conn.localAddress?.port, listener.address().port);
    client.write('hello');
    const buf = Buffer.alloc(64);
    assert.equal(await conn.read(buf), 5);
    assert.equal(buf.subarray(0, 5).toString(), 'hello');
    const received = readAll(client);
    await conn.write('world');
    await conn.shutdown('write');
    assert.equal((await received).toString(), 'world');
    client.end();
    assert.equal(await conn.read(buf), 0);
    await conn.close();
  } finally {
    await listener.close();
  }
});

test('TcpStream.connect() to a node:net server; write() writes all of a large buffer', async () => {
  const big = Buffer.alloc(8 * 1024 * 1024, 7);
  for (let i = 0; i < big.length; i += 4096) big[i] = i & 0xff;
  let received: Promise<Buffer> | undefined;
  const server = net.createServer((socket) => (received = readAll(socket)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const stream = await TcpStream.connect({ host: '127.0.0.1', port });
    assert.deepEqual(stream.remoteAddress, { address: '127.0.0.1', family: 'IPv4', port });
    await stream.write(big);
    await stream.close();
    while (received === undefined) await new Promise((r) => setTimeout(r, 1));
    assert.ok((await received).equals(big));
  } finally {
    server.close();
  }
});

/** Listens on `host`, connects to it and sends bytes across; every address either end reports is `host`, IPv6. */
async function exchangeOn(host: string): Promise<void> {
  const listener = await TcpListener.bind({ host, ipv6Only: true });
  try {
    assert.equal(listener.address().family, 'IPv6');
    assert.equal(listener.address().address, host);
    const accepted = listener.accept();
    const client = await TcpStream.connect({ host, port: listener.address().port });
    const conn = await accepted;
    assert.equal(conn.remoteAddress?.address, host);
    assert.equal(client.remoteAddress?.address, host);
    await client.write('v6');
    const buf = Buffer.alloc(2);
    assert.equal(await conn.read(buf), 2);
    assert.equal(buf.toString(), 'v6');
    await Promise.all([client.close(), conn.close()]);
  } finally {
    await listener.close();
  }
}

test('IPv6: listen on ::1, connect, exchange bytes, addresses are IPv6', () => exchangeOn('::1'));

test('IPv6 link-local with a zone (fe80::…%eth0): bind, connect, exchange bytes; addresses carry the zone', async (t) => {
  const found = Object.entries(os.networkInterfaces())
    .flatMap(([name, entries]) => (entries ?? []).filter((e) => e.family === 'IPv6' && e.scopeid).map((e) => `${e.address.split('%')[0]}%${name}`))
    .at(0);
  if (found === undefined) return t.skip('no interface here has an IPv6 link-local address');
  await exchangeOn(found);
});

test('a zone names any interface, as node:net reads it (if_nametoindex): lo has no link-local address but an index; a name no interface has, even `constructor`, is no scope', async () => {
  // What node:net answers for each (fe80::1 is on no interface here): the kernel's error for a scoped address
  // it does not have, and EINVAL for a link-local one with no scope. A zone looked up among the interfaces
  // with a link-local address gave lo no scope (EINVAL), and `constructor` found Object's (a TypeError).
  for (const [zone, code] of [
    ['lo', 'EADDRNOTAVAIL'],
    ['constructor', 'EINVAL'],
    ['no-such-if', 'EINVAL'],
  ] as const) {
    await assert.rejects(TcpListener.bind({ host: `fe80::1%${zone}` }), (error: NodeJS.ErrnoException) => {
      assert.equal(error.code, code, `fe80::1%${zone}: ${error}`);
      assert.equal(error.syscall, 'bind');
      return true;
    });
  }
});

test('readv() and writev() move several buffers in one op', async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  try {
    const accepted = listener.accept();
    const client = await TcpStream.connect({ host: '127.0.0.1', port: listener.address().port });
    const conn = await accepted;
    await client.writev([Buffer.from('abc'), 'defg', Buffer.from('h')]);
    const a = Buffer.alloc(4);
    const b = Buffer.alloc(4);
    let got = 0;
    while (got < 8) got += await conn.readv(got === 0 ? [a, b] : [b.subarray(got - 4)]);
    assert.equal(Buffer.concat([a, b]).toString(), 'abcdefgh');
    await Promise.all([client.close(), conn.close()]);
  } finally {
    await listener.close();
  }
});

test('for await over a stream: multishot recv chunks, buffers recycled, end at EOF', async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  try {
    const client = await nodeConnect(listener.address().port);
    const conn = await listener.accept();
    const payload = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    client.end(payload);
    const parts: Buffer[] = [];
    const chunks = conn.chunks();
    for await (const chunk of chunks) parts.push(Buffer.from(chunk));
    assert.ok(Buffer.concat(parts).equals(payload));
    assert.ok(parts.length > 1, 'a megabyte comes in several chunks');
    await conn.close();
  } finally {
    await listener.close();
  }
});

test('setNoDelay and setKeepAlive set the socket options (checked with getsockopt)', async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  try {
    const accepted = listener.accept();
    const client = await TcpStream.connect({ host: '127.0.0.1', port: listener.address().port });
    assert.equal(intOption(client.fd, IPPROTO_TCP, TCP_NODELAY), 1, 'on by default');
    client.setNoDelay(false);
    assert.equal(intOption(client.fd, IPPROTO_TCP, TCP_NODELAY), 0);
    client.setKeepAlive(true, 30_000);
    assert.equal(intOption(client.fd, SOL_SOCKET, SO_KEEPALIVE), 1);
    await Promise.all([client.close(), (await accepted).close()]);
  } finally {
    await listener.close();
  }
});

test('TCP_NODELAY is set once, on the listener: accepted sockets inherit it (Linux copies the listener), and noDelay: false leaves Nagle on', async () => {
  // The node backend's listener is node:net's, which sets the option on each accepted socket instead.
  const onRing = requireIoUring().skip === false;
  for (const [noDelay, want] of [
    [undefined, 1],
    [false, 0],
  ] as const) {
    for (const host of ['127.0.0.1', '::1']) {
      const listener = await TcpListener.bind({ host, noDelay });
      try {
        if (onRing) assert.equal(intOption(listener.fd, IPPROTO_TCP, TCP_NODELAY), want, `listener ${host} noDelay ${noDelay}`);
        // Both accept paths: one accept and the multishot loop.
        const client = await nodeConnect(listener.address().port, host);
        const one = await listener.accept();
        const connections = listener.connections();
        const second = await nodeConnect(listener.address().port, host);
        const looped = (await connections.next()).value!;
        for (const conn of [one, looped]) assert.equal(intOption(conn.fd, IPPROTO_TCP, TCP_NODELAY), want, `accepted ${host} noDelay ${noDelay}`);
        client.destroy();
        second.destroy();
        await Promise.all([one.close(), looped.close()]);
        await connections.return?.();
      } finally {
        await listener.close();
      }
    }
  }
});

test('signal: aborting a read cancels it in the kernel (AbortError), and the stream still works', async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  try {
    const client = await nodeConnect(listener.address().port);
    const conn = await listener.accept();
    const ac = new AbortController();
    const pending = conn.read(Buffer.alloc(16), { signal: ac.signal });
    ac.abort();
    await assert.rejects(pending, { name: 'AbortError', code: 'ABORT_ERR' });
    client.write('after');
    const buf = Buffer.alloc(16);
    assert.equal(await conn.read(buf), 5);
    const acceptAbort = new AbortController();
    const accepting = listener.accept({ signal: acceptAbort.signal });
    acceptAbort.abort();
    await assert.rejects(accepting, { name: 'AbortError' });
    client.destroy();
    await conn.close();
  } finally {
    await listener.close();
  }
});

test('close() while a read is in flight ends the read and the peer sees EOF', async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1' });
  try {
    const client = await nodeConnect(listener.address().port);
    const conn = await listener.accept();
    const ended = readAll(client);
    const reading = conn.read(Buffer.alloc(16));
    await conn.close();
    assert.equal(await reading, 0);
    assert.equal((await ended).length, 0);
    await assert.rejects(conn.read(Buffer.alloc(1)), { code: 'ERR_RINGCORE_CLOSED' });
  } finally {
    await listener.close();
  }
});

test('listeners and streams on an explicit ring; closing everything leaves no fd behind', async () => {
  const before = openFds();
  const ring = new Ring({ entries: 64 });
  const listener = await TcpListener.bind({ host: '127.0.0.1', ring });
  const accepted = listener.accept();
  const client = await TcpStream.connect({ host: 'localhost', port: listener.address().port, ring });
  const conn = await accepted;
  await client.write('x');
  const buf = Buffer.alloc(1);
  assert.equal(await conn.read(buf), 1);
  await Promise.all([client.close(), conn.close(), listener.close()]);
  await ring.close();
  assert.deepEqual(leakedSince(before), []);
});

// The timeout only guards against a hang: accept() waited for ever when the loop had closed the connections it took.
test('an accept loop that ends early loses no connection it had accepted: accept() and the next loop get them', { timeout: 20_000 }, async () => {
  const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 });
  const port = listener.address().port;
  const clients: net.Socket[] = [];
  try {
    // A burst: the multishot accept takes them all while the loop's body runs for the first.
    for (let i = 0; i < 8; i++) clients.push(await nodeConnect(port));
    const ports = new Set(clients.map((c) => c.localPort));
    const closedByServer: number[] = [];
    for (const c of clients) c.on('close', () => closedByServer.push(c.localPort!));
    const accepted: TcpStream[] = [];
    for await (const conn of listener) {
      accepted.push(conn);
      break;
    }
    for (let i = 0; i < 3; i++) accepted.push(await listener.accept());
    for await (const conn of listener) {
      accepted.push(conn);
      if (accepted.length === clients.length) break;
    }
    assert.deepEqual(new Set(accepted.map((c) => c.remoteAddress!.port)), ports, 'each client accepted once');
    assert.deepEqual(closedByServer, [], 'no client was closed by the server');
    await Promise.all(accepted.map((c) => c.close()));
  } finally {
    for (const c of clients) c.destroy();
    await listener.close();
  }
});
