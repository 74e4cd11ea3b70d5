// ringcore/fs on the node backend: each function is node:fs/promises' own,
// and open() gives a FileHandle whose methods are those of Node's FileHandle.
// Node's errors already have the shape ringcore's do (code, errno, syscall,
// path, dest). A `signal` stops a call that has not started; readFile and
// writeFile pass it on to Node, which checks it between chunks.
import type * as Fs from 'node:fs';
import type * as Fsp from 'node:fs/promises';
import type { ReadableStream, WritableStream } from 'node:stream/web';
import type { Dirent, BigIntStats as NodeBigIntStats, Stats as NodeStats } from 'node:fs';
import type { Ring } from '../driver/ring.js';
import { ioUringRequired } from '../backend/backend.js';
import { errnoException, invalidStateError, type ErrorContext } from '../sys/errors.js';
import { native } from '../sys/native.js';
import { SYS_fallocate, SYS_lseek } from '../sys/syscalls.js';
import { SEEK_CUR } from '../sys/constants.js';
import { IOV_MAX } from '../sys/iovec.js';
import { lazyBuiltin } from '../sys/builtins.js';
import type { MkdirOptions, RmOptions } from '../fs/directory.js';
import { BigIntStats } from '../fs/bigint-stats.js';
import { FileHandle, type ReadFileOptions, type WriteFileOptions } from '../fs/file-handle.js';
import type { OpenOptions } from '../fs/open.js';
import type { FsOptions } from '../fs/options.js';
import { checkOptions, throwIfAborted } from '../fs/options.js';
import type { PathLike } from '../fs/path.js';
import { checkStatOptions, Stats, type StatOptions } from '../fs/stat.js';
import { readCall, writeCall, type IoCall } from '../fs/io-call.js';
import { checkAllocation, checkBuffers, checkEncoding, checkInteger, checkPosition } from '../fs/args.js';
import type { ReadableWebStreamOptions, WritableWebStreamOptions } from '../fs/web-streams.js';
import { checkWriteFile, type WriteData } from '../fs/write-data.js';
import { EBADF, EISDIR } from '../sys/errno.js';

// Loaded on first use: the fs layer's bundle holds this module, and io_uring programs never call it.
const fsp = lazyBuiltin<typeof Fsp>('node:fs/promises');
// The callback API where it costs less CPU than the promise one: Node 20's fs/promises readFile is an
// async loop (open, fstat, reads, close, each awaited), its FileHandle.read two async functions deep
// (docs/performance.md, "Session 11: node backend").
const fsCallbacks = lazyBuiltin<typeof Fs>('node:fs');

type Args = unknown[];

/** A read's or write's arguments checked as on io_uring, or the rejection. */
function ioCall(parse: typeof readCall, args: Args): IoCall | Promise<never> {
  try {
    return parse(args[0], args[1], args[2], args[3], args[4]);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The other arguments of a call checked as on io_uring, before whether the
 * handle is closed is asked (a bad argument rejects with its TypeError or
 * RangeError on a closed handle too), and as a rejection, never a throw.
 */
function argsError(check: () => void): Promise<never> | null {
  try {
    check();
    return null;
  } catch (error) {
    return Promise.reject(error);
  }
}

/** A readv/writev position and buffers checked as on io_uring (Node takes -2 or 1.5 as the current one): Node's form (undefined: the current one), or the rejection. */
function positionOf(position: unknown, buffers: unknown, options: unknown): number | undefined | Promise<never> {
  try {
    checkBuffers(buffers);
    checkOptions(options);
    const at = checkPosition(position);
    return at < 0 ? undefined : at;
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * readv into more than IOV_MAX buffers, which Node's own reads only the first
 * IOV_MAX of (libuv caps the list): READVs of IOV_MAX buffers each, as on
 * io_uring (FileHandle.#vectored). A short step ends the call, as a short
 * readv(2) does; at the current position only a seekable file goes past the
 * first step (the next step from a pipe could wait for bytes that never
 * come). An error after some bytes resolves with their count.
 */
async function readvInSteps(fh: Fsp.FileHandle, buffers: NodeJS.ArrayBufferView[], position: number | undefined): Promise<number> {
  let done = 0;
  for (let first = 0; first < buffers.length; first += IOV_MAX) {
    const step = buffers.slice(first, first + IOV_MAX);
    const room = step.reduce((sum, b) => sum + b.byteLength, 0);
    let n: number;
    try {
      ({ bytesRead: n } = await fh.readv(step, position === undefined ? undefined : position + done));
    } catch (error) {
      if (done === 0) throw error;
      break;
    }
    done += n;
    if (n < room || (position === undefined && native.syscall(SYS_lseek, fh.fd, 0, SEEK_CUR) < 0)) break;
  }
  return done;
}

/** ringcore's Stats (or BigIntStats) from Node's: one class whichever backend made it. */
function toStats(s: NodeStats | NodeBigIntStats): Stats | BigIntStats {
  if (typeof s.dev === 'bigint') {
    const b = s as NodeBigIntStats;
    return new BigIntStats(b.dev, b.mode, b.nlink, b.uid, b.gid, b.rdev, b.blksize, b.ino, b.size, b.blocks, b.atimeNs, b.mtimeNs, b.ctimeNs, b.birthtimeNs);
  }
  const n = s as NodeStats;
  return new Stats(n.dev, n.mode, n.nlink, n.uid, n.gid, n.rdev, n.blksize, n.ino, n.size, n.blocks, n.atimeMs, n.mtimeMs, n.ctimeMs, n.birthtimeMs);
}

/**
 * Node's error for a call on an fd names no path; ringcore's do (the
 * handle's path, or the module function's path and dest). Errors that
 * already carry a path, and library errors, pass unchanged.
 */
function withContext(error: unknown, context: ErrorContext | undefined): unknown {
  const e = error as NodeJS.ErrnoException;
  if (context === undefined || typeof e?.errno !== 'number' || typeof e.syscall !== 'string' || e.path !== undefined) return error;
  return errnoException(e.errno, e.syscall, context);
}

/**
 * A FileHandle whose I/O is Node's FileHandle's. As the io_uring one: from
 * the moment close() is called, fd is -1 and new calls reject with EBADF,
 * while the calls already started complete (Node's close waits for them).
 * Streams and web streams are FileHandle's own, over read() and write().
 */
export class NodeFileHandle extends FileHandle {
  readonly #fh: Fsp.FileHandle;
  readonly #context: ErrorContext | undefined;
  #closing: Promise<void> | null = null;
  /** The last write: writes run one after another, so that writes at the current position land in call order, as on io_uring. */
  #writes: Promise<unknown> = Promise.resolve();
  /** read()s in flight: made with fs.read on the fd, Node's FileHandle does not count them, so close() waits for them here. */
  #reads = 0;
  /** Called when the last read in flight is over (set by a close() that waits for them). */
  #readsOver: (() => void) | null = null;

  constructor(fh: Fsp.FileHandle, path?: string) {
    super(fh.fd, undefined as unknown as Ring, path);
    this.#fh = fh;
    this.#context = path === undefined ? undefined : { path };
  }

  /**
   * #run, after every write started before this one has finished. Whether
   * the handle is closed is asked now, not when its turn comes: a write made
   * before close() is written (close() waits for it), as on io_uring and
   * with Node's own FileHandle; it used to fail with EBADF, unseen when not awaited.
   */
  #write<T>(signal: AbortSignal | undefined, work: (fh: Fsp.FileHandle) => Promise<T>, syscall = 'write'): Promise<T> {
    if (this.#closing !== null) return Promise.reject(errnoException(-EBADF, syscall));
    const done = this.#writes.then(() => this.#run(syscall, signal, work, true));
    this.#writes = done.catch(() => {});
    return done;
  }

  /** Runs `work` on Node's handle, unless #checkStart refuses; errors get the handle's path. */
  #run<T>(syscall: string, signal: AbortSignal | undefined, work: (fh: Fsp.FileHandle) => Promise<T>, queued = false): Promise<T> {
    try {
      this.#checkStart(syscall, signal, queued);
      return work(this.#fh).catch((error: unknown) => {
        throw withContext(error, this.#context);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Throws unless a call may start: EBADF once closing (not asked again for a write already queued), AbortError once aborted. */
  #checkStart(syscall: string, signal: AbortSignal | undefined, queued = false): void {
    if (this.#closing !== null && !queued) throw errnoException(-EBADF, syscall);
    throwIfAborted(signal);
  }

  override get fd(): number {
    return this.#closing === null ? this.#fh.fd : -1;
  }

  override get ring(): Ring {
    throw ioUringRequired('FileHandle.ring');
  }

  override register(): boolean {
    throw ioUringRequired('a registered file (FileHandle.register(), { fixed: true })');
  }

  override get fileIndex(): number {
    return -1;
  }

  /**
   * fs.read on the handle's fd: one promise, where Node's FileHandle.read
   * makes five. Checked as on io_uring before Node sees them: Node 20 aborts
   * the process on a length of 1.5.
   */
  override read(...args: Args): Promise<never> {
    const call = ioCall(readCall, args);
    if (call instanceof Promise) return call;
    const { buffer, off, len, pos, signal } = call;
    try {
      this.#checkStart('read', signal);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#reads++;
    return new Promise((resolve, reject) => {
      try {
        fsCallbacks().read(this.#fh.fd, buffer as NodeJS.ArrayBufferView, off, len, pos < 0 ? null : pos, (error, bytesRead) => {
          this.#readOver();
          if (error === null) resolve({ bytesRead, buffer } as never);
          else reject(withContext(error, this.#context));
        });
      } catch (error) {
        // Refused before it started (a 2 GiB length was): counted all the same, it held close() for ever.
        this.#readOver();
        reject(error);
      }
    });
  }

  /** A read() is over: close() may go on once none is left. */
  #readOver(): void {
    if (--this.#reads === 0) this.#readsOver?.();
  }

  override write(...args: Args): Promise<never> {
    const call = ioCall(writeCall, args);
    if (call instanceof Promise) return call;
    const { buffer, off, len, pos, signal } = call;
    const data = args[0];
    return this.#write(signal, async (fh) => {
      const { bytesWritten } = await fh.write(buffer as NodeJS.ArrayBufferView, off, len, pos < 0 ? null : pos);
      return { bytesWritten, buffer: data } as never;
    });
  }

  override readv<T extends readonly ArrayBufferView[]>(
    buffers: T,
    position?: number | bigint | null,
    options?: FsOptions,
  ): Promise<{ bytesRead: number; buffers: T }> {
    const at = positionOf(position, buffers, options);
    if (at instanceof Promise) return at;
    const views = buffers as unknown as NodeJS.ArrayBufferView[];
    // No buffers: 0 bytes, as on io_uring (readv(2) of no iovecs is EINVAL).
    if (views.length === 0) return this.#run('read', options?.signal, async () => ({ bytesRead: 0, buffers }));
    if (views.length <= IOV_MAX)
      return this.#run('read', options?.signal, (fh) => fh.readv(views, at) as unknown as Promise<{ bytesRead: number; buffers: T }>);
    // Queued as a write is, so that close() waits for its later steps (it waits only for the Node calls in flight).
    return this.#write(options?.signal, async (fh) => ({ bytesRead: await readvInSteps(fh, views, at), buffers }), 'read');
  }

  override writev<T extends readonly ArrayBufferView[]>(
    buffers: T,
    position?: number | bigint | null,
    options?: FsOptions,
  ): Promise<{ bytesWritten: number; buffers: T }> {
    const at = positionOf(position, buffers, options);
    if (at instanceof Promise) return at;
    return this.#write(
      options?.signal,
      (fh) => fh.writev(buffers as unknown as NodeJS.ArrayBufferView[], at) as unknown as Promise<{ bytesWritten: number; buffers: T }>,
    );
  }

  override stat(options?: StatOptions): Promise<never> {
    let opts: StatOptions = {};
    const bad = argsError(() => (opts = checkStatOptions(options)));
    if (bad !== null) return bad;
    return this.#run('fstat', opts.signal, async (fh) => toStats(await fh.stat({ bigint: opts.bigint === true })) as never);
  }

  override sync(options?: FsOptions): Promise<void> {
    const bad = argsError(() => checkOptions(options));
    if (bad !== null) return bad;
    return this.#run('fsync', options?.signal, (fh) => fh.sync());
  }

  override datasync(options?: FsOptions): Promise<void> {
    const bad = argsError(() => checkOptions(options));
    if (bad !== null) return bad;
    return this.#run('fdatasync', options?.signal, (fh) => fh.datasync());
  }

  override truncate(len = 0, options?: FsOptions): Promise<void> {
    const bad = argsError(() => {
      checkInteger(len, 'len', 0, Number.MAX_SAFE_INTEGER);
      checkOptions(options);
    });
    if (bad !== null) return bad;
    return this.#run('ftruncate', options?.signal, (fh) => fh.truncate(len));
  }

  override chmod(mode: string | number): Promise<void> {
    return this.#run('fchmod', undefined, (fh) => fh.chmod(mode));
  }

  override chown(uid: number, gid: number): Promise<void> {
    return this.#run('fchown', undefined, (fh) => fh.chown(uid, gid));
  }

  override utimes(atime: Fs.TimeLike, mtime: Fs.TimeLike): Promise<void> {
    return this.#run('futime', undefined, (fh) => fh.utimes(atime, mtime));
  }

  /** fallocate(2) called directly (Node has none): it blocks this thread while the file system reserves the blocks. */
  override allocate(offset: number, length: number, mode = 0, options?: FsOptions): Promise<void> {
    try {
      checkAllocation(offset, length, mode);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#run('fallocate', options?.signal, async (fh) => {
      const res = native.syscall(SYS_fallocate, fh.fd, mode, offset, length);
      if (res < 0) throw errnoException(res, 'fallocate');
    });
  }

  override readFile(options?: ReadFileOptions | BufferEncoding): Promise<never> {
    const bad = argsError(() => {
      const opts = typeof options === 'string' ? { encoding: options } : checkOptions<ReadFileOptions>(options);
      if (opts.encoding != null) checkEncoding(opts.encoding);
    });
    if (bad !== null) return bad;
    const signal = typeof options === 'object' ? options?.signal : undefined;
    return this.#run('read', signal, (fh) => fh.readFile(options as never) as Promise<never>);
  }

  override writeFile(data: WriteData, options?: WriteFileOptions | BufferEncoding): Promise<void> {
    const bad = argsError(() => {
      checkWriteFile(data, typeof options === 'string' ? { encoding: options } : checkOptions<WriteFileOptions>(options));
    });
    if (bad !== null) return bad;
    const signal = typeof options === 'object' ? options?.signal : undefined;
    return this.#write(signal, (fh) => fh.writeFile(data as never, options as never));
  }

  #checkOpen(): void {
    if (this.#closing === null) return;
    throw invalidStateError('The FileHandle is closed');
  }

  override readableWebStream(options?: ReadableWebStreamOptions): ReadableStream<Uint8Array> {
    this.#checkOpen();
    return super.readableWebStream(options);
  }

  override writableWebStream(options?: WritableWebStreamOptions): WritableStream<ArrayBufferView | ArrayBuffer | string> {
    this.#checkOpen();
    return super.writableWebStream(options);
  }

  protected override closeNow(): Promise<void> {
    // After the writes queued before it and the reads in flight (Node's close waits only for the calls of its FileHandle).
    this.#closing ??= this.#writes.then(() => this.#readsDone()).then(() => this.#fh.close());
    return this.#closing;
  }

  #readsDone(): Promise<void> | undefined {
    if (this.#reads === 0) return undefined;
    return new Promise<void>((resolve) => {
      this.#readsOver = resolve;
    });
  }
}

export async function open(path: PathLike, flags: string | number, mode: number | string, options: OpenOptions): Promise<FileHandle> {
  throwIfAborted(options.signal);
  if (options.fixed === true) throw ioUringRequired('open(…, { fixed: true }) (a registered file)');
  return new NodeFileHandle(await fsp().open(path, flags, mode), typeof path === 'string' ? path : undefined);
}

export async function stat(path: PathLike, options: StatOptions, lstat: boolean): Promise<never> {
  throwIfAborted(options.signal);
  const bigint = options.bigint === true;
  return toStats(await (lstat ? fsp().lstat(path, { bigint }) : fsp().stat(path, { bigint }))) as never;
}

/** A Node call that takes no signal: the signal is checked before it starts. */
export async function call<T>(signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  throwIfAborted(signal);
  return work();
}

/** A module function's Node call, its errors given ringcore's path (and dest). */
function named<T>(work: Promise<T>, context: ErrorContext | undefined): Promise<T> {
  return work.catch((error: unknown) => {
    throw withContext(error, context);
  });
}

const textOf = (path: PathLike): string | undefined => (typeof path === 'string' ? path : undefined);
const contextOf = (path: PathLike): ErrorContext | undefined => (typeof path === 'string' ? { path } : undefined);

/** fs.readFile's callback form: a third of the CPU of fs/promises' for a small file. A number is no path here (fs.readFile would read that fd): fs/promises' TypeError. */
export function readFile(path: PathLike, options: object): Promise<never> {
  if (typeof path !== 'string' && !(path instanceof URL) && !Buffer.isBuffer(path)) return fsp().readFile(path, options) as Promise<never>;
  return new Promise((resolve, reject) => {
    fsCallbacks().readFile(path, options, (error, data) => (error === null ? resolve(data as never) : reject(withContext(error, contextOf(path)))));
  });
}

export function writeFile(path: PathLike, data: WriteData, options: object): Promise<void> {
  return named(fsp().writeFile(path, data as never, options), contextOf(path));
}

/**
 * Node's copyFile (libuv: copy_file_range). `method` and `registered` choose
 * how io_uring copies, and io_uring too copies without registered buffers
 * when it cannot have them: both are ignored here.
 */
export async function copyFile(src: PathLike, dest: PathLike, mode: number, options: FsOptions): Promise<void> {
  throwIfAborted(options.signal);
  const path = textOf(src);
  const dest2 = textOf(dest);
  const context = path === undefined || dest2 === undefined ? undefined : { path, dest: dest2 };
  await named(fsp().copyFile(src, dest, mode), context);
  // libuv copies the size it stats: nothing of a regular file of size 0 that has bytes all the same (a /proc
  // file). Read it until a read returns 0, as the io_uring copy does.
  const copied = await named(fsp().stat(dest), context);
  if (copied.size > 0 || !copied.isFile()) return;
  const data = await named(fsp().readFile(src), context);
  if (data.length > 0) await named(fsp().writeFile(dest, data), context);
}

export function readdir(path: PathLike, options: object | undefined): Promise<string[] | Dirent[]> {
  return call((options as FsOptions | undefined)?.signal, () => fsp().readdir(path, options as { withFileTypes: true }));
}

/** rename or link. */
export function twoPaths(syscall: string, first: PathLike, second: PathLike, options: FsOptions): Promise<void> {
  return call(options.signal, () => (syscall === 'link' ? fsp().link(first, second) : fsp().rename(first, second)));
}

export function unlink(path: PathLike, options: FsOptions): Promise<void> {
  return call(options.signal, () => fsp().unlink(path));
}

export function rmdir(path: PathLike, options: FsOptions): Promise<void> {
  return call(options.signal, () => fsp().rmdir(path));
}

export function symlink(target: PathLike, path: PathLike, options: FsOptions): Promise<void> {
  return call(options.signal, () => fsp().symlink(target, path));
}

export function mkdir(path: PathLike, mode: number, options: MkdirOptions): Promise<string | undefined> {
  return call(options.signal, () => fsp().mkdir(path, { mode, recursive: options.recursive === true }));
}

/** Node's rm, except that a directory without `recursive` is EISDIR with errno and syscall, as ringcore's rm gives it. */
export async function rm(path: PathLike, options: RmOptions): Promise<void> {
  throwIfAborted(options.signal);
  if (options.recursive !== true) {
    const stats = await fsp()
      .lstat(path)
      .catch((error: { code?: string }) => {
        if (options.force === true && error.code === 'ENOENT') return null;
        throw error;
      });
    if (stats?.isDirectory()) throw errnoException(-EISDIR, 'rm', { path: String(path) });
  }
  await fsp().rm(path, { recursive: options.recursive === true, force: options.force === true });
}
