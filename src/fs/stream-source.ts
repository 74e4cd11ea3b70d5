// What the stream adapters (streams.ts, web-streams.ts) use of a file: five
// methods, and the hold a Node stream keeps on its handle. Declared here rather than taken from FileHandle, whose methods
// create those streams: the adapters then need nothing from file-handle.ts,
// and the three files do not import each other in a circle.
import { invalidArgType } from '../sys/errors.js';
import type { FsOptions } from './options.js';

/**
 * How a Node stream holds its handle (FileHandle offers it): `end` is called
 * when the handle's owner closes it, and the function returned lets go.
 */
export const kHold = Symbol('ringcore.fs.hold');

export interface StreamSource {
  read<T extends ArrayBufferView>(buffer: T, offset: number, length: number, position: number | null, options?: FsOptions): Promise<{ bytesRead: number }>;
  write(buffer: ArrayBufferView, offset: number, length: number, position: number | null, options?: FsOptions): Promise<{ bytesWritten: number }>;
  writev(buffers: ArrayBufferView[], position: number | null, options?: FsOptions): Promise<{ bytesWritten: number }>;
  /** fsync(2): a write stream's `flush`. */
  sync(options?: FsOptions): Promise<void>;
  close(): Promise<void>;
  [kHold]?(end: () => void): () => void;
}

/**
 * The streams that hold one handle, as Node's streams hold their FileHandle:
 * close() asks each to end (a write stream writes what it was given, a read
 * stream stops) and closes the fd once all have let go.
 */
export class StreamHolds {
  readonly #ends = new Set<() => void>();
  #idle: (() => void) | null = null;

  get held(): boolean {
    return this.#ends.size > 0;
  }

  hold(end: () => void): () => void {
    this.#ends.add(end);
    return () => {
      if (this.#ends.delete(end) && this.#ends.size === 0) this.#idle?.();
    };
  }

  /** Ends every stream holding the handle; resolves once all have let go. */
  letGo(): Promise<void> {
    const idle = new Promise<void>((resolve) => (this.#idle = resolve));
    for (const end of [...this.#ends]) end();
    return idle;
  }
}

/**
 * Throws the TypeError for anything that is not a handle (a path, say, as
 * node:fs's createWriteStream takes): caught later, it would surface as an
 * uncaught "handle.close is not a function" from the stream's destroy().
 */
export function checkStreamSource(handle: unknown): asserts handle is StreamSource {
  const h = handle as Partial<Record<keyof StreamSource, unknown>> | null;
  const ok = typeof h === 'object' && h !== null && (['read', 'write', 'writev', 'sync', 'close'] as const).every((m) => typeof h[m] === 'function');
  if (!ok) throw invalidArgType('handle', 'a FileHandle (open() it first)', handle);
}
