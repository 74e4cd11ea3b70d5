// spliceToPipe's pool thread and the end of its thread's environment. Node
// tears a worker's environment down only once every job it queued on
// libuv's pool has returned (and process.exit() joins the pool's threads):
// no JavaScript can set the abort flag by then, so a copy into a pipe whose
// reader keeps up would hold worker.terminate() (or the exit) until the
// whole file was in the pipe. Each call gives its thread back after
// POOL_SLICE_MS (native/ringcore.c), so the teardown waits that long at most.
import { after } from 'node:test';
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-splice-teardown-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

const fsModule = new URL('../../src/fs/index.js', import.meta.url).href;
const indexModule = new URL('../../src/index.js', import.meta.url).href;

/**
 * Starts a worker that splices the 1 GiB `src` into a FIFO read by `wc` in another process, terminates it once the
 * worker says the copy is under way, and resolves with the bytes the reader got.
 */
async function terminateMidCopy(src: string, attempt: number): Promise<number> {
  const fifo = join(dir, `fifo-${attempt}`);
  execFileSync('mkfifo', [fifo]);
  // The reader: another process, blocked in read(2) whenever the pipe is empty; real-time where that is allowed
  // (root), so that a loaded machine never leaves the pipe full for the pool thread's 10 ms.
  const reading = ['sh', '-c', 'wc -c < "$0"', fifo];
  const realTime = spawnSync('chrt', ['-f', '10', 'true']).status === 0;
  const reader = spawn(realTime ? 'chrt' : reading[0]!, realTime ? ['-f', '10', ...reading] : reading.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  let counted = '';
  reader.stdout.setEncoding('utf8').on('data', (text: string) => (counted += text));
  const readerDone = once(reader, 'close');
  const worker = new Worker(
    new URL(
      `data:text/javascript,${encodeURIComponent(`
        import { parentPort, workerData } from 'node:worker_threads';
        import * as nodeFs from 'node:fs';
        const fs = await import(${JSON.stringify(fsModule)});
        const { Ring } = await import(${JSON.stringify(indexModule)});
        const ring = new Ring();
        const from = nodeFs.openSync(workerData.src, 'r');
        const to = nodeFs.openSync(workerData.fifo, 'w');
        // A blocking 64 KiB pipe from a regular file: spliceToPipe on a pool thread. Reported once it has had
        // time to start (the reader takes the whole file in about a second when nothing stops the copy): 50 ms,
        // four times as long at each attempt made again (a slow machine: a guest under qemu TCG needed more).
        void fs.spliceTransfer(ring, { fd: from }, { fd: to }, { size: Infinity, positional: false });
        setTimeout(() => parentPort.postMessage(to), workerData.wait);
      `)}`,
    ),
    { workerData: { src, fifo, wait: 50 * 4 ** attempt } },
  );
  const [to] = (await once(worker, 'message')) as [number];
  await worker.terminate();
  // The end of the pipe the worker wrote to, unless its exit closed it already (Node closes the fds a worker opened
  // with node:fs): the reader then sees the end.
  try {
    nodeFs.closeSync(to);
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, 'EBADF');
  }
  await readerDone;
  return Number(counted.trim());
}

test('worker.terminate() during a splice into a pipe read as fast as it fills ends the copy, not the end of the file', async () => {
  // 1 GiB, sparse: nothing written to disk.
  const SIZE = 1024 * 1024 * 1024;
  const src = join(dir, 'src');
  nodeFs.closeSync(nodeFs.openSync(src, 'w'));
  nodeFs.truncateSync(src, SIZE);
  // A terminate that lands before the copy's first splice leaves nothing to check: that attempt is made again.
  let read = 0;
  for (let attempt = 0; attempt < 4 && read === 0; attempt++) read = await terminateMidCopy(src, attempt);
  assert.ok(read > 0, 'in 4 attempts, the worker was terminated before its copy began each time');
  assert.ok(read < SIZE, `the pool thread went on splicing after the worker was terminated, until the file's end (${read} bytes read)`);
});
