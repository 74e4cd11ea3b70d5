// FileHandle.readableWebStream() / writableWebStream(): bytes against node:fs
// for every size, BYOB reads, backpressure both ways, cancel and abort in the
// middle without leaking an fd, and errors shaped like Node's.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import type { ReadableStream } from 'node:stream/web';

import { Ring } from '../../src/index.js';
import * as fs from '../../src/fs/index.js';
import * as C from '../../src/sys/constants.js';
import { record } from '../../test-support/kernel.js';
import { until } from '../../test-support/net.js';
import { requireIoUring } from '../../test-support/backend.js';
import { fdCount } from '../../test-support/fds.js';

/** The tests that look at SQEs, CQEs and the ring skip on the node backend (docs/fallback.md). */
const ioUring = requireIoUring();

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-fs-web-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

const SIZES = [0, 1, 4095, 4096, 4097, 1024 * 1024 + 7];
/** The file position of `fd`, as the kernel keeps it. */
const filePosition = (fd: number) => Number(/^pos:\s+(\d+)/m.exec(nodeFs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]);

async function drain(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  return Buffer.concat(chunks);
}

for (const size of SIZES) {
  test(`${size} bytes: readableWebStream (default and BYOB readers) and writableWebStream agree with node:fs`, async () => {
    const data = randomBytes(size);
    const path = join(dir, `data-${size}`);
    nodeFs.writeFileSync(path, data);
    const theirs = nodeFs.readFileSync(path);

    {
      await using handle = await fs.open(path);
      assert.ok((await drain(handle.readableWebStream())).equals(theirs), 'default reader');
    }
    {
      await using handle = await fs.open(path);
      const reader = handle.readableWebStream({ type: 'bytes' }).getReader({ mode: 'byob' });
      const parts: Buffer[] = [];
      let buffer = new ArrayBuffer(1000);
      for (;;) {
        const { value, done } = await reader.read(new Uint8Array(buffer, 0, 1000));
        if (done) break;
        parts.push(Buffer.from(value)); // a copy: the buffer goes back for the next read
        buffer = value.buffer as ArrayBuffer;
      }
      assert.ok(Buffer.concat(parts).equals(theirs), 'BYOB reader');
    }
    {
      await using handle = await fs.open(path);
      const start = Math.min(size, 3);
      const end = Math.max(start, size - 2);
      const got = await drain(handle.readableWebStream({ start, end, chunkSize: 4096 }));
      assert.ok(got.equals(theirs.subarray(start, end + 1)), 'start/end (end inclusive, as createReadStream)');
    }
    {
      const out = join(dir, `out-${size}`);
      await using handle = await fs.open(out, 'w');
      const writer = handle.writableWebStream().getWriter();
      // Chunks of uneven sizes, as views of every kind, and a string at the end.
      let at = 0;
      for (let step = 1; at < size; step = step * 3 + 1) {
        const piece = data.subarray(at, Math.min(size, at + step));
        const chunk =
          step % 2 === 0
            ? new DataView(piece.buffer, piece.byteOffset, piece.byteLength)
            : step % 3 === 0
              ? piece.buffer.slice(piece.byteOffset, piece.byteOffset + piece.byteLength)
              : piece;
        await writer.write(chunk);
        at += piece.byteLength;
      }
      await writer.write('');
      await writer.close();
      assert.ok(nodeFs.readFileSync(out).equals(data), 'writableWebStream wrote what node reads back');
    }
  });
}

test('a string chunk is written as UTF-8, at `start` when given', async () => {
  const path = join(dir, 'text');
  nodeFs.writeFileSync(path, '0123456789');
  await using handle = await fs.open(path, 'r+');
  const writer = handle.writableWebStream({ start: 4 }).getWriter();
  await writer.write('é!');
  await writer.close();
  assert.equal(nodeFs.readFileSync(path, 'utf8'), '0123é!789', "'é!' is 3 bytes: it covers 4, 5 and 6");
});

test('readable backpressure: no READ ahead of the reader beyond highWaterMark', async () => {
  const path = join(dir, 'pressure');
  nodeFs.writeFileSync(path, randomBytes(1024 * 1024));
  {
    await using handle = await fs.open(path);
    const reader = handle.readableWebStream({ chunkSize: 16384 }).getReader();
    const first = await reader.read();
    assert.equal(first.value!.byteLength, 16384);
    await delay(50);
    assert.equal(filePosition(handle.fd), 16384, 'highWaterMark 0: nothing read ahead');
    await reader.read();
    await delay(20);
    assert.equal(filePosition(handle.fd), 32768, 'one READ per read()');
    await reader.cancel();
  }
  {
    await using handle = await fs.open(path);
    const reader = handle.readableWebStream({ chunkSize: 16384, highWaterMark: 65536 }).getReader();
    await reader.read();
    // Read-ahead is four READs one after another: wait for them, then check that no more follow.
    await until(() => filePosition(handle.fd) >= 16384 + 65536, 5000, 'the read-ahead');
    await delay(50);
    const pos = filePosition(handle.fd);
    assert.ok(pos >= 16384 + 65536 && pos <= 16384 + 65536 + 16384, `read ahead up to the highWaterMark, not the whole file: ${pos}`);
    await reader.cancel();
  }
});

test('writable backpressure: writes go one at a time, and ready waits above highWaterMark', { skip: ioUring.skip }, async () => {
  const ring = new Ring({ entries: 32 });
  try {
    const path = join(dir, 'pressure-out');
    await using handle = await fs.open(path, 'w', 0o666, { ring });
    const writer = handle.writableWebStream({ highWaterMark: 16384 }).getWriter();
    const trace = record(ring);
    const chunks = Array.from({ length: 8 }, () => randomBytes(65536));
    const writes = chunks.map((c) => writer.write(c));
    assert.ok(writer.desiredSize! < 0, `desiredSize ${writer.desiredSize}`);
    const marker = Symbol('pending');
    assert.equal(await Promise.race([writer.ready.then(() => 'ready'), Promise.resolve(marker)]), marker, 'ready waits while the queue is over highWaterMark');
    await Promise.all(writes);
    await writer.ready;
    assert.equal(writer.desiredSize, 16384);
    trace.stop();
    // At most one WRITE in the kernel at any time: the order of the file is the order of the chunks.
    let inFlight = 0;
    let most = 0;
    const writeSlots = new Set<number>();
    for (const e of trace.events) {
      if (e.type === 'sqe' && e.opcode === C.IORING_OP_WRITE) {
        writeSlots.add(e.slot);
        most = Math.max(most, ++inFlight);
      } else if (e.type === 'cqe' && writeSlots.delete(e.slot)) inFlight--;
    }
    assert.equal(most, 1, 'one WRITE in flight at a time');
    await writer.close();
    assert.ok(nodeFs.readFileSync(path).equals(Buffer.concat(chunks)));
  } finally {
    await ring.close();
  }
});

test('cancel in the middle: the READ in flight is cancelled, autoClose closes the fd, nothing leaks', { skip: ioUring.skip }, async () => {
  const path = join(dir, 'cancel');
  nodeFs.writeFileSync(path, randomBytes(4 * 1024 * 1024));
  const before = fdCount();
  {
    const handle = await fs.open(path);
    const reader = handle.readableWebStream({ chunkSize: 16384, autoClose: true }).getReader();
    for (let i = 0; i < 3; i++) assert.equal((await reader.read()).value!.byteLength, 16384);
    await reader.cancel(new Error('stop'));
    assert.equal(handle.fd, -1, 'autoClose closed the handle');
    assert.equal(fdCount(), before, 'no fd left open');
  }
  {
    // Without autoClose (the default, as Node's) the handle stays open and usable.
    const handle = await fs.open(path);
    const reader = handle.readableWebStream({ chunkSize: 16384 }).getReader();
    await reader.read();
    await reader.cancel();
    assert.ok(handle.fd >= 0);
    const { bytesRead } = await handle.read(Buffer.alloc(10), 0, 10, 0);
    assert.equal(bytesRead, 10);
    await handle.close();
    assert.equal(fdCount(), before);
  }
  {
    // A READ that waits (an empty FIFO opened r+: it has a writer, so the read blocks) is cancelled in the kernel.
    const fifo = join(dir, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo(1)');
    const handle = await fs.open(fifo, 'r+');
    const reader = handle.readableWebStream({ autoClose: true }).getReader();
    const pending = reader.read();
    await delay(20);
    await reader.cancel(new Error('stop'));
    assert.deepEqual(await pending, { value: undefined, done: true }, 'the waiting read() ends');
    assert.equal(handle.fd, -1);
    assert.equal(fdCount(), before, 'no fd left open after cancelling a waiting READ');
  }
});

test('abort: the signal errors either stream with an AbortError; writer.abort() closes with autoClose', async () => {
  const path = join(dir, 'abort');
  nodeFs.writeFileSync(path, randomBytes(256 * 1024));
  const before = fdCount();
  {
    const controller = new AbortController();
    const handle = await fs.open(path);
    const reader = handle.readableWebStream({ chunkSize: 4096, autoClose: true, signal: controller.signal }).getReader();
    await reader.read();
    controller.abort(new Error('why'));
    await assert.rejects(reader.read(), { name: 'AbortError', code: 'ABORT_ERR' });
    await handle.close();
    assert.equal(fdCount(), before);
  }
  {
    const controller = new AbortController();
    const handle = await fs.open(join(dir, 'abort-out'), 'w');
    const writer = handle.writableWebStream({ signal: controller.signal, autoClose: true }).getWriter();
    await writer.write(Buffer.from('kept'));
    controller.abort();
    await assert.rejects(writer.write(Buffer.from('lost')), { name: 'AbortError' });
    await handle.close();
    assert.equal(nodeFs.readFileSync(join(dir, 'abort-out'), 'utf8'), 'kept');
    assert.equal(fdCount(), before);
  }
  {
    const handle = await fs.open(join(dir, 'abort-out2'), 'w');
    const writer = handle.writableWebStream({ autoClose: true }).getWriter();
    await writer.write('abc');
    await writer.abort(new Error('no more'));
    assert.equal(handle.fd, -1, 'abort with autoClose closed the handle');
    assert.equal(fdCount(), before);
  }
});

test('errors are Node-shaped: EISDIR reading a directory, EBADF writing a read-only file', async () => {
  {
    await using handle = await fs.open(dir);
    const reader = handle.readableWebStream().getReader();
    await assert.rejects(reader.read(), { code: 'EISDIR', syscall: 'read', path: dir, message: `EISDIR: illegal operation on a directory, read '${dir}'` });
    await assert.rejects(reader.closed, { code: 'EISDIR' });
  }
  {
    const path = join(dir, 'readonly');
    nodeFs.writeFileSync(path, 'x');
    await using handle = await fs.open(path, 'r');
    const writer = handle.writableWebStream().getWriter();
    await assert.rejects(writer.write(Buffer.from('y')), { code: 'EBADF', syscall: 'write', path });
    await assert.rejects(writer.closed, { code: 'EBADF' });
  }
});

test('bad arguments throw before any SQE; one web stream per handle; none once closed', async () => {
  const ring = new Ring({ entries: 8 });
  try {
    const path = join(dir, 'args');
    nodeFs.writeFileSync(path, 'abc');
    const handle = await fs.open(path, 'r+', 0o666, { ring });
    const trace = record(ring);
    assert.throws(() => handle.readableWebStream({ type: 'text' as 'bytes' }), { name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => handle.readableWebStream({ chunkSize: 0 }), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => handle.readableWebStream({ highWaterMark: -1 }), { name: 'RangeError' });
    assert.throws(() => handle.readableWebStream({ start: 5, end: 2 }), { name: 'RangeError' });
    assert.throws(() => handle.writableWebStream({ autoClose: 1 as unknown as boolean }), { name: 'TypeError' });
    assert.throws(() => handle.writableWebStream({ start: -1 }), { name: 'RangeError' });
    const writer = handle.writableWebStream().getWriter();
    await assert.rejects(writer.write(42 as unknown as string), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    trace.stop();
    assert.equal(trace.events.filter((e) => e.type === 'sqe').length, 0, 'no SQE written');
    assert.throws(() => handle.readableStream(), { code: 'ERR_INVALID_STATE' });
    await handle.close();
    const other = await fs.open(path, 'r', 0o666, { ring });
    await other.close();
    assert.throws(() => other.readableWebStream(), { code: 'ERR_INVALID_STATE' });
  } finally {
    await ring.close();
  }
});

test('a registered handle streams the same bytes', { skip: ioUring.skip }, async () => {
  const path = join(dir, 'fixed-stream');
  const data = randomBytes(300 * 1024 + 5);
  nodeFs.writeFileSync(path, data);
  await using handle = await fs.open(path, 'r', 0o666, { fixed: true });
  assert.ok(handle.fileIndex >= 0);
  assert.ok((await drain(handle.readableStream())).equals(data));
});
