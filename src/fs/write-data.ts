// What writeFile and appendFile accept: a string (with its encoding), a
// Buffer, a TypedArray or a DataView, or, as node:fs/promises, an iterable or
// async iterable of those (a generator, a Readable), written chunk by chunk.
// Checked before any SQE.
import { invalidArgType } from '../sys/errors.js';
import { checkEncoding } from './args.js';
import { throwIfAborted } from './options.js';

/** One piece of data: a string is encoded, a view written as it is. */
export type WriteChunk = string | ArrayBufferView;
export type WriteData = WriteChunk | Iterable<WriteChunk> | AsyncIterable<WriteChunk>;

/** An iterable that is not itself one piece (a string or a Buffer iterate too): node:fs's `isCustomIterable`. */
export function isChunks(data: unknown): data is Iterable<unknown> | AsyncIterable<unknown> {
  if (data === null || typeof data !== 'object' || ArrayBuffer.isView(data)) return false;
  const it = data as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof it[Symbol.iterator] === 'function' || typeof it[Symbol.asyncIterator] === 'function';
}

export function toData(data: unknown, encoding: unknown): ArrayBufferView {
  if (typeof data === 'string') {
    return Buffer.from(data, checkEncoding(encoding));
  }
  if (ArrayBuffer.isView(data)) return data;
  throw invalidArgType('data', 'of type string or an instance of Buffer, TypedArray, or DataView', data);
}

/** A chunk an iterable gave: a view as it is, anything else through Buffer.from, as node:fs (which throws for what it cannot take). */
function toChunk(chunk: unknown, encoding: BufferEncoding): ArrayBufferView {
  return ArrayBuffer.isView(chunk) ? chunk : Buffer.from(chunk as string, encoding);
}

/**
 * writeFile's checks, before any SQE: the encoding, `flush`, and `data`,
 * which is a view to write (a string encoded) or an iterable of chunks.
 */
export function checkWriteFile(
  data: unknown,
  options: { encoding?: BufferEncoding | null; flush?: boolean },
): { encoding: BufferEncoding; flush: boolean; whole: ArrayBufferView | null } {
  const encoding = checkEncoding(options.encoding ?? 'utf8');
  const flush = checkFlush(options.flush);
  return { encoding, flush, whole: isChunks(data) ? null : toData(data, encoding) };
}

/**
 * Gives `write` what writeFile was given, as checkWriteFile() left it: the
 * whole view, or each chunk of the iterable as it comes, the signal checked
 * between chunks (an abort ends the iterable: `for await` returns it).
 */
export async function writeEach(
  data: unknown,
  checked: { encoding: BufferEncoding; whole: ArrayBufferView | null },
  signal: AbortSignal | undefined,
  write: (view: ArrayBufferView) => Promise<void>,
): Promise<void> {
  if (checked.whole !== null) return write(checked.whole);
  for await (const chunk of data as AsyncIterable<unknown>) {
    throwIfAborted(signal);
    await write(toChunk(chunk, checked.encoding));
  }
}

/** `options.flush` (sync the file before it is closed), checked as node:fs checks it. */
export function checkFlush(flush: unknown): boolean {
  if (flush === undefined || flush === null) return false;
  if (typeof flush !== 'boolean') throw invalidArgType('options.flush', 'of type boolean', flush);
  return flush;
}
