// From raw samples to the figures the table shows: medians per run, then
// per row the ratio against Node, the spread, and whether a target is met.
import { median, spread } from './stats.js';
import {
  lowerIsBetter,
  NOISY_SPREAD,
  type Machine,
  type Measurement,
  type Mode,
  type Plan,
  type RowResult,
  type RunResult,
  type ScenarioDef,
  type ScenarioResult,
} from './types.js';

export function summarize(
  def: ScenarioDef,
  plan: Plan,
  samples: Map<string, Measurement[]>,
  context: { mode: Mode; rounds: number; date: string; machine: Machine },
): ScenarioResult {
  const runs: RunResult[] = plan.runs.map((spec) => {
    const own = samples.get(spec.id) ?? [];
    const values = own.map((m) => m.value);
    return { ...spec, unit: own[0]?.unit ?? 'ns/op', samples: own, median: median(values), spread: spread(values) };
  });
  const byId = new Map(runs.map((r) => [r.id, r]));
  const rows: RowResult[] = plan.rows.map((row) => {
    const node = byId.get(row.node);
    const ringcore = byId.get(row.ringcore);
    if (node === undefined || ringcore === undefined) throw new Error(`${def.name}: row ${row.label} names a run that is not in the plan`);
    const limit = row.limit !== undefined && 'run' in row.limit ? byId.get(row.limit.run) : undefined;
    const lower = lowerIsBetter(ringcore.unit);
    const worst = Math.max(node.spread, ringcore.spread);
    const result: RowResult = {
      ...row,
      unit: ringcore.unit,
      nodeValue: node.median,
      ringcoreValue: ringcore.median,
      ratio: lower ? node.median / ringcore.median : ringcore.median / node.median,
      spread: worst,
      noisy: worst > NOISY_SPREAD,
    };
    if (limit !== undefined) result.limitValue = limit.median;
    if (row.target?.ratio) result.targetMet = result.ratio >= row.target.value;
    else if (row.target !== undefined) result.targetMet = lower ? ringcore.median <= row.target.value : ringcore.median >= row.target.value;
    return result;
  });
  const loads = runs.flatMap((r) => r.samples.map((m) => m.backgroundCores)).filter((l): l is number => typeof l === 'number');
  const result: ScenarioResult = { name: def.name, title: def.title, ...context, runs, rows };
  if (loads.length > 0) {
    const round2 = (n: number) => Math.round(n * 100) / 100;
    result.background = { mean: round2(loads.reduce((a, b) => a + b, 0) / loads.length), max: round2(Math.max(...loads)) };
  }
  return result;
}
