// Reads a Chrome trace-event file written by the timeline (timeline.ts)
// back into what a picture needs: per ring, its op slices by lane, its enter
// markers and its counters. Events of other producers are ignored, not refused.
import { COUNTERS, ENTER_TID, LANE_TID, type ChromeTrace, type ChromeTraceEvent } from './timeline.js';

/** One op's slice on its lane: from its SQE (or previous CQE) to its CQE. */
export interface SliceView {
  name: string;
  lane: number;
  /** µs since the timeline started. */
  start: number;
  dur: number;
  args: Record<string, unknown>;
}

/** One io_uring_enter marker: when, how many SQEs it submitted, what it returned. */
export interface EnterView {
  ts: number;
  toSubmit: number;
  ret: number;
}

/** A step function: the value holds from each sample's ts to the next one's. */
export type Series = { ts: number; value: number }[];

/** Everything drawn for one ring: its op slices by lane, its enters and its three counters. */
export interface RingView {
  id: number;
  name: string;
  lanes: number;
  slices: SliceView[];
  enters: EnterView[];
  inFlight: Series;
  sq: Series;
  cq: Series;
}

/** The rings of a timeline, and the time it spans (µs since it started). */
export interface TimelineView {
  rings: RingView[];
  start: number;
  end: number;
}

const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value));

/** Reads a timeline (the file or its bare event list) back into one RingView per ring. */
export function readTimeline(trace: ChromeTrace | ChromeTraceEvent[]): TimelineView {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const rings = new Map<number, RingView>();
  const ring = (pid: number): RingView => {
    let view = rings.get(pid);
    if (view === undefined) {
      view = { id: pid, name: `ring ${pid}`, lanes: 0, slices: [], enters: [], inFlight: [], sq: [], cq: [] };
      rings.set(pid, view);
    }
    return view;
  };
  let start = Infinity;
  let end = -Infinity;
  const see = (from: number, to = from) => {
    start = Math.min(start, from);
    end = Math.max(end, to);
  };
  for (const e of events) {
    const args = e.args ?? {};
    if (e.ph === 'M' && e.name === 'process_name') {
      ring(e.pid).name = String(args.name);
    } else if (e.ph === 'X' && e.tid !== undefined && e.tid >= LANE_TID) {
      const view = ring(e.pid);
      const lane = e.tid - LANE_TID;
      view.lanes = Math.max(view.lanes, lane + 1);
      view.slices.push({ name: e.name, lane, start: e.ts, dur: e.dur ?? 0, args });
      see(e.ts, e.ts + (e.dur ?? 0));
    } else if (e.ph === 'i' && e.tid === ENTER_TID) {
      ring(e.pid).enters.push({ ts: e.ts, toSubmit: num(args.to_submit), ret: num(args.ret) });
      see(e.ts);
    } else if (e.ph === 'C') {
      const value = num(Object.values(args)[0]);
      const series = e.name === COUNTERS.inFlight ? 'inFlight' : e.name === COUNTERS.sq ? 'sq' : e.name === COUNTERS.cq ? 'cq' : null;
      if (series !== null) ring(e.pid)[series].push({ ts: e.ts, value });
      see(e.ts);
    }
  }
  for (const view of rings.values()) {
    for (const series of [view.inFlight, view.sq, view.cq]) series.sort((a, b) => a.ts - b.ts);
    view.enters.sort((a, b) => a.ts - b.ts);
  }
  if (!Number.isFinite(start)) start = end = 0;
  return { rings: [...rings.values()].sort((a, b) => a.id - b.id), start, end };
}
