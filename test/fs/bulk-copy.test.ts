// The bulk paths' shape, not only their result: SPLICE chains that break
// in the middle (a source shorter than asked, a small ring) still copy every
// byte once, and the buffers the kernel copies into are page-aligned (a
// destination 16 bytes into a page made the kernel's copy 3 to 6 times
// slower on AMD EPYC: docs/benchmarks.md).
import { after } from 'node:test';
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import { addressOf } from '../../src/sys/memory.js';
import { native } from '../../src/sys/native.js';
import { SYS_close, SYS_fcntl, SYS_lseek, SYS_read, SYS_socketpair } from '../../src/sys/syscalls.js';
import { SPLICE_ABORTED, SPLICE_PIPE_FULL, spliceIntoPipe } from '../../src/fs/splice-pipe.js';
import { makePipe } from '../../src/fs/splice-spec.js';
import { AF_UNIX, SOCK_CLOEXEC, SOCK_NONBLOCK, SOCK_STREAM } from '../../src/sys/socket-constants.js';
import { F_SETPIPE_SZ, IORING_FEAT_CQE_SKIP, SEEK_CUR, SEEK_SET } from '../../src/sys/constants.js';

const MiB = 1024 * 1024;
const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-bulk-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));
// Not a multiple of the 1 MiB pipe: the last splice of the last chain is short by design.
const data = randomBytes(35 * MiB + 12345);
const src = join(dir, 'src');
nodeFs.writeFileSync(src, data);

for (const entries of [4, 16, 256]) {
  test(`copyFile by SPLICE chains on a ring of ${entries} entries copies every byte`, async () => {
    const ring = new Ring({ entries });
    const dest = join(dir, `copy-${entries}`);
    await fs.copyFile(src, dest, 0, { ring });
    assert.ok(nodeFs.readFileSync(dest).equals(data));
    assert.equal(ring.inFlight, 0);
    await ring.close();
  });
}

test('spliceTransfer told a size past the end stops at the end: the short splice breaks the chain, the rest is not copied twice', async () => {
  const ring = new Ring();
  const dest = join(dir, 'short');
  await using from = await fs.open(src);
  await using to = await fs.open(dest, 'w');
  // 40 MiB asked for: the chain of 16 MiB starting at 32 MiB breaks at its fourth pair (3 MiB + 12345 bytes in).
  const copied = await fs.spliceTransfer(ring, { fd: from.fd }, { fd: to.fd }, { size: 40 * MiB, positional: true });
  assert.equal(copied, data.length);
  assert.ok(nodeFs.readFileSync(dest).equals(data));
  assert.equal(ring.inFlight, 0);
  await ring.close();
});

/**
 * Copies `src` with `copy` to the current position of a regular file between two writes of
 * Node's (a cat in `{ echo head; cat src; echo tail; } > file`), and checks that all three
 * landed in order: the copy started at the fd's offset and left it after the copy.
 */
async function catIntoFile(name: string, copy: (from: number, out: number) => Promise<number>): Promise<void> {
  const dest = join(dir, name);
  await using from = await fs.open(src);
  const out = nodeFs.openSync(dest, 'w');
  try {
    nodeFs.writeSync(out, 'head:');
    const copied = await copy(from.fd, out);
    nodeFs.writeSync(out, ':tail');
    assert.equal(copied, data.length);
  } finally {
    nodeFs.closeSync(out);
  }
  assert.ok(nodeFs.readFileSync(dest).equals(Buffer.concat([Buffer.from('head:'), data, Buffer.from(':tail')])));
}

test('spliceTransfer to the current position (a cat into a regular file) writes in order', async () => {
  const ring = new Ring();
  await catIntoFile('cat', (from, out) => fs.spliceTransfer(ring, { fd: from }, { fd: out }, { size: Infinity, positional: false }));
  await ring.close();
});

/** Everything `reader` writes to its stdout, once it has exited. */
function outputOf(reader: ChildProcess): Promise<Buffer> {
  const chunks: Buffer[] = [];
  reader.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
  return once(reader, 'close').then(() => Buffer.concat(chunks));
}

/** A new FIFO and a process that reads it by the shell `script` ("$0" is the FIFO); its output comes back through its stdout. */
function fifoReader(name: string, script: string): { fifo: string; output: Promise<Buffer> } {
  const fifo = join(dir, name);
  execFileSync('mkfifo', [fifo]);
  return { fifo, output: outputOf(spawn('sh', ['-c', script, fifo], { stdio: ['ignore', 'pipe', 'inherit'] })) };
}

/** Opens a FIFO for writing, without blocking the thread until its reader opens it. */
function openForWriting(fifo: string): Promise<number> {
  return new Promise<number>((resolve, reject) => nodeFs.open(fifo, 'w', (error, fd) => (error ? reject(error) : resolve(fd))));
}

/**
 * Copies `src` with `copy` into a FIFO read by a `cat` in another process (as for `cat file | …`),
 * and checks that the reader got every byte, in order.
 */
async function intoFifo(name: string, ring: Ring, copy: (from: number, out: number) => Promise<number>): Promise<void> {
  const { fifo, output } = fifoReader(name, 'exec cat "$0"');
  await using from = await fs.open(src);
  const out = await openForWriting(fifo);
  let copied: number;
  try {
    copied = await copy(from.fd, out);
  } finally {
    nodeFs.closeSync(out);
  }
  const got = await output;
  assert.equal(copied, data.length);
  assert.ok(got.equals(data));
  assert.equal(ring.inFlight, 0);
}

for (const entries of [4, 256]) {
  test(`spliceTransfer into a pipe (chains of pipe-sized splices, ring of ${entries}) delivers every byte in order`, async () => {
    const ring = new Ring({ entries });
    await intoFifo(`fifo-${entries}`, ring, (from, out) => fs.spliceTransfer(ring, { fd: from }, { fd: out }, { size: data.length, positional: false }));
    await ring.close();
  });
}

for (const entries of [4, 16, 256]) {
  for (const registered of [false, true]) {
    test(`transfer() (method: readwrite) to a file chains its READ/WRITE pairs (ring of ${entries}${registered ? ', registered buffers' : ''}): a size past the end stops at the end, every byte copied once, one CQE per chain`, async () => {
      const ring = new Ring({ entries });
      const dest = join(dir, `chained-${entries}-${registered}`);
      await using from = await fs.open(src);
      await using to = await fs.open(dest, 'w');
      const before = { ...ring.stats };
      // 40 MiB asked for: the short READ at the end (12345 bytes of 1 MiB) breaks its chain; nothing after it is written.
      const copied = await fs.transfer(ring, { fd: from.fd }, { fd: to.fd }, { size: 40 * MiB, positional: true, method: 'readwrite', registered });
      assert.equal(copied, data.length);
      assert.ok(nodeFs.readFileSync(dest).equals(data));
      assert.equal(ring.inFlight, 0);
      const submitted = ring.stats.submitted - before.submitted;
      const completed = ring.stats.completed - before.completed;
      // 36 chunks, a READ and a WRITE each: linked, only a chain's last op (or a short one) posts a CQE.
      assert.ok(submitted >= 72, `${submitted} SQEs`);
      if (ring.uring.features & IORING_FEAT_CQE_SKIP) assert.ok(completed <= submitted / 2 + 2, `${completed} CQEs for ${submitted} SQEs`);
      await ring.close();
    });
  }
}

// Into a pipe smaller than a MiB, spliceTransfer copies by splice(2) on a pool thread
// (splice-pipe.ts), no request on the ring; into a pipe of 1 MiB (its owner grew it), by
// SPLICE as before. Both deliver the file, in order, and leave the source's own offset where
// it was (both read at offsets from 0).
for (const pipeSize of [0, MiB]) {
  test(`spliceTransfer into a ${pipeSize === 0 ? 'default (64 KiB) pipe: splices on a pool thread, no request on the ring but a wait for room' : '1 MiB pipe: SPLICE, as before'}; same bytes, the source's offset untouched`, async () => {
    const ring = new Ring();
    const before = ring.stats.submitted;
    // Which requests went to the ring (the ring's own submit, recorded on the way).
    const syscalls: string[] = [];
    const submit = ring.submit.bind(ring);
    ring.submit = ((spec, options) => {
      syscalls.push(spec.syscall);
      return submit(spec, options);
    }) as typeof ring.submit;
    await intoFifo(`fifo-size-${pipeSize}`, ring, (from, out) => {
      if (pipeSize !== 0) assert.equal(native.syscall(SYS_fcntl, out, F_SETPIPE_SZ, pipeSize), pipeSize);
      native.syscall(SYS_lseek, from, 1234, SEEK_SET);
      return fs.spliceTransfer(ring, { fd: from }, { fd: out }, { size: data.length, positional: false }).finally(() => {
        assert.equal(native.syscall(SYS_lseek, from, 0, SEEK_CUR), 1234);
      });
    });
    const submitted = ring.stats.submitted - before;
    // 36 MiB: at least 36 splices of 1 MiB (more when the reader drains the pipe as it fills: a splice
    // moves what has room when it runs). On a pool thread: none, but a POLL_ADD for room each time the
    // reader left the pipe full for a while.
    if (pipeSize !== 0) assert.ok(submitted >= 36, `${submitted} SQEs`);
    else assert.deepEqual(new Set(syscalls.length === 0 ? ['poll'] : syscalls), new Set(['poll']), syscalls.join());
    await ring.close();
  });
}

test('spliceIntoPipe: until the end of the file (Infinity), an aborted signal (AbortError, nothing copied), a bad fd (EBADF, syscall splice, the path)', async () => {
  const ring = new Ring();
  await intoFifo('fifo-native-infinity', ring, (from, out) => spliceIntoPipe(ring, from, out, Infinity, undefined));
  await using from = await fs.open(src);
  const [readEnd, writeEnd] = makePipe();
  try {
    await assert.rejects(spliceIntoPipe(ring, from.fd, writeEnd, data.length, AbortSignal.abort()), { name: 'AbortError' });
    await assert.rejects(spliceIntoPipe(ring, from.fd, 987654, data.length, undefined, { path: src }), { code: 'EBADF', syscall: 'splice', path: src });
  } finally {
    native.syscall(SYS_close, writeEnd);
  }
  await ring.close();
  // Nothing went into the pipe: with its write end closed, its read end is at its end at once
  // (a raw read(2): Deno's node:fs knows only the fds it opened).
  try {
    const buf = Buffer.alloc(16);
    assert.equal(native.syscall(SYS_read, readEnd, addressOf(buf), buf.length), 0);
  } finally {
    native.syscall(SYS_close, readEnd);
  }
});

test('spliceTransfer into a pipe made by pipe2, not by node:fs (Deno knows only the fds it opened): every byte at 1 MiB and at 64 KiB; a bad destination rejects with EBADF from splice', async () => {
  const ring = new Ring();
  await using from = await fs.open(src);
  for (const small of [false, true]) {
    const [readEnd, writeEnd] = makePipe();
    if (small) assert.equal(native.syscall(SYS_fcntl, writeEnd, F_SETPIPE_SZ, 64 * 1024), 64 * 1024);
    const dest = join(dir, `raw-pipe-${small ? 'small' : 'large'}`);
    await using to = await fs.open(dest, 'w');
    // Drained by the ring too: node:fs is given no fd it did not open.
    const drained = fs.transfer(ring, { fd: readEnd }, { fd: to.fd }, { size: Infinity, positional: false, sequentialSource: true });
    try {
      const copied = await fs.spliceTransfer(ring, { fd: from.fd }, { fd: writeEnd }, { size: data.length, positional: false });
      assert.equal(copied, data.length);
    } finally {
      native.syscall(SYS_close, writeEnd);
    }
    try {
      assert.equal(await drained, data.length);
    } finally {
      native.syscall(SYS_close, readEnd);
    }
    assert.ok(nodeFs.readFileSync(dest).equals(data));
  }
  await assert.rejects(fs.spliceTransfer(ring, { fd: from.fd }, { fd: 987654 }, { size: data.length, positional: false }), {
    code: 'EBADF',
    syscall: 'splice',
  });
  assert.equal(ring.inFlight, 0);
  await ring.close();
});

test("spliceToPipe's statuses are native/ringcore.c's", () => {
  const source = nodeFs.readFileSync(new URL('../../../native/ringcore.c', import.meta.url), 'utf8');
  const defined = (name: string) => {
    const found = new RegExp(`^#define ${name} (\\d+)$`, 'm').exec(source);
    assert.ok(found !== null, `native/ringcore.c defines ${name}`);
    return Number(found[1]);
  };
  assert.equal(defined('SPLICE_ABORTED'), SPLICE_ABORTED);
  assert.equal(defined('SPLICE_PIPE_FULL'), SPLICE_PIPE_FULL);
});

// libuv's pool (UV_THREADPOOL_SIZE, 4 by default) is shared with Node's fs, dns.lookup, zlib and
// crypto: spliceTransfer into small pipes whose readers stall must not hold its threads meanwhile.
const poolSize = Number(process.env.UV_THREADPOOL_SIZE) || 4;
const bound = 20_000;

/** `promise`, or a failure saying what did not finish within `bound` ms (never a hang). */
async function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${bound / 1000} s: the pool's threads are held`)), bound);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

test(`spliceTransfer into ${poolSize + 1} small pipes nobody reads holds no pool thread: node:fs/promises readFile completes meanwhile; aborted, each rejects AbortError, nothing left in flight`, async () => {
  const ring = new Ring();
  await using from = await fs.open(src);
  const pipes: number[] = [];
  const controller = new AbortController();
  const copies: Promise<unknown>[] = [];
  try {
    for (let i = 0; i <= poolSize; i++) {
      // A blocking pipe of the default 64 KiB, open for reading too (so a FIFO opened read-write, which node:fs
      // knows under Deno too), never read.
      const fifo = join(dir, `unread-fifo-${i}`);
      execFileSync('mkfifo', [fifo]);
      const out = nodeFs.openSync(fifo, 'r+');
      pipes.push(out);
      const copy = fs.spliceTransfer(ring, { fd: from.fd }, { fd: out }, { size: data.length, positional: false, signal: controller.signal });
      copy.catch(() => {}); // settled below
      copies.push(copy);
    }
    const read = await within(readFile(src), 'node:fs/promises readFile while the pipes are full');
    assert.equal(read.length, data.length);
  } finally {
    controller.abort();
    const settled = await within(Promise.allSettled(copies), 'the aborted copies');
    for (const result of settled) {
      assert.equal(result.status, 'rejected');
      assert.equal((result.reason as Error).name, 'AbortError');
    }
    assert.equal(ring.inFlight, 0);
    for (const out of pipes) nodeFs.closeSync(out);
  }
  await ring.close();
});

test(`spliceTransfer into ${poolSize + 1} small pipes whose readers stall, then read everything: each gets every byte in order, and the pool is free during the stall`, async () => {
  const ring = new Ring();
  const small = data.subarray(0, 3 * MiB + 777);
  const smallSrc = join(dir, 'stall-src');
  nodeFs.writeFileSync(smallSrc, small);
  const readers: { reader: ReturnType<typeof spawn>; chunks: Buffer[]; exited: Promise<unknown>; out: number }[] = [];
  const copies: Promise<number>[] = [];
  try {
    for (let i = 0; i <= poolSize; i++) {
      const fifo = join(dir, `stall-fifo-${i}`);
      execFileSync('mkfifo', [fifo]);
      // Opens the pipe at once (so our open returns), reads nothing until told on its stdin, then everything.
      const reader = spawn('sh', ['-c', 'exec 3<"$0"; read go; exec cat <&3', fifo], { stdio: ['pipe', 'pipe', 'inherit'] });
      const chunks: Buffer[] = [];
      reader.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
      const exited = once(reader, 'close');
      const out = await new Promise<number>((resolve, reject) => nodeFs.open(fifo, 'w', (error, fd) => (error ? reject(error) : resolve(fd))));
      readers.push({ reader, chunks, exited, out });
    }
    await using from = await fs.open(smallSrc);
    for (const { out } of readers) {
      const copy = fs.spliceTransfer(ring, { fd: from.fd }, { fd: out }, { size: small.length, positional: false });
      copy.catch(() => {}); // awaited below
      copies.push(copy);
    }
    const read = await within(readFile(src), 'node:fs/promises readFile while the readers stall');
    assert.equal(read.length, data.length);
    for (const { reader } of readers) reader.stdin!.end('go\n');
    assert.deepEqual(await within(Promise.all(copies), 'the copies once the readers read'), new Array(readers.length).fill(small.length));
  } finally {
    for (const { reader, out } of readers) {
      if (!reader.stdin!.writableEnded) reader.stdin!.end('go\n');
      nodeFs.closeSync(out);
    }
  }
  for (const { chunks, exited } of readers) {
    await exited;
    assert.ok(Buffer.concat(chunks).equals(small));
  }
  assert.equal(ring.inFlight, 0);
  await ring.close();
});

test('spliceTransfer into a small pipe, aborted while its chain waits for a slow reader: rejects with AbortError, nothing left in flight, the reader got a prefix of the file', async () => {
  const ring = new Ring();
  // Opens the pipe at once (so our open returns), reads nothing for 0.5 s, then everything.
  const { fifo, output } = fifoReader('abort-fifo', 'exec 3<"$0"; sleep 0.5; exec cat <&3');
  const out = await openForWriting(fifo);
  const controller = new AbortController();
  try {
    await using from = await fs.open(src);
    setTimeout(() => controller.abort(), 100);
    await assert.rejects(fs.spliceTransfer(ring, { fd: from.fd }, { fd: out }, { size: data.length, positional: false, signal: controller.signal }), {
      name: 'AbortError',
    });
    assert.equal(ring.inFlight, 0);
  } finally {
    nodeFs.closeSync(out);
  }
  const got = await output;
  assert.ok(got.length < data.length, `${got.length} bytes delivered`);
  assert.ok(got.equals(data.subarray(0, got.length)));
  await ring.close();
});

test('transfer() (method: readwrite) chains on a kernel that posts every CQE (no IOSQE_CQE_SKIP_SUCCESS): the short READ at the end still stops the copy there', async () => {
  const ring = new Ring();
  ring.submitter.skipCqes = false;
  const dest = join(dir, 'chained-every-cqe');
  await using from = await fs.open(src);
  await using to = await fs.open(dest, 'w');
  const before = { ...ring.stats };
  const copied = await fs.transfer(ring, { fd: from.fd }, { fd: to.fd }, { size: 40 * MiB, positional: true, method: 'readwrite' });
  assert.equal(copied, data.length);
  assert.ok(nodeFs.readFileSync(dest).equals(data));
  assert.equal(ring.stats.completed - before.completed, ring.stats.submitted - before.submitted);
  assert.equal(ring.inFlight, 0);
  await ring.close();
});

test('transfer() (method: readwrite) to the current position of a regular file (a cat into a file) is chained and writes in order, and leaves the offset after the copy', async () => {
  const ring = new Ring();
  await catIntoFile('transfer-cat', async (from, out) => {
    const before = ring.stats.completed;
    const copied = await fs.transfer(ring, { fd: from }, { fd: out }, { size: Infinity, positional: false, method: 'readwrite' });
    // Chained, only a chain's last op posts a CQE; before IOSQE_CQE_SKIP_SUCCESS (5.17) every op posts one, which shows nothing.
    if (ring.uring.features & IORING_FEAT_CQE_SKIP)
      assert.ok(ring.stats.completed - before < 36, `${ring.stats.completed - before} CQEs for 36 chunks read and written`);
    return copied;
  });
  await ring.close();
});

/**
 * Opens the write end of `fifo` O_NONBLOCK once `reader` (started by the caller) has its read end open
 * (until then a non-blocking open fails with ENXIO).
 */
async function openNonBlocking(fifo: string): Promise<number> {
  for (;;) {
    try {
      return nodeFs.openSync(fifo, nodeFs.constants.O_WRONLY | nodeFs.constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

// A shell may hand a cat a non-blocking stdout. The reader here waits before its
// first read, so the destination fills up and the splices find no room (EAGAIN).
for (const dest of ['fifo', 'socket'] as const) {
  // Deno's child_process takes no raw fd as a child's stdio (EBADF), which the socket's reader needs.
  const skip = dest === 'socket' && 'Deno' in globalThis ? 'Deno cannot hand a raw fd to a child as its stdin' : false;
  test(`spliceTransfer into a non-blocking ${dest === 'fifo' ? 'pipe (spliced straight in)' : 'socket (through its own pipe)'} read late by another process waits for room and delivers every byte in order`, {
    skip,
  }, async () => {
    const ring = new Ring();
    let out: number;
    let output: Promise<Buffer>;
    if (dest === 'fifo') {
      const reader = fifoReader('nonblocking-fifo', 'sleep 0.3; exec cat "$0"');
      output = reader.output;
      out = await openNonBlocking(reader.fifo);
    } else {
      // socketpair(2): the reader's end is its stdin, ours is O_NONBLOCK.
      const fds = new Int32Array(2);
      assert.equal(native.syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, addressOf(fds)), 0);
      output = outputOf(spawn('sh', ['-c', 'sleep 0.3; exec cat'], { stdio: [fds[1]!, 'pipe', 'inherit'] }));
      nodeFs.closeSync(fds[1]!);
      out = fds[0]!;
    }
    try {
      await using from = await fs.open(src);
      assert.equal(await fs.spliceTransfer(ring, { fd: from.fd }, { fd: out }, { size: data.length, positional: false }), data.length);
    } finally {
      nodeFs.closeSync(out);
    }
    const got = await output;
    assert.equal(got.length, data.length);
    assert.ok(got.equals(data));
    assert.equal(ring.inFlight, 0);
    await ring.close();
  });
}

test('spliceTransfer into a pipe whose reader goes away rejects with EPIPE, nothing left in flight', async () => {
  const ring = new Ring();
  // Reads 64 KiB, then exits with the rest unread.
  const { fifo, output } = fifoReader('epipe-fifo', 'exec head -c 65536 "$0"');
  const out = await openForWriting(fifo);
  try {
    await using from = await fs.open(src);
    await assert.rejects(fs.spliceTransfer(ring, { fd: from.fd }, { fd: out }, { size: data.length, positional: false }), { code: 'EPIPE', syscall: 'splice' });
  } finally {
    nodeFs.closeSync(out);
  }
  assert.equal((await output).length, 65536);
  assert.equal(ring.inFlight, 0);
  await ring.close();
});

test('transfer() into a pipe (no offsets: each op through JavaScript, writes in chunk order) delivers every byte in order', async () => {
  const ring = new Ring();
  await intoFifo('transfer-fifo', ring, (from, out) => fs.transfer(ring, { fd: from }, { fd: out }, { size: data.length, positional: false }));
  await ring.close();
});

test('registered buffers and readFile results are page-aligned', async () => {
  const ring = new Ring();
  await fs.copyFile(src, join(dir, 'registered'), 0, { ring, method: 'readwrite', registered: true });
  const buffers = ring.uring.buffers ?? [];
  assert.ok(buffers.length > 0, 'the copy registered its buffers');
  for (const b of buffers) assert.equal(addressOf(b) % 4096, 0, `registered buffer at ${addressOf(b).toString(16)}`);
  const content = await fs.readFile(src, { ring });
  assert.equal(addressOf(content) % 4096, 0, 'readFile of a big file reads into a page-aligned buffer');
  assert.ok(content.equals(data));
  // The block around the view holds nothing from before: its slack is zeros.
  const whole = new Uint8Array(content.buffer);
  assert.ok(whole.subarray(0, content.byteOffset).every((b) => b === 0));
  assert.ok(whole.subarray(content.byteOffset + content.length).every((b) => b === 0));
  await ring.close();
});

test('concurrent READ/WRITE copies, one after another and at once, each get their own chunk buffers', async () => {
  const ring = new Ring();
  const sources = [0, 1, 2].map((i) => {
    const path = join(dir, `rw-src-${i}`);
    nodeFs.writeFileSync(path, randomBytes(3 * MiB + i * 777));
    return path;
  });
  for (let round = 0; round < 2; round++) {
    await Promise.all(sources.map((path) => fs.copyFile(path, `${path}.copy`, 0, { ring, method: 'readwrite' })));
    for (const path of sources) assert.ok(nodeFs.readFileSync(`${path}.copy`).equals(nodeFs.readFileSync(path)), `${path}, round ${round}`);
  }
  await ring.close();
});
