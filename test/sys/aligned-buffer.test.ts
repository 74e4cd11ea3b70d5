// src/sys/aligned-buffer.ts: receive buffers and the file paths' buffers start
// on a cache line or a page, with the slack around them zeroed (a handed-off
// receive buffer's `chunk.buffer` is visible to the reader). Every size, odd
// ones included, and many allocations, so that malloc's offsets vary.
// The address comes from the native addon: io_uring only; on the node backend these skip.
import { test } from '../../test-support/backend.js';
import assert from 'node:assert/strict';

import { alignedBuffer, CACHE_LINE, PAGE } from '../../src/sys/aligned-buffer.js';
import { native } from '../../src/sys/native.js';

test('alignedBuffer: `size` bytes on a multiple of the alignment, in a block `alignment` larger whose slack is zeroed', () => {
  for (const alignment of [CACHE_LINE, PAGE]) {
    for (const size of [1, 15, 63, 64, 65, 4095, 4096, 4097, 8191, 32 * 1024 + 1, 100_000]) {
      for (let round = 0; round < 16; round++) {
        // Dirty memory first, freed for the next allocation to reuse: stale bytes in the slack would show.
        Buffer.allocUnsafeSlow(size + alignment).fill(0xa5);
        const buf = alignedBuffer(size, alignment);
        assert.equal(buf.length, size);
        assert.equal(native.address(buf) % alignment, 0, `size ${size}: starts on a multiple of ${alignment}`);
        assert.equal(buf.buffer.byteLength, size + alignment);
        const all = new Uint8Array(buf.buffer);
        const before = all.subarray(0, buf.byteOffset);
        const after = all.subarray(buf.byteOffset + size);
        assert.equal(before.length + after.length, alignment);
        assert.ok(before.every((x) => x === 0) && after.every((x) => x === 0), `size ${size}, alignment ${alignment}: the slack is zeroed`);
      }
    }
  }
  // The default is a page, what the file paths need.
  assert.equal(native.address(alignedBuffer(10)) % PAGE, 0);
});
