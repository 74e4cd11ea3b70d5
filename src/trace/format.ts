// One readable line per trace event: what RINGCORE_TRACE=1 prints on stderr,
// and what a test or a debugging session can print from addTraceListener().
import { IORING_CQE_F_MORE, OPCODE_NAMES } from '../sys/constants.js';
import { errnoName } from '../sys/errors.js';
import type { TraceEvent } from '../ring/trace-hook.js';

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
        if ((event.flags & IORING_CQE_F_MORE) === 0) opcodes.delete(key);
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
