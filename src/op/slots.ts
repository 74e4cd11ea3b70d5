// The table of requests in flight. A request's user_data is its slot (low
// word) and the slot's generation (high word): when a slot is reused its
// generation changes, so a late CQE meant for the old owner is recognised and
// dropped.
//
// `size` (the CQ size) bounds the requests that complete once, so that their
// completions cannot overflow the CQ. Requests that wait indefinitely (a
// multishot recv on an idle connection, a multishot accept, an interval)
// are not counted against it: the table grows for them. Their CQEs could
// overflow the CQ whatever the bound (one op, many CQEs), and the kernel keeps
// those (IORING_FEAT_NODROP) until the submitter flushes them; bounding them
// only made a server with more connections than CQ entries stop serving
// (docs/net.md, "How many connections").

export class SlotTable<T> {
  private owners: (T | undefined)[];
  private generations: Uint32Array;
  private free: Int32Array;
  private freeCount: number;
  /** 1 for a slot taken by a request outside the bound. */
  private unbounded: Uint8Array;
  private boundedUsed = 0;

  constructor(readonly size: number) {
    this.owners = new Array<T | undefined>(size).fill(undefined);
    this.generations = new Uint32Array(size);
    this.unbounded = new Uint8Array(size);
    this.free = new Int32Array(size);
    for (let i = 0; i < size; i++) this.free[i] = size - 1 - i;
    this.freeCount = size;
  }

  /** Slots in use, bounded or not. */
  get used(): number {
    return this.owners.length - this.freeCount;
  }

  /** Slots the bound still allows for requests that complete once. */
  get available(): number {
    return this.size - this.boundedUsed;
  }

  /** Slots the table holds now (size, or more once unbounded requests made it grow). */
  get capacity(): number {
    return this.owners.length;
  }

  /**
   * Takes a free slot for `owner`, growing the table if none is free;
   * -1 when `owner` is bounded and the bound is reached.
   */
  acquire(owner: T, unbounded = false): number {
    if (!unbounded && this.boundedUsed >= this.size) return -1;
    if (this.freeCount === 0) this.grow();
    const slot = this.free[--this.freeCount]!;
    this.owners[slot] = owner;
    if (unbounded) this.unbounded[slot] = 1;
    else this.boundedUsed++;
    return slot;
  }

  /** Doubles the table: new slots at the end, existing ones (and their generations) untouched. */
  private grow(): void {
    const old = this.owners.length;
    const next = old * 2;
    for (let i = old; i < next; i++) this.owners.push(undefined);
    const generations = new Uint32Array(next);
    generations.set(this.generations);
    this.generations = generations;
    const unbounded = new Uint8Array(next);
    unbounded.set(this.unbounded);
    this.unbounded = unbounded;
    this.free = new Int32Array(next);
    for (let i = 0; i < old; i++) this.free[i] = next - 1 - i;
    this.freeCount = old;
  }

  generation(slot: number): number {
    return this.generations[slot]!;
  }

  /** The owner of (slot, generation), or undefined for a stale or unknown pair. */
  lookup(slot: number, generation: number): T | undefined {
    if (slot >= this.owners.length || this.generations[slot] !== generation) return undefined;
    return this.owners[slot];
  }

  release(slot: number): void {
    this.owners[slot] = undefined;
    this.generations[slot] = (this.generations[slot]! + 1) >>> 0;
    if (this.unbounded[slot] === 1) this.unbounded[slot] = 0;
    else this.boundedUsed--;
    this.free[this.freeCount++] = slot;
  }

  /** Every owner in the table. */
  *entries(): IterableIterator<T> {
    for (const owner of this.owners) if (owner !== undefined) yield owner;
  }
}
