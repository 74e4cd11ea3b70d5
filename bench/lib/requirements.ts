// Drops from a plan the runs whose outside tool (fio, wrk, nginx, bun) is not
// installed. A row that lost its Node or ringcore run is skipped, saying how to
// install what it needs; a row that lost only its limit reference keeps its
// figures and says so in the limit column.
import { installHint, missingTools } from './references.js';
import type { Plan, SkippedRow } from './types.js';

export function withInstalledTools(plan: Plan): { plan: Plan; skipped: SkippedRow[] } {
  const missing = new Map<string, string[]>();
  for (const run of plan.runs) {
    const tools = missingTools(run.requires);
    if (tools.length > 0) missing.set(run.id, tools);
  }
  if (missing.size === 0) return { plan, skipped: [] };
  const hint = (id: string) => missing.get(id)!.map(installHint).join('; ');
  const skipped: SkippedRow[] = [];
  const rows: Plan['rows'] = [];
  for (const row of plan.rows) {
    const lost = [row.node, row.ringcore].find((id) => missing.has(id));
    if (lost !== undefined) {
      skipped.push({ label: row.label, reason: hint(lost) });
    } else if (row.limit !== undefined && 'run' in row.limit && missing.has(row.limit.run)) {
      rows.push({ ...row, limit: { text: `skipped: ${missing.get(row.limit.run)!.join(', ')} not installed (--setup)` } });
    } else {
      rows.push(row);
    }
  }
  return { plan: { runs: plan.runs.filter((r) => !missing.has(r.id)), rows }, skipped };
}
