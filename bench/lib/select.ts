// What a run measures. A plain `npm run bench` measures the headline set in
// about 2 minutes: the rows marked `headline: true` in the catalog (cat 100 MB,
// 100 sequential and 1000 concurrent requests, random reads at QD 128, HTTP at
// c=256) and only the runs those rows name. --quick and --full measure every
// row of every scenario; --only every row of the scenarios it names.
import type { Mode, Plan, ScenarioDef } from './types.js';

export interface Selected {
  def: ScenarioDef;
  plan: Plan;
  /** The plan was cut down to its headline rows. */
  headlineOnly: boolean;
}

export interface Selection {
  selected: Selected[];
  /** Why this set, for the terminal. */
  why: string;
}

/** The plan's headline rows and the runs they name (Node, ringcore, limit), in plan order. */
function headlineOf(plan: Plan): Plan {
  const rows = plan.rows.filter((row) => row.headline === true);
  const needed = new Set(rows.flatMap((row) => [row.node, row.ringcore, ...(row.limit !== undefined && 'run' in row.limit ? [row.limit.run] : [])]));
  return { runs: plan.runs.filter((run) => needed.has(run.id)), rows };
}

export function select(catalog: readonly ScenarioDef[], mode: Mode, only: readonly string[]): Selection {
  const whole = (def: ScenarioDef): Selected => ({ def, plan: def.plan(mode), headlineOnly: false });
  if (only.length > 0) return { selected: catalog.filter((d) => only.includes(d.name)).map(whole), why: `--only ${only.join(',')}` };
  if (mode !== 'default') return { selected: catalog.map(whole), why: `--${mode}: every scenario` };
  const selected = catalog.map((def) => ({ def, plan: headlineOf(def.plan(mode)), headlineOnly: true })).filter((s) => s.plan.rows.length > 0);
  if (selected.length === 0) return { selected: catalog.map(whole), why: 'no headline row in the catalog: every scenario' };
  return { selected, why: `the headline rows (--full runs all ${catalog.length} scenarios)` };
}
