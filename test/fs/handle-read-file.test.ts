// FileHandle.readFile(): from the handle's current position to the end, and
// the position moves there, as node:fs/promises' FileHandle.readFile. A
// regular file is read as readFile(path) reads one: a first READ, then a
// stat and READs into one buffer of the size left (no chunks concatenated);
// a pipe, or an O_APPEND file (read at the kernel's position), is read in
// chunks until a READ returns 0. The tests of the public API alone also run
// on the node backend; those that watch the ring's requests need io_uring.
import { after, test as publicApiTest } from 'node:test';
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import * as nodeFsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-handle-read-file-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

const KiB = 1024;

/** What each call saw: the bytes of readFile (hex-free: lengths and equality to the file), and read()'s byte counts. */
async function script(handle: Pick<fs.FileHandle, 'read' | 'readFile'>, path: string, skip: number, grow: Buffer): Promise<unknown[]> {
  const seen: unknown[] = [];
  if (skip > 0) seen.push((await handle.read(Buffer.alloc(skip), 0, skip, null)).bytesRead);
  const first = (await handle.readFile()) as Buffer;
  seen.push(first.length, first.equals(nodeFs.readFileSync(path).subarray(skip)));
  seen.push(((await handle.readFile()) as Buffer).length); // at the end: nothing more
  nodeFs.appendFileSync(path, grow);
  seen.push(await handle.readFile({ encoding: 'latin1' })); // just what the file grew by
  seen.push((await handle.read(Buffer.alloc(10), 0, 10, null)).bytesRead);
  return seen;
}

// Around the first READ (16 KiB), small, and big enough for several READs in flight (1 MiB + a bit).
for (const size of [0, 100, 16 * KiB - 1, 16 * KiB, 16 * KiB + 1, 100 * KiB, 1024 * KiB + 123]) {
  for (const skip of [0, 1000, size - 1]) {
    if (skip < 0 || (skip > 0 && skip >= size)) continue;
    publicApiTest(`a ${size}-byte file, ${skip} bytes read first: readFile returns the rest and moves the position as node:fs/promises'`, async () => {
      const data = randomBytes(size);
      const ours = join(dir, `ours-${size}-${skip}`);
      const theirs = join(dir, `theirs-${size}-${skip}`);
      nodeFs.writeFileSync(ours, data);
      nodeFs.writeFileSync(theirs, data);
      const grow = Buffer.from(`grown after ${size}`, 'latin1');
      let ourSeen: unknown[];
      let theirSeen: unknown[];
      {
        await using h = await fs.open(ours);
        ourSeen = await script(h, ours, skip, grow);
      }
      {
        const h = await nodeFsp.open(theirs);
        try {
          theirSeen = await script(h as never, theirs, skip, grow);
        } finally {
          await h.close();
        }
      }
      assert.deepEqual(ourSeen, theirSeen);
      assert.deepEqual(ourSeen.slice(skip > 0 ? 1 : 0), [size - skip, true, 0, grow.toString('latin1'), 0]);
    });
  }
}

test('a registered handle: readFile of 1 MiB from a position reads the rest, as an unregistered one', async () => {
  const ring = new Ring();
  const path = join(dir, 'registered');
  const data = randomBytes(1024 * KiB + 5);
  nodeFs.writeFileSync(path, data);
  {
    await using h = await fs.open(path, 'r', 0o666, { ring });
    const registered = h.register();
    await h.read(Buffer.alloc(777), 0, 777, null);
    const rest = (await h.readFile()) as Buffer;
    assert.ok(rest.equals(data.subarray(777)), `registered: ${registered}`);
    assert.equal((await h.read(Buffer.alloc(1), 0, 1, null)).bytesRead, 0);
  }
  await ring.close();
});

/**
 * Opens `path` on its own ring whose submit runs `change` once readFile has stat'ed the file, before
 * any READ after it: as the third READ is submitted (a read() of the handle, readFile's probe, then
 * the READs sized by the stat). The stat is a statx(2) on this thread, or on an older kernel or a
 * remote filesystem a STATX op (`fstat` among the ops), which has come back by then.
 */
async function withChangeAfterStat(path: string, change: () => void, body: (h: fs.FileHandle) => Promise<void>): Promise<string[]> {
  const ring = new Ring();
  const syscalls: string[] = [];
  const submit = ring.submit.bind(ring);
  ring.submit = ((spec, options) => {
    syscalls.push(spec.syscall);
    if (spec.syscall === 'read' && syscalls.filter((s) => s === 'read').length === 3) change();
    return submit(spec, options);
  }) as typeof ring.submit;
  {
    await using h = await fs.open(path, 'r', 0o666, { ring });
    await body(h);
  }
  await ring.close();
  return syscalls;
}

test('1 MiB: a first READ, a stat, then READs into one buffer of the size left (main read 64/128/256 KiB chunks and concatenated them)', async () => {
  const path = join(dir, 'one-buffer');
  const data = randomBytes(1024 * KiB);
  nodeFs.writeFileSync(path, data);
  const syscalls = await withChangeAfterStat(
    path,
    () => {},
    async (h) => {
      await h.read(Buffer.alloc(4096), 0, 4096, null);
      const rest = (await h.readFile()) as Buffer;
      assert.ok(rest.equals(data.subarray(4096)));
    },
  );
  // open, read(), the probe READ, the stat (no op, or a STATX), then 4 chunks of 256 KiB (less what the probe got): no READ returning 0.
  const ops = syscalls.filter((s) => s !== 'fstat');
  assert.deepEqual(ops.slice(0, 3), ['open', 'read', 'read'], syscalls.join());
  assert.ok(syscalls.indexOf('fstat') === -1 || syscalls.indexOf('fstat') === 3, syscalls.join());
  assert.equal(ops.filter((s) => s === 'read').length, 2 + 4, syscalls.join());
});

test('a file that grows between the stat and the READs: readFile returns up to the size at the STATX, the next one what it grew by', async () => {
  const path = join(dir, 'grows');
  const data = randomBytes(300 * KiB + 1);
  const more = randomBytes(70 * KiB + 3);
  nodeFs.writeFileSync(path, data);
  const syscalls = await withChangeAfterStat(
    path,
    () => nodeFs.appendFileSync(path, more),
    async (h) => {
      await h.read(Buffer.alloc(5000), 0, 5000, null);
      const first = (await h.readFile()) as Buffer;
      const second = (await h.readFile()) as Buffer;
      assert.equal(first.length, data.length - 5000);
      assert.ok(first.equals(data.subarray(5000)));
      assert.ok(second.equals(more), `second: ${second.length} bytes`);
      assert.equal((await h.read(Buffer.alloc(1), 0, 1, null)).bytesRead, 0);
    },
  );
  assert.ok(syscalls.filter((s) => s === 'read').length >= 3, `the change ran before the READs after the stat: ${syscalls.join()}`);
});

test('a file that shrinks between the stat and the READs: readFile returns what is left, no bytes past the new end', async () => {
  const path = join(dir, 'shrinks');
  const data = randomBytes(900 * KiB);
  const cut = 200 * KiB + 17;
  nodeFs.writeFileSync(path, data);
  const syscalls = await withChangeAfterStat(
    path,
    () => nodeFs.truncateSync(path, cut),
    async (h) => {
      await h.read(Buffer.alloc(3000), 0, 3000, null);
      const first = (await h.readFile()) as Buffer;
      assert.equal(first.length, cut - 3000);
      assert.ok(first.equals(data.subarray(3000, cut)));
      assert.equal(((await h.readFile()) as Buffer).length, 0);
      // The position is at the new end: what is appended now is read next, nothing skipped.
      nodeFs.appendFileSync(path, 'tail');
      assert.equal(await h.readFile('latin1'), 'tail');
    },
  );
  assert.ok(syscalls.filter((s) => s === 'read').length >= 3, `the change ran before the READs after the stat: ${syscalls.join()}`);
});

publicApiTest('a pipe: readFile reads until the writer closes, every byte in order (more than a pipe holds)', async () => {
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const data = randomBytes(300 * KiB + 7);
  const source = join(dir, 'fifo-source');
  nodeFs.writeFileSync(source, data);
  const writer = spawn('sh', ['-c', 'exec cat "$0" > "$1"', source, fifo], { stdio: 'ignore' });
  const exited = once(writer, 'exit');
  {
    await using h = await fs.open(fifo);
    const got = (await h.readFile()) as Buffer;
    assert.equal(got.length, data.length);
    assert.ok(got.equals(data));
  }
  const [code] = await exited;
  assert.equal(code, 0);
});

publicApiTest("a file opened with 'a+': readFile reads from the kernel's position (0 until a write), as node:fs/promises'", async () => {
  const data = randomBytes(100 * KiB + 9);
  const results: number[][] = [];
  for (const api of [fs, nodeFsp] as const) {
    const path = join(dir, `append-${results.length}`);
    nodeFs.writeFileSync(path, data);
    const h = await api.open(path, 'a+');
    try {
      const first = (await h.readFile()) as Buffer;
      assert.ok(first.equals(data));
      await (h as { write(data: Buffer): Promise<unknown> }).write(Buffer.from('xyz'));
      const second = (await h.readFile()) as Buffer;
      results.push([first.length, second.length]);
    } finally {
      await h.close();
    }
  }
  assert.deepEqual(results[0], results[1]);
});

publicApiTest("a file past 2 GiB (sparse): readFile rejects with ERR_FS_FILE_TOO_LARGE, as node:fs/promises' (main read it all)", async () => {
  const path = join(dir, 'too-large');
  nodeFs.closeSync(nodeFs.openSync(path, 'w'));
  nodeFs.truncateSync(path, 2 ** 31); // kIoMaxLength is 2 ** 31 - 1
  const codes: unknown[] = [];
  // Bun's own node:fs/promises reads the 2 GiB (so the comparison is Node's and Deno's).
  for (const api of 'bun' in process.versions ? [fs] : ([fs, nodeFsp] as const)) {
    const h = await api.open(path);
    try {
      codes.push(
        await h.readFile().then(
          () => 'read',
          (error: NodeJS.ErrnoException) => error.code,
        ),
      );
    } finally {
      await h.close();
    }
  }
  assert.deepEqual(codes, 'bun' in process.versions ? ['ERR_FS_FILE_TOO_LARGE'] : ['ERR_FS_FILE_TOO_LARGE', 'ERR_FS_FILE_TOO_LARGE']);
  nodeFs.rmSync(path);
});
