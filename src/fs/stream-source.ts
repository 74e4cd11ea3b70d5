// What the stream adapters (streams.ts, web-streams.ts) use of a file: four
// methods. Declared here rather than taken from FileHandle, whose methods
// create those streams: the adapters then need nothing from file-handle.ts,
// and the three files do not import each other in a circle.
import type { FsOptions } from './options.js';

export interface StreamSource {
  read<T extends ArrayBufferView>(buffer: T, offset: number, length: number, position: number | null, options?: FsOptions): Promise<{ bytesRead: number }>;
  write(buffer: ArrayBufferView, offset: number, length: number, position: number | null, options?: FsOptions): Promise<{ bytesWritten: number }>;
  writev(buffers: ArrayBufferView[], position: number | null, options?: FsOptions): Promise<{ bytesWritten: number }>;
  close(): Promise<void>;
}
