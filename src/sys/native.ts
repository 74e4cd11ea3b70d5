// Loads layer 0, the native shim (native/ringcore.c). The npm package ships
// prebuilt binaries for linux-x64 and linux-arm64, glibc and musl
// (scripts/prebuild.mjs); a local node-gyp build (a checkout, or an install
// where no prebuilt binary matched) comes first, so a developer's fresh build
// is never shadowed by an older prebuilt one. A binary built for another
// interface than this JavaScript's (a stale build) is refused as one that
// fails to load: every member of Native is there, as declared.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { nativeMissingError } from './errors.js';

/** A uv_poll watch of one fd in Node's event loop. */
export interface Watch {
  /** Keep the process alive while the watch is open. */
  ref(): void;
  /** Let the process exit even though the watch is open. */
  unref(): void;
  /** Stop watching. Later calls do nothing. */
  close(): void;
}

/** The native shim's functions (native/ringcore.c): all of layer 0. */
export interface Native {
  /** A raw system call. Returns the result, or -errno. */
  syscall(nr: number, ...args: number[]): number;
  /** io_uring_setup(entries, params), its fd owned by the thread's teardown as own(fd) in the same call; or -errno. */
  setupRing(entries: number, params: number): number;
  /** mmap(NULL, length, RW, MAP_SHARED|MAP_POPULATE, fd, offset) as an ArrayBuffer, or -errno. */
  mmap(fd: number, offset: number, length: number): ArrayBuffer | number;
  /** Detaches and munmaps a buffer from mmap() now. Returns 0 or -EINVAL. */
  unmap(buffer: ArrayBuffer): number;
  /** The address of the first byte of a view or buffer. */
  address(view: ArrayBufferView | ArrayBuffer | SharedArrayBuffer): number;
  /** Calls `callback(status)` (with microtasks run after it) when fd is readable. Starts unreferenced. */
  watch(fd: number, callback: (status: number) => void): Watch;
  /** watch()'s contract, kept by a native thread and a threadsafe function instead of uv_poll (Bun, Deno). */
  watchThread(fd: number, callback: (status: number) => void): Watch;
  /** Closes fd when this thread's environment is torn down; a ring (with its layout, mappings and two SQEs) is quiesced first. */
  own(
    fd: number,
    ...ring: [layout: Uint32Array, sqRing: ArrayBuffer, cqRing: ArrayBuffer, sqes: ArrayBuffer, cancelSqe: Uint8Array, drainSqe: Uint8Array] | []
  ): void;
  /** close(2), forgetting fd if own() took it. Returns 0 or -errno. */
  close(fd: number): number;
  /**
   * On a libuv thread-pool thread: ftruncate(destFd, 0) when `truncate` is 1 and fchmod(destFd, mode)
   * when `mode` is not -1 (unless flags[0] is already set), ioctl(FICLONE) when `clone` is 1 (or only it, when 2),
   * then copy_file_range of `length` bytes of the source from `srcOffset` on to the destination from
   * `destOffset` on (neither fd's offset moves), stopping before its next call once flags[0] is
   * nonzero. Then `callback(copied, status, cloned, prepared)`: status 0, -errno, 1 (stopped by flags[0]) or
   * 2 (the call ran its 50 ms with bytes left: call again from where it stopped); cloned 1 (cloned),
   * -1 (the clone failed: status is its error) or 0; prepared 1 (truncated and chmod-ed as asked),
   * -1 (the ftruncate or fchmod failed: status is its error) or 0 (not asked).
   */
  copyFileRange(
    srcFd: number,
    destFd: number,
    length: number,
    clone: 0 | 1 | 2,
    flags: Int32Array,
    callback: (copied: number, status: number, cloned: number, prepared: number) => void,
    destOffset: number,
    srcOffset: number,
    truncate: 0 | 1,
    mode: number,
  ): void;
  /**
   * On a libuv thread-pool thread: a stat of `src` (libuv's), then, unless it is a regular file of size 0, libuv's
   * uv_fs_copyfile(src, dest, mode) there and then (node:fs's copyFile, as one job). Then `callback(status)`:
   * 0 (copied), -errno (libuv's error) or 1 (a regular file of size 0: nothing done). `src` and `dest` are
   * NUL-terminated; `mode` takes COPYFILE_EXCL, COPYFILE_FICLONE and COPYFILE_FICLONE_FORCE. Node only.
   */
  copyFileChecked(src: Buffer, dest: Buffer, mode: number, callback: (status: number) => void): void;
  /**
   * On a libuv thread-pool thread: splice(2) of bytes [start, end) of the file srcFd (its offset does not
   * move; the copy stops where the file ends) into the pipe pipeFd, non-blocking, waiting for room with
   * poll(2) for a few ms at most, stopping before its next splice once flags[0] is nonzero. Then
   * `callback(copied, status)`, copied counted from start: status 0, -errno, 1 (stopped by flags[0]) or 2
   * (the pipe stayed full: the thread is given back).
   */
  spliceToPipe(srcFd: number, pipeFd: number, start: number, end: number, flags: Int32Array, callback: (copied: number, status: number) => void): void;
  /**
   * A zeroed 64 KiB Buffer over the addon's pool of blocks, given back to the pool by its finalizer once
   * collected (a block finalized by its thread's tear-down stays out of the pool for good); null when the pool
   * has none free or the runtime refuses external buffers.
   */
  poolBlock(): Buffer | null;
  /** Ends the pool's window of hand-outs now: the free blocks none of it took are given back to the kernel. */
  poolTrim(): void;
  /** The pool's blocks: [handed out, free and resident, free and given back, never used]. */
  poolStats(): [out: number, free: number, givenBack: number, unused: number];
  /**
   * A count that grows whenever the process's mount table changed since the previous call on any thread
   * (poll(2) of /proc/self/mountinfo), or -1 where that cannot be told.
   */
  mountsGeneration(): number;
  /** The interface this binary was built for: native/ringcore.c's NATIVE_INTERFACE, which load() requires to be NATIVE_INTERFACE here. */
  readonly interfaceVersion: number;
}

/**
 * The interface this JavaScript calls: every member of Native, its arguments,
 * results and statuses. native/ringcore.c's NATIVE_INTERFACE must be this
 * number (test/sys/native-interface.test.ts); bump both on any change to it.
 */
export const NATIVE_INTERFACE = 1;

/**
 * The package's root: the nearest directory above this module with a
 * package.json. This module is dist/src/sys/native.js in a checkout, and part
 * of a chunk in dist/bundle/ in the package's bundled entry points. With none
 * (a copied file), this module's own directory: no candidate is found there,
 * and the error lists where it looked. Paths here are joined as strings, not
 * with path.join: this is often the process's first path.join, which on
 * Node 24 and 26 cost 1 to 1.6 ms (docs/performance.md, "Import cost",
 * session 20).
 */
function findPackageRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = path.dirname(dir)) {
    if (existsSync(`${dir}/package.json`)) return dir;
    if (path.dirname(dir) === dir) return here;
  }
}

/** The C library this process runs on: the one mapped into it, else what Node's report says. */
function runningLibc(): 'glibc' | 'musl' {
  try {
    const maps = readFileSync('/proc/self/maps', 'latin1');
    if (/\/ld-musl-[^/\s]+$|\/libc\.musl-[^/\s]+$|-linux-musl\/libc\.so$/m.test(maps)) return 'musl';
    if (/\/libc\.so\.6$/m.test(maps)) return 'glibc';
  } catch {
    // No /proc: ask the report below.
  }
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header !== undefined && header.glibcVersionRuntime === undefined ? 'musl' : 'glibc';
}

/**
 * Where a binary for this process may be, best first. Lazily: the prebuilt
 * one's name needs the libc, and finding it out reads /proc/self/maps, a cost
 * every import would pay although a local build is usually there.
 */
function* nativeCandidates(): Generator<string> {
  const packageRoot = findPackageRoot();
  yield `${packageRoot}/build/Release/ringcore.node`;
  yield `${packageRoot}/build/Debug/ringcore.node`;
  const libc = process.platform === 'linux' && runningLibc() === 'musl' ? '-musl' : '';
  yield `${packageRoot}/prebuilds/${process.platform}-${process.arch}${libc}/ringcore.node`;
}

/**
 * The first candidate that loads and was built for this JavaScript's interface: a foreign build that fails to
 * load, or a stale one built for another interface, gives way to the next.
 */
function load(): { native: Native; file: string } {
  const tried: string[] = [];
  for (const file of nativeCandidates()) {
    if (!existsSync(file)) {
      tried.push(`${file} (absent)`);
      continue;
    }
    const module = { exports: {} as Partial<Native> };
    try {
      // What require() does for a .node file, without the CommonJS loader's resolution around it (about 1.5 ms).
      process.dlopen(module, file);
    } catch (error) {
      tried.push(`${file} (${(error as Error).message.split('\n')[0]})`);
      continue;
    }
    const built = module.exports.interfaceVersion;
    if (built === NATIVE_INTERFACE) return { native: module.exports as Native, file };
    const which = built === undefined ? 'built before interface numbers' : `built for interface ${built}`;
    tried.push(`${file} (${which}, this JavaScript needs ${NATIVE_INTERFACE}: a stale build)`);
  }
  throw nativeMissingError(tried);
}

let loadedFile: string | undefined;

/**
 * Loads the addon into `native`, once: its members become `native`'s own
 * properties and the stand-in prototype that loaded them is dropped, so every
 * later read is a plain property read. Returns the binary in use
 * (.ci/arm64-qemu checks that the prebuilt one for the platform is the one
 * loaded). Throws ERR_RINGCORE_NATIVE_MISSING, on every call until one loads.
 */
export function loadNative(): string {
  if (loadedFile !== undefined) return loadedFile;
  const loaded = load();
  for (const name of Object.getOwnPropertyNames(loaded.native)) {
    Object.defineProperty(native, name, Object.getOwnPropertyDescriptor(loaded.native, name)!);
  }
  Object.setPrototypeOf(native, Object.prototype);
  return (loadedFile = loaded.file);
}

/**
 * The shim, loaded by the first read of any of its members rather than at
 * import: the package root's lookup, the binary's checks and its dlopen were
 * about 1 ms of every import (docs/performance.md, "Session 23: import cost").
 * Until then its prototype is a proxy whose only trap loads the addon.
 */
export const native: Native = Object.create(
  new Proxy(
    {},
    {
      get(_target, name) {
        loadNative();
        return Reflect.get(native, name);
      },
    },
  ),
);
