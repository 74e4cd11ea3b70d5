// The table of requests in flight. A request's user_data is its slot (low
// word) and the slot's generation (high word): when a slot is reused its
// generation changes, so a late CQE meant for the old owner is recognised and
// dropped. The table's size is the CQ size, which caps what is in flight so
// the CQ cannot overflow from single-shot ops.

export class SlotTable<T> {
  private readonly owners: (T | undefined)[];
  private readonly generations: Uint32Array;
  private readonly free: Int32Array;
  private freeCount: number;

  constructor(readonly size: number) {
    this.owners = new Array<T | undefined>(size).fill(undefined);
    this.generations = new Uint32Array(size);
    this.free = new Int32Array(size);
    for (let i = 0; i < size; i++) this.free[i] = size - 1 - i;
    this.freeCount = size;
  }

  /** Slots in use. */
  get used(): number {
    return this.size - this.freeCount;
  }

  get available(): number {
    return this.freeCount;
  }

  /** Takes a free slot for `owner`; -1 when none is free. */
  acquire(owner: T): number {
    if (this.freeCount === 0) return -1;
    const slot = this.free[--this.freeCount]!;
    this.owners[slot] = owner;
    return slot;
  }

  generation(slot: number): number {
    return this.generations[slot]!;
  }

  /** The owner of (slot, generation), or undefined for a stale or unknown pair. */
  lookup(slot: number, generation: number): T | undefined {
    if (slot >= this.size || this.generations[slot] !== generation) return undefined;
    return this.owners[slot];
  }

  release(slot: number): void {
    this.owners[slot] = undefined;
    this.generations[slot] = (this.generations[slot]! + 1) >>> 0;
    this.free[this.freeCount++] = slot;
  }

  /** Every owner in the table. */
  *entries(): IterableIterator<T> {
    for (const owner of this.owners) if (owner !== undefined) yield owner;
  }
}
