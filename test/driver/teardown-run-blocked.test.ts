// A worker_thread blocked inside run() must still be terminate()-able (issue
// #9, fault 1's class: every thread's resources go with the thread). run()'s
// executor blocks in io_uring_enter(min_complete=1) on the worker's JS thread;
// Worker.terminate() only asks V8 to stop running JS and the worker's loop to
// stop, which cannot reach a thread parked in a syscall. So while the ring's
// ops do not complete, terminate() does not return, and the worker's rings,
// buffers and the process exit wait with it. The worker runs in a child
// process, so a hang is the child's timeout, not this suite's.

import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const index = new URL('../../src/index.js', import.meta.url).href;
const fsModule = new URL('../../src/fs/index.js', import.meta.url).href;

test('terminate() ends a worker blocked in run() on a read that never completes', { timeout: 60_000 }, () => {
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { Worker } from 'node:worker_threads';
       import { spawnSync } from 'node:child_process';
       import { mkdtempSync, rmSync } from 'node:fs';
       import { tmpdir } from 'node:os';
       const dir = mkdtempSync(tmpdir() + '/ringcore-run-blocked-');
       const fifo = dir + '/fifo';
       if (spawnSync('mkfifo', [fifo]).status !== 0) throw new Error('mkfifo failed');
       // Opened read-write, the FIFO has a writer (the worker itself) that never writes: the read never completes.
       const body = \`
         import { parentPort } from 'node:worker_threads';
         const rc = await import(${JSON.stringify(index)});
         const fs = await import(${JSON.stringify(fsModule)});
         await rc.run(async () => {
           const fh = await fs.open(\${JSON.stringify(fifo)}, 'r+');
           const read = fh.read(Buffer.alloc(4096), 0, 4096, null);
           parentPort.postMessage('blocked');
           await read;
         });
       \`;
       const worker = new Worker(new URL('data:text/javascript,' + encodeURIComponent(body)));
       await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
       await new Promise((resolve) => setTimeout(resolve, 200));
       await worker.terminate();
       rmSync(dir, { recursive: true, force: true });
       console.log('terminated');`,
    ],
    { encoding: 'utf8', timeout: 15_000 },
  );
  const output = `stdout: ${JSON.stringify(child.stdout)}, stderr: ${JSON.stringify(child.stderr.slice(-2000))}`;
  assert.equal(child.error, undefined, `terminate() did not return within 15 s (the worker is parked in io_uring_enter): ${output}`);
  assert.equal(child.signal, null, output);
  assert.equal(child.status, 0, output);
  assert.equal(child.stdout, 'terminated\n', output);
});
