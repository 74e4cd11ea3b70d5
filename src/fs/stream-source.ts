// What the stream adapters (streams.ts, web-streams.ts) use of a file: four
// methods. Declared here rather than taken from FileHandle, whose methods
// create those streams: the adapters then need nothing from file-handle.ts,
// and the three files do not import each other in a circle.
import { invalidArgType } from '../sys/errors.js';
import type { FsOptions } from './options.js';

export interface StreamSource {
  read<T extends ArrayBufferView>(buffer: T, offset: number, length: number, position: number | null, options?: FsOptions): Promise<{ bytesRead: number }>;
  write(buffer: ArrayBufferView, offset: number, length: number, position: number | null, options?: FsOptions): Promise<{ bytesWritten: number }>;
  writev(buffers: ArrayBufferView[], position: number | null, options?: FsOptions): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
}

/**
 * Throws the TypeError for anything that is not a handle (a path, say, as
 * node:fs's createWriteStream takes): caught later, it would surface as an
 * uncaught "handle.close is not a function" from the stream's destroy().
 */
export function checkStreamSource(handle: unknown): asserts handle is StreamSource {
  const h = handle as Partial<Record<keyof StreamSource, unknown>> | null;
  const ok = typeof h === 'object' && h !== null && (['read', 'write', 'writev', 'close'] as const).every((m) => typeof h[m] === 'function');
  if (!ok) throw invalidArgType('handle', 'a FileHandle (open() it first)', handle);
}
