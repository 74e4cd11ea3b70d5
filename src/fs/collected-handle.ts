// A FileHandle dropped without close() would keep its fd (and its slot in a
// registered file table) for the life of the process. As Node's FileHandle
// does, the fd is closed when the handle is garbage-collected, with a
// process warning naming it. The registry holds only what the close needs
// (the fd, the slot), never the handle: the handle itself is the
// unregister token, held weakly. A handle cannot be collected while one of
// its ops is in the kernel: each op's settle reaction refers to it, and the
// ring holds the op (test/fs/collected-handle.test.ts checks this).
import { native } from '../sys/native.js';
import { SYS_close } from '../sys/syscalls.js';
import type { FileTable } from './file-table.js';

/** What closing a collected handle's fd needs. */
export interface HeldFd {
  readonly fd: number;
  /** The registered file table slot the handle holds, or null. */
  table: FileTable | null;
  slot: number;
}

function closeCollected(held: HeldFd): void {
  if (held.table !== null) held.table.release(held.slot);
  native.syscall(SYS_close, held.fd);
  // Node's words, so that whoever looks for a leaked handle finds it the same way.
  process.emitWarning(`Closing file descriptor ${held.fd} on garbage collection`);
}

const registry = new FinalizationRegistry<HeldFd>(closeCollected);

/** Closes `fd` once `handle` is collected, unless forget() was called first. The returned record follows its slot. */
export function closeWhenCollected(handle: object, fd: number): HeldFd {
  const held: HeldFd = { fd, table: null, slot: -1 };
  registry.register(handle, held, handle);
  return held;
}

/** The handle closes its fd itself (close() was called): the fd is never closed twice. */
export function forget(handle: object): void {
  registry.unregister(handle);
}
