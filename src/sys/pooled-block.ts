// Zeroed 64 KiB blocks for bytes ringcore hands to users (request bodies),
// from the addon's pool (native/ringcore.c, "a pool of blocks that stay
// mapped"): memory that stays mapped, so that a burst of them freed at one
// scavenge is not given back to the kernel and faulted in again, and that
// goes back to the pool only once V8 has collected the Buffer and every view
// of it (never when a worker's tear-down finalizes it). Where the pool has none (it is bounded) or the runtime refuses
// external buffers: Buffer.alloc.
// A window of hand-outs also ends on a timer, so that the free blocks of a
// burst are given back once the process stops asking for them.
import { setInterval } from 'node:timers';
import { native } from './native.js';

/** The size of a pooled block (native/ringcore.c's POOL_BLOCK; a test holds them equal). */
export const POOLED_BLOCK = 64 * 1024;

/** How often the pool's window ends (native/ringcore.c's poolTrim): an idle process keeps no free block past two. */
const POOL_TRIM_MS = 10_000;

let trims = false;

/** A zeroed Buffer of POOLED_BLOCK bytes, whose `.buffer` shows only its own bytes. */
export function pooledBlock(): Buffer {
  const block = native.poolBlock();
  if (block === null) return Buffer.alloc(POOLED_BLOCK);
  if (!trims) {
    trims = true;
    // node:timers' (a Timeout on Deno too): unref'd, it never keeps the process alive.
    setInterval(() => native.poolTrim(), POOL_TRIM_MS).unref();
  }
  return block;
}
