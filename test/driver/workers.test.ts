// One default ring per thread: each worker_thread gets its own ring (its own
// fd), runs its ops, and exits cleanly; a worker torn down with an op still in
// flight exits too (the native watch's async cleanup hook closes its uv_poll).

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';

import { defaultRing, nop } from '../../src/index.js';

const index = new URL('../../src/index.js', import.meta.url).href;
const time = new URL('../../src/time/index.js', import.meta.url).href;

function startWorker(body: string): Worker {
  const source =
    `import { parentPort } from 'node:worker_threads';\n` +
    `const rc = await import(${JSON.stringify(index)});\nconst time = await import(${JSON.stringify(time)});\n${body}\n`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`));
}

function finished(worker: Worker): Promise<{ code: number; messages: unknown[] }> {
  const messages: unknown[] = [];
  worker.on('message', (message) => messages.push(message));
  return new Promise((resolve, reject) => {
    worker.on('error', reject);
    worker.on('exit', (code) => resolve({ code, messages }));
  });
}

test('3 workers, each with its own default ring: 1000 NOPs and a sleep each, then a clean exit', { timeout: 20_000 }, async () => {
  await nop();
  const mainFd = defaultRing().uring.fd;
  const body = `
    const ops = [];
    for (let i = 0; i < 1000; i++) ops.push(rc.nop());
    await Promise.all(ops);
    await time.sleep(10);
    const ring = rc.defaultRing();
    parentPort.postMessage({ fd: ring.uring.fd, inFlight: ring.inFlight, completed: ring.stats.completed });
    // Stay until every worker has its ring: a worker's ring fd is closed when it exits, and its number could be reused.
    await new Promise((resolve) => parentPort.once('message', resolve));
  `;
  const workers = [0, 1, 2].map(() => startWorker(body));
  let reported = 0;
  for (const worker of workers) {
    worker.once('message', () => {
      if (++reported === workers.length) for (const w of workers) w.postMessage('exit');
    });
  }
  const results = await Promise.all(workers.map(finished));
  const fds = new Set<number>([mainFd]);
  for (const { code, messages } of results) {
    assert.equal(code, 0, 'the worker exited by itself, with code 0');
    assert.equal(messages.length, 1);
    const { fd, inFlight, completed } = messages[0] as { fd: number; inFlight: number; completed: number };
    assert.ok(fd >= 0);
    assert.equal(inFlight, 0);
    assert.equal(completed, 1001);
    fds.add(fd);
  }
  assert.equal(fds.size, 4, "four different ring fds: the main thread's and one per worker");
  // The main thread's ring is unaffected.
  assert.equal(await nop(), undefined);
});

test('a worker terminated with a sleep in flight exits; so does one calling process.exit()', { timeout: 20_000 }, async () => {
  const terminated = startWorker(`time.sleep(60_000);\nparentPort.postMessage('sleeping');`);
  terminated.once('message', () => void terminated.terminate());
  const exiting = startWorker(`time.sleep(60_000);\nawait rc.nop();\nprocess.exit(7);`);
  const [a, b] = await Promise.all([finished(terminated), finished(exiting)]);
  assert.equal(a.code, 1, 'terminate() gives exit code 1');
  assert.deepEqual(a.messages, ['sleeping']);
  assert.equal(b.code, 7);
  assert.equal(await nop(), undefined);
});
