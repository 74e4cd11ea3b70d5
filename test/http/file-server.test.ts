// The file_server example (a child process) with curl: bytes compared with
// cmp, HEAD, Range 206/416, 404, 304, and every path traversal attempt we
// know, percent-encoded, overlong, with backslashes, NUL, and symlinks out.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { curl, exchange, startExample, statuses, type ExampleServer, skipWithoutCurl, hasCurl } from '../../test-support/http.js';

const skip = skipWithoutCurl;

let dir = '';
let root = '';
let server: ExampleServer;
let base = '';

before(async () => {
  dir = mkdtempSync('/tmp/ringcore-files-');
  root = path.join(dir, 'root');
  mkdirSync(path.join(root, 'sub'), { recursive: true });
  writeFileSync(path.join(dir, 'secret.txt'), 'SECRET outside the root\n');
  writeFileSync(path.join(root, 'small.txt'), 'small file\n');
  writeFileSync(path.join(root, 'sub', 'page.html'), '<p>hi</p>\n');
  writeFileSync(path.join(root, 'sub', 'index.html'), '<p>index</p>\n');
  writeFileSync(path.join(root, 'index.html'), '<p>root</p>\n');
  const big = Buffer.alloc(3_000_000 + 17);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 11)) & 0xff;
  writeFileSync(path.join(root, 'big.bin'), big);
  symlinkSync(path.join(dir, 'secret.txt'), path.join(root, 'link-out'));
  symlinkSync(dir, path.join(root, 'dir-out'));
  symlinkSync('small.txt', path.join(root, 'link-in'));
  server = await startExample('file_server', ['--root', root]);
  base = `http://127.0.0.1:${server.port}`;
  // Warm up what is made once (the fs ring, the recv buffers), then count the server's fds.
  if (hasCurl) await curl(['-o', '/dev/null', `${base}/big.bin`, '-o', '/dev/null', `${base}/small.txt`]);
  await new Promise((r) => setTimeout(r, 100));
  baselineFds = serverFds();
});

let baselineFds = 0;
function serverFds(): number {
  return readdirSync(`/proc/${server.child.pid}/fd`).length;
}

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('curl downloads small and large files byte for byte (cmp)', { skip }, async () => {
  for (const name of ['small.txt', 'big.bin']) {
    const out = path.join(dir, `got-${name}`);
    await curl(['-o', out, `${base}/${name}`]);
    execFileSync('cmp', [out, path.join(root, name)]); // throws on any difference
  }
  // Twice over one connection: the splice pipe is reused, the bytes still right.
  await curl(['-o', path.join(dir, 'a'), `${base}/big.bin`, '-o', path.join(dir, 'b'), `${base}/big.bin`]);
  execFileSync('cmp', [path.join(dir, 'a'), path.join(root, 'big.bin')]);
  execFileSync('cmp', [path.join(dir, 'b'), path.join(root, 'big.bin')]);
});

test('headers: Content-Type by extension, Content-Length, Last-Modified; HEAD has no body; 304', { skip }, async () => {
  const head = (await curl(['-I', `${base}/sub/page.html`])).stdout.toString();
  assert.match(head, /^HTTP\/1\.1 200 OK/);
  assert.match(head, /content-type: text\/html; charset=utf-8/i);
  assert.match(head, /Content-Length: 10\r\n/);
  const modified = /last-modified: ([^\r]+)/i.exec(head)?.[1];
  assert.ok(modified !== undefined && !Number.isNaN(Date.parse(modified)));
  const big = (await curl(['-I', `${base}/big.bin`])).stdout.toString();
  assert.match(big, /Content-Length: 3000017\r\n/);
  assert.match(big, /content-type: application\/octet-stream/i);
  const notModified = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `If-Modified-Since: ${modified}`, `${base}/sub/page.html`]);
  assert.equal(notModified.stdout.toString(), '304');
  // A directory serves its index.html.
  assert.equal((await curl([`${base}/sub/`])).stdout.toString(), '<p>index</p>\n');
});

test('Range: 206 with the right bytes and Content-Range, 416 past the end', { skip }, async () => {
  const file = readFileSync(path.join(root, 'big.bin'));
  const cases: [string, number, number][] = [
    ['0-99', 0, 99],
    ['1000000-2999999', 1_000_000, 2_999_999],
    ['2999990-', 2_999_990, file.length - 1],
    ['-500', file.length - 500, file.length - 1],
    ['3000000-9999999', 3_000_000, file.length - 1],
  ];
  for (const [spec, start, end] of cases) {
    const out = path.join(dir, 'range');
    const { stderr } = await curl(['-v', '-H', `Range: bytes=${spec}`, '-o', out, `${base}/big.bin`]);
    assert.match(stderr, /< HTTP\/1\.1 206 /);
    assert.match(stderr, new RegExp(`content-range: bytes ${start}-${end}/${file.length}`, 'i'));
    assert.ok(readFileSync(out).equals(file.subarray(start, end + 1)), `bytes of ${spec}`);
  }
  const past = await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', 'Range: bytes=3000017-', `${base}/big.bin`]);
  assert.equal(past.stdout.toString(), '416');
  const small = await curl(['-s', '-H', 'Range: bytes=6-9', `${base}/small.txt`]);
  assert.equal(small.stdout.toString(), 'file');
});

test('missing files are 404; methods other than GET and HEAD are 405', { skip }, async () => {
  const code = async (url: string, extra: string[] = []) => (await curl(['-s', '-o', '/dev/null', '-w', '%{http_code}', ...extra, url])).stdout.toString();
  assert.equal(await code(`${base}/nope.txt`), '404');
  assert.equal(await code(`${base}/small.txt/child`), '404');
  assert.equal(await code(`${base}/small.txt`, ['-X', 'DELETE']), '405');
  // A symlink that stays inside the root is served.
  assert.equal((await curl([`${base}/link-in`])).stdout.toString(), 'small file\n');
});

test('issue #9 examples: / and /sub/ serve their index.html as text/html (curl and node:http)', { skip }, async () => {
  for (const [target, body] of [
    ['/', '<p>root</p>\n'],
    ['/sub/', '<p>index</p>\n'],
  ]) {
    const { stdout, stderr } = await curl(['-v', `${base}${target}`]);
    assert.equal(stdout.toString(), body);
    assert.match(stderr, /< HTTP\/1\.1 200 /);
    assert.match(stderr, /< content-type: text\/html; charset=utf-8\r?\n/i);
  }
  // node:http (agent: false: the connection closes after the answer).
  const res = await new Promise<{ type: string | undefined; body: string }>((resolve, reject) => {
    http
      .get(`${base}/sub/`, { agent: false }, (r) => {
        let body = '';
        r.setEncoding('utf8').on('data', (d: string) => (body += d));
        r.on('end', () => resolve({ type: r.headers['content-type'], body }));
      })
      .on('error', reject);
  });
  assert.deepEqual(res, { type: 'text/html; charset=utf-8', body: '<p>index</p>\n' });
});

test('issue #9 examples: a directory without its slash is a 301 to it (query kept); a file with a slash is 404', { skip }, async () => {
  const head = async (target: string) => (await curl(['-s', '-o', '/dev/null', '-D', '-', `${base}${target}`])).stdout.toString();
  const moved = await head('/sub');
  assert.match(moved, /^HTTP\/1\.1 301 /);
  assert.match(moved, /\r\nlocation: \/sub\/\r\n/i);
  assert.match(await head('/sub?x=1&y=2'), /\r\nlocation: \/sub\/\?x=1&y=2\r\n/i);
  // curl -L follows it to the index.
  assert.equal((await curl(['-s', '-L', `${base}/sub`])).stdout.toString(), '<p>index</p>\n');
  // A file named as if it were a directory: 404, as nginx; the file itself is served.
  assert.match(await head('/small.txt/'), /^HTTP\/1\.1 404 /);
  assert.match(await head('/sub/page.html/'), /^HTTP\/1\.1 404 /);
  assert.match(await head('/small.txt'), /^HTTP\/1\.1 200 /);
});

test('path traversal: every attempt is refused and the secret never leaves', async () => {
  const attempts = [
    '/../secret.txt',
    '/sub/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/.%2e/secret.txt',
    '/sub/%2e%2e%2f%2e%2e%2fsecret.txt',
    '/..%2fsecret.txt',
    '/..%2Fsecret.txt',
    '/..%5csecret.txt',
    '/..\\secret.txt',
    '/sub\\..\\..\\secret.txt',
    '/%c0%ae%c0%ae/secret.txt', // overlong UTF-8 for "."
    '/%c0%af..%c0%afsecret.txt', // overlong "/"
    '/%e0%80%ae%e0%80%ae/secret.txt',
    '/%252e%252e/secret.txt', // double-encoded: a file literally named "%2e%2e", absent
    '/small.txt%00.html',
    '/%00',
    '/%zz',
    '/link-out',
    '/dir-out/secret.txt',
    '//secret.txt',
    `/${encodeURIComponent(dir)}/secret.txt`,
    'http://x/../secret.txt',
  ];
  for (const target of attempts) {
    const { data } = await exchange(server.port, `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const [status] = statuses(data);
    assert.ok(status === 403 || status === 404 || status === 400, `${target}: got ${status}`);
    assert.doesNotMatch(data, /SECRET/, target);
  }
});

test('a client that vanishes mid-download ends only its own connection', { skip }, async () => {
  const net = await import('node:net');
  for (let i = 0; i < 5; i++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n'));
      // Reset the connection as soon as the body starts: the server's splice meets EPIPE/ECONNRESET.
      socket.once('data', () => {
        socket.resetAndDestroy();
        resolve();
      });
      socket.on('error', () => resolve());
    });
  }
  const out = path.join(dir, 'after-reset');
  await curl(['-o', out, `${base}/big.bin`]);
  execFileSync('cmp', [out, path.join(root, 'big.bin')]);
});

test('no fd leaks: after all of the above, the server holds the fds it held before', async () => {
  const deadline = Date.now() + 3000;
  while (serverFds() > baselineFds && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(serverFds(), baselineFds);
});
