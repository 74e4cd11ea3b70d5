// One default ring per thread, created on first use: a ring is not safe to share across threads.
// Module state is per isolate, so every worker_thread gets its own ring.
import { Ring } from './ring.js';

let ring: Ring | null = null;

/** This thread's default ring; a new one is made if the last was closed. */
export function defaultRing(): Ring {
  if (ring === null || ring.closed) ring = new Ring();
  return ring;
}
