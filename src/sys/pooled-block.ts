// Zeroed 64 KiB blocks for bytes ringcore hands to users (request bodies),
// from the addon's pool (native/ringcore.c, "a pool of blocks that stay
// mapped"): memory that stays mapped, so that a burst of them freed at one
// scavenge is not given back to the kernel and faulted in again, and that
// goes back to the pool only once V8 has collected the Buffer and every view
// of it. Where the pool has none (it is bounded), the runtime refuses
// external buffers, or the binary predates the pool: Buffer.alloc.
import { native } from './native.js';

/** The size of a pooled block (native/ringcore.c's POOL_BLOCK; a test holds them equal). */
export const POOLED_BLOCK = 64 * 1024;

const poolBlock = native.poolBlock;

/** A zeroed Buffer of POOLED_BLOCK bytes, whose `.buffer` shows only its own bytes. */
export function pooledBlock(): Buffer {
  return poolBlock?.() ?? Buffer.alloc(POOLED_BLOCK);
}
