// A connection's output buffer: responses are serialized into it back to back
// and sent with one send per batch (one per pipelined batch, not per
// response). It is reused for the connection's life and grows on demand.
import { addressOf } from '../sys/memory.js';

/** Strings up to this long are copied by a loop here: shorter than a call into C++ (Buffer's latin1Write/utf8Write) costs. */
const SHORT = 64;

// Buffer's own write methods (what buf.write(text, offset, encoding) calls after its checks): untyped in @types/node.
type Writes = { latin1Write(text: string, offset: number): number; utf8Write(text: string, offset: number, length: number): number };

/** A connection's output buffer to begin with (cut from Node's shared Buffer pool); it grows for larger batches. */
const FIRST_BYTES = 1024;

export class Output {
  private buf: Buffer;
  length = 0;
  /** The last view() made: the next one is the same object while the buffer and the length are (responses of one size, as a hello world's). */
  private last: Buffer | null = null;
  /** addressOf(buf), once asked; -1 until then (and after the buffer grows). */
  private bufAddress = -1;

  constructor(size = FIRST_BYTES) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
    this.last = null;
    this.bufAddress = -1;
  }

  /** Appends a string of single-byte characters (a response head). */
  latin1(text: string): void {
    const n = text.length;
    this.ensure(n);
    if (n > SHORT) {
      this.length += (this.buf as unknown as Writes).latin1Write(text, this.length);
      return;
    }
    const buf = this.buf;
    const at = this.length;
    for (let i = 0; i < n; i++) buf[at + i] = text.charCodeAt(i);
    this.length = at + n;
  }

  /** Appends a string as UTF-8; `bytes` is its Buffer.byteLength (equal to its length when it is ASCII). */
  utf8(text: string, bytes: number): void {
    if (bytes === text.length && bytes <= SHORT) {
      this.latin1(text);
      return;
    }
    this.ensure(bytes);
    this.length += (this.buf as unknown as Writes).utf8Write(text, this.length, bytes);
  }

  /** Appends a non-negative integer in decimal. */
  decimal(value: number): void {
    let digits = 1;
    for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
    this.ensure(digits);
    const buf = this.buf;
    let at = this.length + digits;
    this.length = at;
    do {
      const next = Math.floor(value / 10);
      buf[--at] = 48 + value - next * 10;
      value = next;
    } while (value > 0);
  }

  bytes(data: Uint8Array): void {
    // Read once: on a Buffer, V8's optimized code reads byteLength through a generic property load.
    const n = data.byteLength;
    this.ensure(n);
    this.buf.set(data, this.length);
    this.length += n;
  }

  /** The bytes written so far: valid until the next write or clear(). */
  view(): Buffer {
    const last = this.last;
    if (last !== null && last.length === this.length) return last;
    return (this.last = this.buf.subarray(0, this.length));
  }

  /** The address of the bytes view() returns, for a SEND (looked up once per buffer, not per send). */
  address(): number {
    if (this.bufAddress < 0) this.bufAddress = addressOf(this.buf);
    return this.bufAddress;
  }

  clear(): void {
    this.length = 0;
  }

  /** Empty, for the server's next connection; a buffer grown past `size` (a large batch's) is given up for a new one of that size. */
  reset(size = FIRST_BYTES): void {
    this.length = 0;
    if (this.buf.length <= size) return;
    this.buf = Buffer.allocUnsafe(size);
    this.last = null;
    this.bufAddress = -1;
  }
}
