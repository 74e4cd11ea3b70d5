// Helpers shared by the tests (kept outside test/ so that `node --test` does
// not take them for test files).
import assert from 'node:assert/strict';

import { addTraceListener, type OpOptions, type OpSpec, type Ring, type TraceEvent } from '../src/index.js';
import { interval } from '../src/time/index.js';
import { addressOf } from '../src/sys/memory.js';
import { native } from '../src/sys/native.js';
import { SYS_pipe2 } from '../src/sys/syscalls.js';

/** O_CLOEXEC (the same on x86_64 and arm64). */
const O_CLOEXEC = 0o2000000;

/** pipe2(2) through the native shim: [read end, write end]. An empty pipe is a read that blocks until written. */
export function pipe(): [number, number] {
  const fds = new Int32Array(2);
  const ret = native.syscall(SYS_pipe2, addressOf(fds), O_CLOEXEC);
  assert.equal(ret, 0, `pipe2 failed: ${ret}`);
  return [fds[0]!, fds[1]!];
}

/** A READ of `buffer.length` bytes from fd at its current position. */
export function readSpec(fd: number, buffer: Buffer): OpSpec<number> {
  return { syscall: 'read', prep: (u, sqe) => u.prepRead(sqe, fd, addressOf(buffer), buffer.length, -1), pin: buffer };
}

export function read(ring: Ring, fd: number, buffer: Buffer, options?: OpOptions): Promise<number> {
  return ring.submit(readSpec(fd, buffer), options);
}

/** Collects the trace events of one ring until stop(). */
export function record(ring: Ring): { events: TraceEvent[]; stop: () => void } {
  const events: TraceEvent[] = [];
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id) events.push(event);
  });
  return { events, stop };
}

/** Whether the kernel has multishot timeouts (IORING_TIMEOUT_MULTISHOT, Linux 6.4): older ones reject them with EINVAL. */
export async function hasMultishotTimeout(ring: Ring): Promise<boolean> {
  try {
    for await (const _ of interval(1, { count: 1, ring }));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EINVAL') return false;
    throw error;
  }
}
