// Provided-buffer group ids (sqe->buf_group, 16 bits) for sockets that own a
// buffer ring (each UdpSocket that iterates), handed out per ring and
// reused once given back. The shared stream group (NET_BUFFER_GROUP, 0x6e74)
// lies below the range.
import type { Ring } from '../driver/ring.js';
import { bufferGroupsExhaustedError } from '../sys/errors.js';

const FIRST = 0x7000;
const LAST = 0xffff;

const groups = new WeakMap<Ring, { next: number; free: number[] }>();

/** A buffer group id no other user of `ring` holds. */
export function acquireGroup(ring: Ring): number {
  let state = groups.get(ring);
  if (state === undefined) groups.set(ring, (state = { next: FIRST, free: [] }));
  const id = state.free.pop() ?? state.next++;
  if (id > LAST) throw bufferGroupsExhaustedError();
  return id;
}

/** Gives `id` back (after IORING_UNREGISTER_PBUF_RING). */
export function releaseGroup(ring: Ring, id: number): void {
  groups.get(ring)?.free.push(id);
}
