// copyFileRange's pool thread and the end of its thread's environment. Node
// tears a worker's environment down only once every job it queued on
// libuv's pool has returned (and process.exit() joins the pool's threads):
// no JavaScript can set the abort flag by then, so a copy_file_range loop
// held worker.terminate() (or the exit) until the whole file was copied.
// Each call gives its thread back after POOL_SLICE_MS (native/ringcore.c)
// and the JavaScript calls again, which a terminated worker no longer does.
import { after } from 'node:test';
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

// tmpfs where there is one: the copy then writes no disk (the old binary copied all of it).
const base = isWritableDir('/dev/shm') ? '/dev/shm' : tmpdir();
const dir = nodeFs.mkdtempSync(join(base, 'ringcore-fs-copy-teardown-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

function isWritableDir(path: string): boolean {
  try {
    nodeFs.accessSync(path, nodeFs.constants.W_OK);
    return nodeFs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const fsModule = new URL('../../src/fs/index.js', import.meta.url).href;
const indexModule = new URL('../../src/index.js', import.meta.url).href;

/**
 * Starts a worker that copies `src` to `dest` with `how` ('copyFile': copyFile(); 'transfer': transfer() between
 * two open files), terminates it once bytes have reached the destination (so never before the copy began), and
 * resolves with the destination's size after the termination.
 */
async function terminateMidCopy(src: string, dest: string, how: 'copyFile' | 'transfer'): Promise<number> {
  const worker = new Worker(
    new URL(
      `data:text/javascript,${encodeURIComponent(`
        import { parentPort, workerData } from 'node:worker_threads';
        import * as nodeFs from 'node:fs';
        const fs = await import(${JSON.stringify(fsModule)});
        const { Ring } = await import(${JSON.stringify(indexModule)});
        const { src, dest, how } = workerData;
        if (how === 'copyFile') {
          // A signal: the ring's copy (without one, Node's own copyFile copies, which holds terminate() as node:fs's does).
          void fs.copyFile(src, dest, 0, { signal: new AbortController().signal });
        } else {
          const ring = new Ring();
          const from = nodeFs.openSync(src, 'r');
          const to = nodeFs.openSync(dest, 'w');
          void fs.transfer(ring, { fd: from }, { fd: to }, { size: Infinity, positional: true });
        }
        // Told once the copy is under way: the pool thread has written to the destination.
        const started = setInterval(() => {
          let size = 0;
          try { size = nodeFs.statSync(dest).size; } catch {}
          if (size > 0) {
            clearInterval(started);
            parentPort.postMessage(size);
          }
        }, 1);
      `)}`,
    ),
    { workerData: { src, dest, how } },
  );
  const exited = once(worker, 'exit');
  await once(worker, 'message');
  await worker.terminate();
  await exited;
  return nodeFs.statSync(dest).size;
}

for (const how of ['copyFile', 'transfer'] as const) {
  test(`worker.terminate() during ${how}()'s copy_file_range ends the copy, not the end of the file`, async () => {
    // 2 GiB, sparse: nothing written for the source; copying all of it takes seconds on ext4, a second on tmpfs.
    const SIZE = 2 * 1024 * 1024 * 1024;
    const src = join(dir, `src-${how}`);
    const dest = join(dir, `dest-${how}`);
    nodeFs.closeSync(nodeFs.openSync(src, 'w'));
    nodeFs.truncateSync(src, SIZE);
    try {
      const copied = await terminateMidCopy(src, dest, how);
      assert.ok(copied > 0);
      assert.ok(copied < SIZE, `the pool thread went on copying after the worker was terminated, until the file's end (${copied} bytes)`);
    } finally {
      nodeFs.rmSync(src, { force: true });
      nodeFs.rmSync(dest, { force: true });
    }
  });
}
