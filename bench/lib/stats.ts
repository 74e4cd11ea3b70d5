// Medians and spreads: a median ignores the odd slow round (a GC, a noisy
// neighbour on the VM) that a mean would smear over every figure.
import type { ScenarioResult } from './types.js';

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** max/min: 1.0 means every round agreed; above NOISY_SPREAD the row is marked. */
export function spread(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  return Math.max(...values) / Math.min(...values);
}

/**
 * The median of one field of run `id`'s samples, undefined when none has it: the upper of the two middle values of
 * an even count (as the readings have always taken it), since a reading names one round's figure.
 */
export function sampleMedian(result: ScenarioResult, id: string, key: string): number | undefined {
  const values = (result.runs.find((r) => r.id === id)?.samples ?? [])
    .map((s) => Number(s[key]))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return values.length === 0 ? undefined : values[values.length >> 1];
}
