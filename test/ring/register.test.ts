// Registered files and buffers (IORING_REGISTER_FILES / _BUFFERS): an op can
// name a file by its index (IOSQE_FIXED_FILE) and read into a registered
// buffer (READ_FIXED), which skips per-op lookups and page pinning.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Ring, constants as C } from '../../src/index.js';
import { addressOf } from '../../src/sys/memory.js';

test('READ_FIXED into a registered buffer from a registered file', { timeout: 5_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ringcore-register-'));
  const file = path.join(dir, 'data');
  const content = Buffer.from('registered files and buffers, read by index\n'.repeat(100));
  writeFileSync(file, content);
  const fd = openSync(file, 'r');
  const ring = new Ring({ entries: 8 });
  try {
    const buffers = [Buffer.alloc(4096), Buffer.alloc(8192)];
    assert.equal(ring.uring.registerBuffers(buffers), 0);
    assert.equal(ring.uring.buffers?.length, 2);
    assert.equal(ring.uring.registerFiles([-1, fd]), 0);

    const target = buffers[1]!;
    const n = await ring.submit({
      syscall: 'read',
      prep: (uring, sqe) => {
        uring.prepReadFixed(sqe, 1, addressOf(target), target.length, 0, 1);
        uring.addFlags(sqe, C.IOSQE_FIXED_FILE);
      },
    });
    assert.equal(n, content.length);
    assert.deepEqual(target.subarray(0, n), content);

    // A buffer outside the registered one is refused by the kernel.
    await assert.rejects(ring.submit({ syscall: 'read', prep: (uring, sqe) => uring.prepReadFixed(sqe, fd, addressOf(buffers[0]!), 4096, 0, 1) }), {
      code: 'EFAULT',
      syscall: 'read',
    });

    assert.equal(ring.uring.unregisterFiles(), 0);
    assert.equal(ring.uring.unregisterBuffers(), 0);
    assert.equal(ring.uring.buffers, null);
    // With the table gone, index 1 names no file.
    await assert.rejects(
      ring.submit({
        syscall: 'read',
        prep: (uring, sqe) => {
          uring.prepRead(sqe, 1, addressOf(target), 16, 0);
          uring.addFlags(sqe, C.IOSQE_FIXED_FILE);
        },
      }),
      { code: 'EBADF' },
    );
  } finally {
    await ring.close();
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});
