// A FileHandle dropped without close() is closed when it is garbage-collected,
// with Node's warning ("Closing file descriptor N on garbage collection"):
// before, its fd stayed open for the life of the process. Each case runs in a
// child with --expose-gc that counts /proc/self/fd.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from '../../test-support/backend.js';

const fsModule = new URL('../../src/fs/index.js', import.meta.url).href;
const tableModule = new URL('../../src/fs/file-table.js', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'ringcore-collected-'));

/** Runs `body` in a child (`api` is ringcore/fs, `path` a file, `warnings` what process warnings said); returns what it printed. */
function child(body: string): unknown {
  const source = `
    import { fstatSync, readdirSync, statSync, writeFileSync } from 'node:fs';
    const api = await import(${JSON.stringify(fsModule)});
    const path = ${JSON.stringify(join(dir, 'f'))};
    writeFileSync(path, 'contents');
    const warnings = [];
    process.on('warning', (w) => warnings.push(w.message));
    // Listing /proc/self/fd opens an fd of its own, the lowest free number: the one a close just freed.
    const openFds = () => readdirSync('/proc/self/fd').length;
    // Whether fd is open on \`file\` (a number freed by a close may be taken by something else at once).
    const isOpen = (fd, file = path) => { try { const a = fstatSync(fd), b = statSync(file); return a.ino === b.ino && a.dev === b.dev; } catch { return false; } };
    await (await api.open(path)).close(); // the ring's own fds are made by the first open
    /** Collects until nothing more goes, with turns of the event loop between (finalizers run as tasks). */
    const collect = async () => { for (let i = 0; i < 5; i++) { globalThis.gc(); await new Promise((resolve) => setTimeout(resolve, 10)); } };
    ${body}`;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', source], {
    env: { ...process.env, RINGCORE_QUIET: '1', NODE_OPTIONS: undefined },
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `child failed:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('handles dropped without close() have their fds closed on garbage collection, each with a warning', () => {
  const seen = child(`
    const before = openFds();
    let fds = [];
    for (let i = 0; i < 20; i++) fds.push(await (async () => (await api.open(path)).fd)());
    const opened = openFds() - before;
    await collect();
    console.log(JSON.stringify({
      opened,
      stillOpen: fds.filter(isOpen).length,
      warned: fds.filter((fd) => warnings.includes('Closing file descriptor ' + fd + ' on garbage collection')).length,
    }));`);
  assert.deepEqual(seen, { opened: 20, stillOpen: 0, warned: 20 });
}); // before: stillOpen 20, warned 0

test('a handle closed by close() is never closed again on collection: its fd number, reused by the next open, stays open', () => {
  const seen = child(`
    let fh = await api.open(path);
    const fd = fh.fd;
    await fh.close();
    fh = null;
    const next = await api.open(path); // the lowest free number: the one just closed
    await collect();
    console.log(JSON.stringify({ reused: next.fd === fd, nextOpen: isOpen(next.fd), warnings, read: (await next.readFile('utf8')) }));
    await next.close();`);
  assert.deepEqual(seen, { reused: true, nextOpen: true, warnings: [], read: 'contents' });
});

test('a handle with an op in the kernel is not collected: the op completes on its fd, and only then is the fd closed', () => {
  const seen = child(`
    import { execFileSync } from 'node:child_process';
    const fifo = path + '.fifo';
    execFileSync('mkfifo', [fifo]);
    // O_RDWR: the open does not wait for a writer, and the read waits in the kernel for bytes.
    let fd = -1;
    const reading = (async () => {
      const fh = await api.open(fifo, 'r+');
      fd = fh.fd;
      return fh.read(Buffer.alloc(5), 0, 5, null);
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    await collect();
    const heldWhileReading = isOpen(fd, fifo) && warnings.length === 0;
    writeFileSync(fifo, 'hello');
    const { bytesRead, buffer } = await reading;
    await collect();
    console.log(JSON.stringify({ heldWhileReading, read: buffer.toString('latin1', 0, bytesRead), closedAfter: !isOpen(fd, fifo), warnings: warnings.length }));`);
  assert.deepEqual(seen, { heldWhileReading: true, read: 'hello', closedAfter: true, warnings: 1 });
});

test('a registered handle (open({ fixed: true })) collected unclosed gives its fd and its table slot back', () => {
  const seen = child(`
    const { fileTableOf } = await import(${JSON.stringify(tableModule)});
    const { defaultRing } = await import(${JSON.stringify(new URL('../../src/index.js', import.meta.url).href)});
    const table = () => fileTableOf(defaultRing());
    let fd = -1, fixed = false;
    await (async () => { const fh = await api.open(path, 'r', 0o666, { fixed: true }); fd = fh.fd; fixed = fh.fileIndex >= 0; })();
    const freeBefore = table()?.available;
    await collect();
    console.log(JSON.stringify({ fixed, closed: !isOpen(fd), slotBack: table()?.available === freeBefore + 1, warnings: warnings.length }));`);
  assert.deepEqual(seen, { fixed: true, closed: true, slotBack: true, warnings: 1 });
});
