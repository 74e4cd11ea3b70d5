// Node stream adapters over a FileHandle: createReadStream / createWriteStream,
// like node:fs's. Each _read is one READ of highWaterMark bytes; each _write a
// write-all; _writev one FileHandle.writev (WRITEVs of at most IOV_MAX
// buffers each, the rest resubmitted after a short one).
import type * as Stream from 'node:stream';
import type { Readable, Writable } from 'node:stream';
import { lazyBuiltin } from '../sys/builtins.js';
import { outOfRange } from '../sys/errors.js';
import { checkStreamSource, kHold, type StreamSource } from './stream-source.js';
import { checkEncoding, checkInteger, checkPosition } from './args.js';
import { checkFlush } from './write-data.js';

const stream = lazyBuiltin<typeof Stream>('node:stream');

/** createReadStream()'s options, as node:fs's. */
export interface ReadStreamOptions {
  /** First byte to read (default: the current position). */
  start?: number;
  /** Last byte to read, inclusive (default, or Infinity: the end of the file). */
  end?: number;
  /** Bytes per READ, and the stream's highWaterMark. Default 64 KiB. */
  highWaterMark?: number;
  /** Emit strings in this encoding instead of Buffers. */
  encoding?: BufferEncoding;
  /** Close the handle when the stream ends or is destroyed (default true, as Node's). */
  autoClose?: boolean;
  /** Aborting destroys the stream with an AbortError and cancels the READ in flight. */
  signal?: AbortSignal;
}

/** createWriteStream()'s options, as node:fs's. */
export interface WriteStreamOptions {
  /** Where to start writing (default: the current position). */
  start?: number;
  /** Bytes buffered before write() returns false. Default 16 KiB. */
  highWaterMark?: number;
  /** How a string written without an encoding is encoded (default 'utf8'), as node:fs's. */
  encoding?: BufferEncoding;
  /** Close the handle when the stream finishes or is destroyed (default true, as Node's). */
  autoClose?: boolean;
  /** fsync(2) the file when the stream finishes, before it is closed, as node:fs's. Default false. */
  flush?: boolean;
  /** Aborting destroys the stream with an AbortError and cancels the WRITE in flight. */
  signal?: AbortSignal;
}

/** A node:stream Readable over an open handle, READ by READ (FileHandle.createReadStream()). */
export function createReadStream(handle: StreamSource, options: ReadStreamOptions = {}): Readable {
  checkStreamSource(handle);
  const size = options.highWaterMark ?? 64 * 1024;
  checkInteger(size, 'options.highWaterMark', 1, 2 ** 30);
  let position = options.start === undefined ? -1 : checkPosition(options.start, 'options.start');
  // Infinity (to the end of the file) as node:fs takes it.
  const end = options.end === undefined || options.end === Infinity ? Infinity : checkInteger(options.end, 'options.end', 0, Number.MAX_SAFE_INTEGER);
  // As node:fs: a range that ends before it starts is a mistake, not an empty file.
  if (position >= 0 && end < position) throw outOfRange('options.start', `<= "options.end" (${end})`, position);
  const autoClose = options.autoClose ?? true;
  const signal = options.signal;
  let remaining = end === Infinity ? Infinity : end - Math.max(position, 0) + 1;
  let release = (): void => {};
  const readable = new (stream().Readable)({
    highWaterMark: size,
    encoding: options.encoding,
    signal,
    read() {
      const want = Math.min(size, remaining);
      if (want <= 0) return void this.push(null);
      const buffer = Buffer.allocUnsafe(want);
      handle.read(buffer, 0, want, position, { signal }).then(
        ({ bytesRead }) => {
          if (bytesRead === 0) return void this.push(null);
          if (position >= 0) position += bytesRead;
          remaining -= bytesRead;
          this.push(bytesRead === want ? buffer : buffer.subarray(0, bytesRead));
        },
        (error: Error) => this.destroy(error),
      );
    },
    destroy: destroyWith(handle, autoClose, () => release()),
  });
  // Closing the handle stops the stream (no 'error': its reads would fail with EBADF), as with Node's.
  release = handle[kHold]?.(() => readable.destroy()) ?? release;
  return readable;
}

/**
 * A stream's destroy(): lets go of the handle (`release`, read when called: the
 * hold is taken after the stream is made) and closes it unless autoClose is off;
 * the stream's own error wins over the close's.
 */
function destroyWith(handle: StreamSource, autoClose: boolean, release: () => void) {
  return (error: Error | null, callback: (error?: Error | null) => void): void => {
    release();
    if (!autoClose) callback(error);
    else
      handle.close().then(
        () => callback(error),
        (closeError: Error) => callback(error ?? closeError),
      );
  };
}

/** A node:stream Writable over an open handle; each chunk is written whole (FileHandle.createWriteStream()). */
export function createWriteStream(handle: StreamSource, options: WriteStreamOptions = {}): Writable {
  checkStreamSource(handle);
  let position = options.start === undefined ? -1 : checkPosition(options.start, 'options.start');
  const autoClose = options.autoClose ?? true;
  const flush = checkFlush(options.flush);
  const signal = options.signal;
  let release = (): void => {};
  const writable = new (stream().Writable)({
    highWaterMark: options.highWaterMark ?? 16 * 1024,
    // write('4142') of a { encoding: 'hex' } stream is two bytes, as node:fs's; it wrote the four characters.
    defaultEncoding: options.encoding === undefined ? undefined : checkEncoding(options.encoding),
    signal,
    write(chunk: Buffer, _encoding, callback) {
      writeAll(handle, chunk, position, signal).then((n) => {
        if (position >= 0) position += n;
        callback();
      }, callback);
    },
    writev(chunks, callback) {
      writevAll(
        handle,
        chunks.map((c) => c.chunk as Buffer),
        position,
        signal,
      ).then((n) => {
        if (position >= 0) position += n;
        callback();
      }, callback);
    },
    final(callback) {
      release();
      const synced = flush ? handle.sync({ signal }) : Promise.resolve();
      synced.then(() => (autoClose ? handle.close() : undefined)).then(() => callback(), callback);
    },
    destroy: destroyWith(handle, autoClose, () => release()),
  });
  // Closing the handle ends the stream, and the fd is closed after the writes it was given (they failed with EBADF), as with Node's.
  release =
    handle[kHold]?.(() => {
      if (!writable.writableEnded && !writable.destroyed) writable.end();
    }) ?? release;
  return writable;
}

/** Every byte of `buffer` through the handle (so that close() waits for it), resubmitting short writes. */
async function writeAll(handle: StreamSource, buffer: Buffer, position: number, signal: AbortSignal | undefined): Promise<number> {
  let done = 0;
  while (done < buffer.byteLength) {
    const at = position < 0 ? null : position + done;
    const { bytesWritten } = await handle.write(buffer, done, buffer.byteLength - done, at, { signal });
    done += bytesWritten;
  }
  return done;
}

/** FileHandle.writev (all the buffers, in IOV_MAX batches); if an error cut it short, writeAll of the rest reports it. */
async function writevAll(handle: StreamSource, buffers: Buffer[], position: number, signal: AbortSignal | undefined): Promise<number> {
  const total = buffers.reduce((sum, b) => sum + b.byteLength, 0);
  const { bytesWritten } = await handle.writev(buffers, position < 0 ? null : position, { signal });
  if (bytesWritten < total) {
    const rest = Buffer.concat(buffers, total).subarray(bytesWritten);
    await writeAll(handle, rest, position < 0 ? -1 : position + bytesWritten, signal);
  }
  return total;
}
