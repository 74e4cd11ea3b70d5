// Careless use of a connection loses nothing: writes not awaited before
// close() go out (in call order, then FIN), on TCP and Unix sockets, with
// SEND_ZC too, and on both backends; destroy() still ends at once for a peer
// that never reads. Each case runs in a child, so that the unhandled
// rejection the old close() gave a write kills only the child.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { backend } from '../../src/index.js';

const netModule = new URL('../../src/net/index.js', import.meta.url).href;
const sysModules = ['native', 'memory', 'syscalls', 'socket-constants'].map((name) => new URL(`../../src/sys/${name}.js`, import.meta.url).href);
const dir = mkdtempSync(join(tmpdir(), 'ringcore-net-careless-'));

/** Runs `body` (an ES module: `api` is ringcore/net, `dir` a fresh directory) on each backend; each must print `expected`. */
function onEachBackend(body: string, expected: unknown, backends: string[] = ['node', 'io_uring']): void {
  for (const which of backends) {
    if (which === 'io_uring' && backend() !== 'io_uring') {
      console.log('# io_uring run skipped: the kernel has no io_uring here');
      continue;
    }
    const work = mkdtempSync(join(dir, 'run-'));
    const env = { ...process.env, RINGCORE_BACKEND: which, RINGCORE_QUIET: '1', NODE_OPTIONS: undefined };
    const source = `const api = await import(${JSON.stringify(netModule)}); const dir = ${JSON.stringify(work)};\n${body}`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', source], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `${which} child failed (${r.signal ?? r.status}):\n${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout), expected, which);
  }
}

/** A node:net server that keeps what each connection sent, and how it ended. */
const countingServer = `
  import net from 'node:net';
  function collect(server) {
    const got = [];
    server.on('connection', (s) => {
      const chunks = [];
      s.on('data', (d) => chunks.push(d));
      s.on('error', (e) => got.push({ error: e.code }));
      s.on('end', () => got.push(Buffer.concat(chunks)));
    });
    return got;
  }
  const until = async (test) => { while (!test()) await new Promise((resolve) => setTimeout(resolve, 5)); };
  /** What came, as runs of one byte: [[byte, count], ...]. */
  const runs = (bytes) => {
    const out = [];
    for (const b of bytes) { const last = out[out.length - 1]; if (last?.[0] === b) last[1]++; else out.push([b, 1]); }
    return out;
  };
  const settled = (p) => p.then(() => 'ok', (e) => e.code);
  let connections = 1;
`;

/** `a` and `b`, two ends of a TCP connection (not socketpair(): under Bun the node backend has none). */
const tcpPair = `
  const listener = await api.TcpListener.bind({ host: '127.0.0.1' });
  const accepted = listener.accept();
  const a = await api.TcpStream.connect({ host: '127.0.0.1', port: listener.address().port });
  const b = await accepted;
  await listener.close();
`;

/** A node:net server that collects (`got`), and `conn`, a ringcore TcpStream connected to it. */
const tcpClient = `
  const server = net.createServer();
  const got = collect(server);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const conn = await api.TcpStream.connect({ host: '127.0.0.1', port: server.address().port });
`;

/**
 * Three writes not awaited, then close(): prints what each gave and what the
 * server got from `conn` (and `extra`'s fields), once `connections` have ended.
 */
const twoWritesThenClose = (extra = '') => `
  const a = Buffer.alloc(100_000, 0x61), b = Buffer.alloc(100_000, 0x62), c = Buffer.alloc(50_000, 0x63);
  const writes = [conn.write(a), conn.write(b), conn.writev([c, 'end'])];
  const closed = await settled(conn.close());
  const after = await settled(conn.write('late'));
  await until(() => got.length === connections);
  const ours = got.find((g) => g[0] !== 0x7a) ?? got[0];
  console.log(JSON.stringify({ closed, writes: await Promise.all(writes.map(settled)), after, got: runs(ours) ${extra} }));
  process.exit(0);
`;
const expectedTwoWrites = {
  closed: 'ok',
  writes: ['ok', 'ok', 'ok'],
  after: 'ERR_RINGCORE_CLOSED',
  got: [
    [0x61, 100_000],
    [0x62, 100_000],
    [0x63, 50_000],
    [0x65, 1],
    [0x6e, 1],
    [0x64, 1],
  ],
};

test('TCP: writes not awaited before close() all go out, in call order, then FIN; a write after close() rejects', () => {
  onEachBackend(
    `${countingServer}
     ${tcpClient}
     ${twoWritesThenClose()}`,
    expectedTwoWrites,
  ); // before: the second write rejected ERR_RINGCORE_CLOSED (unhandled: the child died), the server got 100000 bytes
});

test('Unix socket: writes not awaited before close() all go out, in call order, then FIN', () => {
  onEachBackend(
    `${countingServer}
     const server = net.createServer();
     const got = collect(server);
     const path = dir + '/s.sock';
     await new Promise((resolve) => server.listen(path, resolve));
     const conn = await api.UnixStream.connect({ path });
     ${twoWritesThenClose()}`,
    expectedTwoWrites,
  );
});

test('SEND_ZC writes not awaited before close() all go out too', () => {
  onEachBackend(
    `${countingServer}
     api.setZeroCopyThreshold(1);
     ${tcpClient}
     ${twoWritesThenClose()}`,
    expectedTwoWrites,
    ['io_uring'],
  );
});

test('close() while a chunk loop and a read() wait: they end, and the writes called before it still go out', () => {
  onEachBackend(
    `${countingServer}
     ${tcpClient}
     const other = await api.TcpStream.connect({ host: '127.0.0.1', port: server.address().port });
     const loop = (async () => { for await (const _ of conn) return 'chunk'; return 'ended'; })();
     const read = other.read(Buffer.alloc(10)).then((n) => 'read ' + n, (e) => e.code);
     other.write(Buffer.alloc(100_000, 0x7a));
     connections = 2;
     const otherClosed = await settled(other.close());
     ${twoWritesThenClose(', loop: await loop, read: await read, otherClosed')}`,
    { ...expectedTwoWrites, loop: 'ended', read: 'read 0', otherClosed: 'ok' },
  );
});

/** Two writes of 16 MiB to a peer that never reads, close() (which waits for them), then destroy(). */
const destroyUnderClose = (extra: string) => `${countingServer}
  const server = net.createServer((s) => { s.pause(); s.on('error', () => {}); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const conn = await api.TcpStream.connect({ host: '127.0.0.1', port: server.address().port });
  const big = Buffer.alloc(16 << 20, 1);
  const writes = [conn.write(big), conn.write(big)];
  const closing = conn.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const destroyed = await settled(conn.destroy());
  const closed = await settled(closing);
  const [inFlight, waiting] = await Promise.all(writes.map(settled));
  console.log(JSON.stringify({ destroyed, closed, waitingFailed: waiting !== 'ok' ${extra} }));
  server.close();
  process.exit(0);`;

test('destroy() ends at once when the peer never reads: a waiting write rejects, a close() that waits for the writes resolves', () => {
  // A close() with no destroy() here would wait for ever: the peer never reads.
  onEachBackend(destroyUnderClose(''), { destroyed: 'ok', closed: 'ok', waitingFailed: true });
  // The write in flight was cut short: it rejects on both backends (node:net calls its callback without an error, test/net/destroy-cuts-write.test.ts).
  onEachBackend(destroyUnderClose(', inFlightFailed: inFlight !== "ok"'), { destroyed: 'ok', closed: 'ok', waitingFailed: true, inFlightFailed: true });
});

/** A node:dgram socket on 127.0.0.1 that collects what it receives as strings in `got`; its port is `port`. */
const udpReceiver = `
     import dgram from 'node:dgram';
     const receiver = dgram.createSocket('udp4');
     const got = [];
     receiver.on('message', (m) => got.push(m.toString()));
     await new Promise((resolve) => receiver.bind(0, '127.0.0.1', resolve));
     const port = receiver.address().port;`;

test('UDP: sends not awaited before close() go out (node:dgram drops them without a word); a send after close() rejects', () => {
  onEachBackend(
    `${countingServer}
${udpReceiver}
     const socket = await api.UdpSocket.bind({ host: '127.0.0.1' });
     const sends = [socket.send('one', port, '127.0.0.1'), socket.send('two', port, 'localhost'), socket.send('three', port, '127.0.0.1')];
     const closed = await settled(socket.close());
     const after = await settled(socket.send('late', port, '127.0.0.1'));
     await until(() => got.length === 3);
     console.log(JSON.stringify({ closed, sends: await Promise.all(sends.map(settled)), after, got: got.sort() }));
     process.exit(0);`,
    { closed: 'ok', sends: ['ok', 'ok', 'ok'], after: 'ERR_RINGCORE_CLOSED', got: ['one', 'three', 'two'] },
  ); // before: io_uring rejected each send with an AbortError (unhandled: the child died); the node backend's never settled
});

// send() on the node backend handed node:dgram the caller's buffer, which
// node:dgram sends a turn later (after its address lookup, even of an IP): a
// scratch buffer refilled right after send() returned sent the refilled bytes.
// The datagram is the bytes the buffer held at the call, on both backends: by
// a sendto(2) at the call or a copy (io_uring's send that waits for a name
// lookup, a signal's SENDMSG or one behind it). node:dgram sends the refilled
// ones: shown alongside.
test('UDP: send() sends the bytes the buffer held at the call, not the refilled buffer, on both backends (node:dgram sends the refilled ones)', () => {
  onEachBackend(
    `${countingServer}
${udpReceiver}
     /** Sends 0000, 1111 (to 'localhost'), 2222 (with a signal), 3333 from one scratch buffer, refilling it before any send is awaited. */
     const calls = async (send) => {
       got.length = 0;
       const scratch = Buffer.alloc(4);
       const sends = [];
       const calls = [['0', '127.0.0.1'], ['1', 'localhost'], ['2', '127.0.0.1', { signal: new AbortController().signal }], ['3', '127.0.0.1']];
       for (const [digit, host, options] of calls) {
         scratch.fill(digit);
         sends.push(send(scratch, host, options));
       }
       scratch.fill('z');
       await Promise.all(sends);
       await until(() => got.length === calls.length);
       return got.sort().join(' ');
     };
     const socket = await api.UdpSocket.bind({ host: '127.0.0.1' });
     const ringcore = await calls((b, host, options) => socket.send(b, port, host, options));
     await socket.close();
     const nodeSocket = dgram.createSocket('udp4');
     const nodeDgram = await calls((b, host) => new Promise((resolve) => nodeSocket.send(b, port, host, resolve)));
     nodeSocket.close();
     receiver.close();
     console.log(JSON.stringify({ ringcore, nodeDgram }));
     process.exit(0);`,
    { ringcore: '0000 1111 2222 3333', nodeDgram: 'zzzz zzzz zzzz zzzz' },
  );
});

// Found by test/net/random-careless.test.ts: the node backend checked no
// argument of a stream call, so write(123) after close() rejected
// ERR_RINGCORE_CLOSED (and went to node:net before it), and a zero-byte
// read after close() resolved 0.
test('bad arguments throw ERR_INVALID_ARG_TYPE, open or closed, and a zero-byte read after close() rejects, on both backends', () => {
  onEachBackend(
    `
    ${tcpPair}
    const code = (call) => {
      try {
        return call().then(() => 'ok', (e) => e.code);
      } catch (e) {
        return 'throws ' + e.code;
      }
    };
    const calls = () => [
      () => a.write(123),
      () => a.read('x'),
      () => a.readv('x'),
      () => a.readv([1]),
      () => a.writev([1]),
      () => a.shutdown('x'),
      () => a.read(Buffer.alloc(0)),
      () => a.readv([Buffer.alloc(0)]),
    ];
    const out = { open: [], closed: [] };
    for (const call of calls()) out.open.push(await code(call));
    await a.close();
    for (const call of calls()) out.closed.push(await code(call));
    await b.close();
    console.log(JSON.stringify(out));
    process.exit(0);
  `,
    {
      open: Array(6).fill('throws ERR_INVALID_ARG_TYPE').concat(['ok', 'ok']),
      closed: Array(6).fill('throws ERR_INVALID_ARG_TYPE').concat(['ERR_RINGCORE_CLOSED', 'ERR_RINGCORE_CLOSED']),
    },
  );
});

// The node backend checked no options: write('x', { signal: 5 }) wrote 'x'
// and resolved, writev(), readv(), shutdown(), chunks(), accept() and UDP's
// calls took any options, and connect({ signal: 5 }) left node:net's socket
// open, its 'error' event unheard, which killed the process. On io_uring an
// empty read took any options and chunks({ signal: 5 }) threw a bare
// TypeError. Now both give the same outcome, and nothing is sent.
test('bad options throw TypeError and an aborted signal rejects, before anything is sent, the same on both backends', () => {
  const bads = ['{ signal: 5 }', '5', 'null', '{ signal: AbortSignal.abort() }'];
  onEachBackend(
    `
    const listener = await api.TcpListener.bind({ host: '127.0.0.1' });
    const port = listener.address().port;
    const accepted = listener.accept();
    const a = await api.TcpStream.connect({ host: '127.0.0.1', port });
    const b = await accepted;
    const udp = await api.UdpSocket.bind({ host: '127.0.0.1' });
    const outcome = (call) => {
      try {
        const result = call();
        if (typeof result?.then !== 'function') {
          result?.return?.();
          return 'ok';
        }
        return result.then(() => 'ok', (e) => e.name + ' ' + e.code);
      } catch (e) {
        return 'throws ' + e.name + ' ' + e.code;
      }
    };
    const table = (o) => ({
      write: () => a.write('w', o),
      'empty write': () => a.write('', o),
      writev: () => a.writev(['v'], o),
      'empty writev': () => a.writev([], o),
      read: () => b.read(Buffer.alloc(1), o),
      'empty read': () => b.read(Buffer.alloc(0), o),
      'empty readv': () => b.readv([], o),
      shutdown: () => a.shutdown('write', o),
      chunks: () => b.chunks(o),
      accept: () => listener.accept(o),
      connections: () => listener.connections(o),
      'TCP connect': () => api.TcpStream.connect({ host: '127.0.0.1', port, ...o }),
      'Unix connect': () => api.UnixStream.connect({ path: dir + '/none', ...o }),
      'UDP send': () => udp.send('u', udp.address().port, '127.0.0.1', o),
      'UDP recv': () => udp.recv(o),
      datagrams: () => udp.datagrams(o),
    });
    const out = {};
    for (const [name, o] of [${bads.map((b) => `['${b}', ${b}]`).join(', ')}]) {
      for (const [call, f] of Object.entries(table(o))) {
        // connect() spreads its options: 5 and null add nothing there.
        if (call.endsWith('connect') && typeof o !== 'object') continue;
        if (call.endsWith('connect') && o === null) continue;
        (out[call] ??= []).push(await outcome(f));
      }
    }
    // Nothing of the calls above was sent: the peers get only what comes now.
    await a.write('end');
    await a.shutdown();
    const got = [];
    for await (const chunk of b) got.push(chunk);
    out.received = Buffer.concat(got).toString();
    await udp.send('last', udp.address().port, '127.0.0.1');
    out.datagram = (await udp.recv()).data.toString();
    await Promise.all([a.close(), b.close(), listener.close(), udp.close()]);
    console.log(JSON.stringify(out));
    process.exit(0);
  `,
    (() => {
      const type = 'throws TypeError ERR_INVALID_ARG_TYPE';
      const aborted = 'AbortError ABORT_ERR';
      const rejectsType = 'TypeError ERR_INVALID_ARG_TYPE';
      const sync = [type, type, type, aborted];
      const async = [rejectsType, rejectsType, rejectsType, aborted];
      return {
        write: sync,
        'empty write': sync,
        writev: sync,
        'empty writev': sync,
        read: sync,
        'empty read': sync,
        'empty readv': sync,
        shutdown: sync,
        // A loop's signal is checked by its next(), as a for await loop's.
        chunks: [type, type, type, 'ok'],
        accept: async,
        connections: [type, type, type, 'ok'],
        'TCP connect': [rejectsType, aborted],
        'Unix connect': [rejectsType, aborted],
        'UDP send': async,
        'UDP recv': async,
        datagrams: [type, type, type, 'ok'],
        received: 'end',
        datagram: 'last',
      };
    })(),
  );
});

// A recv() waiting when close() came rejected with an AbortError on io_uring
// (close() aborts the recvs it cancels) though nothing was aborted by the
// caller; the node backend, and a recv() after close(), say ERR_RINGCORE_CLOSED.
test('UDP: a recv() waiting when close() is called rejects ERR_RINGCORE_CLOSED on both backends; one whose own signal aborts, AbortError', () => {
  onEachBackend(
    `
    const udp = await api.UdpSocket.bind({ host: '127.0.0.1' });
    const settled = (p) => p.then((d) => 'datagram ' + d.data, (e) => e.name + ' ' + e.code);
    const controller = new AbortController();
    const waiting = [udp.recv(), udp.recv(), udp.recv({ signal: controller.signal })];
    controller.abort();
    const closed = udp.close();
    const out = { waiting: await Promise.all(waiting.map(settled)), after: await settled(udp.recv()) };
    await closed;
    console.log(JSON.stringify(out));
    process.exit(0);
  `,
    {
      waiting: ['RingcoreError ERR_RINGCORE_CLOSED', 'RingcoreError ERR_RINGCORE_CLOSED', 'AbortError ABORT_ERR'],
      after: 'RingcoreError ERR_RINGCORE_CLOSED',
    },
  );
});

// recv() with a signal already aborted rejects without an op in the ring; on
// io_uring it still listed that missing op among the recvs close() aborts, so
// a close() before the rejection settled threw a TypeError.
test('UDP: close() right after a recv() whose signal was already aborted does not throw, on both backends', () => {
  onEachBackend(
    `
    const udp = await api.UdpSocket.bind({ host: '127.0.0.1' });
    const settled = (p) => p.then((d) => 'datagram ' + d.data, (e) => e.name + ' ' + e.code);
    const recv = settled(udp.recv({ signal: AbortSignal.abort() }));
    let close = 'closed';
    try {
      await udp.close();
    } catch (error) {
      close = 'threw ' + error.name + ': ' + error.message;
    }
    console.log(JSON.stringify({ recv: await recv, close }));
    process.exit(0);
  `,
    { recv: 'AbortError ABORT_ERR', close: 'closed' },
  );
});

// On the node backend a small write() waiting behind a large one handed
// node:net the caller's buffer, which node:net sends as it is when its turn
// comes: a scratch buffer refilled right after write() returned sent the
// refilled bytes ('zzz…'), where io_uring copies such a write at the call
// (docs/net.md). node:net itself sends the refilled bytes: shown alongside.
test('a small write waiting behind a large one sends the bytes of the call, not the refilled buffer, on both backends (node:net sends the refilled ones)', () => {
  onEachBackend(
    `
    import net from 'node:net';
    /** A peer that reads only once the writes are made; what it got after the first 8 MiB. */
    async function peer(write) {
      let accepted;
      const connection = new Promise((resolve) => (accepted = resolve));
      const server = net.createServer((s) => { s.pause(); accepted(s); });
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { done } = await write(server.address().port, connection);
      const s = await connection;
      const chunks = [];
      s.on('data', (d) => chunks.push(d));
      s.resume();
      await done;
      await new Promise((resolve) => s.on('end', resolve));
      server.close();
      return Buffer.concat(chunks).subarray(8 << 20).toString();
    }
    const calls = async (write) => {
      const scratch = Buffer.alloc(4);
      const writes = [write(Buffer.alloc(8 << 20, 0x61))];
      for (const digit of '012') {
        scratch.fill(digit);
        writes.push(write(scratch));
      }
      scratch.fill('z');
      return writes;
    };
    const ringcore = await peer(async (port) => {
      const conn = await api.TcpStream.connect({ host: '127.0.0.1', port });
      const writes = await calls((b) => conn.write(b));
      return { done: Promise.all(writes).then(() => conn.close()) };
    });
    const nodeNet = await peer(async (port) => {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.on('connect', resolve));
      const writes = await calls((b) => new Promise((resolve) => socket.write(b, resolve)));
      socket.end();
      return { done: Promise.all(writes) };
    });
    console.log(JSON.stringify({ ringcore, nodeNet }));
    process.exit(0);
  `,
    { ringcore: '000011112222', nodeNet: 'zzzzzzzzzzzz' },
  );
});

// The node backend served a read() during a chunk loop (documented as a
// difference): a program reading inside its loop worked there and failed
// with ERR_INVALID_STATE once io_uring was allowed.
test('read(), readv() and chunks() while a chunk loop may still yield refuse with ERR_INVALID_STATE on both backends; after the loop, reads go on', () => {
  onEachBackend(
    `
    ${tcpPair}
    const settled = (call) => {
      try {
        return call().then((n) => 'ok ' + n, (e) => e.code);
      } catch (e) {
        return 'throws ' + e.code;
      }
    };
    await a.write('first|second');
    const out = {};
    for await (const chunk of b) {
      out.chunk = chunk.toString();
      out.read = await settled(() => b.read(Buffer.alloc(4)));
      out.readv = await settled(() => b.readv([Buffer.alloc(4)]));
      out.chunks = await settled(() => b.chunks());
      break;
    }
    await a.write('third');
    const buf = Buffer.alloc(5);
    out.after = buf.subarray(0, await b.read(buf)).toString();
    await Promise.all([a.close(), b.close()]);
    console.log(JSON.stringify(out));
    process.exit(0);
  `,
    { chunk: 'first|second', read: 'ERR_INVALID_STATE', readv: 'ERR_INVALID_STATE', chunks: 'throws ERR_INVALID_STATE', after: 'third' },
  );
});

// A closed stream's fd number goes to the next socket or file opened: what
// asked the kernel by that number after close() set or read that one.
test("after close(), setNoDelay/setKeepAlive and a first localAddress refuse (ERR_RINGCORE_CLOSED), leaving the socket that took the fd number alone; a destroyed Duplex's are no-ops, as net.Socket's", () => {
  onEachBackend(
    `
    const [{ native }, { addressOf }, { SYS_getsockopt }, { IPPROTO_TCP, SOL_SOCKET, SO_KEEPALIVE, TCP_NODELAY }] = await Promise.all(
      ${JSON.stringify(sysModules)}.map((url) => import(url)),
    );
    const option = (fd, level, name) => {
      const value = new Int32Array(1);
      const length = new Uint32Array([4]);
      return native.syscall(SYS_getsockopt, fd, level, name, addressOf(value), addressOf(length)) < 0 ? 'EBADF' : value[0];
    };
    const settled = (call) => {
      try {
        const value = call();
        return value?.port !== undefined ? 'port ' + value.port : 'ok';
      } catch (e) {
        return e.code;
      }
    };
    const listener = await api.TcpListener.bind({ host: '127.0.0.1' });
    const port = listener.address().port;
    const accepted = [];
    const accepting = (async () => { for await (const conn of listener) accepted.push(conn); })();
    const a = await api.TcpStream.connect({ host: '127.0.0.1', port });
    const remote = a.remoteAddress.port;
    await a.close();
    // Takes a's fd number on io_uring (the lowest free one).
    const c = await api.TcpStream.connect({ host: '127.0.0.1', port });
    const out = {
      noDelay: settled(() => a.setNoDelay(false)),
      keepAlive: settled(() => a.setKeepAlive(true)),
      local: settled(() => a.localAddress),
      remoteKnown: a.remoteAddress.port === remote,
      cNoDelay: option(c.fd, IPPROTO_TCP, TCP_NODELAY),
      cKeepAlive: option(c.fd, SOL_SOCKET, SO_KEEPALIVE),
    };
    const duplex = c.toDuplex();
    duplex.on('error', () => {});
    let timeouts = 0;
    duplex.on('timeout', () => timeouts++);
    duplex.destroy();
    await new Promise((resolve) => duplex.once('close', resolve));
    out.duplex = settled(() => { duplex.setNoDelay(false); duplex.setKeepAlive(true, 1000); duplex.setTimeout(1); });
    await new Promise((resolve) => setTimeout(resolve, 50));
    out.timeouts = timeouts;
    await listener.close();
    await accepting;
    await Promise.all(accepted.map((conn) => conn.close()));
    console.log(JSON.stringify(out));
    process.exit(0);
  `,
    {
      noDelay: 'ERR_RINGCORE_CLOSED',
      keepAlive: 'ERR_RINGCORE_CLOSED',
      local: 'ERR_RINGCORE_CLOSED',
      remoteKnown: true,
      cNoDelay: 1,
      cKeepAlive: 0,
      duplex: 'ok',
      timeouts: 0,
    },
  ); // before: io_uring turned the new socket's TCP_NODELAY off and its SO_KEEPALIVE on, and gave its local port as a's;
  // the node backend threw EBADF; a destroyed Duplex threw EBADF from setNoDelay and emitted 'timeout'
});

test('a read into a buffer of 2 GiB or more gets the bytes, and a write of more than 2 GiB goes on sending, on both backends (io_uring: EINVAL, or 0 for 4 GiB)', () => {
  onEachBackend(
    `
    ${tcpPair}
    const out = {};
    // Pages of these are never touched but for the bytes read.
    await a.write('hello');
    out.reads = [await b.read(Buffer.allocUnsafe(2 ** 31)).catch((e) => e.code)];
    await a.write('again');
    out.reads.push(await b.read(Buffer.allocUnsafe(2 ** 32)).catch((e) => e.code));
    // More than 2 GiB left for the SEND after what the socket takes at once.
    let settled = 'pending';
    const writing = a.write(Buffer.alloc(2 ** 31 + (64 << 20))).then(() => 'ok', (e) => e.code);
    void writing.then((code) => (settled = code));
    const scratch = Buffer.allocUnsafe(1 << 20);
    let got = 0;
    // (A write that failed ends the loop: nothing more would come.)
    const failed = writing.then(() => -1);
    while (got < 32 << 20) {
      const n = await Promise.race([b.read(scratch), failed]);
      if (n < 0) break;
      got += n;
    }
    out.whileReading = settled;
    await a.destroy();
    out.write = await writing;
    await b.close();
    // No process.exit(): with gigabytes of external memory, a concurrent Maglev compile can be waiting
    // for a GC at the exit, and Node then hangs joining its thread (nodejs/node#54918, seen on Node 26).
    // The loop ends by itself: nothing of ringcore's is left holding it.
    console.log(JSON.stringify(out));
  `,
    { reads: [5, 5], whileReading: 'pending', write: 'ERR_RINGCORE_CLOSED' },
  ); // before, io_uring: reads ['EINVAL', 0] (0: the end of the stream), the write rejected EINVAL after some 4 MB
});
