// Addresses of JS memory, for the pointers an SQE carries.
//
// The address of an ArrayBuffer's backing store never changes while the
// buffer is alive, so it is looked up natively once per ArrayBuffer and
// cached: steady-state ops (Buffers from Node's pool, reused buffers) pay no
// native call. Keeping the buffer alive while the kernel uses it is the op
// layer's job (pinning), not this file's.
import { native } from './native.js';

const bases = new WeakMap<ArrayBufferLike, number>();

/** The address of the first byte of `view`. */
export function addressOf(view: ArrayBufferView): number {
  const buffer = view.buffer;
  let base = bases.get(buffer);
  if (base === undefined) {
    base = native.address(view) - view.byteOffset;
    bases.set(buffer, base);
  }
  return base + view.byteOffset;
}

const TWO_32 = 0x1_0000_0000;

/** Stores a 64-bit value (an integer within ±2^53, or -1) as two little-endian 32-bit words. */
export function storeU64(words: Uint32Array, index: number, value: number): void {
  words[index] = value >>> 0;
  words[index + 1] = Math.floor(value / TWO_32) >>> 0;
}

/** Reads two little-endian 32-bit words as one number (exact below 2^53). */
export function loadU64(words: Uint32Array, index: number): number {
  return words[index]! + words[index + 1]! * TWO_32;
}
