// A TcpStream's reads and writes on the node backend (src/fallback/net.ts,
// SocketIo), run in a child with RINGCORE_BACKEND=node so that `npm test`
// covers them where io_uring works too: a waiting read is handed its bytes
// with one promise (the node backend costs little over node:net), and
// waiting reads keep their order and end as they do on io_uring (abort,
// close, end of stream, the peer's reset).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { runtime } from '../../src/sys/runtime.js';

const netModule = new URL('../../src/net/index.js', import.meta.url).href;

/** Runs `body` in a fresh node on the node backend, with `stream` connected to `peer` (a node:net socket); stdout is parsed as JSON. */
function onNodeBackend(body: string, flags: string[] = []): unknown {
  const script = `
    import net from 'node:net';
    import { createHook } from 'node:async_hooks';
    import { backend } from ${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)};
    import { TcpStream } from ${JSON.stringify(netModule)};
    let peer;
    const server = net.createServer((s) => { peer = s; });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const stream = await TcpStream.connect({ host: '127.0.0.1', port: server.address().port });
    while (!peer) await new Promise((r) => setImmediate(r));
    if (backend() !== 'node') throw new Error('not on the node backend');
    const out = await (async () => { ${body} })();
    await stream.close();
    server.close();
    console.log(JSON.stringify(out));`;
  const env = { ...process.env, RINGCORE_BACKEND: 'node', NODE_OPTIONS: undefined };
  const r = spawnSync(process.execPath, [...flags, '--input-type=module', '-e', script], { env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `child failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('a read that waits for bytes costs one promise, handed its bytes by the data event', (t) => {
  const out = onNodeBackend(`
    let promises = 0;
    createHook({ init(id, type) { if (type === 'PROMISE') promises++; } }).enable();
    new Promise(() => {});
    if (promises === 0) return 'unseen';
    const buf = Buffer.alloc(4);
    const rounds = [];
    for (let i = 0; i < 4; i++) {
      promises = 0;
      const read = stream.read(buf);
      const atCall = promises;
      peer.write('p' + i + 'ng');
      const n = await read;
      rounds.push({ n, text: buf.toString(), atCall, total: promises });
    }
    return rounds;`) as { n: number; text: string; atCall: number; total: number }[] | 'unseen';
  // Bun's async_hooks reports no promises (JavaScriptCore has no promise hooks).
  if (out === 'unseen') return void t.skip("this runtime's async_hooks does not report promises");
  for (const [i, round] of out.entries()) {
    assert.equal(round.n, 4);
    assert.equal(round.text, `p${i}ng`);
    if (i === 0) continue; // the first read also pays for what is set up on first use
    // The read's own promise; with async_hooks on, V8 adds one for the test's await. (It was 6 counted so: an async read, an async chunk and a waiter.)
    assert.equal(round.atCall, 1, JSON.stringify(out));
    assert.ok(round.total <= 2, JSON.stringify(out));
  }
});

test('waiting reads are served in call order, and bytes already queued go to a read at once', () => {
  const out = onNodeBackend(`
    const a = Buffer.alloc(3), b = Buffer.alloc(3);
    const first = stream.read(a), second = stream.read(b);
    peer.write('abc');
    await new Promise((r) => setTimeout(r, 20));
    peer.write('def');
    const counts = [await first, await second];
    peer.write('ghijkl');
    await new Promise((r) => setTimeout(r, 50));
    const c = Buffer.alloc(4), d = Buffer.alloc(4);
    const [n1, n2] = [await stream.read(c), await stream.read(d)];
    return { counts, a: a.toString(), b: b.toString(), c: c.toString('latin1', 0, n1), d: d.toString('latin1', 0, n2) };`);
  assert.deepEqual(out, { counts: [3, 3], a: 'abc', b: 'def', c: 'ghij', d: 'kl' });
});

test('a waiting read ends on abort (AbortError), on close (0, as at EOF) and at end of stream (0); writes resolve in order', () => {
  const out = onNodeBackend(`
    const buf = Buffer.alloc(8);
    const controller = new AbortController();
    const aborted = stream.read(buf, { signal: controller.signal }).then(() => 'resolved', (e) => e.name);
    controller.abort();
    const afterAbort = await aborted;
    // The aborted read left the queue: the next read gets the next bytes.
    peer.write('x');
    const next = await stream.read(buf);
    const order = [];
    await Promise.all([1, 2, 3].map((i) => stream.write('w' + i).then(() => order.push(i))));
    let got = '';
    while (got.length < 6) got += (await new Promise((r) => peer.once('data', r))).toString();
    const closing = stream.read(buf);
    await new Promise((r) => setTimeout(r, 20));
    await stream.close();
    const onClose = await closing;
    const afterClose = await stream.read(buf).then(() => 'resolved', (e) => e.code);
    // End of stream, on a second connection.
    const first = peer;
    const other = await TcpStream.connect({ host: '127.0.0.1', port: server.address().port });
    while (peer === first) await new Promise((r) => setImmediate(r));
    const waiting = other.read(buf);
    await new Promise((r) => setTimeout(r, 20));
    peer.end();
    const atEnd = await waiting;
    const again = await other.read(buf);
    await other.close();
    return { afterAbort, next, order, got, atEnd, again, onClose, afterClose };`);
  assert.deepEqual(out, {
    afterAbort: 'AbortError',
    next: 1,
    order: [1, 2, 3],
    got: 'w1w2w3',
    atEnd: 0,
    again: 0,
    onClose: 0,
    afterClose: 'ERR_RINGCORE_CLOSED',
  });
});

test("a waiting read rejects with the socket's error when the peer resets", () => {
  const out = onNodeBackend(`
    const buf = Buffer.alloc(8);
    const waiting = stream.read(buf).then(() => 'resolved', (e) => e.code);
    peer.resetAndDestroy();
    return { waiting: await waiting };`);
  assert.deepEqual(out, { waiting: 'ECONNRESET' });
});

const notV8 = runtime === 'bun' ? '%HasFastProperties is V8 syntax; Bun runs JavaScriptCore' : false;

test('a stream keeps fast properties (its live fd is a prototype accessor), and its fd is -1 once Node destroyed the socket', { skip: notV8 }, () => {
  // Before: fd was defined on each stream (defineProperty), which made it a dictionary-mode object, every read and write a slow lookup.
  const out = onNodeBackend(
    `
    const open = { fast: %HasFastProperties(stream), fd: stream.fd >= 0 };
    const waiting = stream.read(Buffer.alloc(8)).catch((e) => e.code);
    peer.resetAndDestroy();
    await waiting;
    return { open, reset: stream.fd };`,
    ['--allow-natives-syntax'],
  );
  assert.deepEqual(out, { open: { fast: true, fd: true }, reset: -1 });
});

test("a connected socket reads through Node's onread into one shared buffer: 1 MiB sent while no read waits (paused past 64 KiB) comes whole, by read() and by chunks()", () => {
  const out = onNodeBackend(`
    const sent = Buffer.alloc(1 << 20);
    for (let i = 0; i < sent.length; i++) sent[i] = (i * 7 + (i >> 11)) & 255;
    peer.write(sent);
    await new Promise((r) => setTimeout(r, 100));
    const got = Buffer.alloc(sent.length);
    let at = 0;
    while (at < 512 * 1024) at += await stream.read(got.subarray(at, Math.min(at + 1000, 512 * 1024)));
    for await (const chunk of stream) {
      chunk.copy(got, at);
      at += chunk.length;
      if (at === sent.length) break;
    }
    // The other direction too: a socketpair's ends are made with onread as well (not under Bun, which refuses it).
    const { socketpair } = await import(${JSON.stringify(netModule)});
    if (process.versions.bun !== undefined) {
      let refused;
      try { socketpair(); } catch (error) { refused = error.code; }
      return { whole: at === sent.length && got.equals(sent), pair: refused === 'ERR_RINGCORE_UNSUPPORTED' };
    }
    const [a, b] = socketpair();
    await a.write(sent.subarray(0, 200000));
    const back = Buffer.alloc(200000);
    let n = 0;
    while (n < back.length) n += await b.read(back.subarray(n));
    await a.close();
    await b.close();
    return { whole: at === sent.length && got.equals(sent), pair: back.equals(sent.subarray(0, 200000)) };`);
  assert.deepEqual(out, { whole: true, pair: true });
});
