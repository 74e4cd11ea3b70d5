// Request headers, read like fetch's Headers (get, has, forEach, entries) but
// over the parser's flat [name, value, ...] array: nothing is copied or
// indexed until asked. Names are lowercase already; lookups lowercase theirs.

/** A request's headers, read like fetch's Headers; names are matched case-insensitively. */
export class HttpHeaders implements Iterable<[string, string]> {
  constructor(private readonly list: string[]) {}

  /** The value, with repeated headers joined by ", " (as fetch does); null when absent. */
  get(name: string): string | null {
    const key = name.toLowerCase();
    const list = this.list;
    let found: string | null = null;
    for (let i = 0; i < list.length; i += 2) {
      if (list[i] === key) found = found === null ? list[i + 1]! : `${found}, ${list[i + 1]!}`;
    }
    return found;
  }

  /** Whether a header of that name was sent. */
  has(name: string): boolean {
    const key = name.toLowerCase();
    for (let i = 0; i < this.list.length; i += 2) if (this.list[i] === key) return true;
    return false;
  }

  /** Calls `callback(value, name)` for each header line in order (repeated headers separately, not joined). */
  forEach(callback: (value: string, name: string) => void): void {
    for (let i = 0; i < this.list.length; i += 2) callback(this.list[i + 1]!, this.list[i]!);
  }

  /** `[name, value]` pairs in order, names lowercase, repeated headers separately. */
  *entries(): IterableIterator<[string, string]> {
    for (let i = 0; i < this.list.length; i += 2) yield [this.list[i]!, this.list[i + 1]!];
  }

  /** entries(), for `for (const [name, value] of headers)`. */
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  /** The raw pairs as received (lowercased names), repeated headers kept apart. */
  raw(): readonly string[] {
    return this.list;
  }
}
