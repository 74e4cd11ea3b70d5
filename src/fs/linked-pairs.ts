// A copy as chains of linked (in, out) pairs, one chain at a time: the SPLICE
// copy through a pipe of our own (splice.ts). A chain is CHAIN_PAIRS pairs at
// most, fewer on a small ring. A short "in" (the end of the source) or a short or failed "out"
// breaks the link and the kernel cancels the rest of the chain; that pair's
// remaining bytes are moved by the caller's finish(), and the next chain
// starts after it.
import type { Ring } from '../driver/ring.js';
import type { OpSpec } from '../op/op.js';
import { wantsRoom } from './room.js';
import { chainError } from './chain-error.js';

/** The most pairs linked into one chain. */
const CHAIN_PAIRS = 16;

/** What a pair-chained copy does with its bytes. */
export interface PairedCopy {
  /** Bytes a pair moves at most. */
  readonly chunk: number;
  /** The two linked ops that move [at, at + length): into the middle (a pipe), then out of it. */
  pair(at: number, length: number): [OpSpec<number>, OpSpec<number>];
  /** Moves out the rest of a pair's `n` bytes at `at`, of which the out op moved `moved`; resolves when all are out. */
  finish(at: number, n: number, moved: number): Promise<void>;
}

/** Pairs per chain on `ring`: a chain must fit in the ring with room to spare (entries: 4 still gets a pair per chain). */
export function chainPairs(ring: Ring): number {
  return Math.max(1, Math.min(CHAIN_PAIRS, (ring.uring.sqEntries >> 2) - 1));
}

/**
 * Runs `copy` over [start, size) (Infinity: until the source ends); resolves with the bytes it copied
 * (from `start` on). Every op has settled when it settles.
 */
export async function copyInLinkedPairs(ring: Ring, size: number, signal: AbortSignal | undefined, copy: PairedCopy, start = 0): Promise<number> {
  const pairs = chainPairs(ring);
  let end = size;
  let offset = start;
  while (offset < end) {
    const specs: OpSpec<number>[] = [];
    const lengths: number[] = [];
    for (let at = offset; lengths.length < pairs && at < end; ) {
      const length = Math.min(copy.chunk, end - at);
      specs.push(...copy.pair(at, length));
      lengths.push(length);
      at += length;
    }
    const results = await Promise.allSettled(ring.link(specs, { signal }) as Promise<number>[]);
    for (let p = 0; p < lengths.length; p++) {
      const length = lengths[p]!;
      const [into, out] = [results[2 * p]!, results[2 * p + 1]!];
      if (into.status === 'rejected') throw chainError(results, 2 * p);
      const n = into.value;
      let moved: number;
      if (out.status === 'fulfilled') moved = out.value;
      else if (n === length && !wantsRoom(out))
        throw chainError(results, 2 * p + 1); // the out op failed by itself (ENOSPC, EPIPE...)
      else moved = 0; // a short "in" broke the link, or the destination had no room
      await copy.finish(offset, n, moved);
      offset += n;
      if (n === 0) end = offset;
      if (n < length || moved < n) break;
    }
  }
  return offset - start;
}
