// What each RINGCORE_TRACE value does, loaded by env.ts only when the variable is set.
import { isMainThread, threadId } from 'node:worker_threads';
import { addTraceListener } from '../ring/trace-hook.js';
import { traceFormatter } from './format.js';
import { startTimeline, type EarlyEvent } from './recording.js';

/** `1`: a line per event on stderr. `perfetto:<file>`: a timeline written at exit. Anything else: nothing. */
export function applyTraceMode(mode: string, early: readonly EarlyEvent[]): void {
  if (mode === '1') {
    const format = traceFormatter();
    const print = (line: string) => process.stderr.write(`${line}\n`);
    for (const { event } of early) print(format(event));
    addTraceListener((event) => print(format(event)));
  } else if (mode.startsWith('perfetto:') && mode.length > 'perfetto:'.length) {
    // Each worker thread has its own rings and its own copy of this module: one file per thread.
    const file = mode.slice('perfetto:'.length);
    startTimeline(isMainThread ? file : file.replace(/(\.json)?$/, `.thread${threadId}$1`), early);
  }
}
