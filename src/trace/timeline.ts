// Turns trace events into a Chrome trace-event file (the JSON that
// ui.perfetto.dev and chrome://tracing open): the white box, drawn.
//
// Each ring is a process in the viewer (pid = ring id), with:
//   - a thread "io_uring_enter" holding one instant marker per enter;
//   - threads "ops 1", "ops 2", … holding one slice per op, from its SQE to its
//     CQE, named by opcode. Ops overlap freely, and slices on one thread must
//     not, so each op takes the first lane free when its SQE is seen;
//   - counters: ops in flight, SQ entries not yet consumed, CQ entries not yet reaped.
// The trace events carry no time: the clock is read here, when each arrives.
import { IORING_CQE_F_MORE, OPCODE_NAMES } from '../sys/constants.js';
import { errnoName } from '../sys/errors.js';
import type { TraceEvent } from '../ring/trace-hook.js';

/** One entry of a Chrome trace-event file (the subset written here). */
export interface ChromeTraceEvent {
  /** The opcode of an op's slice, `io_uring_enter`, a counter's or a metadata record's name. */
  name: string;
  /** X: a slice with a duration; i: an instant; C: a counter sample; M: metadata (names, order). */
  ph: 'X' | 'i' | 'C' | 'M';
  /** Microseconds since the timeline started. */
  ts: number;
  /** The ring's id: each ring is a process in the viewer. */
  pid: number;
  /** ENTER_TID for enter markers; LANE_TID + n for op lane n. */
  tid?: number;
  /** A slice's length, in µs. */
  dur?: number;
  /** Scope of an instant: t = its thread. */
  s?: 't';
  /** 'op' for op slices. */
  cat?: string;
  /** What the viewer shows for it: fd, len, user_data, res, errno… */
  args?: Record<string, unknown>;
}

/** A Chrome trace-event file: what ui.perfetto.dev and chrome://tracing open. */
export interface ChromeTrace {
  /** The events, in the order they were recorded (slices by their end). */
  traceEvents: ChromeTraceEvent[];
  /** How viewers show times; the timestamps are µs either way. */
  displayTimeUnit: 'ms' | 'ns';
  /** About the recording: producer, pid, its length, dropped events. */
  otherData?: Record<string, unknown>;
}

/** What the timeline reads from a ring, besides its events, to draw SQ and CQ occupancy. */
export interface RingGauge {
  /** SQ size, for the track's name. */
  readonly sqEntries: number;
  /** CQ size, for the track's name. */
  readonly cqEntries: number;
  /** SQEs not yet consumed by the kernel: the SQ counter. */
  sqPending(): number;
  /** CQEs not yet reaped: the CQ counter. */
  cqReady(): number;
}

/** The thread of enter markers; op lanes are threads LANE_TID, LANE_TID + 1, … */
export const ENTER_TID = 0;
/** The thread id of the first op lane. */
export const LANE_TID = 1;
/** Counter names: with one arg each, viewers name the tracks "<name> <arg>". */
export const COUNTERS = { inFlight: 'in flight', sq: 'SQ', cq: 'CQ' } as const;

// A long trace of a busy program must not take the process down with it.
const MAX_EVENTS = 2_000_000;

interface OpenSlice {
  name: string;
  start: number;
  lane: number;
  args: Record<string, unknown>;
  /** CQEs seen so far (multishot ops post several). */
  cqes: number;
}

interface RingTrack {
  open: Map<number, OpenSlice>;
  /** lanes[i] is true while an op occupies lane i. */
  lanes: boolean[];
  counters: { inFlight: number; sq: number; cq: number };
}

const round = (us: number) => Math.round(us * 1000) / 1000;

/** Records trace events as Chrome trace events, reading the clock as each arrives; startTimeline() drives one. */
export class Timeline {
  /** The trace events so far (slices of ops still in flight are added by toJSON()). */
  readonly events: ChromeTraceEvent[] = [];
  private readonly rings = new Map<number, RingTrack>();
  /** The clock at the first event: the timeline starts at 0 µs. */
  private origin = NaN;
  private dropped = 0;

  /**
   * `gauge(ring)` gives the live ring, for its SQ and CQ occupancy (undefined
   * once closed: no sample then); `clock` is in milliseconds.
   */
  constructor(
    private readonly gauge: (ring: number) => RingGauge | undefined,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Adds one trace event: opens or closes an op's slice, marks an enter, samples the counters that changed. */
  record(event: TraceEvent): void {
    if (this.events.length >= MAX_EVENTS) {
      this.dropped++;
      return;
    }
    const clock = this.clock();
    if (Number.isNaN(this.origin)) this.origin = clock;
    const now = round((clock - this.origin) * 1000);
    const track = this.track(event.ring, now);
    const gauge = this.gauge(event.ring);
    switch (event.type) {
      case 'sqe': {
        let lane = track.lanes.indexOf(false);
        if (lane < 0) lane = track.lanes.length;
        if (lane === track.lanes.length) this.laneName(event.ring, lane, now);
        track.lanes[lane] = true;
        const args: Record<string, unknown> = { fd: event.fd, len: event.len };
        if (event.off !== 0) args.off = event.off;
        if (event.flags !== 0) args.sqe_flags = `0x${event.flags.toString(16)}`;
        args.user_data = `${event.slot}:${event.generation}`;
        const name = OPCODE_NAMES[event.opcode] ?? `OP_${event.opcode}`;
        // A reused user_data whose CQE was never seen (it cannot happen with
        // the slot table, but a raw-ring user might): close the old slice.
        const stale = track.open.get(event.userData);
        if (stale !== undefined) this.endSlice(event.ring, track, event.userData, stale, now, { res: 'no CQE seen' }, true);
        track.open.set(event.userData, { name, start: now, lane, args, cqes: 0 });
        this.count(event.ring, track, 'inFlight', track.open.size, now);
        if (gauge !== undefined) this.count(event.ring, track, 'sq', gauge.sqPending(), now);
        break;
      }
      case 'cqe': {
        const slice = track.open.get(event.userData);
        if (slice !== undefined) {
          const more = (event.flags & IORING_CQE_F_MORE) !== 0;
          const result: Record<string, unknown> = { res: event.res };
          if (event.res < 0) result.errno = errnoName(event.res);
          if (event.flags !== 0) result.cqe_flags = `0x${event.flags.toString(16)}`;
          // A multishot op gets one slice per CQE: each runs from the previous CQE to this one.
          if (more || slice.cqes > 0) result.cqe = slice.cqes + 1;
          this.endSlice(event.ring, track, event.userData, slice, now, result, !more);
          this.count(event.ring, track, 'inFlight', track.open.size, now);
        }
        if (gauge !== undefined) this.count(event.ring, track, 'cq', gauge.cqReady(), now);
        break;
      }
      case 'enter': {
        const args: Record<string, unknown> = {
          to_submit: event.toSubmit,
          min_complete: event.minComplete,
          flags: `0x${event.flags.toString(16)}`,
          ret: event.ret,
        };
        if (event.ret < 0) args.errno = errnoName(event.ret);
        this.events.push({ name: 'io_uring_enter', ph: 'i', s: 't', ts: now, pid: event.ring, tid: ENTER_TID, args });
        if (gauge !== undefined) {
          this.count(event.ring, track, 'sq', gauge.sqPending(), now);
          this.count(event.ring, track, 'cq', gauge.cqReady(), now);
        }
        break;
      }
    }
  }

  /** The whole trace so far. Ops still in flight are drawn up to now, marked as such. */
  toJSON(): ChromeTrace {
    const now = Number.isNaN(this.origin) ? 0 : round((this.clock() - this.origin) * 1000);
    const open: ChromeTraceEvent[] = [];
    for (const [ring, track] of this.rings) {
      for (const slice of track.open.values()) {
        open.push(sliceEvent(ring, slice, now, { res: 'in flight' }));
      }
    }
    const otherData: Record<string, unknown> = { producer: 'ringcore', pid: process.pid, recordedMs: round(now / 1000) };
    if (this.dropped > 0) otherData.droppedEvents = this.dropped;
    return { traceEvents: [...this.events, ...open], displayTimeUnit: 'ms', otherData };
  }

  private track(ring: number, now: number): RingTrack {
    let track = this.rings.get(ring);
    if (track === undefined) {
      track = { open: new Map(), lanes: [], counters: { inFlight: -1, sq: -1, cq: -1 } };
      this.rings.set(ring, track);
      const gauge = this.gauge(ring);
      const size = gauge === undefined ? '' : ` (SQ ${gauge.sqEntries}, CQ ${gauge.cqEntries})`;
      const meta = (name: string, args: Record<string, unknown>, tid?: number): ChromeTraceEvent => ({
        name,
        ph: 'M',
        ts: now,
        pid: ring,
        ...(tid === undefined ? {} : { tid }),
        args,
      });
      this.events.push(
        meta('process_name', { name: `ring ${ring}${size}` }),
        meta('process_sort_index', { sort_index: ring }),
        meta('thread_name', { name: 'io_uring_enter' }, ENTER_TID),
        meta('thread_sort_index', { sort_index: ENTER_TID }, ENTER_TID),
      );
    }
    return track;
  }

  private laneName(ring: number, lane: number, now: number): void {
    const tid = LANE_TID + lane;
    this.events.push(
      { name: 'thread_name', ph: 'M', ts: now, pid: ring, tid, args: { name: `ops ${lane + 1}` } },
      { name: 'thread_sort_index', ph: 'M', ts: now, pid: ring, tid, args: { sort_index: tid } },
    );
  }

  private endSlice(ring: number, track: RingTrack, userData: number, slice: OpenSlice, now: number, result: Record<string, unknown>, final: boolean): void {
    this.events.push(sliceEvent(ring, slice, now, result));
    if (final) {
      track.open.delete(userData);
      track.lanes[slice.lane] = false;
    } else {
      slice.start = now;
      slice.cqes++;
    }
  }

  /** A counter sample, only when the value changed. */
  private count(ring: number, track: RingTrack, which: keyof RingTrack['counters'], value: number, now: number): void {
    if (track.counters[which] === value) return;
    track.counters[which] = value;
    const arg = which === 'inFlight' ? 'ops' : 'entries';
    this.events.push({ name: COUNTERS[which], ph: 'C', ts: now, pid: ring, args: { [arg]: value } });
  }
}

/** An op's slice on its lane, from its start until `now`, with `result` added to its args. */
function sliceEvent(ring: number, slice: OpenSlice, now: number, result: Record<string, unknown>): ChromeTraceEvent {
  return {
    name: slice.name,
    ph: 'X',
    ts: slice.start,
    dur: round(now - slice.start),
    pid: ring,
    tid: LANE_TID + slice.lane,
    cat: 'op',
    args: { ...slice.args, ...result },
  };
}
