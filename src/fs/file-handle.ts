// FileHandle: an open fd and the ops on it, shaped like node:fs/promises'.
// Every method takes `{ signal }` (last argument, or in its options object).
// close() waits for the handle's ops in flight, then sends IORING_OP_CLOSE;
// from the moment close() is called, new calls reject with EBADF.
// register() puts the fd in the ring's registered file table: the handle's ops
// then name that slot (IOSQE_FIXED_FILE); close() empties the slot once the
// handle's ops have settled, and still closes the fd.
// Ops at the current position (position null) on a seekable file go at an
// explicit offset the handle keeps (FilePosition), never at -1; vectored ops
// walk their buffers in batches of IOV_MAX (IovecCursor).
import type { TimeLike } from 'node:fs';
import type * as Readline from 'node:readline';
import type { Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ReadableStream, WritableStream } from 'node:stream/web';
import type { Ring } from '../driver/ring.js';
import type { OpSpec } from '../op/op.js';
import { lazyBuiltin } from '../sys/builtins.js';
import { errnoException, invalidStateError, type ErrorContext } from '../sys/errors.js';
import { checkAllocation, checkBuffers, checkEncoding, checkInteger, checkPosition } from './args.js';
import { IovecCursor } from '../sys/iovec.js';
import { fallocateSpec, fsyncSpec, readSpec, vectorSpec, writeSpec } from './ops.js';
import { closeFd } from './close-fd.js';
import { fchmodNow, fchownNow, futimesNow } from './fd-calls.js';
import { closeWhenCollected, forget, type HeldFd } from './collected-handle.js';
import { FilePosition } from './file-position.js';
import { readCall, writeCall } from './io-call.js';
import type { BigIntStats } from './bigint-stats.js';
import { fileTableOf, type FileTable } from './file-table.js';
import { checkOptions, throwIfAborted, type FsOptions } from './options.js';
import { readToEnd, readWhole } from './read-all.js';
import { checkStatOptions, fstatFd, type StatOptions, type Stats } from './stat.js';
import { createReadStream, createWriteStream, type ReadStreamOptions, type WriteStreamOptions } from './streams.js';
import { kHold, StreamHolds } from './stream-source.js';
import { readableWebStream, writableWebStream, type ReadableWebStreamOptions, type WritableWebStreamOptions } from './web-streams.js';
import { checkWriteFile, type WriteData, writeEach } from './write-data.js';
import { truncateFd } from './truncate-fd.js';
import { writeAll } from './write-all.js';
import { EBADF } from '../sys/errno.js';

const readline = lazyBuiltin<typeof Readline>('node:readline');

/** What FileHandle.read() resolves with. */
export interface ReadResult<T extends ArrayBufferView> {
  /** Bytes read: fewer than asked near the end of the file, 0 at the end. */
  bytesRead: number;
  /** The buffer read into (the one passed, or the one allocated). */
  buffer: T;
}
/** What FileHandle.write() resolves with. */
export interface WriteResult<T> {
  /** Bytes written: one write(2), which may be fewer than asked. */
  bytesWritten: number;
  /** The data passed (buffer or string). */
  buffer: T;
}
/** FileHandle.read()'s options, as node:fs/promises'. */
export interface ReadOptions<T extends ArrayBufferView = Buffer> extends FsOptions {
  /** The buffer to read into. Default: a new 16 KiB Buffer. */
  buffer?: T;
  /** Where in the buffer to start filling. Default 0. */
  offset?: number;
  /** Bytes to read. Default: the rest of the buffer after `offset`. */
  length?: number;
  /** File offset to read at; null, undefined or -1: the current position (which then advances). */
  position?: number | bigint | null;
}
/** FileHandle.write()'s options, as node:fs/promises'. */
export interface WriteOptions extends FsOptions {
  /** Where in the buffer the data starts. Default 0. */
  offset?: number;
  /** Bytes to write. Default: the rest of the buffer after `offset`. */
  length?: number;
  /** File offset to write at; null, undefined or -1: the current position (which then advances). */
  position?: number | bigint | null;
}
/** readFile()'s options. */
export interface ReadFileOptions extends FsOptions {
  /** Decode the contents to a string with this encoding. Default null: a Buffer. */
  encoding?: BufferEncoding | null;
}
/** writeFile()'s and appendFile()'s options. */
export interface WriteFileOptions extends FsOptions {
  /** How a string `data` is encoded. Default 'utf8'. */
  encoding?: BufferEncoding | null;
  /**
   * writeFile(path)/appendFile(path): fsync(2) the file once every byte is
   * written, before it is closed, as node:fs's. Default false. A handle's
   * writeFile checks it and leaves the syncing to `sync()`, as Node's.
   */
  flush?: boolean;
}

/**
 * An open file (as node:fs/promises' FileHandle) whose reads, writes and other
 * ops go through the ring. close() waits for the handle's ops, then closes the fd.
 */
export class FileHandle {
  #fd: number;
  /** What the handle's ops put in the SQE's fd field: the fd, or its registered slot when #fixed. */
  #target: number;
  #fixed = false;
  #table: FileTable | null = null;
  /** A web stream was made (at most one, as Node's readableWebStream). */
  #webStream = false;
  readonly #ring: Ring;
  readonly #context: ErrorContext | undefined;
  /** Ops of this handle not yet settled. */
  #pending = 0;
  #drained: (() => void) | null = null;
  #closing: Promise<void> | null = null;
  /** Where ops at the current position go. */
  readonly #position: FilePosition;
  /** The Node streams made over the handle, which close() ends first. */
  readonly #streams = new StreamHolds();
  #afterStreams: Promise<void> | null = null;
  /** What closes the fd if the handle is collected unclosed (collected-handle.ts); null on the node backend. */
  readonly #held: HeldFd | null;

  constructor(fd: number, ring: Ring, path?: string) {
    // Before the fd goes into any SQE's 32-bit field: 2 ** 32 + 1 there was fd 1, NaN or undefined fd 0.
    checkInteger(fd, 'fd', 0, 0x7fffffff);
    this.#fd = fd;
    this.#position = new FilePosition(fd);
    this.#target = fd;
    this.#ring = ring;
    this.#context = path === undefined ? undefined : { path };
    // The node backend's handle has no ring: Node's own FileHandle under it closes its fd on collection.
    this.#held = ring === undefined ? null : closeWhenCollected(this, fd);
  }

  /**
   * The fd; -1 once close() was called. Reading it moves the fd's own offset
   * to the handle's position, for code that uses the fd directly.
   */
  get fd(): number {
    if (this.#closing !== null) return -1;
    this.#position.release();
    return this.#fd;
  }

  /** The ring this handle's ops go through. */
  get ring(): Ring {
    return this.#ring;
  }

  /**
   * Registers the fd with the ring (IORING_REGISTER_FILES: a slot of the
   * ring's sparse file table, made on first use). From then on the handle's
   * ops name the slot with IOSQE_FIXED_FILE; `fd` stays the real fd, and
   * close() frees the slot and closes the fd. Returns false, and the handle
   * keeps using its fd, when the ring has no table (the kernel refused it,
   * or the table was registered by someone else) or the table is full.
   * Worth it for hot handles only: see docs/fs.md.
   */
  register(): boolean {
    if (this.#closing !== null) throw errnoException(-EBADF, 'register', this.#context);
    if (this.#fixed) return true;
    const table = fileTableOf(this.#ring);
    const slot = table === null ? -1 : table.acquire(this.#fd);
    if (slot < 0) return false;
    this.#table = table;
    this.#target = slot;
    this.#fixed = true;
    if (this.#held !== null) {
      this.#held.table = table;
      this.#held.slot = slot;
    }
    return true;
  }

  /** The handle's slot in the ring's registered file table, or -1. */
  get fileIndex(): number {
    return this.#fixed && this.#closing === null ? this.#target : -1;
  }

  /** Counts `work` as in flight until it settles, so that close() waits for it. */
  #track<T>(work: Promise<T>): Promise<T> {
    this.#pending++;
    return work.then(
      (value) => {
        this.#settled();
        return value;
      },
      (error: unknown) => {
        this.#settled();
        throw error;
      },
    );
  }

  /**
   * #track for a single op, without a promise between the op and the caller:
   * the caller gets the op's own promise, and a side reaction counts it settled.
   */
  #trackOp<T>(op: Promise<T>): Promise<T> {
    this.#pending++;
    op.then(this.#settledOnce, this.#settledOnce);
    return op;
  }

  readonly #settledOnce = (): void => this.#settled();

  #settled(): void {
    if (--this.#pending === 0 && this.#drained !== null) this.#drained();
  }

  /** An op at `at` (taken for `length` bytes) that failed moved nothing: the next one starts at `at` again. */
  #current<T>(op: Promise<T>, at: number, length: number): Promise<T> {
    if (at >= 0) op.catch(() => this.#position.settle(at, length, 0));
    return op;
  }

  /** EBADF when closed, as Node's FileHandle. */
  #closed(syscall: string): Promise<never> {
    return Promise.reject(errnoException(-EBADF, syscall));
  }

  /**
   * read(buffer, offset?, length?, position?, options?), read(buffer, options)
   * or read(options). A null position reads at the current file position.
   */
  read<T extends ArrayBufferView = Buffer>(
    buffer: T,
    offset?: number | null,
    length?: number | null,
    position?: number | bigint | null,
    options?: FsOptions,
  ): Promise<ReadResult<T>>;
  read<T extends ArrayBufferView = Buffer>(buffer: T, options?: ReadOptions<T>): Promise<ReadResult<T>>;
  read<T extends ArrayBufferView = Buffer>(options?: ReadOptions<T>): Promise<ReadResult<T>>;
  read<T extends ArrayBufferView = Buffer>(
    bufferOrOptions?: T | ReadOptions<T>,
    offsetOrOptions?: number | ReadOptions<T> | null,
    length?: number | null,
    position?: number | bigint | null,
    options?: FsOptions,
  ): Promise<ReadResult<T>> {
    // Like node:fs/promises, bad arguments reject (before any SQE) rather than throw.
    try {
      return this.#read(bufferOrOptions, offsetOrOptions, length, position, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #read<T extends ArrayBufferView>(
    bufferOrOptions: T | ReadOptions<T> | undefined,
    offsetOrOptions: number | ReadOptions<T> | null | undefined,
    length: number | null | undefined,
    position: number | bigint | null | undefined,
    options: FsOptions | undefined,
  ): Promise<ReadResult<T>> {
    const call = readCall(bufferOrOptions, offsetOrOptions, length, position, options);
    const buffer = call.buffer as T;
    const { off, len, pos, signal } = call;
    if (this.#closing !== null) return this.#closed('read');
    // Before a range is taken: a call that never starts must not move the position past bytes it did not read.
    throwIfAborted(signal);
    if (len === 0) return Promise.resolve({ bytesRead: 0, buffer });
    const at = pos < 0 ? this.#position.take(len) : pos;
    // The hot path: the result object is made by the op itself (no extra promise hop).
    // Not `this`: the settled op's promise keeps its spec, and a caller may keep that promise; the handle may go.
    const filePosition = this.#position;
    // A const, not written straight into `spec.map`: V8 allocates a function literal assigned to a
    // property in old space, and that dead closure then kept its context, `buffer` with it, alive
    // until the next mark-compact (~64 MiB of chunks under readline; docs/performance.md, "Session 21: readline").
    const map = (bytesRead: number): ReadResult<T> => {
      if (pos < 0) filePosition.settle(at, len, bytesRead);
      return { bytesRead, buffer };
    };
    const spec = readSpec(this.#target, buffer, off, len, at, this.#context, this.#fixed) as unknown as OpSpec<ReadResult<T>>;
    spec.map = map;
    return this.#trackOp(this.#current(this.#ring.submit(spec, signal === undefined ? undefined : { signal }), pos < 0 ? at : -1, len));
  }

  /**
   * write(buffer, offset?, length?, position?, options?), write(buffer, options),
   * or write(string, position?, encoding?, options?). One write(2): it may
   * write less than asked (see bytesWritten), as Node's does. writeFile() writes all.
   */
  write<T extends ArrayBufferView>(
    buffer: T,
    offset?: number | null,
    length?: number | null,
    position?: number | bigint | null,
    options?: FsOptions,
  ): Promise<WriteResult<T>>;
  write<T extends ArrayBufferView>(buffer: T, options?: WriteOptions): Promise<WriteResult<T>>;
  write(data: string, position?: number | bigint | null, encoding?: BufferEncoding | null, options?: FsOptions): Promise<WriteResult<string>>;
  write<T extends ArrayBufferView | string>(
    data: T,
    offsetOrOptions?: number | bigint | WriteOptions | null,
    lengthOrEncoding?: number | BufferEncoding | null,
    position?: number | bigint | null | FsOptions,
    options?: FsOptions,
  ): Promise<WriteResult<T>> {
    try {
      return this.#write(
        data,
        offsetOrOptions as number | WriteOptions | null | undefined,
        lengthOrEncoding,
        position as number | bigint | null | undefined,
        options,
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #write<T extends ArrayBufferView | string>(
    data: T,
    offsetOrOptions: number | WriteOptions | null | undefined,
    lengthOrEncoding: number | BufferEncoding | null | undefined,
    position: number | bigint | null | undefined,
    options: FsOptions | undefined,
  ): Promise<WriteResult<T>> {
    const { buffer, off, len, pos, signal } = writeCall(data, offsetOrOptions, lengthOrEncoding, position, options);
    if (this.#closing !== null) return this.#closed('write');
    // Before a range is taken: an aborted write left a hole of zeros before the next one.
    throwIfAborted(signal);
    if (len === 0) return Promise.resolve({ bytesWritten: 0, buffer: data });
    const at = pos < 0 ? this.#position.take(len) : pos;
    // Not `this`: the settled op's promise keeps its spec, and a caller may keep that promise; the handle may go.
    const filePosition = this.#position;
    // A const, as in #read.
    const map = (bytesWritten: number): WriteResult<T> => {
      if (pos < 0) filePosition.settle(at, len, bytesWritten);
      return { bytesWritten, buffer: data };
    };
    const spec = writeSpec(this.#target, buffer, off, len, at, this.#context, this.#fixed) as unknown as OpSpec<WriteResult<T>>;
    spec.map = map;
    return this.#trackOp(this.#current(this.#ring.submit(spec, signal === undefined ? undefined : { signal }), pos < 0 ? at : -1, len));
  }

  /**
   * READV into `buffers`, at `position` (null: the current position). Lists
   * longer than IOV_MAX go in batches, the next one only after a batch came
   * back full (a short one is the end of the file); from a pipe (or an
   * O_APPEND file, read at the kernel's position) only the first batch, a
   * short read as readv(2) may return.
   */
  async readv<T extends readonly ArrayBufferView[]>(
    buffers: T,
    position?: number | bigint | null,
    options?: FsOptions,
  ): Promise<{
    /** Bytes read, filling the buffers in order. */
    bytesRead: number;
    /** The buffers passed. */
    buffers: T;
  }> {
    return { bytesRead: await this.#vectorCall(true, buffers, position, options), buffers };
  }

  /**
   * WRITEV of all of `buffers`, at `position` (null: the current position):
   * lists longer than IOV_MAX, and what a short write left, go in further
   * WRITEVs, as libuv's writev does. An error after some bytes were written
   * resolves with their count (the next write reports it), as Node's.
   */
  async writev<T extends readonly ArrayBufferView[]>(
    buffers: T,
    position?: number | bigint | null,
    options?: FsOptions,
  ): Promise<{
    /** Bytes written, from the buffers in order. */
    bytesWritten: number;
    /** The buffers passed. */
    buffers: T;
  }> {
    return { bytesWritten: await this.#vectorCall(false, buffers, position, options), buffers };
  }

  /** readv() and writev(): checks the arguments, then runs #vectored, counted as pending. */
  #vectorCall(
    read: boolean,
    buffers: readonly ArrayBufferView[],
    position: number | bigint | null | undefined,
    options: FsOptions | undefined,
  ): Promise<number> {
    checkBuffers(buffers);
    const pos = checkPosition(position);
    const opts = checkOptions<FsOptions>(options);
    if (this.#closing !== null) return this.#closed(read ? 'read' : 'write');
    return this.#track(this.#vectored(read, buffers, pos, opts.signal));
  }

  /** READVs or WRITEVs over `buffers`, at most IOV_MAX iovecs each; resolves with the bytes moved. */
  async #vectored(read: boolean, buffers: readonly ArrayBufferView[], pos: number, signal: AbortSignal | undefined): Promise<number> {
    throwIfAborted(signal); // before a range is taken, as #read and #write
    const cursor = new IovecCursor(buffers);
    if (cursor.finished) return 0;
    const at = pos < 0 ? this.#position.take(cursor.total) : pos;
    try {
      while (!cursor.finished) {
        const batch = cursor.batch();
        const spec = vectorSpec(read, this.#target, batch, buffers, at < 0 ? -1 : at + cursor.done, this.#context, this.#fixed);
        const n = await this.#ring.submit(spec, { signal });
        cursor.advance(n);
        if (read ? n < batch.bytes : n === 0) break;
        // A pipe's next batch could wait for data that may never come (and io_uring refuses RWF_NOWAIT on a FIFO): a short read, as one readv(2).
        if (read && at < 0) break;
      }
    } catch (error) {
      if (cursor.done === 0) throw error;
    } finally {
      if (pos < 0) this.#position.settle(at, cursor.total, cursor.done);
    }
    return cursor.done;
  }

  /** STATX of the fd (AT_EMPTY_PATH); `{ bigint: true }` for BigIntStats. */
  async stat(options: StatOptions & { bigint: true }): Promise<BigIntStats>;
  async stat(options?: StatOptions & { bigint?: false }): Promise<Stats>;
  async stat(options?: StatOptions): Promise<Stats | BigIntStats>;
  async stat(options?: StatOptions): Promise<Stats | BigIntStats> {
    const opts = checkStatOptions(options);
    if (this.#closing !== null) return this.#closed('fstat');
    return this.#track(fstatFd(this.#ring, this.#fd, this.#context?.path, opts.bigint === true, opts.signal));
  }

  /** FSYNC. */
  async sync(options?: FsOptions): Promise<void> {
    const opts = checkOptions<FsOptions>(options);
    if (this.#closing !== null) return this.#closed('fsync');
    return this.#track(this.#ring.submit(fsyncSpec(this.#target, false, this.#context, this.#fixed), { signal: opts.signal }));
  }

  /** FSYNC with IORING_FSYNC_DATASYNC. */
  async datasync(options?: FsOptions): Promise<void> {
    const opts = checkOptions<FsOptions>(options);
    if (this.#closing !== null) return this.#closed('fdatasync');
    return this.#track(this.#ring.submit(fsyncSpec(this.#target, true, this.#context, this.#fixed), { signal: opts.signal }));
  }

  /**
   * FTRUNCATE (Linux 6.9+). On older kernels, which lack the op, Node's own
   * ftruncate (its thread pool) does it.
   */
  async truncate(len = 0, options?: FsOptions): Promise<void> {
    const length = checkInteger(len, 'len', 0, Number.MAX_SAFE_INTEGER);
    const opts = checkOptions<FsOptions>(options);
    if (this.#closing !== null) return this.#closed('ftruncate');
    return this.#track(truncateFd(this.#ring, this.#fd, length, { context: this.#context, signal: opts.signal, target: this.#target, fixed: this.#fixed }));
  }

  /** FALLOCATE: reserve `length` bytes from `offset` (mode: FALLOC_FL_* flags, 0 extends the file). */
  async allocate(offset: number, length: number, mode = 0, options?: FsOptions): Promise<void> {
    checkAllocation(offset, length, mode);
    const opts = checkOptions<FsOptions>(options);
    if (this.#closing !== null) return this.#closed('fallocate');
    return this.#track(this.#ring.submit(fallocateSpec(this.#target, mode, offset, length, this.#context, this.#fixed), { signal: opts.signal }));
  }

  /** fchmod(2), made on this thread: io_uring has no op for it. */
  async chmod(mode: string | number): Promise<void> {
    if (this.#closing !== null) return this.#closed('fchmod');
    fchmodNow(this.#fd, mode, this.#context);
  }

  /** fchown(2), made on this thread: io_uring has no op for it. -1 leaves an id as it is. */
  async chown(uid: number, gid: number): Promise<void> {
    if (this.#closing !== null) return this.#closed('fchown');
    fchownNow(this.#fd, uid, gid, this.#context);
  }

  /** utimensat(2) on the fd, made on this thread: io_uring has no op for it. Times as Node takes them (seconds, numeric strings, Dates). */
  async utimes(atime: TimeLike, mtime: TimeLike): Promise<void> {
    if (this.#closing !== null) return this.#closed('futime');
    futimesNow(this.#fd, atime, mtime, this.#context);
  }

  /**
   * Reads from the current position to the end of the file, and moves the
   * position there. A regular file is read up to its size at the STATX (see readWhole).
   */
  async readFile(options?: ReadFileOptions | BufferEncoding): Promise<Buffer | string> {
    const opts = typeof options === 'string' ? { encoding: options } : checkOptions<ReadFileOptions>(options);
    if (opts.encoding != null) checkEncoding(opts.encoding);
    if (this.#closing !== null) return this.#closed('read');
    const work = Promise.resolve().then(() => {
      throwIfAborted(opts.signal);
      const at = this.#position.take(0);
      // From its own position, a regular file of known size lands in one buffer (readWhole); at the
      // kernel's position (O_APPEND, pipes), chunks until a READ returns 0, one READ at a time.
      const read =
        at < 0
          ? readToEnd(this.#ring, this.#target, opts.signal, this.#context, undefined, this.#fixed, at)
          : readWhole(this.#ring, this.#fd, at, opts.signal, this.#context, this.#target, this.#fixed);
      return read.then(
        (data) => {
          this.#position.settle(at, 0, data.length);
          return data;
        },
        (error: unknown) => {
          this.#position.settle(at, 0, 0); // every range taken is settled, or the position waits for it for good
          throw error;
        },
      );
    });
    return this.#track(work).then((data) => (opts.encoding == null ? data : data.toString(opts.encoding)));
  }

  /**
   * Writes all of `data` at the current position (the end, for O_APPEND),
   * resubmitting short writes; an iterable's chunks one after another as they
   * come. A close() called meanwhile waits for the whole call, the iterable's
   * end included, as Node's.
   */
  async writeFile(data: WriteData, options?: WriteFileOptions | BufferEncoding): Promise<void> {
    const opts = typeof options === 'string' ? { encoding: options } : checkOptions<WriteFileOptions>(options);
    const checked = checkWriteFile(data, opts);
    if (this.#closing !== null) return this.#closed('write');
    const work = Promise.resolve().then(() => {
      throwIfAborted(opts.signal);
      return writeEach(data, checked, opts.signal, (view) => this.#writeWhole(view, opts.signal));
    });
    return this.#track(work);
  }

  /** Every byte of `buffer` at the current position, which moves past them. */
  async #writeWhole(buffer: ArrayBufferView, signal: AbortSignal | undefined): Promise<void> {
    const length = buffer.byteLength;
    const at = this.#position.take(length);
    const progress = { done: 0 };
    try {
      await writeAll(this.#ring, this.#target, buffer, 0, length, at, signal, this.#context, this.#fixed, progress);
    } finally {
      this.#position.settle(at, length, progress.done);
    }
  }

  /** Same as writeFile(): data is appended when the file was opened with 'a'. */
  appendFile(data: WriteData, options?: WriteFileOptions | BufferEncoding): Promise<void> {
    return this.writeFile(data, options);
  }

  /** A Node Readable over this handle (from `start`, or the current position). */
  createReadStream(options?: ReadStreamOptions): Readable {
    return createReadStream(this, options);
  }

  /** A Node Writable over this handle. */
  createWriteStream(options?: WriteStreamOptions): Writable {
    return createWriteStream(this, options);
  }

  /** The file's lines, as Node's FileHandle.readLines: node:readline over createReadStream(options). */
  readLines(options?: ReadStreamOptions): Interface {
    return readline().createInterface({ input: this.createReadStream(options), crlfDelay: Number.POSITIVE_INFINITY });
  }

  /**
   * A web ReadableStream of the file (a byte stream: BYOB readers read
   * straight into their own buffers), as Node's. At most one web stream per
   * handle, and not once close() was called (ERR_INVALID_STATE, thrown).
   */
  readableWebStream(options?: ReadableWebStreamOptions): ReadableStream<Uint8Array> {
    this.#checkWebStream();
    const stream = readableWebStream(this, options); // throws on bad options, leaving the handle free
    this.#webStream = true;
    return stream;
  }

  /** readableWebStream() under the shorter name the web streams API uses for a body's stream. */
  readableStream(options?: ReadableWebStreamOptions): ReadableStream<Uint8Array> {
    return this.readableWebStream(options);
  }

  /** A web WritableStream into the file (Node has none on FileHandle; this mirrors readableWebStream). */
  writableWebStream(options?: WritableWebStreamOptions): WritableStream<ArrayBufferView | ArrayBuffer | string> {
    this.#checkWebStream();
    const stream = writableWebStream(this, options);
    this.#webStream = true;
    return stream;
  }

  /** writableWebStream() under the shorter name, to match readableStream(). */
  writableStream(options?: WritableWebStreamOptions): WritableStream<ArrayBufferView | ArrayBuffer | string> {
    return this.writableWebStream(options);
  }

  #checkWebStream(): void {
    const reason = this.#closing !== null ? 'The FileHandle is closed' : this.#webStream ? 'The FileHandle is locked' : null;
    if (reason === null) return;
    throw invalidStateError(reason);
  }

  /** For the stream adapters: see StreamHolds. */
  [kHold](end: () => void): () => void {
    return this.#streams.hold(end);
  }

  /**
   * Waits for this handle's ops in flight, then IORING_OP_CLOSE. Calling it
   * again returns the same promise. Node streams made over the handle hold
   * it, as Node's do: they are ended first (a write stream writes all it
   * was given; a read stream is destroyed), and the handle takes calls
   * until they have let go.
   */
  close(): Promise<void> {
    if (this.#closing === null && this.#streams.held) return (this.#afterStreams ??= this.#streams.letGo().then(() => this.closeNow()));
    return this.closeNow();
  }

  /** close(), once no stream holds the handle (the node backend's handle overrides it). */
  protected closeNow(): Promise<void> {
    if (this.#closing === null && this.#held !== null) forget(this);
    this.#closing ??= (async () => {
      if (this.#pending > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      // Every op naming the slot has settled: none is queued or in the kernel.
      if (this.#fixed) {
        this.#table!.release(this.#target);
        this.#fixed = false;
        this.#target = this.#fd;
      }
      await closeFd(this.#ring, this.#fd, this.#context);
    })();
    return this.#closing;
  }

  /** close(), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
