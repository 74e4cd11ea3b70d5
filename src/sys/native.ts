// Loads layer 0, the native shim (native/ringcore.c). A prebuilt binary in
// prebuilds/<platform>-<arch>/ is preferred; otherwise the one node-gyp built
// on `npm install`.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** A uv_poll watch of one fd in Node's event loop. */
export interface Watch {
  /** Keep the process alive while the watch is open. */
  ref(): void;
  /** Let the process exit even though the watch is open. */
  unref(): void;
  /** Stop watching. Later calls do nothing. */
  close(): void;
}

export interface Native {
  /** A raw system call. Returns the result, or -errno. */
  syscall(nr: number, ...args: number[]): number;
  /** mmap(NULL, length, RW, MAP_SHARED|MAP_POPULATE, fd, offset) as an ArrayBuffer, or -errno. */
  mmap(fd: number, offset: number, length: number): ArrayBuffer | number;
  /** Detaches and munmaps a buffer from mmap() now. Returns 0 or -EINVAL. */
  unmap(buffer: ArrayBuffer): number;
  /** The address of the first byte of a view or buffer. */
  address(view: ArrayBufferView | ArrayBuffer | SharedArrayBuffer): number;
  /** Calls `callback(status)` (with microtasks run after it) when fd is readable. Starts unreferenced. */
  watch(fd: number, callback: (status: number) => void): Watch;
}

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function locate(): string {
  const candidates = [
    path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, 'ringcore.node'),
    path.join(packageRoot, 'build', 'Release', 'ringcore.node'),
    path.join(packageRoot, 'build', 'Debug', 'ringcore.node'),
  ];
  const found = candidates.find((file) => existsSync(file));
  if (found === undefined) {
    const error = new Error(
      `ringcore: the native addon is missing (looked in ${candidates.join(', ')}). ` +
        'Run `npm install` (it builds the addon with node-gyp; needs python3, make and a C compiler).',
    ) as NodeJS.ErrnoException;
    error.code = 'ERR_RINGCORE_NATIVE_MISSING';
    throw error;
  }
  return found;
}

export const native: Native = createRequire(import.meta.url)(locate()) as Native;
