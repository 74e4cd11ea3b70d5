// Medians and spreads: a median ignores the odd slow round (a GC, a noisy
// neighbour on the VM) that a mean would smear over every figure.

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
