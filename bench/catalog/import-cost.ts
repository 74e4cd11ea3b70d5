// Import cost of the entry points, in fresh processes (child: scenarios/import-cost.ts).
import { formatValue } from '../lib/format.js';
import type { Mode, ScenarioDef, ScenarioResult } from '../lib/types.js';

const SIZES: Record<Mode, { processes: number }> = {
  quick: { processes: 3 },
  default: { processes: 20 },
  full: { processes: 40 },
};

const PAIRS = [
  ['ringcore/fs', 'node:fs/promises'],
  ['ringcore/net', 'node:net'],
  ['ringcore/http', 'node:http'],
] as const;

export const importCost: ScenarioDef = {
  name: 'import-cost',
  title: 'Import cost of the entry points',
  file: 'import-cost',
  description:
    "A fresh `node` process running a program file (bench/scenarios/import-probe.ts, as a user's program is a file) times " +
    '`await import(specifier)` (process.hrtime around the dynamic import), once per process; ' +
    'the figure is the median over the processes of a round. Each ringcore entry is compared with the Node built-in it ' +
    'stands in for. The time is mostly resolving, reading and compiling modules. Target (issue 13): at most 5 ms more ' +
    'than the built-in. Lower is better.',
  plan(mode) {
    const params = SIZES[mode];
    return {
      runs: PAIRS.flatMap(([ringcore, node]) => [
        { id: node, variant: node, params, label: node },
        { id: ringcore, variant: ringcore, params },
      ]),
      rows: PAIRS.map(([ringcore, node]) => ({ label: `import('${ringcore}')`, node, ringcore })),
    };
  },
  reading: readImport,
};

function readImport(result: ScenarioResult): string {
  const parts = PAIRS.flatMap(([ringcore, node]) => {
    const r = result.runs.find((run) => run.id === ringcore);
    const n = result.runs.find((run) => run.id === node);
    if (!r || !n) return [];
    const more = r.median - n.median;
    return [
      `\`import('${ringcore}')\` takes ${formatValue(r.median, 'ns/op')} against ${formatValue(n.median, 'ns/op')} for ${node}: ` +
        `${formatValue(more, 'ns/op')} more (target: at most 5 ms more${more <= 5e6 ? ', met' : ', missed'}).`,
    ];
  });
  return parts.join(' ');
}
