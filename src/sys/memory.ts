// Addresses of JS memory, for the pointers an SQE carries.
//
// Asked of the shim on every call: a native call (napi_get_typedarray_info)
// costs about 80 ns, less than caching the answer per ArrayBuffer in a
// WeakMap did (a fresh buffer's entry, set and later swept, cost ~0.5 µs;
// docs/performance.md, "The cost of one short connection"). Keeping the
// buffer alive while the kernel uses it is the op layer's job (pinning),
// not this file's.
import { native } from './native.js';

/** The address of the first byte of `view`. */
export function addressOf(view: ArrayBufferView): number {
  return native.address(view);
}

const TWO_32 = 0x1_0000_0000;

/** Stores a 64-bit value (an integer within ±2^53, or -1) as two little-endian 32-bit words. */
export function storeU64(words: Uint32Array, index: number, value: number): void {
  words[index] = value >>> 0;
  words[index + 1] = Math.floor(value / TWO_32) >>> 0;
}
