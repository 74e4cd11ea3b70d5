// A time axis: tick positions at round values (1, 2 or 5 × 10^k µs) and their labels.

/** About `count` ticks covering [from, to] µs, at round steps. */
export function timeTicks(from: number, to: number, count = 8): number[] {
  const span = to - from;
  if (!(span > 0)) return [from];
  const rough = span / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to + step * 1e-9; t += step) ticks.push(Math.round(t * 1e6) / 1e6);
  return ticks;
}

/** µs as the shortest readable text: 750 µs, 1.5 ms, 2 s. */
export function formatTime(us: number): string {
  const trim = (n: number) => String(Math.round(n * 1000) / 1000);
  if (Math.abs(us) >= 1e6) return `${trim(us / 1e6)} s`;
  if (Math.abs(us) >= 1e3) return `${trim(us / 1e3)} ms`;
  return `${trim(us)} µs`;
}
