// A small program that uses ringcore as an installed package would: a file
// through ringcore/fs, a TCP echo through ringcore/net, an HTTP request
// through ringcore/http, timers through ringcore/time. Each result is checked;
// the process exits 1 on any mismatch. test/package/tarball.mjs runs it (or
// another program given with --program) from a fresh project that installed
// the packed tarball.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as core from 'ringcore';
import { readFile, writeFile } from 'ringcore/fs';
import { HttpResponse, serve } from 'ringcore/http';
import { TcpListener, TcpStream } from 'ringcore/net';
import { sleep, timeout } from 'ringcore/time';

const dir = mkdtempSync(path.join(tmpdir(), 'ringcore-program-'));
try {
  const file = path.join(dir, 'hello.txt');
  await writeFile(file, 'hello from ringcore/fs\n');
  assert.equal(await readFile(file, 'utf8'), 'hello from ringcore/fs\n');
  await assert.rejects(readFile(path.join(dir, 'absent')), { code: 'ENOENT', syscall: 'open' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 });
const echoed = (async () => {
  for await (const conn of listener) {
    for await (const chunk of conn) await conn.write(chunk);
    await conn.close();
    return;
  }
})();
const client = await TcpStream.connect({ host: '127.0.0.1', port: listener.address().port });
await client.write('ping');
const received = [];
for await (const chunk of client) {
  received.push(Buffer.from(chunk));
  if (Buffer.concat(received).length >= 4) break;
}
assert.equal(Buffer.concat(received).toString(), 'ping');
await client.close();
await echoed;
await listener.close();

const server = await serve({ host: '127.0.0.1', port: 0, fetch: (req) => new HttpResponse(`hi ${req.pathname}`) });
const body = await new Promise((resolve, reject) => {
  request({ host: '127.0.0.1', port: server.address.port, path: '/there', agent: false }, (res) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => (text += chunk));
    res.on('end', () => resolve(`${res.statusCode} ${text}`));
  })
    .on('error', reject)
    .end();
});
assert.equal(body, '200 hi /there');
await server.close();

const start = Date.now();
await sleep(20);
assert.ok(Date.now() - start >= 15, 'sleep(20) returned early');
await assert.rejects(timeout(sleep(10_000), 20), { code: 'ETIMEDOUT' });

const backend = typeof core.backend === 'function' ? core.backend() : 'io_uring';
console.log(`package program: fs, net, http and time ok (node ${process.version}, ${process.arch}, backend ${backend})`);
