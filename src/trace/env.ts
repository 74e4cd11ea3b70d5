// RINGCORE_TRACE turns tracing on without the program importing ringcore/trace.
// The driver calls traceFromEnvironment() when it makes a ring; this module
// is all it loads for that, and the rest of the trace layer (the formatter,
// the timeline) is imported only when the variable is set. An import is
// asynchronous, so until it lands the events are kept, each with its clock
// and its ring's occupancy, and then replayed: the first SQE is not lost.
import { addTraceListener, tracedRing } from '../ring/trace-hook.js';
import type { EarlyEvent } from './recording.js';

let requested = false;

/**
 * Reads RINGCORE_TRACE once per thread: `1` prints each event as a line on
 * stderr, `perfetto:<file>` records a timeline written at exit (see from-env.ts).
 */
export function traceFromEnvironment(): void {
  if (requested) return;
  requested = true;
  const mode = process.env.RINGCORE_TRACE;
  if (mode === undefined || mode === '') return;
  const early: EarlyEvent[] = [];
  const stopKeeping = addTraceListener((event) => {
    const ring = tracedRing(event.ring);
    const gauge = ring && { sqEntries: ring.sqEntries, cqEntries: ring.cqEntries, sqPending: ring.sqPending(), cqReady: ring.cqReady() };
    early.push({ event, time: performance.now(), ring: gauge });
  });
  // A process that exits before the import lands (process.exit() right after its first ops) cannot
  // wait for it: it is told on stderr what was not written, rather than left with no trace and no word.
  const exitedEarly = () => {
    if (early.length > 0)
      process.stderr.write(`ringcore: RINGCORE_TRACE: the process exited before the tracer had loaded; ${early.length} events were not written\n`);
  };
  process.once('exit', exitedEarly);
  import('./from-env.js').then(
    ({ applyTraceMode }) => {
      process.removeListener('exit', exitedEarly);
      // Both in one synchronous step: no event falls between the replay and the live listener.
      applyTraceMode(mode, early);
      stopKeeping();
    },
    (error: unknown) => {
      process.removeListener('exit', exitedEarly);
      stopKeeping();
      process.emitWarning(`ringcore: RINGCORE_TRACE could not be applied: ${String(error)}`);
    },
  );
}
