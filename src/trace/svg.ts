// Draws a timeline (the Chrome trace JSON of src/trace/timeline.ts) as an SVG
// picture, so it can be seen without a trace viewer: one band per ring with
// its io_uring_enter markers, its op slices lane by lane (coloured by opcode,
// labelled where wide enough, with the op's args as a hover title) and its
// in-flight, SQ and CQ counters as step lines; a time axis and a legend below.
import type { ChromeTrace, ChromeTraceEvent } from './timeline.js';
import { formatTime, timeTicks } from './axis.js';
import { readTimeline, type RingView, type Series, type SliceView } from './model.js';
import { opcodeColor } from './palette.js';

/** How renderTimelineSvg draws: its width, its title, the time window. */
export interface SvgOptions {
  /** Picture width in px. Default 1200. */
  width?: number;
  /** The heading drawn at the top. Default 'ringcore timeline'. */
  title?: string;
  /** The window to draw, in µs since the timeline started. Default: everything. */
  from?: number;
  /** End of the window, in µs since the timeline started. Default: the timeline's end. */
  to?: number;
}

const GUTTER = 120; // left column: row labels
const RIGHT = 16;
const ENTER_ROW = 26;
const LANES_MAX_PX = 220; // many lanes share this height rather than grow the picture
const COUNTER_ROW = 54;
const CHAR_PX = 6.1; // average width of a 10 px sans-serif character
const COUNTER_COLORS = { inFlight: '#4c72b0', sq: '#dd8452', cq: '#55a868' } as const;

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const px = (n: number) => String(Math.round(n * 10) / 10);

/** Draws a timeline as a standalone SVG: a band per ring with its enter markers, op slices by lane, and in-flight/SQ/CQ counters. */
export function renderTimelineSvg(trace: ChromeTrace | ChromeTraceEvent[], options: SvgOptions = {}): string {
  const view = readTimeline(trace);
  const width = options.width ?? 1200;
  const from = options.from ?? view.start;
  const to = Math.max(options.to ?? view.end, from + 1);
  const plot = width - GUTTER - RIGHT;
  const x = (ts: number) => GUTTER + ((Math.min(Math.max(ts, from), to) - from) / (to - from)) * plot;

  const back: string[] = [];
  const body: string[] = [];
  const slices = view.rings.reduce((n, r) => n + r.slices.length, 0);
  const enters = view.rings.reduce((n, r) => n + r.enters.length, 0);
  body.push(
    `<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(options.title ?? 'ringcore timeline')}</text>`,
    `<text x="12" y="40" fill="#555">${escapeXml(`${formatTime(to - from)} shown; ${slices} op slices, ${enters} io_uring_enter calls, ${view.rings.length} ring${view.rings.length === 1 ? '' : 's'}. Each slice runs from the op's SQE to its CQE, as the process saw them.`)}</text>`,
  );
  const top = 52;
  let y = top;
  view.rings.forEach((ring, index) => {
    const height = 24 + ENTER_ROW + laneHeight(ring) * Math.max(ring.lanes, 1) + COUNTER_ROW + 10;
    back.push(`<rect x="0" y="${y}" width="${width}" height="${height}" fill="${index % 2 === 0 ? '#f6f7f9' : '#ffffff'}"/>`);
    body.push(`<g class="ring" data-ring="${ring.id}">`);
    body.push(`<text x="12" y="${y + 17}" font-size="12" font-weight="bold">${escapeXml(ring.name)}</text>`);
    y += 24;
    body.push(...enterRow(ring, y, x));
    y += ENTER_ROW;
    body.push(...laneRows(ring, y, x, from, to));
    y += laneHeight(ring) * Math.max(ring.lanes, 1);
    body.push(...counterRow(ring, y + 4, x, from, to));
    y += COUNTER_ROW + 10;
    body.push('</g>');
  });

  // The axis, with grid lines through every band behind the slices.
  const ticks = timeTicks(from, to);
  for (const t of ticks) back.push(`<line x1="${px(x(t))}" y1="${top}" x2="${px(x(t))}" y2="${y}" stroke="#e0e0e0"/>`);
  body.push(`<line x1="${GUTTER}" y1="${y}" x2="${GUTTER + plot}" y2="${y}" stroke="#333"/>`);
  for (const t of ticks) {
    body.push(`<line x1="${px(x(t))}" y1="${y}" x2="${px(x(t))}" y2="${y + 5}" stroke="#333"/>`);
    body.push(`<text x="${px(x(t))}" y="${y + 17}" text-anchor="middle" fill="#333">${escapeXml(formatTime(t))}</text>`);
  }
  y += 30;
  const legend = legendRows(view.rings, width, y);
  body.push(...legend.elements);
  y = legend.bottom + 8;

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${y}" fill="#fff"/>`,
    ...back,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function laneHeight(ring: RingView): number {
  return Math.max(3, Math.min(16, Math.floor(LANES_MAX_PX / Math.max(ring.lanes, 1))));
}

function rowLabel(text: string, y: number, sub?: string): string {
  const second = sub === undefined ? '' : `<tspan x="${GUTTER - 8}" dy="12" font-size="9" fill="#777">${escapeXml(sub)}</tspan>`;
  return `<text x="${GUTTER - 8}" y="${y}" text-anchor="end" fill="#333">${escapeXml(text)}${second}</text>`;
}

/** A tick per enter, with its submit count above it where there is room. */
function enterRow(ring: RingView, y: number, x: (ts: number) => number): string[] {
  const out = [rowLabel('io_uring_enter', y + 16)];
  let lastLabel = -Infinity;
  for (const enter of ring.enters) {
    const at = x(enter.ts);
    const colour = enter.toSubmit > 0 ? '#222' : '#999';
    out.push(
      `<line x1="${px(at)}" y1="${y + 12}" x2="${px(at)}" y2="${y + 24}" stroke="${colour}" stroke-width="1.2"><title>${escapeXml(`io_uring_enter to_submit=${enter.toSubmit} ret=${enter.ret}`)}</title></line>`,
    );
    if (enter.toSubmit > 0 && at - lastLabel >= 18) {
      out.push(`<text x="${px(at)}" y="${y + 10}" text-anchor="middle" font-size="9" fill="#222">${enter.toSubmit}</text>`);
      lastLabel = at;
    }
  }
  return out;
}

function sliceTitle(slice: SliceView): string {
  const args = Object.entries(slice.args)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  return `${slice.name} ${formatTime(slice.dur)} ${args}`;
}

/** One row per lane; a rect per slice, at least 1.5 px wide so that a 2 µs NOP still shows. */
function laneRows(ring: RingView, y: number, x: (ts: number) => number, from: number, to: number): string[] {
  const h = laneHeight(ring);
  const out = [rowLabel('ops', y + Math.min(14, h * Math.max(ring.lanes, 1)), `${ring.lanes} lane${ring.lanes === 1 ? '' : 's'}`)];
  for (const slice of ring.slices) {
    if (slice.start + slice.dur < from || slice.start > to) continue;
    const left = x(slice.start);
    const w = Math.max(1.5, x(slice.start + slice.dur) - left);
    const top = y + slice.lane * h + (h > 6 ? 1 : 0);
    const height = h > 6 ? h - 2 : h;
    // A white edge separates back-to-back slices (a multishot op's CQEs) where there is room for it.
    const edge = w > 4 ? ' stroke="#fff" stroke-width="0.8"' : '';
    out.push(
      `<rect class="op" x="${px(left)}" y="${px(top)}" width="${px(w)}" height="${px(height)}" fill="${opcodeColor(slice.name)}"${edge}><title>${escapeXml(sliceTitle(slice))}</title></rect>`,
    );
    const font = Math.min(10, height - 2);
    if (font >= 8 && w >= slice.name.length * CHAR_PX * (font / 10) + 8) {
      out.push(`<text x="${px(left + 4)}" y="${px(top + height / 2 + font * 0.36)}" font-size="${font}" fill="#fff">${escapeXml(slice.name)}</text>`);
    }
  }
  return out;
}

/** In flight, SQ and CQ occupancy as step lines on one scale. */
function counterRow(ring: RingView, y: number, x: (ts: number) => number, from: number, to: number): string[] {
  const h = COUNTER_ROW - 14;
  const all = [...ring.inFlight, ...ring.sq, ...ring.cq].map((s) => s.value);
  const max = Math.max(1, ...all);
  const yOf = (value: number) => y + h - (value / max) * h;
  const out = [
    rowLabel('in flight · SQ · CQ', y + 12, `max ${max}`),
    `<line x1="${GUTTER}" y1="${px(y + h)}" x2="${px(x(to))}" y2="${px(y + h)}" stroke="#bbb"/>`,
    `<line x1="${GUTTER}" y1="${px(y)}" x2="${px(x(to))}" y2="${px(y)}" stroke="#e4e4e4" stroke-dasharray="3 3"/>`,
  ];
  const step = (series: Series): string => {
    if (series.length === 0) return '';
    let value = 0;
    for (const s of series) if (s.ts <= from) value = s.value;
    let d = `M${px(x(from))},${px(yOf(value))}`;
    for (const s of series) {
      if (s.ts <= from || s.ts > to) continue;
      d += ` H${px(x(s.ts))} V${px(yOf(s.value))}`;
    }
    return `${d} H${px(x(to))}`;
  };
  const inFlight = step(ring.inFlight);
  if (inFlight !== '') {
    out.push(`<path d="${inFlight} V${px(y + h)} H${px(x(from))} Z" fill="${COUNTER_COLORS.inFlight}" fill-opacity="0.18" stroke="none"/>`);
    out.push(`<path class="counter" d="${inFlight}" fill="none" stroke="${COUNTER_COLORS.inFlight}" stroke-width="1.5"/>`);
  }
  for (const [series, colour] of [
    [ring.sq, COUNTER_COLORS.sq],
    [ring.cq, COUNTER_COLORS.cq],
  ] as const) {
    const d = step(series);
    if (d !== '') out.push(`<path class="counter" d="${d}" fill="none" stroke="${colour}" stroke-width="1.2" stroke-dasharray="4 2"/>`);
  }
  return out;
}

/** Swatches for every opcode drawn, then the counter lines; wrapped to the width. */
function legendRows(rings: RingView[], width: number, y: number): { elements: string[]; bottom: number } {
  const names = [...new Set(rings.flatMap((r) => r.slices.map((s) => s.name)))].sort();
  const items: { text: string; swatch: string }[] = names.map((name) => ({
    text: name,
    swatch: `<rect width="12" height="10" fill="${opcodeColor(name)}"/>`,
  }));
  items.push(
    { text: 'ops in flight', swatch: `<line x1="0" y1="5" x2="14" y2="5" stroke="${COUNTER_COLORS.inFlight}" stroke-width="2"/>` },
    {
      text: 'SQ entries not yet consumed',
      swatch: `<line x1="0" y1="5" x2="14" y2="5" stroke="${COUNTER_COLORS.sq}" stroke-width="2" stroke-dasharray="4 2"/>`,
    },
    { text: 'CQ entries not yet reaped', swatch: `<line x1="0" y1="5" x2="14" y2="5" stroke="${COUNTER_COLORS.cq}" stroke-width="2" stroke-dasharray="4 2"/>` },
    { text: 'io_uring_enter (number: SQEs submitted)', swatch: '<line x1="6" y1="0" x2="6" y2="11" stroke="#222" stroke-width="1.2"/>' },
  );
  const elements: string[] = [];
  let left = 12;
  for (const item of items) {
    const w = 20 + item.text.length * CHAR_PX + 18;
    if (left + w > width - 12) {
      left = 12;
      y += 18;
    }
    elements.push(`<g transform="translate(${px(left)},${y})">${item.swatch}<text x="18" y="9.5">${escapeXml(item.text)}</text></g>`);
    left += w;
  }
  return { elements, bottom: y + 14 };
}
