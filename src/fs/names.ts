// Ops on names rather than open files: rename (RENAMEAT), unlink (UNLINKAT),
// symlink (SYMLINKAT), link (LINKAT). Each pins its path buffers until its CQE.
// A kernel without the opcode (RENAMEAT and UNLINKAT came in 5.11, SYMLINKAT
// and LINKAT in 5.15; Debian's 5.10 has the first two) gets node:fs's call,
// as the node backend does, rather than the kernel's EINVAL.
import { usesNode } from '../backend/backend.js';
import { nodeFs } from '../fallback/load-fs.js';
import * as C from '../sys/constants.js';
import { addressOf } from '../sys/memory.js';
import type { OpSpec } from '../op/op.js';
import type { IoUring } from '../ring/io-uring.js';
import { checkOptions, ringOf, type FsOptions } from './options.js';
import { toCPath, type PathLike } from './path.js';

const done = () => undefined;

/** Renames `oldPath` to `newPath` (IORING_OP_RENAMEAT), replacing a file already there. */
export function rename(oldPath: PathLike, newPath: PathLike, options?: FsOptions): Promise<void> {
  return twoPaths('rename', C.IORING_OP_RENAMEAT, oldPath, 'oldPath', newPath, 'newPath', options, (uring, sqe, from, to) =>
    uring.prepRenameat(sqe, C.AT_FDCWD, from, C.AT_FDCWD, to, 0),
  );
}

/** An op on two paths (rename, link): both pinned until its CQE, both named in its errors. */
async function twoPaths(
  syscall: string,
  opcode: number,
  first: PathLike,
  firstName: string,
  second: PathLike,
  secondName: string,
  options: FsOptions | undefined,
  prep: (uring: IoUring, sqe: number, from: number, to: number) => void,
): Promise<void> {
  const from = toCPath(first, firstName);
  const to = toCPath(second, secondName);
  const o = checkOptions<FsOptions>(options);
  if (usesNode() || !ringOf(o).supports(opcode)) return (await nodeFs()).twoPaths(syscall, first, second, o);
  const spec: OpSpec<void> = {
    syscall,
    prep: (uring, sqe) => prep(uring, sqe, addressOf(from.bytes), addressOf(to.bytes)),
    pin: [from.bytes, to.bytes],
    context: { path: from.text, dest: to.text },
    map: done,
  };
  return ringOf(o).submit(spec, { signal: o.signal });
}

/** UNLINKAT; with `removeDir`, AT_REMOVEDIR (rmdir). */
export function unlinkSpec(path: { bytes: Buffer; text: string }, removeDir: boolean): OpSpec<void> {
  return {
    syscall: removeDir ? 'rmdir' : 'unlink',
    prep: (uring, sqe) => uring.prepUnlinkat(sqe, C.AT_FDCWD, addressOf(path.bytes), removeDir ? C.AT_REMOVEDIR : 0),
    pin: path.bytes,
    context: { path: path.text },
    map: done,
  };
}

/** Removes a file or symlink (IORING_OP_UNLINKAT). */
export async function unlink(path: PathLike, options?: FsOptions): Promise<void> {
  const p = toCPath(path);
  const o = checkOptions<FsOptions>(options);
  if (usesNode() || !ringOf(o).supports(C.IORING_OP_UNLINKAT)) return (await nodeFs()).unlink(path, o);
  return ringOf(o).submit(unlinkSpec(p, false), { signal: o.signal });
}

/** symlink(target, path): `type` is accepted for Node compatibility and ignored (Windows only). */
export async function symlink(target: PathLike, path: PathLike, type?: string | null, options?: FsOptions): Promise<void> {
  const t = toCPath(target, 'target');
  const p = toCPath(path);
  void type;
  const o = checkOptions<FsOptions>(options);
  if (usesNode() || !ringOf(o).supports(C.IORING_OP_SYMLINKAT)) return (await nodeFs()).symlink(target, path, o);
  const spec: OpSpec<void> = {
    syscall: 'symlink',
    prep: (uring, sqe) => uring.prepSymlinkat(sqe, addressOf(t.bytes), C.AT_FDCWD, addressOf(p.bytes)),
    pin: [t.bytes, p.bytes],
    context: { path: t.text, dest: p.text },
    map: done,
  };
  return ringOf(o).submit(spec, { signal: o.signal });
}

/** A hard link `newPath` to `existingPath`. */
export function link(existingPath: PathLike, newPath: PathLike, options?: FsOptions): Promise<void> {
  return twoPaths('link', C.IORING_OP_LINKAT, existingPath, 'existingPath', newPath, 'newPath', options, (uring, sqe, from, to) =>
    uring.prepLinkat(sqe, C.AT_FDCWD, from, C.AT_FDCWD, to, 0),
  );
}
