// The white box: every SQE submitted, every CQE reaped and every
// io_uring_enter made can be observed. Listeners are global (all rings, the
// default ones included); a ring with no listener pays one null check.
// RINGCORE_TRACE=1 prints each event as one readable line on stderr.
import { OPCODE_NAMES } from '../sys/constants.js';
import { errnoName } from '../sys/errors.js';
import type { IoUring, TraceEvent } from './io-uring.js';

export type TraceListener = (event: TraceEvent) => void;

const listeners = new Set<TraceListener>();
const rings = new Set<IoUring>();

function dispatch(event: TraceEvent): void {
  for (const listener of listeners) listener(event);
}

/** Called by IoUring for itself: rings created while tracing is on trace too. */
export function attachTrace(uring: IoUring): void {
  rings.add(uring);
  uring.trace = listeners.size > 0 ? dispatch : null;
}

export function detachTrace(uring: IoUring): void {
  rings.delete(uring);
  uring.trace = null;
}

/** Receives every trace event of every ring. Returns a function that removes the listener. */
export function addTraceListener(listener: TraceListener): () => void {
  listeners.add(listener);
  for (const uring of rings) uring.trace = dispatch;
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) for (const uring of rings) uring.trace = null;
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

if (process.env.RINGCORE_TRACE === '1') {
  const format = traceFormatter();
  addTraceListener((event) => process.stderr.write(`${format(event)}\n`));
}
