// Writes the report from stored results: docs/benchmarks.md from
// bench/results/*.json when publishing, bench/out/benchmarks.md otherwise.
// It renders whatever scenarios it is given, in catalog order: a new scenario
// adds its rows by existing, with nothing to change here.
import { barChart } from './lib/chart.js';
import { formatRatio, formatSpread, formatValue } from './lib/format.js';
import { NOISY_SPREAD, type Machine, type RowResult, type ScenarioDef, type ScenarioResult } from './lib/types.js';

export interface Section {
  def: ScenarioDef;
  result: ScenarioResult;
}

/** Headings of the families the catalog uses today; any other family is named after itself. */
const FAMILY_TITLES: Record<string, string> = { core: 'Core', files: 'Files', network: 'Network', http: 'HTTP' };
/** Without a `family`, a scenario's name prefix says it (fs-cat → files); anything else is core. */
const FAMILY_PREFIXES: Record<string, string> = { fs: 'files', net: 'network', http: 'http' };

const familyOf = (def: ScenarioDef): string => def.family ?? FAMILY_PREFIXES[def.name.split('-')[0]!] ?? 'core';

export interface Family {
  family: string;
  title: string;
  /** The chart's file name, beside the report. */
  chart: string;
  sections: Section[];
}

/** Sections grouped by family, families in order of first appearance in the catalog. */
export function families(sections: Section[]): Family[] {
  const out = new Map<string, Family>();
  for (const section of sections) {
    const family = familyOf(section.def);
    let entry = out.get(family);
    if (entry === undefined) {
      const title = FAMILY_TITLES[family] ?? family.charAt(0).toUpperCase() + family.slice(1);
      entry = { family, title, chart: `bench-${family}.svg`, sections: [] };
      out.set(family, entry);
    }
    entry.sections.push(section);
  }
  return [...out.values()];
}

/** One bar chart per family with measured rows: file name and SVG text. */
export function renderCharts(sections: Section[]): { file: string; svg: string }[] {
  return families(sections)
    .map((f) => ({ f, rows: f.sections.flatMap(({ result }) => result.rows.map((row) => ({ row, result }))) }))
    .filter(({ rows }) => rows.length > 0)
    .map(({ f, rows }) => ({ file: f.chart, svg: barChart(`${f.title}: ringcore against Node's built-ins`, rows) }));
}

const COLUMNS = ['scenario', 'Node built-in', 'ringcore', 'ratio', 'limit reference', 'spread'];

/** The cells of one row, shared by the terminal table and the markdown one. */
export function rowCells(row: RowResult, result: ScenarioResult): string[] {
  const label = (id: string) => result.runs.find((r) => r.id === id)?.label;
  const nodeLabel = label(row.node);
  let limit = '';
  if (row.limit !== undefined) limit = 'text' in row.limit ? row.limit.text : `${formatValue(row.limitValue, row.unit)} (${row.limit.label})`;
  return [
    row.label,
    `${formatValue(row.nodeValue, row.unit)}${nodeLabel ? ` (${nodeLabel})` : ''}`,
    formatValue(row.ringcoreValue, row.unit),
    formatRatio(row.ratio),
    limit,
    result.rounds > 1 ? formatSpread(row.spread, row.noisy) : 'n/a (1 round)',
  ];
}

export const tableColumns = (): string[] => [...COLUMNS];

function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.nproc} vCPU, ${m.memoryGiB} GiB RAM; Linux ${m.kernel}; Node ${m.node}`;
}

function markdownTable(section: Section): string {
  const escapeCell = (cell: string) => cell.replace(/\|/g, '\\|');
  const lines = [`| ${COLUMNS.join(' | ')} |`, `|${COLUMNS.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of section.result.rows) lines.push(`| ${rowCells(row, section.result).map(escapeCell).join(' | ')} |`);
  return lines.join('\n');
}

function targets(section: Section): string[] {
  const byTarget = new Map<string, RowResult[]>();
  for (const row of section.result.rows) {
    if (row.target === undefined) continue;
    byTarget.set(row.target.text, [...(byTarget.get(row.target.text) ?? []), row]);
  }
  return [...byTarget].map(([text, rows]) => {
    const met = rows.every((r) => r.targetMet);
    const none = rows.every((r) => !r.targetMet);
    const verdict = met ? 'met' : none ? 'not met' : 'partly met';
    const figure = (r: RowResult) =>
      r.target?.ratio ? `${formatRatio(r.ratio)} (${formatValue(r.ringcoreValue, r.unit)})` : formatValue(r.ringcoreValue, r.unit);
    const figures = rows.map((r) => `${r.label}: ${figure(r)} (${r.targetMet ? 'met' : 'not met'})`).join('; ');
    return `- Target ${text}: **${verdict}**. ${figures}.`;
  });
}

export function renderReport(sections: Section[]): string {
  const latest = sections.reduce<ScenarioResult | undefined>((a, s) => (a === undefined || s.result.date > a.date ? s.result : a), undefined);
  const out: string[] = [
    '# Benchmarks',
    '',
    '<!-- Written by `npm run bench -- --publish` (bench/report.ts) from bench/results/*.json. Do not edit by hand: rerun it. -->',
    '',
    'Where the time of each row goes, and why a missed target is missed, is written by hand in [performance.md](performance.md).',
    '',
  ];
  if (latest !== undefined) {
    const m = latest.machine;
    out.push(
      `- **Machine:** ${m.cpu}, ${m.nproc} vCPU, ${m.memoryGiB} GiB RAM (a VM; nothing pinned to a CPU)`,
      `- **Kernel:** Linux ${m.kernel}`,
      `- **Node:** ${m.node}`,
      `- **Bun:** ${m.bun ?? 'not installed (`npm run bench -- --setup`)'}`,
      `- **Date:** ${latest.date}`,
      `- **Command:** \`npm run bench\`${latest.mode === 'default' ? '' : ` (\`--${latest.mode}\`)`}, ${latest.rounds} round${latest.rounds === 1 ? '' : 's'} per figure`,
      '',
    );
  }
  out.push(
    '## How the figures were taken',
    '',
    'Every measurement is a fresh Node process (`node dist/bench/scenarios/<file>.js <variant> <params>`) that ' +
      "warms up, measures one variant once and prints one JSON line, so no variant inherits another's JIT " +
      'state, heap or rings. Within a scenario, every variant runs once per round, in turn, each round starting one variant later (A B C, B C A, …), so a ' +
      'slow spell of the VM hits all sides alike and no variant always follows the same one. A figure is the median over the rounds. Processes run one at a ' +
      `time and are not pinned. **spread** is max/min over the rounds of the Node and ringcore runs of a row; ` +
      `above ${NOISY_SPREAD} the row is marked *noisy* and its ratio should not be trusted to one decimal. ` +
      'The VM has 2 vCPUs, so anything else running halves the figures: before each run the harness waits ' +
      'for other processes to use less than 0.15 CPU (60 s at most over a whole run by default; `--max-wait <s>` sets it), and it records the load they caused ' +
      'during each run (machine busy time less the CPU time of the measured process and of the servers, clients and tools it started). ' +
      "Before and after each scenario a fresh process times a fixed piece of JavaScript and a setImmediate round trip (`bench/scenarios/speed-probe.ts`): the machine's speed, " +
      'printed under each scenario, so that a slower VM (which slows the Node column as much as the ringcore one) reads as such and not as a regression. ' +
      'Raw figures, every round, are in `bench/results/<scenario>.json`. `npm run bench -- --publish` measures the ' +
      'headline rows in about 2 minutes and `--full` every row of every scenario in under 10, 3 rounds each; ' +
      'this page keeps the last figures of each scenario. ' +
      'A row whose limit reference (fio, wrk, nginx, Bun) is not installed is skipped and says so; ' +
      '`npm run bench -- --setup` installs them. The charts show each row as a speed relative to its Node built-in.',
    '',
    '## How to read this',
    '',
    "**ratio** says how many times better ringcore is than the Node built-in on that row: Node's time " +
      "divided by ringcore's for latencies, ringcore's rate divided by Node's for throughputs. Above 1 " +
      'ringcore wins, below 1 it loses. The **limit reference** is what the same work costs with nothing of ' +
      "ringcore's above the ring (or an outside tool, where named): the gap between it and the ringcore " +
      "column is ringcore's own overhead, the part that this project can still remove. Targets (the figures " +
      'the project set out to reach) are checked against the ringcore column as measured, with no adjustment.',
    '',
  );
  for (const family of families(sections)) {
    out.push(`## ${family.title}`, '');
    if (family.sections.some((s) => s.result.rows.length > 0)) out.push(`![${family.title}: speed relative to Node, per row](${family.chart})`, '');
    for (const section of family.sections) out.push(...renderSection(section, latest));
  }
  return out.join('\n');
}

/** The machine's speed around the scenario: a slower VM slows every column alike, Node's too. */
function speedNote(result: ScenarioResult): string {
  if (result.speed === undefined) return '';
  const { before, after } = result.speed;
  const trip = (ns: number): string => `${(ns / 1000).toFixed(2)} µs`;
  return ` Machine speed before / after: the fixed JavaScript work ${before.jsMs} / ${after.jsMs} ms, a setImmediate trip ${trip(before.immediateNs)} / ${trip(after.immediateNs)}.`;
}

function renderSection(section: Section, latest: ScenarioResult | undefined): string[] {
  const out: string[] = [];
  const { def, result } = section;
  out.push(`### ${result.title}`, '', def.description, '');
  if (result.rows.length > 0) out.push(markdownTable(section), '');
  const skipped = result.skipped ?? [];
  if (skipped.length > 0) out.push(...skipped.map((s) => `- Skipped: ${s.label}: ${s.reason}.`), '');
  const differs = latest !== undefined && machineLine(result.machine) !== machineLine(latest.machine);
  let steal = result.stealPercent === undefined ? '' : `, CPU steal ${result.stealPercent} %`;
  if (result.background !== undefined) steal += `, other processes' load ${result.background.mean} CPU on average (worst run ${result.background.max})`;
  const only = result.headlineOnly ? ` Only the headline rows (a plain \`npm run bench\`); \`--full\` or \`--only ${result.name}\` measures every row.` : '';
  const note =
    `Measured ${result.date}, ${result.rounds} round${result.rounds === 1 ? '' : 's'}${steal}` +
    (differs ? `, on ${machineLine(result.machine)}` : '') +
    `.${speedNote(result)}${only}`;
  out.push(note, '');
  const lines = targets(section);
  if (lines.length > 0) out.push(...lines, '');
  const reading = def.reading?.(result);
  if (reading) out.push(`**Reading.** ${reading}`, '');
  return out;
}
