// A smoke test that runs unchanged on Node, Bun and Deno: plain JavaScript
// that imports the built package by its name, through its exports
// (ringcore, ringcore/fs, ringcore/net, ringcore/http, ringcore/time), as a
// user's program would. It exits 0 only when every check passed, and 1 on the
// first failure or after 60 s.
//
//   node test/portable/smoke.mjs
//   bun test/portable/smoke.mjs
//   deno run -A test/portable/smoke.mjs
// (after `npm run build`; the package resolves itself by name.)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Ring, backend, completionDriver, nop } from 'ringcore';
import { copyFile, readFile, writeFile } from 'ringcore/fs';
import { serve } from 'ringcore/http';
import { TcpListener, TcpStream } from 'ringcore/net';
import { sleep, timeout } from 'ringcore/time';

const runtime = process.versions.bun ? `bun ${process.versions.bun}` : globalThis.Deno ? `deno ${Deno.version.deno}` : `node ${process.versions.node}`;
const watchdog = setTimeout(() => {
  console.error(`smoke (${runtime}): timed out at 60 s`);
  process.exit(1);
}, 60_000);

const dir = mkdtempSync(join(tmpdir(), 'ringcore-smoke-'));
let step = '';
function check(name) {
  step = name;
  console.log(`ok ${name}`);
}

try {
  console.log(`smoke: ${runtime}, backend ${backend()}, completion driver ${completionDriver()}`);
  // Where io_uring is refused (CI's seccomp launcher, qemu-user), the node backend must be the one running.
  if (process.env.EXPECT_BACKEND) assert.equal(backend(), process.env.EXPECT_BACKEND);

  step = 'nop';
  await nop();
  const ring = new Ring({ entries: 8 });
  await ring.nop();
  await ring.close();
  check('nop on the default ring and on an explicit one');

  step = 'sleep';
  const started = Date.now();
  await sleep(20);
  assert.ok(Date.now() - started >= 15, 'sleep(20) waited');
  await assert.rejects(timeout(sleep(10_000), 20), { code: 'ETIMEDOUT' });
  assert.equal(
    await timeout(
      sleep(5).then(() => 'in time'),
      5_000,
    ),
    'in time',
  );
  check('sleep and timeout');

  step = 'files';
  const data = randomBytes(30 << 20);
  const a = join(dir, 'a');
  const b = join(dir, 'b');
  await writeFile(a, data);
  assert.ok(data.equals(await readFile(a)), 'readFile gives back what writeFile wrote');
  await copyFile(a, b);
  assert.ok(data.equals(await readFile(b)), 'copyFile copies every byte');
  check('30 MiB writeFile, readFile and copyFile');

  step = 'tcp';
  const listener = await TcpListener.bind({ host: '127.0.0.1', port: 0 });
  const echoing = (async () => {
    for await (const socket of listener) {
      for await (const chunk of socket) await socket.write(Buffer.from(chunk));
      socket.close();
      break;
    }
  })();
  const client = await TcpStream.connect({ host: '127.0.0.1', port: listener.address().port });
  const message = randomBytes(256 << 10);
  const received = [];
  let length = 0;
  const reading = (async () => {
    for await (const chunk of client) {
      received.push(Buffer.from(chunk));
      length += chunk.length;
      if (length >= message.length) break;
    }
  })();
  await client.write(message);
  await reading;
  assert.ok(message.equals(Buffer.concat(received)), 'the echo came back whole');
  client.close();
  await echoing;
  await listener.close();
  check('TCP echo of 256 KiB');

  step = 'http';
  const server = await serve({ host: '127.0.0.1', port: 0, fetch: (request) => new Response(`hello ${new URL(request.url, 'http://x').pathname}`) });
  for (let i = 0; i < 5; i++) {
    const response = await fetch(`http://127.0.0.1:${server.address.port}/n${i}`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), `hello /n${i}`);
  }
  const many = await Promise.all([0, 1, 2, 3].map((i) => fetch(`http://127.0.0.1:${server.address.port}/p${i}`).then((r) => r.text())));
  assert.deepEqual(many, ['hello /p0', 'hello /p1', 'hello /p2', 'hello /p3']);
  await server.close();
  check('9 HTTP requests with fetch, 4 of them at once');

  rmSync(dir, { recursive: true, force: true });
  clearTimeout(watchdog);
  console.log(`smoke (${runtime}): all passed`);
  process.exit(0);
} catch (error) {
  console.error(`smoke (${runtime}): failed at ${step}:`, error);
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}
