// Careless calls, the same on both backends: each case runs in a child with
// RINGCORE_BACKEND=node and with io_uring (where the kernel gives it), and
// both must print what node:fs/promises (or Node's own module) gives.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { backend } from '../../src/index.js';
import { runtime } from '../../src/sys/runtime.js';

const fsModule = new URL('../../src/fs/index.js', import.meta.url).href;
const timeModule = new URL('../../src/time/index.js', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'ringcore-careless-'));

/**
 * Runs `body` (an ES module; `api` is the module under test, `dir` a fresh
 * directory, `path` a file in it) on each backend and on Node's own (when it
 * has one, and this is Node), and checks that each prints `expected` (as JSON).
 * `fromNode` rewrites what Node's own module printed where Node promises less.
 */
function sameOnEach(module: string, nodeModule: string | null, body: string, expected: unknown, fromNode = (seen: unknown) => seen): void {
  const results: Record<string, unknown> = {};
  const runs: [string, string, string | undefined][] = [['node backend', module, 'node']];
  // The reference is Node's own module: Bun's reimplementation has written concurrent writes out of order ('hello !world').
  if (nodeModule !== null && runtime === 'node') runs.push(['node:', nodeModule, undefined]);
  if (backend() === 'io_uring') runs.push(['io_uring', module, 'io_uring']);
  for (const [name, from, which] of runs) {
    const work = mkdtempSync(join(dir, 'run-'));
    const env = { ...process.env, RINGCORE_BACKEND: which, RINGCORE_QUIET: '1', NODE_OPTIONS: undefined };
    const source = `const api = await import(${JSON.stringify(from)}); const dir = ${JSON.stringify(work)}; const path = dir + '/f';\n${body}`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', source], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, `${name} child failed:\n${r.stderr}`);
    results[name] = which === undefined ? fromNode(JSON.parse(r.stdout)) : JSON.parse(r.stdout);
  }
  for (const [name, seen] of Object.entries(results)) assert.deepEqual(seen, expected, name);
}

test('writes not awaited before close() are in the file, on both backends, as with node:fs', () => {
  sameOnEach(
    fsModule,
    'node:fs/promises',
    `import { readFileSync } from 'node:fs';
     const seen = {};
     let fh = await api.open(path, 'w');
     const writes = [fh.write('hello '), fh.write(Buffer.from('world')), fh.writev([Buffer.from('!')])];
     await fh.close();
     seen.writes = await Promise.all(writes.map((w) => w.then((r) => r.bytesWritten, (e) => e.code)));
     seen.after = await fh.write('late').then(() => 'written', (e) => e.code);
     seen.content = readFileSync(path, 'utf8');
     fh = await api.open(path, 'w');
     const whole = fh.writeFile('all of it');
     await fh.close();
     seen.writeFile = await whole.then(() => 'ok', (e) => e.code);
     seen.writeFileContent = readFileSync(path, 'utf8');
     console.log(JSON.stringify(seen));`,
    { writes: [6, 5, 1], after: 'EBADF', content: 'hello world!', writeFile: 'ok', writeFileContent: 'all of it' },
    // node:fs runs the three writes on its pool's threads at once, so their order is not promised there ('worldhello !'
    // on Node 22 in CI); ringcore's backends write them in call order.
    (seen) => {
      const { content } = seen as { content: string };
      const inAnyOrder = ['hello ', 'world', '!'].every((piece) => content.includes(piece)) && content.length === 12;
      return { ...(seen as object), content: inAnyOrder ? 'hello world!' : content };
    },
  ); // node backend before the fix: writes EBADF, content ''
});

test("close() of a handle under its streams: a write stream writes all it was given and finishes, a read stream closes without 'error', as node:fs's", () => {
  sameOnEach(
    fsModule,
    'node:fs/promises',
    `import { readFileSync, writeFileSync } from 'node:fs';
     import { once } from 'node:events';
     const seen = { errors: [] };
     let fh = await api.open(path, 'w');
     const ws = fh.createWriteStream({ autoClose: false });
     ws.on('error', (e) => seen.errors.push('write stream ' + e.code));
     for (let i = 0; i < 100; i++) ws.write(Buffer.alloc(1000, 0x30 + (i % 10)));
     ws.end('end');
     const finished = once(ws, 'finish').then(() => 'finish');
     await fh.close();
     seen.closedAfter = await Promise.race([finished, 'not yet']);
     seen.size = readFileSync(path).length;
     writeFileSync(path, Buffer.alloc(1 << 20));
     fh = await api.open(path, 'r');
     const rs = fh.createReadStream({ highWaterMark: 1024 });
     rs.on('error', (e) => seen.errors.push('read stream ' + e.code));
     await once(rs, 'readable');
     await fh.close();
     await new Promise((resolve) => setTimeout(resolve, 20));
     seen.readDestroyed = rs.destroyed;
     console.log(JSON.stringify(seen));`,
    { errors: [], closedAfter: 'finish', size: 100003, readDestroyed: true },
  ); // before: 'write stream EBADF', the file cut short
});

test("timers longer than Node's 2^31-1 ms wait on both backends (Node's fire after 1 ms); delays past 2^53 ms are a RangeError", () => {
  sameOnEach(
    timeModule,
    null,
    `const order = [];
     const stop = new AbortController();
     const long = api.sleep(2 ** 31, { signal: stop.signal }).then(() => order.push('sleep fired'), (e) => order.push('sleep ' + e.name));
     api.timeout(new Promise(() => {}), 2 ** 32).catch((e) => order.push('timeout ' + e.code));
     const ticks = api.interval(2 ** 31 + 0.5, { signal: stop.signal })[Symbol.asyncIterator]();
     const tick = ticks.next().then(() => order.push('interval ticked'), (e) => order.push('interval ' + e.name));
     await new Promise((resolve) => setTimeout(resolve, 50)); // Node's timers run in order: one of 1 ms fires before this
     order.push('50 ms later');
     stop.abort();
     await Promise.all([long, tick]);
     const refused = [1e22, 1e300, Number.MAX_VALUE].map((ms) => { try { api.sleep(ms); return 'accepted'; } catch (e) { return e.code; } });
     console.log(JSON.stringify({ order: order.sort(), refused })); // '50 ms later' sorts first
     process.exit(0);`,
    { order: ['50 ms later', 'interval AbortError', 'sleep AbortError'], refused: ['ERR_OUT_OF_RANGE', 'ERR_OUT_OF_RANGE', 'ERR_OUT_OF_RANGE'] },
  ); // before: node backend 'sleep fired', 'timeout ETIMEDOUT' first; io_uring 1e300 accepted (and fired at once), 1e22 EINVAL
});

test('read(), write(), readv(), writev() and allocate() arguments are checked alike on both backends, before any I/O (Node 20 aborts the process on a length of 1.5)', () => {
  sameOnEach(
    fsModule,
    null,
    `import { readFileSync } from 'node:fs';
     const fh = await api.open(path, 'w+');
     const code = (p) => p.then((r) => r.bytesRead ?? r.bytesWritten, (e) => e.code);
     const b = Buffer.alloc(4);
     const seen = {
       refused: await Promise.all([
         code(fh.read(b, 0, 1.5, 0)), code(fh.read(b, 0, 4, 1.5)), code(fh.read(b, 0, 4, -2)), code(fh.read(b, { length: 2 ** 40 })),
         code(fh.write(b, 0, 1.5)), code(fh.write(b, 0, 4, -2)), code(fh.write('ab', 0.5)),
         code(fh.readv([b], 1.5)), code(fh.writev([b], -2)), fh.allocate(0, 1.5).then(() => 'ok', (e) => e.code),
       ]),
       wrote: await code(fh.write('abcdef', null)),
       string: (await fh.write('gh', 6, 'latin1')).buffer,
       view: await code(fh.write(Buffer.from('xyz'), { offset: 1, length: 2, position: 0 })),
       read: await fh.read({ buffer: Buffer.alloc(8), position: 0 }).then((r) => r.buffer.toString('latin1', 0, r.bytesRead)),
     };
     await fh.close();
     seen.content = readFileSync(path, 'latin1');
     console.log(JSON.stringify(seen));`,
    { refused: Array(10).fill('ERR_OUT_OF_RANGE'), wrote: 6, string: 'gh', view: 2, read: 'yzcdefgh', content: 'yzcdefgh' },
  ); // node backend before: the child aborted (Assertion failed: args[3]->IsInt32())
});

test("close() of a handle under its readableWebStream ends the stream (reads are done, no EBADF), as node:fs's", () => {
  sameOnEach(
    fsModule,
    'node:fs/promises',
    `import { writeFileSync } from 'node:fs';
     writeFileSync(path, Buffer.alloc(1 << 20, 1));
     const outcome = (p) => p.then((r) => (r.done ? 'done' : 'value'), (e) => 'error ' + e.code);
     const seen = {};
     let fh = await api.open(path);
     let reader = fh.readableWebStream({ type: 'bytes' }).getReader();
     seen.first = await outcome(reader.read());
     seen.closed = await fh.close().then(() => 'closed', (e) => e.code);
     seen.after = [await outcome(reader.read()), await outcome(reader.read())];
     fh = await api.open(path);
     reader = fh.readableWebStream({ type: 'bytes' }).getReader();
     await reader.read();
     const waiting = outcome(reader.read());
     seen.closedWhileReading = await fh.close().then(() => 'closed', (e) => e.code);
     seen.waiting = ['value', 'done'].includes(await waiting) ? 'value or done' : await waiting;
     seen.afterWaiting = await outcome(reader.read());
     console.log(JSON.stringify(seen));`,
    { first: 'value', closed: 'closed', after: ['done', 'done'], closedWhileReading: 'closed', waiting: 'value or done', afterWaiting: 'done' },
  ); // before: 'error EBADF' after the close
});

test('close() of a handle under a BYOB read gives the reader its buffer back only once the read in flight is over: the kernel never writes into it after, on both backends', () => {
  sameOnEach(
    fsModule,
    null,
    `import { writeFileSync } from 'node:fs';
     const size = 16 << 20;
     writeFileSync(path, Buffer.alloc(size, 0x11));
     const seen = [];
     // The close comes after one, two or three microtask turns: before the READ is submitted, or while it runs.
     for (const turns of [1, 2, 3]) {
       const fh = await api.open(path);
       const reader = fh.readableWebStream().getReader({ mode: 'byob' });
       const pending = reader.read(new Uint8Array(size));
       for (let i = 0; i < turns; i++) await null;
       const closing = fh.close();
       const { done, value } = await pending;
       // The caller's again: filled at once, it must stay so.
       const mine = new Uint8Array(value.buffer).fill(0xaa);
       await closing;
       seen.push({ done, overwritten: mine.length - mine.filter((b) => b === 0xaa).length });
     }
     console.log(JSON.stringify(seen));`,
    [1, 2, 3].map(() => ({ done: true, overwritten: 0 })),
  ); // before: the buffer came back at once, while the READ (io_uring) or Node's fs.read on its pool thread still
  // read into it: 16777216 bytes (io_uring) and 2-4 MB (node backend) overwritten after the caller's fill
});

test('a read waiting on a FIFO when close() is called completes first, then close() resolves, on both backends, as with node:fs', () => {
  // The node backend reads with fs.read on the fd, which Node's FileHandle does not count: its close() waits for them itself.
  // Before that, close() resolved while the read still waited: ['closed', 'write', 'read hello'].
  sameOnEach(
    fsModule,
    'node:fs/promises',
    `import { spawnSync } from 'node:child_process';
     import { open as nodeOpen } from 'node:fs/promises';
     spawnSync('mkfifo', [path]);
     const [fh, writer] = await Promise.all([api.open(path, 'r'), nodeOpen(path, 'w')]);
     const order = [];
     const read = fh.read(Buffer.alloc(5), 0, 5, null).then((r) => order.push('read ' + r.buffer.toString('latin1', 0, r.bytesRead)), (e) => order.push('read ' + e.code));
     await new Promise((r) => setTimeout(r, 50)); // the read waits in the kernel (the order holds without this wait too)
     const closing = fh.close().then(() => order.push('closed'));
     await new Promise((r) => setTimeout(r, 50));
     order.push('write');
     await writer.write('hello');
     await Promise.all([read, closing]);
     await writer.close();
     console.log(JSON.stringify({ order, after: await fh.read(Buffer.alloc(1), 0, 1, 0).then(() => 'read', (e) => e.code) }));`,
    { order: ['write', 'read hello', 'closed'], after: 'EBADF' },
  );
});

/** What the calls of the next test give for their bad arguments, in order. */
const badCallCodes = [
  ...Array(4).fill('ERR_INVALID_ARG_TYPE'),
  'ERR_OUT_OF_RANGE',
  ...Array(6).fill('ERR_INVALID_ARG_TYPE'),
  'ERR_INVALID_ARG_VALUE',
  'ERR_INVALID_ARG_VALUE',
];

test('bad arguments reject (never throw) with the same code on both backends, on an open or a closed handle; a bad encoding is ERR_INVALID_ARG_VALUE, as Node', () => {
  sameOnEach(
    fsModule,
    null,
    `const code = (f) => { try { return f().then(() => 'ok', (e) => e.code); } catch (e) { return 'threw ' + e.code; } };
     const calls = (fh) => [
       () => fh.stat('x'), () => fh.sync('x'), () => fh.datasync('x'), () => fh.truncate('x'), () => fh.truncate(-1),
       () => fh.readv('x'), () => fh.readv([1]), () => fh.writev([1]), () => fh.writev([Buffer.alloc(1)], 'x'),
       () => fh.writeFile(123), () => fh.appendFile(123), () => fh.writeFile('x', 'bogus'), () => fh.readFile('bogus'),
     ];
     const fh = await api.open(path, 'w+');
     const open = await Promise.all(calls(fh).map(code));
     const empty = await fh.readv([]).then((r) => r.bytesRead, (e) => e.code);
     await fh.close();
     const closed = await Promise.all(calls(fh).map(code));
     const module = await Promise.all([code(() => api.readFile(path, 'bogus')), code(() => api.writeFile(path, 'x', 'bogus'))]);
     console.log(JSON.stringify({ open, closed, empty, module }));`,
    {
      // The same on an open and on a closed handle: arguments are checked before whether it is closed.
      open: badCallCodes,
      closed: badCallCodes,
      empty: 0,
      module: ['ERR_INVALID_ARG_VALUE', 'ERR_INVALID_ARG_VALUE'],
    },
  ); // before: node backend stat('x') threw, sync('x')/datasync('x')/truncate(-1) resolved, the closed handle's EBADF, readv([]) EINVAL;
  // both backends ERR_INVALID_ARG_TYPE for a bad encoding
});

test('a read or write at the current position given an aborted signal moves nothing: the calls after it continue where the handle was, on both backends', () => {
  sameOnEach(
    fsModule,
    null,
    `import { readFileSync, writeFileSync } from 'node:fs';
     const aborted = () => ({ signal: AbortSignal.abort() });
     const code = (p) => p.then(() => 'ok', (e) => e.code);
     let fh = await api.open(path, 'w+');
     const writes = [
       fh.write(Buffer.from('AAAA'), aborted()), fh.write(Buffer.from('BBBB')), fh.writev([Buffer.from('VV')], null, aborted()),
       fh.write('CC'), fh.write('XX', null, 'latin1', aborted()), fh.writeFile('DD', aborted()), fh.write('EE'),
     ];
     const wrote = await Promise.all(writes.map(code));
     await fh.close();
     const content = readFileSync(path, 'latin1');
     writeFileSync(path, 'abcdefghij');
     fh = await api.open(path, 'r');
     const read = (signal) => fh.read(Buffer.alloc(3), 0, 3, null, signal).then((r) => r.buffer.toString(), (e) => e.code);
     const reads = await Promise.all([read(aborted()), read(), fh.readv([Buffer.alloc(2)], null, aborted()).then(() => 'ok', (e) => e.code), read()]);
     await fh.close();
     console.log(JSON.stringify({ wrote, content, reads }));`,
    {
      wrote: ['ABORT_ERR', 'ok', 'ABORT_ERR', 'ok', 'ABORT_ERR', 'ABORT_ERR', 'ok'],
      content: 'BBBBCCEE',
      reads: ['ABORT_ERR', 'abc', 'ABORT_ERR', 'def'],
    },
  ); // before: io_uring left the aborted writes' ranges as holes of zeros ('\0\0\0\0BBBB\0\0CC\0\0EE') and the reads skipped 'abc'
});

test('a buffer of 2 GiB or more without a length is a RangeError before any I/O, as with a length given, on both backends (4 GiB read 0 bytes, as at the end of the file)', () => {
  sameOnEach(
    fsModule,
    null,
    `import { writeFileSync } from 'node:fs';
     writeFileSync(path, 'some bytes');
     const code = (p) => p.then((r) => r.bytesRead ?? r.bytesWritten, (e) => e.code);
     // Pages of these are never touched: a RangeError comes first.
     const huge = Buffer.allocUnsafe(2 ** 32);
     const over = huge.subarray(0, 2 ** 31);
     const fh = await api.open(path, 'r+');
     const seen = [
       await code(fh.read(huge)), await code(fh.read(huge, 0, null, 0)), await code(fh.read(over, { position: 0 })), await code(fh.read({ buffer: huge })),
       await code(fh.write(huge)), await code(fh.write(over, 0)), await code(fh.write(huge, { position: 0 })),
       await code(fh.read(over, 1, null, 0)), await code(fh.read(huge, 2 ** 32 - 4, null, 0)),
     ];
     await fh.close();
     console.log(JSON.stringify(seen));`,
    [...Array(7).fill('ERR_OUT_OF_RANGE'), 'some bytes'.length, 4],
  ); // before: io_uring read 0 bytes from a 4 GiB buffer and wrote 0 from it (its length wrapped to 0 in the SQE), read a
  // 2 GiB one; the node backend read 0 bytes into the 4 GiB buffer
});

test('writeFile() of a 4 GiB buffer writes it all, by a path or through a handle, on both backends, as node:fs', () => {
  sameOnEach(
    fsModule,
    'node:fs/promises',
    // /dev/null reads none of the bytes, so no page of the buffer is touched.
    `const big = Buffer.alloc(2 ** 32);
     const code = (p) => p.then(() => 'ok', (e) => e.code ?? e.message);
     const byPath = await code(api.writeFile('/dev/null', big));
     const fh = await api.open('/dev/null', 'w');
     const byHandle = await code(fh.writeFile(big));
     await fh.close();
     console.log(JSON.stringify({ byPath, byHandle }));`,
    { byPath: 'ok', byHandle: 'ok' },
  ); // before: io_uring rejected both at once ("write returned 0 with 4294967296 bytes left"): the SQE's length wrapped to 0
});

test("createReadStream({ end: Infinity }) reads to the end of the file, as node:fs's (it was a RangeError), on both backends; readableWebStream's end too", () => {
  sameOnEach(
    fsModule,
    'node:fs/promises',
    `import { writeFileSync } from 'node:fs';
     writeFileSync(path, 'hello world');
     const text = async (make) => {
       try {
         let s = '';
         for await (const chunk of make()) s += Buffer.from(chunk);
         return s;
       } catch (e) {
         return e.code;
       }
     };
     const seen = [];
     for (const options of [{ end: Infinity }, { start: 2, end: Infinity }]) {
       const fh = await api.open(path);
       seen.push(await text(() => fh.createReadStream(options)));
     }
     // (Node's readableWebStream takes no end: it reads the whole file too.)
     const fh = await api.open(path);
     seen.push(await text(() => fh.readableWebStream({ end: Infinity })));
     await fh.close();
     console.log(JSON.stringify(seen));`,
    ['hello world', 'llo world', 'hello world'],
  ); // before: ERR_OUT_OF_RANGE, thrown by each call
});

test("createWriteStream({ encoding }) encodes the strings written, as node:fs's (they were written as UTF-8 text); a bad one is ERR_INVALID_ARG_VALUE at the call", () => {
  sameOnEach(
    fsModule,
    'node:fs/promises',
    `import { readFileSync } from 'node:fs';
     const fh = await api.open(path, 'w');
     const stream = fh.createWriteStream({ encoding: 'hex' });
     stream.write('4142');
     stream.write('43', 'latin1');
     stream.end('44');
     await new Promise((resolve) => stream.once('close', resolve));
     const other = await api.open(path, 'r');
     let bad;
     try {
       other.createWriteStream({ encoding: 'bogus' });
     } catch (e) {
       bad = e.code;
     }
     await other.close();
     console.log(JSON.stringify({ content: readFileSync(path, 'latin1'), bad }));`,
    { content: 'AB43D', bad: 'ERR_INVALID_ARG_VALUE' },
  ); // before: content '41424344' (the hex digits as text), bad: no error
});
