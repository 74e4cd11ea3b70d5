// writeFile and appendFile of an iterable or async iterable (a generator, a
// Readable), as node:fs/promises takes them, and their `flush` option and
// createWriteStream's: checked against node:fs on the same data, on both
// backends; the FSYNC itself is seen on the ring's trace.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs';
import nodeFsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

import { Ring } from '../../src/index.js';
import fs from '../../src/fs/index.js';
import * as C from '../../src/sys/constants.js';
import { runtime } from '../../src/sys/runtime.js';
import { requireIoUring } from '../../test-support/backend.js';
import { fdCount } from '../../test-support/fds.js';
import { opcodesDuring } from '../../test-support/kernel.js';

const dir = nodeFs.mkdtempSync(join(tmpdir(), 'ringcore-write-chunks-'));
after(() => nodeFs.rmSync(dir, { recursive: true, force: true }));

/** Chunks of every kind writeFile takes from an iterable: strings, Buffers, other views, an empty one. */
function* mixed(): Generator<string | ArrayBufferView> {
  yield '6869';
  yield Buffer.from(' there');
  yield new Uint8Array([0x21, 0x0a]);
  yield '';
  yield new DataView(new Uint8Array([0x7a]).buffer);
}

async function* slowly(count: number, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    yield Buffer.alloc(size, 97 + (i % 26));
  }
}

/** Every chunk of slowly(count, size), joined. */
function slowBytes(count: number, size: number): Buffer {
  return Buffer.concat(Array.from({ length: count }, (_, i) => Buffer.alloc(size, 97 + (i % 26))));
}

/** Bun's node:fs/promises takes no iterable (ERR_INVALID_ARG_TYPE): there is nothing to compare with there. */
const nodeFsTakesIterables = runtime !== 'bun';

/**
 * ringcore's writeFile/appendFile of `data()` over a file holding "before\n": the file must hold `expected`,
 * as the same call of node:fs/promises leaves its own copy.
 */
async function writesAsNode(name: string, call: 'writeFile' | 'appendFile', data: () => unknown, expected: Buffer, options?: object): Promise<void> {
  const ours = join(dir, `${name}-ours`);
  const theirs = join(dir, `${name}-theirs`);
  nodeFs.writeFileSync(ours, 'before\n');
  nodeFs.writeFileSync(theirs, 'before\n');
  await fs[call](ours, data() as never, options as never);
  assert.deepEqual(nodeFs.readFileSync(ours), expected, `${call} ${name}`);
  if (!nodeFsTakesIterables) return;
  await nodeFsp[call](theirs, data() as never, options as never);
  assert.deepEqual(nodeFs.readFileSync(theirs), expected, `node:fs/promises' ${call} ${name}`);
}

test('writeFile and appendFile take sync and async iterables and Readables, chunk by chunk, as node:fs/promises', async () => {
  const before = Buffer.from('before\n');
  await writesAsNode('mixed', 'writeFile', mixed, Buffer.from('hi there!\nz', 'latin1'), { encoding: 'hex' });
  await writesAsNode('array', 'appendFile', () => ['a', 'b', Buffer.from('c')], Buffer.from('before\nabc'));
  await writesAsNode('async', 'writeFile', () => slowly(40, 70_000), slowBytes(40, 70_000));
  await writesAsNode('readable', 'appendFile', () => Readable.from(slowly(5, 1000)), Buffer.concat([before, slowBytes(5, 1000)]));
  await writesAsNode('empty', 'writeFile', () => [][Symbol.iterator](), Buffer.alloc(0));
});

test('a chunk writeFile cannot take, or an iterable that throws, rejects as node:fs/promises does and leaves no fd open', async (t) => {
  if (!nodeFsTakesIterables) return t.skip(`${runtime}'s node:fs/promises takes no iterable: nothing to compare with`);
  const fds = fdCount();
  for (const [name, data] of [
    ['number chunk', () => ['ok', 42]],
    ['object chunk', () => ['ok', { length: 1 }]],
    [
      'throws',
      async function* () {
        yield 'first ';
        throw new Error('source failed');
      },
    ],
  ] as const) {
    const ours = join(dir, `bad-${name}-ours`);
    const theirs = join(dir, `bad-${name}-theirs`);
    const outcome = (call: Promise<void>) =>
      call.then(
        () => 'ok',
        (error: NodeJS.ErrnoException) => error.code ?? error.message,
      );
    assert.equal(await outcome(fs.writeFile(ours, data() as never)), await outcome(nodeFsp.writeFile(theirs, data() as never)), name);
    // The chunks before the bad one are in the file, as with Node.
    assert.deepEqual(nodeFs.readFileSync(ours), nodeFs.readFileSync(theirs), name);
  }
  assert.equal(fdCount(), fds, 'every fd opened was closed');
});

test('an abort between chunks rejects with an AbortError, ends the iterable and keeps the chunks before it, as node:fs/promises', async () => {
  for (const [name, write] of [
    ['ringcore', fs.writeFile],
    // Bun's takes no iterable, and Deno's AbortError carries no cause.
    ['node:fs/promises', runtime === 'node' ? nodeFsp.writeFile : null],
  ] as const) {
    if (write === null) continue;
    const controller = new AbortController();
    let ended = false;
    async function* abortsMidway() {
      try {
        yield 'a';
        controller.abort(new Error('stop'));
        yield 'b';
      } finally {
        ended = true;
      }
    }
    const path = join(dir, `abort-${name.replace(/\W/g, '-')}`);
    await assert.rejects(write(path, abortsMidway(), { signal: controller.signal }), (error: Error & { code?: string }) => {
      assert.deepEqual([error.name, error.code, (error.cause as Error).message], ['AbortError', 'ABORT_ERR', 'stop'], name);
      return true;
    });
    assert.equal(ended, true, `${name}: the iterable was ended`);
    assert.equal(nodeFs.readFileSync(path, 'utf8'), 'a', name);
  }
});

test('FileHandle.writeFile of an async iterable writes at the current position; a close() meanwhile waits for its end, as Node’s', async () => {
  const path = join(dir, 'handle');
  const handle = await fs.open(path, 'w+');
  await handle.write('head:');
  await handle.writeFile(slowly(3, 4));
  await handle.writeFile(['-', 'tail']);
  assert.equal(nodeFs.readFileSync(path, 'utf8'), 'head:aaaabbbbcccc-tail');
  let closed = false;
  let closing: Promise<void> | undefined;
  async function* closesMidway() {
    yield 'x';
    closing = handle.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(closed, false, 'close() waits for the writeFile');
    yield 'y';
  }
  await handle.writeFile(closesMidway());
  await closing;
  assert.equal(closed, true);
  assert.equal(nodeFs.readFileSync(path, 'utf8'), 'head:aaaabbbbcccc-tailxy');
  await assert.rejects(handle.writeFile('z'), { code: 'EBADF' });
});

test('flush must be a boolean, as node:fs checks it, before the file is opened', async () => {
  const path = join(dir, 'flush-bad');
  await assert.rejects(fs.writeFile(path, 'x', { flush: 1 as never }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(fs.appendFile(path, 'x', { flush: 'yes' as never }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.equal(nodeFs.existsSync(path), false, 'nothing was opened');
  const handle = await fs.open(path, 'w');
  try {
    await assert.rejects(handle.writeFile('x', { flush: 1 as never }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => handle.createWriteStream({ flush: 1 as never }), { code: 'ERR_INVALID_ARG_TYPE' });
  } finally {
    await handle.close();
  }
});

test('flush: true syncs the file before it is closed (an FSYNC on the ring), for writeFile, appendFile and a write stream', {
  skip: requireIoUring().skip,
}, async () => {
  const ring = new Ring();
  try {
    const path = join(dir, 'flushed');
    for (const flush of [false, true]) {
      const opcodes = await opcodesDuring(ring, async () => {
        await fs.writeFile(path, 'one', { flush, ring });
        await fs.appendFile(path, slowly(2, 3), { flush, ring });
      });
      assert.equal(opcodes.has(C.IORING_OP_FSYNC), flush, `writeFile/appendFile flush: ${flush}`);
      const streamed = await opcodesDuring(ring, async () => {
        const handle = await fs.open(path, 'a', 0o666, { ring });
        const stream = handle.createWriteStream({ flush });
        stream.end('!');
        await finished(stream);
        assert.equal(handle.fd, -1, 'autoClose closed the handle');
      });
      assert.equal(streamed.has(C.IORING_OP_FSYNC), flush, `createWriteStream flush: ${flush}`);
    }
    assert.equal(nodeFs.readFileSync(path, 'utf8'), 'oneaaabbb!');
  } finally {
    await ring.close();
  }
});

test('createWriteStream({ flush: true, autoClose: false }) syncs and leaves the handle open', async () => {
  const path = join(dir, 'flush-open');
  const handle = await fs.open(path, 'w');
  try {
    const stream = handle.createWriteStream({ flush: true, autoClose: false });
    stream.end('kept');
    await finished(stream);
    assert.notEqual(handle.fd, -1);
    await handle.write('+');
    assert.equal(nodeFs.readFileSync(path, 'utf8'), 'kept+');
  } finally {
    await handle.close();
  }
});
