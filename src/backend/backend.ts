// Which backend performs this thread's I/O: io_uring, or Node's own fs, net
// and timers when io_uring_setup is refused (a container's seccomp profile,
// kernel.io_uring_disabled, gVisor, qemu-user). Decided once per thread, on
// first use, by one io_uring_setup of a 1-entry ring (closed at once).
// Under Node's permission model (--permission, with --allow-addons) it is the
// fallback too: io_uring would open files and sockets past the model's checks,
// node:fs and node:net make them. RINGCORE_BACKEND=node forces the fallback; RINGCORE_BACKEND=io_uring
// forbids it (ring setup errors are then thrown as they are).
import type * as WorkerThreads from 'node:worker_threads';
import { lazyBuiltin } from '../sys/builtins.js';
import { errnoName, RingcoreError } from '../sys/errors.js';
import { PARAMS } from '../sys/layout.js';
import { addressOf } from '../sys/memory.js';
import { loadNative, native } from '../sys/native.js';
import { setupError } from '../sys/setup-error.js';
import { permissionModel } from '../sys/runtime.js';

// Only the fallback's warning asks which thread this is; node:worker_threads loads node:stream.
const workerThreads = lazyBuiltin<typeof WorkerThreads>('node:worker_threads');

/** Which backend does this thread's I/O: the kernel ring, or Node's own fs, net and timers (the fallback). */
export type BackendName = 'io_uring' | 'node';

/** The warning's code, for process.on('warning') and --disable-warning. */
const FALLBACK_WARNING = 'RINGCORE_FALLBACK';

let chosen: BackendName | null = null;
/** Why io_uring is not used: the setup error, or the RINGCORE_BACKEND setting. */
let refusal: RingcoreError | null = null;
/** The same in a few words, for the messages of io_uring-only APIs ("io_uring_setup failed with EPERM"). */
let refusalBrief = '';

/** 'io_uring', or 'node' when this thread performs I/O through Node's fs, net and timers. */
export function backend(): BackendName {
  return chosen ?? decide();
}

/** True when this thread uses the fallback: the handles' entry points dispatch on it. */
export function usesNode(): boolean {
  return (chosen ?? decide()) === 'node';
}

/** Why the fallback is in use (null under io_uring). */
export function fallbackCause(): RingcoreError | null {
  backend();
  return refusal;
}

function decide(): BackendName {
  // The addon is loaded on first use, not at import: this thread's first I/O is where a missing one throws, whichever backend.
  loadNative();
  const setting = process.env.RINGCORE_BACKEND ?? '';
  if (setting === 'io_uring') return (chosen = 'io_uring');
  if (setting === 'node') {
    refusalBrief = 'RINGCORE_BACKEND=node is set';
    refusal = new RingcoreError('ERR_RINGCORE_SETUP', `ringcore: ${refusalBrief}`);
    return (chosen = 'node');
  }
  if (setting !== '' && setting !== 'auto') {
    throw new RingcoreError('ERR_RINGCORE_UNSUPPORTED', `ringcore: RINGCORE_BACKEND must be 'io_uring', 'node' or 'auto', not '${setting}'`);
  }
  if (permissionModel()) {
    refusalBrief = "Node's permission model is on, and io_uring would open files and sockets past its checks";
    refusal = new RingcoreError('ERR_RINGCORE_SETUP', `ringcore: ${refusalBrief} (RINGCORE_BACKEND=io_uring opts out of them)`);
    warn(refusal);
    return (chosen = 'node');
  }
  // setupRing owns the fd in the same call and close() forgets it: a worker terminated between the two leaks nothing.
  const params = new Uint32Array(PARAMS.size / 4);
  const fd = native.setupRing(1, addressOf(params));
  if (fd >= 0) {
    native.close(fd);
    return (chosen = 'io_uring');
  }
  refusal = setupError(fd, 1);
  refusalBrief = `io_uring is not available: io_uring_setup failed with ${errnoName(fd)}`;
  warn(refusal);
  return (chosen = 'node');
}

/**
 * One line on stderr (Node's warning channel) naming the cause. Silenced by
 * RINGCORE_QUIET=1, --no-warnings or --disable-warning=RINGCORE_FALLBACK.
 * Only the main thread warns: a worker falls back for the same reason.
 */
function warn(cause: RingcoreError): void {
  if (process.env.RINGCORE_QUIET === '1' || !workerThreads().isMainThread) return;
  const why = cause.message.replace(/^ringcore: /, '');
  process.emitWarning(`ringcore falls back to Node's fs, net and timers (backend 'node'): ${why}`, { code: FALLBACK_WARNING });
}

/**
 * The error for an API that only io_uring can serve, called under the
 * fallback: `cause` is why io_uring is not in use.
 */
export function ioUringRequired(what: string): RingcoreError {
  const cause = fallbackCause();
  // The cause in brief, so the message alone says why; the whole story is in `cause`.
  const why = cause === null ? '' : `: ${refusalBrief}`;
  return new RingcoreError(
    'ERR_RINGCORE_IO_URING_REQUIRED',
    `ringcore: ${what} needs io_uring, and this thread uses the node backend${why} (see docs/fallback.md)`,
    { cause: cause ?? undefined },
  );
}

/** Throws ioUringRequired(what) under the fallback. */
export function requireIoUring(what: string): void {
  if (usesNode()) throw ioUringRequired(what);
}
