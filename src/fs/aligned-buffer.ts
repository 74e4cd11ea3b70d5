// Page-aligned buffers for the bulk paths. malloc puts a 16-byte header in
// front of a big block, so Buffer.allocUnsafeSlow(256 KiB) starts 16 bytes
// into a page; the kernel's copy out of the page cache (rep movsb) then runs
// at a misaligned destination, measured 1.6× to 3× slower on this AMD EPYC VM
// (perf: 46 ms against 14 ms of memcpy per 100 MB into registered buffers;
// docs/benchmarks.md).
import { addressOf } from '../sys/memory.js';

const PAGE = 4096;

/**
 * `size` uninitialised bytes starting on a page boundary: a view into a
 * block one page larger. The slack around the view is zeroed, so that
 * `buf.buffer` shows no stale memory from before.
 */
export function alignedBuffer(size: number): Buffer {
  const raw = Buffer.allocUnsafeSlow(size + PAGE);
  const skew = (PAGE - (addressOf(raw) % PAGE)) % PAGE;
  raw.fill(0, 0, skew);
  raw.fill(0, skew + size);
  return raw.subarray(skew, skew + size);
}
