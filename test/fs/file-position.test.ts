// Issue #9, fault 7: on a full disk (or past RLIMIT_FSIZE) FileHandle writes
// reported success and overwrote earlier data. The kernel does not move the
// file offset for an io_uring write at -1 that wrote part of its bytes and
// then failed, and the rest was resubmitted at -1: over the start of the
// file. Every write to a regular file now goes at an explicit offset the
// handle keeps, and the error after a short write is reported, as node:fs does.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

import * as fs from '../../src/fs/index.js';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-file-position-'));
const fsModule = fileURLToPath(new URL('../../src/fs/index.js', import.meta.url));

// Runs in a child under `ulimit -f 256` (256 KiB): the same steps through
// ringcore and node:fs/promises, each reporting what it saw as JSON.
const CHILD = `
import * as nodeFs from 'node:fs';
const [, , which, modulePath, out] = process.argv;
const api = which === 'node' ? await import('node:fs/promises') : await import(modulePath);
const outcome = (p) => p.then((v) => (typeof v === 'object' && v !== null && 'bytesWritten' in v ? v.bytesWritten : 'ok'), (e) => e.code);
const a = Buffer.alloc(300000, 0x61);
const result = {};
let h = await api.open(out + '.write', 'w');
result.first = await outcome(h.write(a, 0, a.length, null));
result.second = await outcome(h.write(Buffer.alloc(10, 0x62), 0, 10, null));
await h.close();
result.writeFileContent = nodeFs.readFileSync(out + '.write').every((byte) => byte === 0x61);
result.writeSize = nodeFs.statSync(out + '.write').size;
h = await api.open(out + '.writeFile', 'w');
result.writeFile = await outcome(h.writeFile(Buffer.alloc(1 << 20, 0x63)));
await h.close();
result.writeFileSize = nodeFs.statSync(out + '.writeFile').size;
const ws = (await api.open(out + '.stream', 'w')).createWriteStream();
for (let i = 0; i < 40; i++) ws.write(Buffer.alloc(10000, 0x30 + (i % 10)));
ws.end();
result.stream = await new Promise((resolve) => { ws.on('error', (e) => resolve(e.code)); ws.on('finish', () => resolve('finish')); });
const streamed = nodeFs.readFileSync(out + '.stream');
result.streamIntact = streamed.every((byte, i) => byte === 0x30 + (Math.floor(i / 10000) % 10));
result.streamSize = streamed.length;
console.log(JSON.stringify(result));
`;

test('fault 7: past RLIMIT_FSIZE (ulimit -f 256), FileHandle writes report EFBIG and overwrite nothing, as node:fs', { timeout: 60_000 }, (t) => {
  const script = join(dir, 'child.mjs');
  nodeFs.writeFileSync(script, CHILD);
  const run = (which: 'node' | 'ringcore') => {
    const r = spawnSync('bash', ['-c', `ulimit -f 256 && exec "$0" "$@"`, process.execPath, script, which, fsModule, join(dir, which)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${which} child: status ${r.status} signal ${r.signal}\n${r.stderr}`);
    return JSON.parse(r.stdout) as Record<string, unknown>;
  };
  const node = run('node');
  if (node.second !== 'EFBIG') return void t.skip(`node:fs itself did not hit the limit here: ${JSON.stringify(node)}`);
  const ours = run('ringcore');
  assert.deepEqual(ours, node);
  // What node:fs gives, spelled out: a short write, then EFBIG; nothing overwritten; the stream errors.
  assert.equal(ours.first, 262144);
  assert.equal(ours.second, 'EFBIG');
  assert.equal(ours.writeFileContent, true);
  assert.equal(ours.writeFile, 'EFBIG');
  assert.equal(ours.stream, 'EFBIG');
  assert.equal(ours.streamIntact, true);
});

const mountPoint = join(dir, 'tmpfs');
let skipTmpfs: string | undefined;
before(() => {
  nodeFs.mkdirSync(mountPoint);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint], { encoding: 'utf8' });
  if (r.error) skipTmpfs = `cannot run mount: ${r.error.message}`;
  else if (r.status !== 0) skipTmpfs = `mount -t tmpfs refused: ${r.stderr.trim()}`;
});
after(() => {
  if (skipTmpfs === undefined) spawnSync('umount', [mountPoint]);
  nodeFs.rmSync(dir, { recursive: true, force: true });
});

test("fault 7: on a full 256 KiB tmpfs, FileHandle.writeFile of 1 MiB rejects ENOSPC; the file is the data's first bytes", async (t) => {
  if (skipTmpfs !== undefined) return void t.skip(skipTmpfs);
  const path = join(mountPoint, 'writeFile');
  const data = randomBytes(1 << 20);
  const handle = await fs.open(path, 'w');
  await assert.rejects(handle.writeFile(data), { code: 'ENOSPC', syscall: 'write', path });
  await handle.close();
  const written = nodeFs.readFileSync(path);
  assert.ok(written.length > 0 && written.length < data.length, `${written.length} bytes`);
  assert.ok(written.equals(data.subarray(0, written.length)), 'nothing was written over the start');
  // node:fs/promises does the same.
  const nodePath = join(mountPoint, 'writeFile-node');
  nodeFs.unlinkSync(path);
  const nodeHandle = await nodeFs.promises.open(nodePath, 'w');
  await assert.rejects(nodeHandle.writeFile(data), { code: 'ENOSPC' });
  await nodeHandle.close();
  nodeFs.unlinkSync(nodePath);
});

test("fault 7: on a full 256 KiB tmpfs, createWriteStream errors with ENOSPC (no 'finish'); earlier chunks intact", async (t) => {
  if (skipTmpfs !== undefined) return void t.skip(skipTmpfs);
  const path = join(mountPoint, 'stream');
  const chunks = Array.from({ length: 16 }, () => randomBytes(64 * 1024));
  const stream = (await fs.open(path, 'w')).createWriteStream();
  let finished = false;
  stream.on('finish', () => (finished = true));
  for (const c of chunks) stream.write(c);
  stream.end();
  const [error] = (await once(stream, 'error')) as [NodeJS.ErrnoException];
  assert.equal(error.code, 'ENOSPC');
  assert.equal(finished, false);
  const written = nodeFs.readFileSync(path);
  assert.ok(written.length > 0);
  assert.ok(written.equals(Buffer.concat(chunks).subarray(0, written.length)), 'the file is a prefix of what was written');
  nodeFs.unlinkSync(path);
});

test("fault 7: the handle's position: reads follow writes; fh.fd hands it to code that writes through the fd, and takes it back", async () => {
  const path = join(dir, 'shared');
  const handle = await fs.open(path, 'w+');
  await handle.write('abc');
  nodeFs.writeSync(handle.fd, 'def'); // at the handle's position, as with node:fs
  await handle.write('ghi'); // after what the fd wrote
  assert.equal(nodeFs.readFileSync(path, 'utf8'), 'abcdefghi');
  const buffer = Buffer.alloc(3);
  assert.equal((await handle.read(buffer, 0, 3, 0)).bytesRead, 3); // explicit: moves nothing
  await handle.write('jkl');
  assert.equal(nodeFs.readFileSync(path, 'utf8'), 'abcdefghijkl');
  // Writes started together land one after the other, in call order.
  await Promise.all(['1', '22', '333'].map((s) => handle.write(s)));
  assert.equal(nodeFs.readFileSync(path, 'utf8'), 'abcdefghijkl122333');
  // A read at the current position after a short read (the end) continues from there.
  const w = await fs.open(path, 'r');
  assert.equal((await w.read(Buffer.alloc(100), 0, 100, null)).bytesRead, 18);
  assert.equal((await w.read(Buffer.alloc(100), 0, 100, null)).bytesRead, 0);
  await w.close();
  await handle.close();
});

test("fault 7: O_APPEND handles append at the kernel's position, after writes made by others", async () => {
  const path = join(dir, 'append');
  nodeFs.writeFileSync(path, 'one\n');
  const handle = await fs.open(path, 'a');
  await handle.write('two\n');
  nodeFs.appendFileSync(path, 'three\n');
  await handle.writev([Buffer.from('four'), Buffer.from('\n')]);
  await handle.close();
  assert.equal(nodeFs.readFileSync(path, 'utf8'), 'one\ntwo\nthree\nfour\n');
});

test('reads at the current position started together past the end leave the position at the end: no hole before the next write, nothing skipped when the file grows', async () => {
  const path = join(dir, 'reads-past-end');
  nodeFs.writeFileSync(path, '0123456789');
  const handle = await fs.open(path, 'r+');
  // The first gets the 10 bytes, the second (taken at 100) nothing: as two read(2)s, the position is 10.
  const [a, b] = await Promise.all([handle.read(Buffer.alloc(100), 0, 100, null), handle.read(Buffer.alloc(100), 0, 100, null)]);
  assert.deepEqual([a.bytesRead, b.bytesRead], [10, 0]);
  await handle.write('X');
  assert.equal(nodeFs.readFileSync(path, 'latin1'), '0123456789X'); // was 0123456789, 189 zeros, X
  await Promise.all([handle.read(Buffer.alloc(100), 0, 100, null), handle.read(Buffer.alloc(100), 0, 100, null)]);
  nodeFs.appendFileSync(path, 'grown');
  const next = await handle.read(Buffer.alloc(100), 0, 100, null);
  assert.equal(next.buffer.toString('latin1', 0, next.bytesRead), 'grown'); // was '' (read at 211)
  await handle.close();
});
