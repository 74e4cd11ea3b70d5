// Which completion driver wakes JavaScript (src/driver/completion-watch.ts):
// uv_poll on Node, a native thread and a threadsafe function where there is
// no uv_poll (Bun, Deno), RINGCORE_DRIVER to force one. The thread driver is
// run here on Node, in a child, through the public API: ops that complete at
// once and ops that wait (a timer, a TCP read) both wake it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from '../../test-support/backend.js';
import { completionDriver } from '../../src/index.js';

const index = new URL('../../src/index.js', import.meta.url).href;
const netModule = new URL('../../src/net/index.js', import.meta.url).href;
const timeModule = new URL('../../src/time/index.js', import.meta.url).href;

function child(body: string, driver: string): { status: number | null; out: string; stderr: string } {
  const env = { ...process.env, RINGCORE_DRIVER: driver, NODE_OPTIONS: undefined };
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', body], { env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout.trim(), stderr: r.stderr };
}

test('chosen automatically: uv_poll on Node, the thread driver on Bun and Deno', () => {
  const versions = process.versions as Record<string, string | undefined>;
  const forced = process.env.RINGCORE_DRIVER;
  const expected = forced === 'poll' || forced === 'thread' ? forced : versions.bun !== undefined || 'Deno' in globalThis ? 'thread' : 'poll';
  assert.equal(completionDriver(), expected);
});

test('RINGCORE_DRIVER=thread on Node: NOPs, a sleep and a TCP echo are woken by the thread driver', () => {
  const r = child(
    `import net from 'node:net';
     import { completionDriver, nop, Ring } from '${index}';
     import { TcpStream } from '${netModule}';
     import { sleep } from '${timeModule}';
     const ring = new Ring({ entries: 8 });
     await Promise.all([nop(), ring.nop(), ring.nop()]);
     const started = Date.now();
     await sleep(30);
     const slept = Date.now() - started >= 25;
     const server = net.createServer((s) => s.on('data', (d) => setTimeout(() => s.end(d), 20)));
     await new Promise((r) => server.listen(0, '127.0.0.1', r));
     const stream = await TcpStream.connect({ host: '127.0.0.1', port: server.address().port });
     await stream.write('echo');
     const buf = Buffer.alloc(4);
     const n = await stream.read(buf);
     await stream.close(); server.close(); await ring.close();
     console.log(JSON.stringify({ driver: completionDriver(), slept, echo: buf.toString('latin1', 0, n) }));`,
    'thread',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.out), { driver: 'thread', slept: true, echo: 'echo' });
});

test('an unknown RINGCORE_DRIVER is an error naming the allowed values', () => {
  const r = child(
    `import { completionDriver } from '${index}';
     try { completionDriver(); console.log('chosen'); } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
    'epoll',
  );
  assert.equal(r.status, 0, r.stderr);
  const { code, message } = JSON.parse(r.out) as { code: string; message: string };
  assert.equal(code, 'ERR_RINGCORE_UNSUPPORTED');
  assert.match(message, /'poll' or 'thread', not "epoll"/);
});
