// The strings of a connection's last request head, reused when the next head
// repeats their bytes. A keep-alive client sends nearly the same head every
// time (the same target, Host, User-Agent, Accept...), and making a string of
// bytes is a call into C++ (Buffer's latin1Slice, about 100 ns here), while
// comparing a few dozen bytes in JavaScript costs a few ns. Each string is
// remembered by its place in the head (the parser numbers them), with a copy
// of its bytes; a short string whose bytes are those of last time is reused.

// Buffer's own latin1Slice (what toString('latin1') calls after its checks): untyped in @types/node.
type Latin1 = { latin1Slice(start: number, end: number): string };

/** The bytes as a latin1 string (every byte one character). */
export const latin1 = (buf: Buffer, start: number, end: number): string => (buf as unknown as Latin1).latin1Slice(start, end);

export class RecentStrings {
  /** Each place's bytes, at place × width; made on first use. */
  private bytes: Uint8Array | null = null;
  /** Each place's byte count; -1 when nothing is remembered there. */
  private readonly lengths: Int16Array;
  private readonly strings: string[];

  /**
   * @param places how many places (string positions in a head) are remembered
   * @param width the longest string remembered, in bytes
   * @param lower whether the strings are lowercased (header names)
   */
  constructor(
    private readonly places: number,
    private readonly width: number,
    private readonly lower: boolean,
  ) {
    this.lengths = new Int16Array(places).fill(-1);
    this.strings = new Array<string>(places).fill('');
  }

  /** Remembers nothing any more (a pooled parser's, before its next connection): no string of one client is handed to another. */
  forget(): void {
    this.lengths.fill(-1);
    this.strings.fill('');
  }

  /** buf[start, end) as a string (lowercased if so made), reused from last time at `place` when the bytes repeat. */
  get(buf: Buffer, start: number, end: number, place: number): string {
    const n = end - start;
    if (place >= this.places || n > this.width) return this.make(buf, start, end);
    const base = place * this.width;
    const bytes = (this.bytes ??= new Uint8Array(this.places * this.width));
    if (this.lengths[place] === n) {
      let i = 0;
      while (i < n && bytes[base + i] === buf[start + i]) i++;
      if (i === n) return this.strings[place]!;
    }
    const text = this.make(buf, start, end);
    for (let i = 0; i < n; i++) bytes[base + i] = buf[start + i]!;
    this.lengths[place] = n;
    this.strings[place] = text;
    return text;
  }

  private make(buf: Buffer, start: number, end: number): string {
    const text = latin1(buf, start, end);
    return this.lower ? text.toLowerCase() : text;
  }
}
