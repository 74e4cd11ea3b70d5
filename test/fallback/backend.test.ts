// The backend choice: backend(), RINGCORE_BACKEND, the one warning line, the
// errors of io_uring-only APIs under the node backend, and that errors have
// the same shape whichever backend made them. Each case runs in a child
// process, since the choice is made once per thread.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { backend } from '../../src/index.js';
import { noIoUringLauncher } from '../../test-support/backend.js';

const index = new URL('../../src/index.js', import.meta.url).href;
const fsModule = new URL('../../src/fs/index.js', import.meta.url).href;
const netModule = new URL('../../src/net/index.js', import.meta.url).href;
const timeModule = new URL('../../src/time/index.js', import.meta.url).href;
const httpModule = new URL('../../src/http/index.js', import.meta.url).href;
const launcher = noIoUringLauncher();
const noLauncher = launcher === null ? 'no C compiler to build native/tools/no-io-uring.c' : false;

/** Runs an ES module body in a fresh node, under the seccomp launcher when `refused`; stdout is parsed as JSON. */
function child(body: string, options: { env?: Record<string, string>; refused?: boolean; nodeArgs?: string[] } = {}) {
  const env: Record<string, string | undefined> = {
    ...process.env,
    RINGCORE_BACKEND: undefined,
    RINGCORE_QUIET: undefined,
    NODE_OPTIONS: undefined,
    ...options.env,
  };
  const args = [...(options.nodeArgs ?? []), '--input-type=module', '-e', body];
  const r = options.refused
    ? spawnSync(launcher!, [process.execPath, ...args], { env, encoding: 'utf8' })
    : spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  assert.equal(r.status, 0, `child failed:\n${r.stderr}`);
  return { out: JSON.parse(r.stdout) as unknown, stderr: r.stderr };
}

const warningLines = (stderr: string) => stderr.split('\n').filter((line) => line.includes('RINGCORE_FALLBACK'));

test('RINGCORE_BACKEND=node forces the node backend, without a warning; the public API works on it', () => {
  const { out, stderr } = child(
    `import { backend, nop } from '${index}';
     import { readFile } from '${fsModule}';
     import { sleep } from '${timeModule}';
     await nop(); await sleep(1);
     const text = await readFile(${JSON.stringify(new URL(import.meta.url).pathname)}, 'utf8');
     console.log(JSON.stringify({ backend: backend(), read: text.includes('RINGCORE_BACKEND') }));`,
    { env: { RINGCORE_BACKEND: 'node' } },
  );
  assert.deepEqual(out, { backend: 'node', read: true });
  assert.deepEqual(warningLines(stderr), []);
});

test('new Ring() checks its options on the node backend too: the same TypeError and RangeError as on io_uring', () => {
  const { out } = child(
    `import { Ring } from '${index}';
     const codes = [{ entries: 'x' }, { entries: 0 }, { entries: 8, cqEntries: 4 }, { preferFlags: -1 }].map((options) => {
       try { new Ring(options); return 'no error'; } catch (e) { return e.name + ' ' + e.code; }
     });
     console.log(JSON.stringify(codes));`,
    { env: { RINGCORE_BACKEND: 'node' } },
  );
  assert.deepEqual(out, ['TypeError ERR_INVALID_ARG_TYPE', 'RangeError ERR_OUT_OF_RANGE', 'RangeError ERR_OUT_OF_RANGE', 'RangeError ERR_OUT_OF_RANGE']);
});

test("createServer on the node backend is node:http's own server, and serves", () => {
  const { out } = child(
    `import http from 'node:http';
     import { createServer } from '${httpModule}';
     const server = createServer((req, res) => res.end('hello ' + req.url));
     await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
     const res = await fetch('http://127.0.0.1:' + server.address().port + '/x');
     const body = await res.text();
     await new Promise((resolve) => server.close(resolve));
     console.log(JSON.stringify({ native: server instanceof http.Server, status: res.status, body }));`,
    { env: { RINGCORE_BACKEND: 'node' } },
  );
  assert.deepEqual(out, { native: true, status: 200, body: 'hello /x' });
});

test('backend() is io_uring where io_uring_setup works (and RINGCORE_BACKEND=io_uring changes nothing there)', (t) => {
  if (backend() !== 'io_uring') return void t.skip('io_uring is refused to this process');
  assert.equal(child(`import { backend } from '${index}'; console.log(JSON.stringify(backend()));`).out, 'io_uring');
  assert.equal(child(`import { backend } from '${index}'; console.log(JSON.stringify(backend()));`, { env: { RINGCORE_BACKEND: 'io_uring' } }).out, 'io_uring');
});

// The probe's ring is owned by the thread's teardown from its setup (a worker terminated before the close leaks
// nothing), and its close forgets it: the teardown must not close a later fd given the same number (one that
// node:fs opened, not closed by the worker's end: trackUnmanagedFds false).
test("the probe's ring fd leaves nothing open, and the worker's end closes no fd that took its number", (t) => {
  if (backend() !== 'io_uring') return void t.skip('io_uring is refused to this process');
  const { out } = child(
    `import { Worker } from 'node:worker_threads';
     import { fstatSync, readdirSync, readlinkSync } from 'node:fs';
     import { once } from 'node:events';
     const rings = () => readdirSync('/proc/self/fd').filter((fd) => {
       try { return readlinkSync('/proc/self/fd/' + fd) === 'anon_inode:[io_uring]'; } catch { return false; }
     }).length;
     const before = rings();
     const worker = new Worker(new URL('data:text/javascript,' + encodeURIComponent(\`
       import { parentPort } from 'node:worker_threads';
       import { closeSync, openSync } from 'node:fs';
       const { backend } = await import('${index}');
       const free = openSync('/dev/null', 'r');
       closeSync(free);
       const chosen = backend();
       // The probe took the lowest free fd and gave it back: the next open gets that number.
       const fd = openSync('/dev/null', 'r');
       parentPort.postMessage({ chosen, reused: fd === free, fd });
     \`)), { trackUnmanagedFds: false });
     const [message] = await once(worker, 'message');
     await once(worker, 'exit');
     let open = true;
     try { fstatSync(message.fd); } catch { open = false; }
     console.log(JSON.stringify({ chosen: message.chosen, reused: message.reused, open, rings: rings() - before }));`,
  );
  // rings: those open after the worker's end less those before it (libuv's own, which Node 22+ makes, are in both).
  assert.deepEqual(out, { chosen: 'io_uring', reused: true, open: true, rings: 0 });
});

test('an unknown RINGCORE_BACKEND is an error naming the allowed values', () => {
  const { out } = child(
    `import { backend } from '${index}';
     try { backend(); console.log('null'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
    { env: { RINGCORE_BACKEND: 'uring' } },
  );
  assert.equal((out as { code: string }).code, 'ERR_RINGCORE_UNSUPPORTED');
  assert.match((out as { message: string }).message, /'io_uring', 'node' or 'auto'/);
});

test('under a seccomp filter refusing io_uring: backend() is node, and ONE warning line names the cause', { skip: noLauncher }, () => {
  const { out, stderr } = child(
    `import { backend, nop, Ring } from '${index}';
     import { readFile } from '${fsModule}';
     import { TcpListener } from '${netModule}';
     import { sleep } from '${timeModule}';
     await nop(); await sleep(1); await new Ring().close();
     await readFile('/proc/self/status');
     const l = await TcpListener.bind({ host: '127.0.0.1' }); await l.close();
     let required = 'no error';
     try { new Ring({ sqPoll: true }); } catch (e) { required = e.message; }
     console.log(JSON.stringify({ backend: backend(), required }));`,
    { refused: true },
  );
  const { backend: chosen, required } = out as { backend: string; required: string };
  assert.equal(chosen, 'node');
  // The error of an io_uring-only API says why in its message, not only in its cause.
  assert.match(
    required,
    /needs io_uring, and this thread uses the node backend: io_uring is not available: io_uring_setup failed with EPERM \(see docs\/fallback.md\)$/,
  );
  const lines = warningLines(stderr);
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0]!, /io_uring_setup failed with EPERM/);
  assert.match(lines[0]!, /seccomp/);
});

test('the warning is silenced by RINGCORE_QUIET=1 and by --no-warnings', { skip: noLauncher }, () => {
  const body = `import { backend } from '${index}'; console.log(JSON.stringify(backend()));`;
  const quiet = child(body, { refused: true, env: { RINGCORE_QUIET: '1' } });
  assert.equal(quiet.out, 'node');
  assert.equal(quiet.stderr, '');
  const noWarnings = child(body, { refused: true, nodeArgs: ['--no-warnings'] });
  assert.equal(noWarnings.out, 'node');
  assert.equal(noWarnings.stderr, '');
});

test('RINGCORE_BACKEND=io_uring forbids the fallback: the setup error (EPERM) is thrown as before', { skip: noLauncher }, () => {
  const { out } = child(
    `import { Ring, backend } from '${index}';
     import { readFile } from '${fsModule}';
     const r = { backend: backend() };
     try { new Ring(); } catch (e) { r.ring = { code: e.code, errno: e.errno }; }
     try { await readFile('/proc/self/status'); } catch (e) { r.readFile = e.code; }
     console.log(JSON.stringify(r));`,
    { refused: true, env: { RINGCORE_BACKEND: 'io_uring' } },
  );
  assert.deepEqual(out, { backend: 'io_uring', ring: { code: 'ERR_RINGCORE_SETUP', errno: -1 }, readFile: 'ERR_RINGCORE_SETUP' });
});

test('io_uring-only APIs throw ERR_RINGCORE_IO_URING_REQUIRED naming the reason, which is also the cause', () => {
  const { out } = child(
    `import { IoUring, Ring, defaultRing } from '${index}';
     import { open, BufferPool } from '${fsModule}';
     import { configureRecvBuffers, setZeroCopyThreshold, netRing } from '${netModule}';
     const seen = {};
     const check = async (name, f) => {
       try { await f(); seen[name] = 'no error'; } catch (e) { seen[name] = e.code + ' / ' + e.cause?.code + (e.message.includes('node backend: RINGCORE_BACKEND=node is set (see') ? '' : ' (message: ' + e.message + ')'); }
     };
     await check('IoUring', () => new IoUring());
     await check('submit', () => defaultRing().submit({ syscall: 'nop', prep: (u, sqe) => u.prepNop(sqe) }));
     await check('submitWith', () => defaultRing().submitWith({ syscall: 'nop', prep: (u, sqe) => u.prepNop(sqe) }, () => {}));
     await check('link', () => defaultRing().link([]));
     await check('uring', () => defaultRing().uring);
     await check('sqPoll', () => new Ring({ sqPoll: true }));
     await check('fixed', () => open('/proc/self/status', 'r', 0o666, { fixed: true }));
     await check('register', async () => {
       const fh = await open('/proc/self/status');
       try { await fh.register(); } finally { await fh.close(); } // Node 26 fails the process when a FileHandle is garbage collected open
     });
     await check('bufferPool', () => BufferPool.register(defaultRing(), 4, 4096));
     try { BufferPool.register(defaultRing(), 4, 4096); } catch (e) { seen.bufferPoolSays = e.message.split(', and')[0]; }
     await check('recvBuffers', () => configureRecvBuffers(netRing(), { count: 64 }));
     await check('sendZc', () => setZeroCopyThreshold(4096));
     const { Server } = await import('${httpModule}');
     await check('httpServer', () => new Promise((resolve, reject) => new Server().on('error', reject).listen(0, resolve)));
     try { await new Promise((resolve, reject) => new Server().on('error', reject).listen(0, resolve)); } catch (e) { seen.httpServerSays = e.message.split(' needs')[0]; }
     const ring = new Ring();
     seen.ring = { isRing: ring instanceof Ring, supports: ring.supports('READ'), nop: await ring.nop(), closed: (await ring.close(), ring.closed) };
     console.log(JSON.stringify(seen));`,
    { env: { RINGCORE_BACKEND: 'node' } },
  );
  const required = 'ERR_RINGCORE_IO_URING_REQUIRED / ERR_RINGCORE_SETUP';
  assert.deepEqual(out, {
    IoUring: required,
    submit: required,
    submitWith: required,
    link: required,
    uring: required,
    sqPoll: required,
    fixed: required,
    register: required,
    bufferPool: required,
    bufferPoolSays: 'ringcore: registered buffers (BufferPool.register()) needs io_uring',
    recvBuffers: required,
    sendZc: required,
    httpServer: required,
    httpServerSays: 'ringcore: ringcore/http Server (createServer() gives node:http on the node backend)',
    ring: { isRing: true, supports: false, closed: true },
  });
});

/** The fields of an error that callers look at. */
const errorShape = `(e) => ({ name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, dest: e.dest, address: e.address, port: e.port, message: e.message })`;

test('errors have the same shape on both backends: ENOENT (open, stat, rename), ECONNREFUSED (connect)', (t) => {
  if (backend() !== 'io_uring') return void t.skip('the comparison needs io_uring in this process');
  const body = (backendName: string) => `
     import { open, stat, rename, readFile } from '${fsModule}';
     import { TcpListener, TcpStream } from '${netModule}';
     const shape = ${errorShape};
     const l = await TcpListener.bind({ host: '127.0.0.1' }); const port = l.address().port; await l.close();
     const out = {};
     for (const [name, f] of Object.entries({
       open: () => open('/nonexistent-ringcore/x'),
       readFile: () => readFile('/nonexistent-ringcore/y'),
       stat: () => stat('/nonexistent-ringcore/z'),
       rename: () => rename('/nonexistent-ringcore/a', '/tmp/b'),
       connect: () => TcpStream.connect({ host: '127.0.0.1', port }),
     })) {
       try { await f(); out[name] = 'resolved'; } catch (e) { const s = shape(e); if (name === 'connect') { s.port = 'P'; s.message = s.message.replace(/:\\d+$/, ':P'); } out[name] = s; }
     }
     console.log(JSON.stringify(out)); void ${JSON.stringify(backendName)};`;
  const onIoUring = child(body('io_uring'), { env: { RINGCORE_BACKEND: 'io_uring' } }).out as Record<string, Record<string, unknown>>;
  const onNode = child(body('node'), { env: { RINGCORE_BACKEND: 'node' } }).out as Record<string, Record<string, unknown>>;
  assert.equal(onIoUring.open!.code, 'ENOENT');
  assert.equal(onIoUring.open!.errno, -2);
  assert.equal(onIoUring.open!.syscall, 'open');
  assert.equal(onIoUring.open!.path, '/nonexistent-ringcore/x');
  assert.equal(onIoUring.connect!.code, 'ECONNREFUSED');
  assert.deepEqual(onNode, onIoUring);
});
