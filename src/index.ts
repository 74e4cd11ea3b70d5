// ringcore: an async I/O runtime for TypeScript on Node.js, built on io_uring.
import { defaultRing } from './driver/default-ring.js';
import type { Ring } from './driver/ring.js';
import type { OpOptions } from './op/op.js';

export { Ring, type RingOptions } from './driver/ring.js';
export { defaultRing } from './driver/default-ring.js';
export { completionDriver, type CompletionDriver } from './driver/completion-watch.js';
export { backend, type BackendName } from './backend/backend.js';
export { IoUring, type IoUringOptions } from './ring/io-uring.js';
// The trace hook only: what its events become is in ringcore/trace.
export { addTraceListener, TRACE_CHANNELS, type CqeEvent, type EnterEvent, type SqeEvent, type TraceEvent, type TraceListener } from './ring/trace-hook.js';
export { Op, kOp, type OpOptions, type OpPromise, type OpSpec } from './op/op.js';
export { Multishot, type MultishotSpec } from './op/multishot.js';
export type { SubmitterStats } from './op/submitter.js';
export { AbortError, RingcoreError, errnoException, type RingcoreErrnoException, type ErrorContext } from './sys/errors.js';
export * as constants from './sys/constants.js';

/** IORING_OP_NOP on this thread's default ring. */
export function nop(options?: OpOptions): Promise<void> {
  return defaultRing().nop(options);
}

/**
 * Runs `main` with the ring (the default one unless given) as the event loop:
 * it blocks in io_uring_enter(min_complete=1) between steps (see driver/executor.ts).
 */
export function run<T>(main: () => T | Promise<T>, options?: { ring?: Ring }): Promise<Awaited<T>> {
  return (options?.ring ?? defaultRing()).run(main);
}
