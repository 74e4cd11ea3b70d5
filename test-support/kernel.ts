// Helpers shared by the tests (kept outside test/ so that `node --test` does
// not take them for test files).
import assert from 'node:assert/strict';
import { release } from 'node:os';
import type { TestContext } from 'node:test';

import { addTraceListener, constants as C, Ring, type OpOptions, type OpSpec, type RingOptions, type TraceEvent } from '../src/index.js';
import { ETIME } from '../src/sys/errno.js';
import { recvBuffers } from '../src/net/buffer-ring.js';
import { addressOf } from '../src/sys/memory.js';
import { O_CLOEXEC } from '../src/sys/constants.js';
import { native } from '../src/sys/native.js';
import { SYS_close, SYS_pipe2, SYS_write } from '../src/sys/syscalls.js';
import { until } from './net.js';

/** Why a test of a ring's receive buffers cannot run here, or false: kernels before 5.19 have no buffer rings (plain reads, copies). */
export async function noBufferRings(): Promise<string | false> {
  const ring = new Ring({ entries: 4 });
  try {
    return recvBuffers(ring) === null ? 'no provided buffer rings (Linux < 5.19): chunks come from plain reads' : false;
  } finally {
    await ring.close();
  }
}

/** Whether the running kernel is older than `major.minor` (by uname's release: for features no probe shows). */
export function linuxBefore(major: number, minor: number): boolean {
  const [haveMajor = 0, haveMinor = 0] = release().split('.').map(Number);
  return haveMajor < major || (haveMajor === major && haveMinor < minor);
}

/** pipe2(2) through the native shim: [read end, write end]. An empty pipe is a read that blocks until written. */
export function pipe(): [number, number] {
  const fds = new Int32Array(2);
  const ret = native.syscall(SYS_pipe2, addressOf(fds), O_CLOEXEC);
  assert.equal(ret, 0, `pipe2 failed: ${ret}`);
  return [fds[0]!, fds[1]!];
}

/** close(2) of both ends of a pipe() through the native shim (Deno's node:fs refuses fds it did not open). */
export function closePipe([r, w]: [number, number]): void {
  native.syscall(SYS_close, r);
  native.syscall(SYS_close, w);
}

/** A READ of `buffer.length` bytes from fd at its current position. */
export function readSpec(fd: number, buffer: Buffer): OpSpec<number> {
  return { syscall: 'read', prep: (u, sqe) => u.prepRead(sqe, fd, addressOf(buffer), buffer.length, -1), pin: buffer };
}

export function read(ring: Ring, fd: number, buffer: Buffer, options?: OpOptions): Promise<number> {
  return ring.submit(readSpec(fd, buffer), options);
}

/** Waits until `ring` has nothing in flight (the CQEs of what was cancelled reaped); the test's own timeout bounds it. */
export async function drained(ring: Ring): Promise<void> {
  while (ring.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Runs `body` with a ring of its own and the trace events it gets meanwhile; then stops recording and closes the ring, whatever `body` did. */
export async function withTracedRing(options: RingOptions, body: (ring: Ring, events: TraceEvent[]) => Promise<void>): Promise<void> {
  const ring = new Ring(options);
  const { events, stop } = record(ring);
  try {
    await body(ring, events);
  } finally {
    stop();
    await ring.close();
  }
}

/** Collects the trace events of one ring until stop(). */
export function record(ring: Ring): { events: TraceEvent[]; stop: () => void } {
  const events: TraceEvent[] = [];
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id) events.push(event);
  });
  return { events, stop };
}

/** The opcodes of the SQEs `ring` is given while `work` runs. */
export async function opcodesDuring(ring: Ring, work: () => Promise<unknown>): Promise<Set<number>> {
  const seen = new Set<number>();
  const stop = addTraceListener((event) => {
    if (event.ring === ring.uring.id && event.type === 'sqe') seen.add(event.opcode);
  });
  try {
    await work();
  } finally {
    stop();
  }
  return seen;
}

/**
 * Whether the kernel has multishot timeouts (IORING_TIMEOUT_MULTISHOT, Linux 6.4): older ones reject them with EINVAL.
 * Asked of the kernel with one raw TIMEOUT SQE: interval() itself ticks on older kernels too (one timeout per tick).
 */
export async function hasMultishotTimeout(ring: Ring): Promise<boolean> {
  const submitter = ring.submitter;
  try {
    await ring.submit({
      syscall: 'timeout',
      expect: -ETIME,
      prep: (uring, sqe, slot) => uring.prepTimeout(sqe, submitter.timespec(slot, 1), 1, C.IORING_TIMEOUT_MULTISHOT),
    });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EINVAL') return false;
    throw error;
  }
}

/** Runs `body` with a ring of `entries` and a pipe, and closes them after. */
export async function withPipe(entries: number, body: (ring: Ring, r: number, w: number) => Promise<void>): Promise<void> {
  const ring = new Ring({ entries });
  const [r, w] = pipe();
  try {
    await body(ring, r, w);
  } finally {
    closePipe([r, w]);
    if (!ring.closed) await ring.close();
  }
}

/** withPipe, with the ring's trace events recorded while `body` runs. */
export function withTracedPipe(entries: number, body: (ring: Ring, r: number, w: number, events: TraceEvent[]) => Promise<void>): Promise<void> {
  return withPipe(entries, async (ring, r, w) => {
    const { events, stop } = record(ring);
    try {
      await body(ring, r, w, events);
    } finally {
      stop();
    }
  });
}

/** write(2) of `text` to fd through the native shim, all of it. */
export function writeTo(fd: number, text: string): void {
  const data = Buffer.from(text);
  assert.equal(native.syscall(SYS_write, fd, addressOf(data), data.length), data.length);
}

type SqeEvent = Extract<TraceEvent, { type: 'sqe' }>;

/**
 * Waits until a READ has been submitted after `earlier` (its SQE traced in
 * `events`), checks that it took `earlier`'s slot with a new generation (the
 * free list is LIFO), and returns its SQE event.
 */
export async function readInSlotOf(events: TraceEvent[], earlier: SqeEvent): Promise<SqeEvent> {
  await until(() => events.some((e) => e.type === 'enter'), 5000, 'the read to be submitted');
  const current = events.find((e): e is SqeEvent => e.type === 'sqe' && e.opcode === C.IORING_OP_READ);
  assert.ok(current !== undefined);
  assert.equal(current.slot, earlier.slot, 'the slot was reused');
  assert.notEqual(current.generation, earlier.generation, 'with a new generation');
  return current;
}

/**
 * Posts a CQE carrying `earlier`'s user_data (slot and generation), by a NOP
 * written straight into the raw ring, and waits until the ring has counted
 * it stale: a late CQE for whoever held that slot before.
 */
export async function postStaleCqe(ring: Ring, earlier: SqeEvent): Promise<void> {
  const staleBefore = ring.stats.stale;
  const sqe = ring.uring.getSqe()!;
  ring.uring.prepNop(sqe);
  ring.uring.setUserData(sqe, earlier.slot, earlier.generation);
  assert.equal(ring.uring.submit(), 1);
  await until(() => ring.stats.stale > staleBefore, 5000, 'the stale CQE to be reaped');
  assert.equal(ring.stats.stale, staleBefore + 1);
}

/** A ring made with DEFER_TASKRUN (and SINGLE_ISSUER), or null after skipping `t` with the reason when the kernel refuses it. */
export function deferTaskRunRing(t: TestContext, entries: number, cqEntries?: number): Ring | null {
  try {
    return new Ring({ entries, cqEntries, flags: C.IORING_SETUP_DEFER_TASKRUN | C.IORING_SETUP_SINGLE_ISSUER });
  } catch (error) {
    t.skip(`DEFER_TASKRUN refused (Linux < 6.1): ${(error as Error).message}`);
    return null;
  }
}

/**
 * A kernel timer that is an op of its own (a ring.submit() of one IORING_OP_TIMEOUT), for tests of
 * the op layer that need ops which stay in flight: sleep() shares one timer among the sleeps due in
 * the same millisecond (src/time/shared-sleep.ts), so twenty sleeps no longer fill a ring.
 */
export function timerOp(ms: number, { ring, signal }: { ring: Ring; signal?: AbortSignal }): Promise<void> {
  const submitter = ring.submitter;
  return ring.submit<void>(
    {
      syscall: 'timeout',
      prep: (uring, sqe, slot) => uring.prepTimeout(sqe, submitter.timespec(slot, ms), 0, 0),
      expect: -ETIME,
      map: () => undefined,
    },
    { signal },
  );
}
