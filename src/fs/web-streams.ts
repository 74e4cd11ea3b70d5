// Web stream adapters over a FileHandle: readableWebStream() (Node's name)
// and writableWebStream(). The readable is a byte stream: each pull is one
// READ straight into the reader's buffer (BYOB) or a fresh chunk, and pulls
// happen only while the stream wants data (highWaterMark bytes, default 0:
// one READ per read() call). The writable writes each chunk whole (short
// writes resubmitted), one chunk at a time; writes queue until
// highWaterMark bytes and then writer.ready waits. Cancel and abort cancel
// the op in flight in the kernel; the handle is closed only with autoClose.
import type * as StreamWeb from 'node:stream/web';
import type { ReadableStream, WritableStream, ReadableByteStreamController, WritableStreamDefaultController } from 'node:stream/web';
import { lazyBuiltin } from '../sys/builtins.js';
import { AbortError, invalidArgType, invalidArgValue, outOfRange } from '../sys/errors.js';
import { checkInteger } from './args.js';
import { kHold, type StreamSource } from './stream-source.js';
import { checkOptions } from './options.js';

const streamWeb = lazyBuiltin<typeof StreamWeb>('node:stream/web');

/** FileHandle.readableWebStream()'s options. */
export interface ReadableWebStreamOptions {
  /** 'bytes' (what is made in any case), as Node's option. */
  type?: 'bytes';
  /** First byte to read (default: the current position, which then advances). */
  start?: number;
  /** Last byte to read, inclusive (default, or Infinity: the end of the file). */
  end?: number;
  /** Bytes per READ when the reader brings no buffer of its own (default 64 KiB). */
  chunkSize?: number;
  /** Bytes read ahead of the reader (default 0: a READ only when a read() waits). */
  highWaterMark?: number;
  /** Close the handle when the stream ends, errors or is cancelled (default false, as Node's). */
  autoClose?: boolean;
  /** Aborting errors the stream with an AbortError and cancels the READ in flight. */
  signal?: AbortSignal;
}

/** FileHandle.writableWebStream()'s options. */
export interface WritableWebStreamOptions {
  /** Where to start writing (default: the current position; O_APPEND files: the end). */
  start?: number;
  /** Bytes queued before writer.ready waits (default 16 KiB). */
  highWaterMark?: number;
  /** Close the handle when the stream is closed, aborted or errors (default false). */
  autoClose?: boolean;
  /** Aborting errors the stream with an AbortError and cancels the WRITE in flight. */
  signal?: AbortSignal;
}

function checkCommon(o: { autoClose?: unknown; highWaterMark?: unknown; start?: unknown }): void {
  if (o.autoClose !== undefined && typeof o.autoClose !== 'boolean') throw invalidArgType('options.autoClose', 'of type boolean', o.autoClose);
  if (o.highWaterMark !== undefined) checkInteger(o.highWaterMark, 'options.highWaterMark', 0, 2 ** 30);
  if (o.start !== undefined) checkInteger(o.start, 'options.start', 0, Number.MAX_SAFE_INTEGER);
}

/**
 * What both streams share: `stop` cancels the op in flight; `finish()` ends
 * the stream's use of the handle, once (it stops watching the caller's
 * signal and, with autoClose, closes the handle); `watch(fail)` errors the
 * stream through `fail` when the caller's signal aborts (at once if it has).
 */
class StreamLifetime {
  readonly stop = new AbortController();
  finished = false;
  private unwatch = (): void => {};
  private release = (): void => {};

  constructor(
    private readonly handle: StreamSource,
    private readonly autoClose: boolean,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Holds the handle (see StreamHolds): its close() calls `end` first, and closes the fd once finish() lets go. */
  hold(end: () => void): void {
    this.release = this.handle[kHold]?.(end) ?? this.release;
  }

  watch(fail: (error: AbortError) => void): void {
    const signal = this.signal;
    if (signal === undefined) return;
    const onAbort = () => {
      if (this.finished) return;
      fail(new AbortError(undefined, { cause: signal.reason }));
      this.stop.abort(signal.reason);
      void this.finish().catch(() => {});
    };
    if (signal.aborted) {
      queueMicrotask(onAbort);
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    this.unwatch = () => signal.removeEventListener('abort', onAbort);
  }

  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.unwatch();
    this.release();
    if (this.autoClose) await this.handle.close();
  }
}

export function readableWebStream(handle: StreamSource, options?: ReadableWebStreamOptions): ReadableStream<Uint8Array> {
  const o = checkOptions<ReadableWebStreamOptions>(options);
  if (o.type !== undefined && o.type !== 'bytes') throw invalidArgValue('options.type', o.type, "must be 'bytes'");
  checkCommon(o);
  const chunkSize = o.chunkSize === undefined ? 64 * 1024 : checkInteger(o.chunkSize, 'options.chunkSize', 1, 2 ** 30);
  const end = o.end === undefined || o.end === Infinity ? Infinity : checkInteger(o.end, 'options.end', 0, Number.MAX_SAFE_INTEGER);
  if (o.start !== undefined && end < o.start) throw outOfRange('options.start', `<= "options.end" (${end})`, o.start);
  let position = o.start ?? -1;
  let remaining = end === Infinity ? Infinity : end - (o.start ?? 0) + 1;
  // Cancelled (cancel() or the caller's signal): cancels the READ in flight.
  const life = new StreamLifetime(handle, o.autoClose === true, o.signal);
  /** A READ into the reader's view is in flight: the view goes back to the reader only once it has settled. */
  let reading = false;
  return new (streamWeb().ReadableStream)(
    {
      type: 'bytes',
      autoAllocateChunkSize: chunkSize,
      start(c: ReadableByteStreamController) {
        life.watch((error) => c.error(error));
        // Closing the handle ends the stream (reads are done, no EBADF), as Node's readableWebStream is cancelled.
        life.hold(() => {
          if (life.finished) return;
          life.stop.abort();
          void life.finish().catch(() => {});
          c.close();
          // A read() waiting gets its buffer back (done), but not while the READ may still write into it: pull() does it then.
          if (!reading) c.byobRequest?.respond(0);
        });
      },
      async pull(c) {
        // A read() waiting: its request holds the reader's buffer or a fresh chunk (autoAllocateChunkSize).
        // A pull to fill the queue up to highWaterMark has none: the chunk is ours, and enqueued.
        const request = c.byobRequest;
        const view = (request?.view as Uint8Array | null | undefined) ?? new Uint8Array(chunkSize);
        const want = Math.min(view.byteLength, remaining);
        let bytesRead = 0;
        if (want > 0) {
          reading = true;
          try {
            ({ bytesRead } = await handle.read(view, 0, want, position < 0 ? null : position, { signal: life.stop.signal }));
          } catch (error) {
            // Not when cancelled, aborted or closed under the READ: the stream already knows.
            if (!life.finished) {
              await life.finish().catch(() => {});
              throw error;
            }
          } finally {
            reading = false;
          }
        }
        // Ended while reading (the READ is over now): a read() waiting on the closed stream gets its buffer back,
        // done; after a cancel or an abort there is no request left.
        if (life.finished) return void c.byobRequest?.respond(0);
        if (bytesRead === 0) {
          await life.finish();
          c.close();
          request?.respond(0); // a BYOB read waiting on the closed stream resolves as done
          return;
        }
        if (position >= 0) position += bytesRead;
        remaining -= bytesRead;
        if (request) request.respond(bytesRead);
        else c.enqueue(view.subarray(0, bytesRead));
      },
      async cancel(reason) {
        life.stop.abort(reason);
        await life.finish();
      },
    },
    { highWaterMark: o.highWaterMark ?? 0 },
  );
}

/** What a writable web stream accepts: bytes, or a string (written as UTF-8). */
export type WebChunk = ArrayBufferView | ArrayBuffer | string;

function toBytes(chunk: unknown): ArrayBufferView {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (ArrayBuffer.isView(chunk)) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw invalidArgType('chunk', 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView', chunk);
}

export function writableWebStream(handle: StreamSource, options?: WritableWebStreamOptions): WritableStream<WebChunk> {
  const o = checkOptions<WritableWebStreamOptions>(options);
  checkCommon(o);
  let position = o.start ?? -1;
  const life = new StreamLifetime(handle, o.autoClose === true, o.signal);
  return new (streamWeb().WritableStream)<WebChunk>(
    {
      start(controller: WritableStreamDefaultController) {
        life.watch((error) => controller.error(error));
        // writer.abort() reaches the sink only after the write in flight: cancel that write now.
        // (controller.signal is in Node 20's runtime, not in its types.)
        const aborted = (controller as WritableStreamDefaultController & { signal: AbortSignal }).signal;
        aborted.addEventListener('abort', () => life.stop.abort(aborted.reason), { once: true });
      },
      async write(chunk) {
        const bytes = toBytes(chunk);
        const length = bytes.byteLength;
        try {
          for (let done = 0; done < length; ) {
            const at = position < 0 ? null : position + done;
            const { bytesWritten } = await handle.write(bytes, done, length - done, at, { signal: life.stop.signal });
            done += bytesWritten;
          }
        } catch (error) {
          await life.finish().catch(() => {});
          throw error;
        }
        if (position >= 0) position += length;
      },
      async close() {
        await life.finish();
      },
      async abort(reason) {
        life.stop.abort(reason);
        await life.finish();
      },
    },
    // Sized in bytes; a chunk of the wrong type throws here, before any SQE, and errors the stream.
    { highWaterMark: o.highWaterMark ?? 16 * 1024, size: (chunk) => (typeof chunk === 'string' ? Buffer.byteLength(chunk) : toBytes(chunk).byteLength) },
  );
}
