// FileTable: a ring's registered-file table (IORING_REGISTER_FILES), for hot
// handles. A sparse table is registered on the ring's first use; a handle
// takes a slot (IORING_REGISTER_FILES_UPDATE with its fd), and its ops then
// name the slot with IOSQE_FIXED_FILE instead of the fd. That spares the
// kernel looking the fd up and taking a reference on the file per op (an
// atomic one: Node's process has many threads). One table per ring; if the
// table is taken (someone called registerFiles) or refused, there is none and
// handles stay on plain fds.
import type { Ring } from '../driver/ring.js';

/** Slots asked for first; a smaller table if RLIMIT_NOFILE refuses it (the kernel caps the table there). */
const SIZES = [4096, 256];

/** A ring's registered-file table (IORING_REGISTER_FILES): slots handles take to use IOSQE_FIXED_FILE. */
export class FileTable {
  readonly #ring: Ring;
  /** Free slots, lowest last (a stack). */
  readonly #free: number[] = [];
  /** Slots in the table. */
  readonly size: number;

  private constructor(ring: Ring, size: number) {
    this.#ring = ring;
    this.size = size;
    for (let slot = size - 1; slot >= 0; slot--) this.#free.push(slot);
  }

  /** Registers a sparse table on `ring`; null when the kernel refuses. */
  static register(ring: Ring): FileTable | null {
    for (const size of SIZES) {
      if (ring.uring.registerFilesSparse(size) === 0) return new FileTable(ring, size);
    }
    return null;
  }

  /** Puts `fd` in a free slot and returns the slot, or -1 when the table is full or the update fails. */
  acquire(fd: number): number {
    const slot = this.#free.pop();
    if (slot === undefined) return -1;
    if (this.#ring.closed || this.#ring.uring.updateFiles(slot, [fd]) !== 1) {
      this.#free.push(slot);
      return -1;
    }
    return slot;
  }

  /**
   * Empties `slot` and makes it free again. Only once no op naming it is in
   * flight or queued: an SQE reads the slot when the kernel issues it, so a
   * queued op would find the next file put there. (Ops already issued hold
   * their own reference on the file; the table's goes now.)
   */
  release(slot: number): void {
    if (!this.#ring.closed) this.#ring.uring.updateFiles(slot, [-1]);
    this.#free.push(slot);
  }

  /** Slots not in use. */
  get available(): number {
    return this.#free.length;
  }
}

const tables = new WeakMap<Ring, FileTable | null>();

/** The file table of `ring`, registered on first use (null: none, and none will be tried again). */
export function fileTableOf(ring: Ring): FileTable | null {
  let table = tables.get(ring);
  if (table === undefined) {
    table = ring.closed ? null : FileTable.register(ring);
    tables.set(ring, table);
  }
  return table;
}
