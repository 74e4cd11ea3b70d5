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
/** The import and the first call after it: what a program pays before its first result. */
const FIRST_CALL = ['ringcore/fs + stat', 'node:fs/promises + stat'] as const;

export const importCost: ScenarioDef = {
  name: 'import-cost',
  title: 'Import cost of the entry points',
  file: 'import-cost',
  description:
    "A fresh `node` process running a program file (bench/scenarios/import-probe.ts, as a user's program is a file) times " +
    '`await import(specifier)` (process.hrtime around the dynamic import), once per process; ' +
    'the figure is the median over the processes of a round. Each ringcore entry is compared with the Node built-in it ' +
    'stands in for. The time is mostly resolving, reading and compiling modules. Target (issue 13): at most 5 ms more ' +
    'than the built-in. A last row times the import of ringcore/fs and node:fs/promises with their first `stat()` ' +
    "(of the probe's own file) in the same process: the first call sets up the ring and runs code for the first time. " +
    'Lower is better.',
  plan(mode) {
    const params = SIZES[mode];
    return {
      runs: [...PAIRS, FIRST_CALL].flatMap(([ringcore, node]) => [
        { id: node, variant: node, params, label: node },
        { id: ringcore, variant: ringcore, params },
      ]),
      rows: [
        ...PAIRS.map(([ringcore, node]) => ({ label: `import('${ringcore}')`, node, ringcore })),
        { label: "import('ringcore/fs') and its first stat()", node: FIRST_CALL[1], ringcore: FIRST_CALL[0] },
      ],
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
  const first = result.runs.find((run) => run.id === FIRST_CALL[0]);
  const firstNode = result.runs.find((run) => run.id === FIRST_CALL[1]);
  if (first && firstNode) {
    parts.push(
      `\`import('ringcore/fs')\` and its first \`stat()\` take ${formatValue(first.median, 'ns/op')} against ` +
        `${formatValue(firstNode.median, 'ns/op')} for node:fs/promises: what a program pays before its first result.`,
    );
  }
  return parts.join(' ');
}
