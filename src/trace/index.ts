// ringcore/trace: what the trace events become. Readable lines
// (traceFormatter), a Chrome trace-event timeline (startTimeline, Timeline)
// and its SVG (renderTimelineSvg). The hook itself (addTraceListener, the
// diagnostics_channel names) is in the ring layer and the main entry too;
// this entry is loaded only by programs that import it or set RINGCORE_TRACE.
export { addTraceListener, TRACE_CHANNELS, type CqeEvent, type EnterEvent, type SqeEvent, type TraceEvent, type TraceListener } from '../ring/trace-hook.js';
export { traceFormatter } from './format.js';
export { startTimeline, stopTimeline } from './recording.js';
export { Timeline, type ChromeTrace, type ChromeTraceEvent, type RingGauge } from './timeline.js';
export { renderTimelineSvg, type SvgOptions } from './svg.js';
