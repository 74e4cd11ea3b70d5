// A horizontal bar chart, as SVG, of one family of benchmark rows. Rows mix
// units (µs per op, ops per second, MB/s…), so every bar is a speed relative
// to the row's Node built-in (Node = 1, higher is better, whatever the unit);
// the absolute figure is printed at the end of each bar.
import { formatRatio, formatValue } from './format.js';
import { lowerIsBetter, type RowResult, type ScenarioResult } from './types.js';

export interface ChartRow {
  row: RowResult;
  result: ScenarioResult;
}

const WIDTH = 980;
const LABELS = 300; // left column: row labels
const LABEL_CHARS = 48;
const RIGHT = 260; // room for the figures printed after the bars
const BAR = 13;
const GAP = 3;
const GROUP_GAP = 12;
const COLOURS = { node: '#9e9e9e', ringcore: '#1f77b4', limit: '#ff9f4a' } as const;

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const px = (n: number) => String(Math.round(n * 10) / 10);

interface Bar {
  kind: keyof typeof COLOURS;
  speed: number;
  text: string;
}

function bars({ row, result }: ChartRow): Bar[] {
  const lower = lowerIsBetter(row.unit);
  const speed = (value: number) => (lower ? row.nodeValue / value : value / row.nodeValue);
  const nodeLabel = result.runs.find((r) => r.id === row.node)?.label;
  const out: Bar[] = [
    { kind: 'node', speed: 1, text: `${formatValue(row.nodeValue, row.unit)}${nodeLabel ? ` (${nodeLabel})` : ''}` },
    { kind: 'ringcore', speed: speed(row.ringcoreValue), text: `${formatValue(row.ringcoreValue, row.unit)} · ${formatRatio(row.ratio)}` },
  ];
  if (row.limitValue !== undefined && row.limit !== undefined && 'label' in row.limit) {
    out.push({ kind: 'limit', speed: speed(row.limitValue), text: `${formatValue(row.limitValue, row.unit)} (${row.limit.label})` });
  }
  return out.filter((b) => Number.isFinite(b.speed) && b.speed >= 0);
}

/** Round steps for the speed axis. */
function ticks(max: number): number[] {
  const rough = max / 6;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? power * 10;
  const out: number[] = [];
  for (let t = 0; t <= max + 1e-9; t += step) out.push(Math.round(t * 1e6) / 1e6);
  return out;
}

export function barChart(title: string, rows: ChartRow[]): string {
  const groups = rows.map((r) => ({ ...r, bars: bars(r) })).filter((g) => g.bars.length > 0);
  // The scale follows Node and ringcore; a limit reference far beyond them is cut at the edge (marked »)
  // rather than squeezing every other bar into a sliver.
  const max = Math.max(1.2, ...groups.flatMap((g) => g.bars.filter((b) => b.kind !== 'limit').map((b) => b.speed))) * 1.25;
  const plot = WIDTH - LABELS - RIGHT;
  const x = (speed: number) => LABELS + (Math.min(speed, max) / max) * plot;
  const top = 62;
  const out: string[] = [];
  let y = top;
  for (const group of groups) {
    const height = group.bars.length * (BAR + GAP) - GAP;
    const label = group.row.label.length > LABEL_CHARS ? `${group.row.label.slice(0, LABEL_CHARS - 1)}…` : group.row.label;
    out.push(`<text x="${LABELS - 10}" y="${px(y + height / 2 + 4)}" text-anchor="end">${escapeXml(label)}<title>${escapeXml(group.row.label)}</title></text>`);
    for (const bar of group.bars) {
      const w = Math.max(1, x(bar.speed) - LABELS);
      out.push(
        `<rect class="bar" x="${LABELS}" y="${y}" width="${px(w)}" height="${BAR}" fill="${COLOURS[bar.kind]}"><title>${escapeXml(bar.text)}</title></rect>`,
      );
      const cut = bar.speed > max;
      if (cut) out.push(`<text x="${px(LABELS + w - 3)}" y="${y + BAR - 2.5}" font-size="11" text-anchor="end" fill="#fff">»</text>`);
      const text = cut ? `${bar.text} · ${formatRatio(bar.speed)} »` : bar.text;
      out.push(
        `<text x="${px(LABELS + w + 5)}" y="${y + BAR - 2.5}" font-size="10" fill="#333" stroke="#fff" stroke-width="3" paint-order="stroke">${escapeXml(text)}</text>`,
      );
      y += BAR + GAP;
    }
    y += GROUP_GAP - GAP;
  }
  const bottom = y;
  const axis: string[] = [];
  for (const t of ticks(max)) {
    axis.push(
      `<line x1="${px(x(t))}" y1="${top - 6}" x2="${px(x(t))}" y2="${bottom}" stroke="${t === 1 ? '#555' : '#e4e4e4'}"${t === 1 ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${px(x(t))}" y="${bottom + 15}" text-anchor="middle" font-size="10" fill="#333">${t}×</text>`,
    );
  }
  const legend = (['node', 'ringcore', 'limit'] as const).map((kind, i) => {
    const text = { node: 'Node built-in (= 1×)', ringcore: 'ringcore', limit: 'limit reference' }[kind];
    return `<g transform="translate(${LABELS + i * 170},38)"><rect width="12" height="10" fill="${COLOURS[kind]}"/><text x="17" y="9.5">${text}</text></g>`;
  });
  const height = bottom + 44;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans, Verdana, sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...legend,
    ...axis,
    ...out,
    `<text x="${LABELS + plot / 2}" y="${bottom + 34}" text-anchor="middle" font-size="10" fill="#555">speed relative to the Node built-in of the same row (higher is better)</text>`,
    '</svg>',
    '',
  ].join('\n');
}
