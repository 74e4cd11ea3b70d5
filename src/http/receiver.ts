// A connection's receive loop (connection.ts): each chunk the socket receives
// is handed to the connection, and the next one asked for only once the
// connection says it may read on.
import type { BorrowedChunk, ChunkIterator } from '../net/chunks.js';
import type { InPlaceSink } from '../net/provided-recv.js';

/** drain()'s word that a handler's promise holds the connection: that handler's answer carries the receive loop on. */
export const HELD = null;
/** What a take leaves to the receive loop: read on now (true), once the promise settles with true, or never (HELD: answer() goes on). */
export type Step = true | typeof HELD | Promise<true | typeof HELD>;

/** What the loop hands each chunk to (a Connection). */
export interface ChunkTaker {
  /** Takes bytes [start, end) of `memory`, lent until it returns (or, past it, until it is let go of). */
  takeIn(memory: Buffer, start: number, end: number): Step;
  /**
   * After a take that waits (a Step other than true): copies what it still
   * uses of the chunk, so that the chunk may go back while it waits. False if
   * it cannot (the connection was handed over, and its chunks with it).
   */
  letGo(): boolean;
}

/**
 * A connection's receive loop by callback (Connection.receive): takes each
 * chunk, then asks for the next. A class, not an object of closures: the
 * recv calls the same method for every connection, which V8 calls directly,
 * where a closure per connection is called through its generic Call builtin
 * after loading that connection's function object and context (cold, with
 * hundreds of connections served in turn). Without a multishot recv (the node
 * backend, kernels without buffer rings) each chunk is the iterator's next().
 */
export class Receiver implements InPlaceSink<BorrowedChunk> {
  /** after() and fail() as functions, for a take that had to wait (made then, kept). */
  private resume: ((step: true | typeof HELD) => void) | null = null;
  private failed: ((error: unknown) => void) | null = null;
  /** Without a multishot recv: value() and end() as next()'s callbacks. */
  private took: ((result: IteratorResult<BorrowedChunk>) => void) | null = null;

  constructor(
    private readonly connection: ChunkTaker,
    private readonly chunks: ChunkIterator<BorrowedChunk>,
    private readonly resolve: () => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  next(): void {
    // Borrowed chunks come where they lie (valueIn), with no Buffer made for each.
    if (this.chunks.byCallback) this.chunks.readInPlace(this);
    else this.chunks.next().then((this.took ??= (result) => (result.done === true ? this.end(null) : this.value(result.value))), this.fails());
  }

  value(chunk: BorrowedChunk): void {
    this.valueIn(chunk, 0, chunk.length);
  }

  valueIn(memory: Buffer, start: number, end: number): void {
    let step: Step;
    try {
      step = this.connection.takeIn(memory, start, end);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.after(step);
  }

  /** @internal Asks for the next chunk once the last is taken (the connection's answer() calls it too). */
  after(step: Step): void {
    if (step === true) {
      this.next();
      return;
    }
    // Waiting (a handler's promise, a paused request) with the chunk's buffer would hold it from every
    // other connection's receives for that long: with a few large buffers shared, a few such waits could
    // run them all out (docs/architecture.md, "Receive buffers").
    // (Only a multishot recv's chunks lie in the shared buffers; a plain read's buffer is the loop's own.)
    if (this.chunks.byCallback && this.connection.letGo()) this.chunks.release();
    if (step !== HELD) step.then((this.resume ??= (next) => this.after(next)), this.fails());
  }

  end(error: unknown): void {
    if (error === null) this.resolve();
    else this.reject(error);
  }

  private fails(): (error: unknown) => void {
    return (this.failed ??= (error) => this.fail(error));
  }

  /** @internal Ends the loop with an error (what taking a chunk, or a handler's answer, threw). */
  fail(error: unknown): void {
    this.chunks.return();
    this.reject(error);
  }
}
