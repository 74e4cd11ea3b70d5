// Which scenarios a run measures. A plain `npm run bench` runs the headline
// set (about 2 minutes): the seeds' rows (cat 100 MB, 100 sequential and 1000
// concurrent requests) plus random reads at QD 128 and HTTP at c=256. A
// scenario joins it with `headline: true` in its catalog entry, or by having
// one of the names below, so that entries being written now slot in as they
// land. --quick and --full run everything; --only runs what it names.
import type { Mode, ScenarioDef } from './types.js';

// fs-cat: cat 100 MB; net-echo: 100 sequential and 1000 concurrent requests;
// fs-random-read: QD 128; http-hello: c=256 (each scenario's plan('default') picks its rows).
export const HEADLINE_NAMES: readonly string[] = ['fs-cat', 'fs-random-read', 'net-echo', 'http-hello'];

export const isHeadline = (def: ScenarioDef): boolean => def.headline === true || HEADLINE_NAMES.includes(def.name);

export interface Selection {
  scenarios: ScenarioDef[];
  /** Why this set, for the terminal. */
  why: string;
}

export function selectScenarios(catalog: readonly ScenarioDef[], mode: Mode, only: readonly string[]): Selection {
  if (only.length > 0) return { scenarios: catalog.filter((d) => only.includes(d.name)), why: `--only ${only.join(',')}` };
  if (mode !== 'default') return { scenarios: [...catalog], why: `--${mode}: every scenario` };
  const headline = catalog.filter(isHeadline);
  if (headline.length === 0) return { scenarios: [...catalog], why: 'no headline scenario in the catalog yet: every scenario' };
  return { scenarios: headline, why: `the headline set (--full runs all ${catalog.length})` };
}
