// The benchmark orchestrator: `npm run bench [-- --quick | --full] [--only <name>] [--rounds <n>] [--setup]`.
// By default it runs the headline rows (lib/select.ts) in about 2 minutes;
// --full runs every row of every scenario in under 10.
// It runs every measurement as its own process, alternating the variants of a
// scenario round by round, takes medians, prints a table, stores the raw
// figures in bench/out/<scenario>.json (not tracked) and writes a report of
// everything stored there (bench/out/benchmarks.md and its charts).
// --publish stores them in bench/results/ instead and rewrites the published
// report, docs/benchmarks.md and its charts, from everything stored there:
// one machine's figures replace the published ones only when asked.
// --quick (CI) proves the harness works in well under a minute: one round at
// small sizes. Its figures are not worth publishing, so it refuses --publish.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { catalog } from './catalog/index.js';
import { textTable } from './lib/format.js';
import { cpuTicks, machine, speed, stealPercent } from './lib/machine.js';
import { formatDuration, Progress, type PlannedRun } from './lib/progress.js';
import { withInstalledTools } from './lib/requirements.js';
import { select } from './lib/select.js';
import { QuietWait } from './lib/quiet.js';
import { setup } from './lib/setup.js';
import { measure } from './lib/spawn.js';
import { summarize } from './lib/summary.js';
import { BUSY_BACKGROUND, type Measurement, type Mode, type ScenarioResult } from './lib/types.js';
import { renderCharts, renderReport, rowCells, tableColumns, type Section } from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const root = path.resolve(here, '..', '..');

const USAGE = `usage: npm run bench [-- options]
  (none)           the headline rows (cat 100 MB, 100 sequential, 1000 concurrent, random reads QD 128, HTTP c=256), 3 rounds: about 2 minutes
  --quick          every scenario, one round at small sizes (CI: proves the harness runs)
  --publish        store the figures in bench/results/ and rewrite docs/benchmarks.md and its charts
                   (without it, figures and report go to bench/out/, which git ignores)
  --full           every row of every scenario, 3 rounds: under 10 minutes
  --setup          install the limit references (fio, wrk, nginx from Debian; bun into bench/.tools) and exit
  --only <name>    every row of one scenario (repeatable, or comma-separated); the report keeps the others' stored figures
  --rounds <n>     rounds per figure (default: 3; quick: 1; full: 3)
  --report-only    measure nothing: rewrite the report from the stored results
  --max-wait <s>   before each run, wait for other processes to go quiet, this long at most over the whole
                   benchmark (default 60), so that a busy machine flags its figures instead of stalling
scenarios: ${catalog.map((d) => d.name).join(', ')}`;

function options() {
  try {
    const { values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        full: { type: 'boolean', default: false },
        only: { type: 'string', multiple: true },
        rounds: { type: 'string' },
        'report-only': { type: 'boolean', default: false },
        publish: { type: 'boolean', default: false },
        'max-wait': { type: 'string' },
        setup: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    if (values.setup) process.exit(setup() ? 0 : 1);
    if (values.quick && values.full) throw new Error('--quick and --full do not mix');
    if (values.quick && values.publish) throw new Error('--quick figures are not worth publishing: drop --publish');
    const mode: Mode = values.quick ? 'quick' : values.full ? 'full' : 'default';
    const rounds = values.rounds === undefined ? { quick: 1, default: 3, full: 3 }[mode] : Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds wants a positive integer, got ${values.rounds}`);
    const only = (values.only ?? []).flatMap((s) => s.split(',')).filter(Boolean);
    const unknown = only.filter((name) => !catalog.some((d) => d.name === name));
    if (unknown.length > 0) throw new Error(`unknown scenario: ${unknown.join(', ')}`);
    const maxWait = values['max-wait'] === undefined ? undefined : Number(values['max-wait']);
    if (maxWait !== undefined && !(maxWait >= 0)) throw new Error(`--max-wait wants a number of seconds >= 0, got ${values['max-wait']}`);
    return { mode, rounds, only, reportOnly: values['report-only'], maxWait, publish: values.publish };
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

/** Progress on stderr: one line rewritten in place on a terminal, one line per run otherwise. */
function status(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  else process.stderr.write(`${text}\n`);
}

const { mode, rounds, only, reportOnly, maxWait, publish } = options();
// Before each run, wait for other processes to go quiet, this long at most in
// all. Not in quick mode: it proves the harness works and its figures mean little.
const quiet = new QuietWait(mode === 'quick' ? 0 : (maxWait ?? 60) * 1000);
const resultsDir = publish ? path.join(root, 'bench', 'results') : path.join(root, 'bench', 'out');
const reportFile = publish ? path.join(root, 'docs', 'benchmarks.md') : path.join(resultsDir, 'benchmarks.md');
mkdirSync(resultsDir, { recursive: true });
mkdirSync(path.dirname(reportFile), { recursive: true });

const selection = select(catalog, mode, only);
const selected = reportOnly ? [] : selection.selected;
const context = { mode, rounds, date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), machine: machine() };
const started = Date.now();
let failed = 0;
const measured = new Set<string>();

// Every run of every scenario, in the order they will go, for "run k of n" and the time left.
const plans = selected.map(({ def, plan, headlineOnly }) => ({ def, headlineOnly, ...withInstalledTools(plan) }));
/**
 * A round's runs, each round starting one later (A B C, B C A, C A B …): no variant always runs right after
 * the same one (a SEND right after a SEND_ZC, say), so what one run leaves behind is spread over all of them.
 */
const inRoundOrder = <T>(runs: readonly T[], round: number): T[] => {
  const start = (round - 1) % runs.length;
  return [...runs.slice(start), ...runs.slice(0, start)];
};
const planned: PlannedRun[] = plans.flatMap(({ def, plan }) =>
  Array.from({ length: rounds }, (_, i) => inRoundOrder(plan.runs, i + 1).map((run) => ({ scenario: def.name, run }))).flat(),
);
const stored = plans.map(({ def }) => path.join(resultsDir, `${def.name}.json`)).filter((file) => existsSync(file));
const progress = new Progress(planned, Progress.storedDurations(stored.map((file) => JSON.parse(readFileSync(file, 'utf8')) as ScenarioResult)));
if (!reportOnly) console.error(`${selected.length} scenario(s): ${selection.why}; ${progress.total} runs, ${rounds} round(s), ${mode} mode`);

const speedProbe = path.join(here, 'scenarios', 'speed-probe.js');
for (const { def, plan, skipped, headlineOnly } of plans) {
  const script = path.join(here, 'scenarios', `${def.file}.js`);
  const samples = new Map<string, Measurement[]>();
  for (const row of skipped) console.error(`${def.name}: skipping "${row.label}": ${row.reason}`);
  const ticks = cpuTicks();
  let waitedMs = await quiet.wait(() => status(`${def.name}: the machine's speed · waiting for other processes to quieten`));
  const speedBefore = speed(speedProbe);
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const run of inRoundOrder(plan.runs, round)) {
        const line = progress.line(def.name, run, round, rounds);
        status(line);
        const waited = await quiet.wait(() => status(`${line} · waiting for other processes to quieten`));
        waitedMs += waited;
        if (waited > 0 && quiet.exhausted) status('the machine stays busy: no more waiting for quiet (its runs are flagged)\n');
        // The time left counts runs, not waits.
        const runStarted = Date.now();
        const m = await measure(script, run);
        quiet.ran(typeof m.backgroundCores === 'number' ? m.backgroundCores : undefined);
        progress.finished(def.name, run, Date.now() - runStarted);
        samples.set(run.id, [...(samples.get(run.id) ?? []), m]);
      }
    }
  } catch (error) {
    status(`${def.name}: FAILED: ${(error as Error).message}\n`);
    progress.dropScenario(def.name);
    failed++;
    continue;
  }
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const result = summarize(def, plan, samples, context);
  if (skipped.length > 0) result.skipped = skipped;
  if (headlineOnly) result.headlineOnly = true;
  const steal = stealPercent(ticks, cpuTicks());
  if (steal !== undefined) result.stealPercent = steal;
  if (waitedMs > 0) result.waitedMs = waitedMs;
  const speedAfter = speed(speedProbe);
  if (speedBefore !== undefined && speedAfter !== undefined) result.speed = { before: speedBefore, after: speedAfter };
  writeFileSync(path.join(resultsDir, `${def.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  measured.add(def.name);
}

// The report covers every scenario with stored figures, not only those run now.
const sections: Section[] = [];
for (const def of catalog) {
  const file = path.join(resultsDir, `${def.name}.json`);
  if (existsSync(file)) sections.push({ def, result: JSON.parse(readFileSync(file, 'utf8')) as ScenarioResult });
}
writeFileSync(reportFile, renderReport(sections));
// One bar chart per family, beside the report that embeds them.
const charts = renderCharts(sections);
for (const chart of charts) writeFileSync(path.join(path.dirname(reportFile), chart.file), chart.svg);

// The terminal shows what was measured now (or, with --report-only, everything stored).
const fresh = reportOnly ? sections : sections.filter((s) => measured.has(s.def.name));
const rows = fresh.flatMap(({ result }) => result.rows.map((row) => rowCells(row, result)));
console.log(`\n${textTable(tableColumns(), rows)}\n`);
for (const { result } of fresh) for (const row of result.skipped ?? []) console.log(`skipped: ${row.label}: ${row.reason}`);
for (const { result } of fresh) {
  const busy = result.runs.flatMap((r) => r.samples).filter((m) => typeof m.backgroundCores === 'number' && m.backgroundCores > BUSY_BACKGROUND);
  if (busy.length > 0) {
    console.log(
      `warning: ${result.name}: other processes used > ${BUSY_BACKGROUND} CPU in ${busy.length} of its runs (worst ${result.background?.max} CPU); its figures are suspect`,
    );
  }
}
if (!reportOnly) console.log(`${fresh.length} scenario(s), ${rounds} round(s), ${mode} mode, ${formatDuration(Date.now() - started)}`);
const chartFiles = charts.map((c) => path.relative(root, path.join(path.dirname(reportFile), c.file)));
console.log(
  `raw figures: ${path.relative(root, resultsDir)}/, report: ${path.relative(root, reportFile)}${chartFiles.length > 0 ? `, charts: ${chartFiles.join(', ')}` : ''}`,
);
if (failed > 0) {
  console.error(`${failed} scenario(s) failed`);
  process.exitCode = 1;
}
