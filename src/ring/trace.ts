// The white box: every SQE submitted, every CQE reaped and every
// io_uring_enter made can be observed. Listeners are global (all rings, the
// default ones included); a ring with no listener pays one null check.
// RINGCORE_TRACE=1 prints each event as one readable line on stderr;
// RINGCORE_TRACE=perfetto:<file> writes them as a timeline (timeline.ts).
import { writeFileSync } from 'node:fs';
import { isMainThread, threadId } from 'node:worker_threads';
import { OPCODE_NAMES } from '../sys/constants.js';
import { errnoName } from '../sys/errors.js';
import type { IoUring, TraceEvent } from './io-uring.js';
import { Timeline } from './timeline.js';

export type TraceListener = (event: TraceEvent) => void;

const listeners = new Set<TraceListener>();
// By id: the timeline reads a ring's SQ and CQ occupancy when its events arrive.
const rings = new Map<number, IoUring>();

function dispatch(event: TraceEvent): void {
  for (const listener of listeners) listener(event);
}

/** Called by IoUring for itself: rings created while tracing is on trace too. */
export function attachTrace(uring: IoUring): void {
  rings.set(uring.id, uring);
  uring.trace = listeners.size > 0 ? dispatch : null;
}

export function detachTrace(uring: IoUring): void {
  rings.delete(uring.id);
  uring.trace = null;
}

/** Receives every trace event of every ring. Returns a function that removes the listener. */
export function addTraceListener(listener: TraceListener): () => void {
  listeners.add(listener);
  for (const uring of rings.values()) uring.trace = dispatch;
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) for (const uring of rings.values()) uring.trace = null;
  };
}

const hex = (n: number) => `0x${n.toString(16)}`;

/** Formats events as readable lines; remembers each SQE's opcode to name its CQE. */
export function traceFormatter(): (event: TraceEvent) => string {
  // Keyed by ring and user_data: two rings use the same slot numbers.
  const opcodes = new Map<string, number>();
  return (event) => {
    const tag = `ringcore[${event.ring}]`;
    switch (event.type) {
      case 'sqe': {
        opcodes.set(`${event.ring}:${event.userData}`, event.opcode);
        const name = OPCODE_NAMES[event.opcode] ?? `OP_${event.opcode}`;
        return `${tag} SQE ${name.padEnd(13)} fd=${event.fd} len=${event.len} off=${event.off} flags=${hex(event.flags)} user_data=${event.slot}:${event.generation}`;
      }
      case 'cqe': {
        const key = `${event.ring}:${event.userData}`;
        const opcode = opcodes.get(key);
        if ((event.flags & 2) === 0) opcodes.delete(key);
        const name = opcode === undefined ? '?' : (OPCODE_NAMES[opcode] ?? `OP_${opcode}`);
        const res = event.res < 0 ? `${event.res} ${errnoName(event.res)}` : `${event.res}`;
        return `${tag} CQE ${name.padEnd(13)} res=${res} flags=${hex(event.flags)} user_data=${event.slot}:${event.generation}`;
      }
      case 'enter': {
        const ret = event.ret < 0 ? `${event.ret} ${errnoName(event.ret)}` : `${event.ret}`;
        return `${tag} ENTER to_submit=${event.toSubmit} min_complete=${event.minComplete} flags=${hex(event.flags)} -> ${ret}`;
      }
    }
  };
}

let recording: { file: string; timeline: Timeline; stop: () => void; onExit: () => void } | null = null;

/**
 * Records every ring's events until stopTimeline() or the process's exit, then
 * writes them to `file` as Chrome trace-event JSON (ui.perfetto.dev,
 * chrome://tracing; `renderTimelineSvg` draws it too). One recording at a time.
 */
export function startTimeline(file: string): void {
  if (recording !== null) throw new Error(`ringcore: a timeline is already being recorded to ${recording.file}`);
  const timeline = new Timeline((id) => rings.get(id));
  const stop = addTraceListener((event) => timeline.record(event));
  // 'exit' handlers must be synchronous: the file is written with writeFileSync.
  const onExit = () => stopTimeline();
  process.on('exit', onExit);
  recording = { file, timeline, stop, onExit };
}

/** Stops recording and writes the file. Returns its path, or undefined when nothing was being recorded. */
export function stopTimeline(): string | undefined {
  if (recording === null) return undefined;
  const { file, timeline, stop, onExit } = recording;
  recording = null;
  stop();
  process.off('exit', onExit);
  writeFileSync(file, JSON.stringify(timeline.toJSON()));
  return file;
}

const mode = process.env.RINGCORE_TRACE ?? '';
if (mode === '1') {
  const format = traceFormatter();
  addTraceListener((event) => process.stderr.write(`${format(event)}\n`));
} else if (mode.startsWith('perfetto:') && mode.length > 'perfetto:'.length) {
  // Each worker thread has its own rings and its own copy of this module: one file per thread.
  const file = mode.slice('perfetto:'.length);
  startTimeline(isMainThread ? file : file.replace(/(\.json)?$/, `.thread${threadId}$1`));
}
