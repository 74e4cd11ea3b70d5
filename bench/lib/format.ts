// How figures are shown, in the terminal and in docs/benchmarks.md alike.
import type { Unit } from './types.js';

export function formatValue(value: number | undefined, unit: Unit): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  if (unit === 'ns/op' && value >= 10_000_000) return `${(value / 1e6).toFixed(1)} ms`;
  if (unit === 'B/conn') return value >= 10_240 ? `${(value / 1024).toFixed(1)} KiB/conn` : `${value.toFixed(0)} B/conn`;
  if (unit === 'ns/op') return value >= 10_000 ? `${(value / 1000).toFixed(1)} µs` : `${(value / 1000).toFixed(2)} µs`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M ops/s`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k ops/s`;
  return `${value.toFixed(0)} ops/s`;
}

export const formatRatio = (ratio: number): string => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–');

export function formatSpread(spread: number, noisy: boolean): string {
  if (!Number.isFinite(spread)) return '–';
  return noisy ? `${spread.toFixed(2)} noisy` : spread.toFixed(2);
}

/** A plain-text table with aligned columns, for the terminal. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join(' | ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line)].join('\n');
}
