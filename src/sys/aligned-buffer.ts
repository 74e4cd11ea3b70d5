// Aligned buffers for the paths that move bulk data. malloc puts a 16-byte
// header in front of a block, so Buffer.allocUnsafeSlow() memory starts at 16
// modulo 32 about half the time (always, 16 bytes into a page, for a big
// block). The kernel's copies into such memory (rep movsb) then run at a
// misaligned destination, measured 1.6× to 3× slower on this AMD EPYC VM: out
// of the page cache (46 against 14 ms of memcpy per 100 MB into registered
// buffers) and out of a TCP socket (recv(2) of 32 KiB: 590–760 against
// 330–420 µs of CPU per MiB; docs/performance.md).
import { native } from './native.js';

/** A page: what the file paths align to. */
export const PAGE = 4096;
/** A cache line: enough for the kernel's copies to run at full speed (offsets 0, 32 and 64 cost the same). */
export const CACHE_LINE = 64;

/**
 * `size` uninitialised bytes starting on a multiple of `alignment` (a power of
 * two): a view into a block `alignment` bytes larger. The slack around the
 * view is zeroed, so that `buf.buffer` shows no stale memory from before.
 */
export function alignedBuffer(size: number, alignment: number = PAGE): Buffer {
  const raw = Buffer.allocUnsafeSlow(size + alignment);
  const skew = (alignment - (native.address(raw) % alignment)) % alignment;
  raw.fill(0, 0, skew);
  raw.fill(0, skew + size);
  return raw.subarray(skew, skew + size);
}
