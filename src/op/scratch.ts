// Per-slot scratch memory: 32 bytes for each slot of the SlotTable, for small
// structs an SQE points to (a timer's timespec). It lives as long as the
// slot's request, which is exactly the kernel's use of it, and costs no
// allocation per op. Allocated in blocks as the slot table grows, never
// moved: the kernel may be reading a block when the next one is made.
import { TIMESPEC } from '../sys/layout.js';
import { addressOf, storeU64 } from '../sys/memory.js';

/** Bytes of scratch memory each slot owns. */
const SCRATCH_BYTES = 32;
/** Slots per block: 128 KiB. */
const BLOCK_SLOTS = 4096;

export class Scratch {
  private readonly blocks: { words: Uint32Array; base: number }[] = [];

  /** Writes `ms` as slot `slot`'s timespec; returns its address. */
  timespec(slot: number, ms: number): number {
    const index = Math.floor(slot / BLOCK_SLOTS);
    let block = this.blocks[index];
    if (block === undefined) {
      const words = new Uint32Array((BLOCK_SLOTS * SCRATCH_BYTES) / 4);
      block = this.blocks[index] = { words, base: addressOf(words) };
    }
    const offset = (slot % BLOCK_SLOTS) * SCRATCH_BYTES;
    const seconds = Math.floor(ms / 1000);
    storeU64(block.words, (offset + TIMESPEC.tv_sec) / 4, seconds);
    storeU64(block.words, (offset + TIMESPEC.tv_nsec) / 4, Math.round((ms - seconds * 1000) * 1e6));
    return block.base + offset;
  }
}
