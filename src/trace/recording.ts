// A timeline recorded to a file: startTimeline() listens to every ring, and
// the file is written by stopTimeline() or, at the latest, when the process exits.
import { writeFileSync } from 'node:fs';
import { addTraceListener, tracedRing, type TraceEvent } from '../ring/trace-hook.js';
import { invalidStateError } from '../sys/errors.js';
import { Timeline, type RingGauge } from './timeline.js';

/** An event seen before the timeline existed, with the clock and its ring's sizes and occupancy at that moment. */
export interface EarlyEvent {
  event: TraceEvent;
  time: number;
  /** Undefined when the ring was already closed. */
  ring: { sqEntries: number; cqEntries: number; sqPending: number; cqReady: number } | undefined;
}

let recording: { file: string; timeline: Timeline; stop: () => void; onExit: () => void } | null = null;
// While early events are replayed, the timeline reads their clock and occupancy instead of the live ones.
let replaying: EarlyEvent | null = null;

function gauge(id: number): RingGauge | undefined {
  if (replaying === null) return tracedRing(id);
  const ring = replaying.ring;
  return ring && { sqEntries: ring.sqEntries, cqEntries: ring.cqEntries, sqPending: () => ring.sqPending, cqReady: () => ring.cqReady };
}

/**
 * Records every ring's events until stopTimeline() or the process's exit, then
 * writes them to `file` as Chrome trace-event JSON (ui.perfetto.dev,
 * chrome://tracing; `renderTimelineSvg` draws it too). One recording at a time.
 * `early` events (RINGCORE_TRACE's, seen while this module loaded) come first.
 */
export function startTimeline(file: string, early: readonly EarlyEvent[] = []): void {
  if (recording !== null) throw invalidStateError(`a timeline is already being recorded to ${recording.file}`);
  const timeline = new Timeline(gauge, () => replaying?.time ?? performance.now());
  for (const entry of early) {
    replaying = entry;
    timeline.record(entry.event);
  }
  replaying = null;
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
