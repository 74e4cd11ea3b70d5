// The vocabulary shared by the orchestrator (run.ts), the scenario catalog
// and the report writer. Children only need Measurement.

/** quick: prove the harness works (CI); default: the published figures; full: longer and more rounds. */
export type Mode = 'quick' | 'default' | 'full';

/**
 * What one child process prints, as one JSON line. `value` is in a canonical
 * unit ('ns/op': lower is better, 'ops/s': higher is better, 'B/conn': memory
 * per connection, lower is better); anything else
 * (op counts, enters) is kept in the raw results for whoever digs deeper.
 */
export interface Measurement {
  value: number;
  unit: Unit;
  [extra: string]: unknown;
}

export type Unit = 'ns/op' | 'ops/s' | 'B/conn';

/** One child invocation, repeated once per round: `node dist/bench/scenarios/<file>.js <variant> <params>`. */
export interface RunSpec {
  id: string;
  variant: string;
  params: Record<string, unknown>;
  /** How the run is named in the table ('setImmediate', 'raw ring'); none for ringcore's own runs. */
  label?: string;
  /**
   * Outside tools the run needs (see bench/lib/references.ts: 'fio', 'wrk',
   * 'nginx', 'bun'). When one is missing the run is skipped, and its rows say
   * how to install it (`npm run bench -- --setup`).
   */
  requires?: string[];
}

/** A line of the table: a Node built-in against ringcore, ids into the plan's runs. */
export interface RowSpec {
  label: string;
  node: string;
  ringcore: string;
  /** A measured bound for the ringcore figure (e.g. the raw ring, no promises), or a fixed text. */
  limit?: { run: string; label: string } | { text: string };
  /**
   * A target the project set for the row, in the row's unit; or, with `ratio`, the least
   * ratio against the row's reference run (the `ratio` column) that meets it.
   */
  target?: { value: number; text: string; ratio?: boolean };
  /**
   * In the headline set that a plain `npm run bench` measures (about 2
   * minutes): only these rows and the runs they name (their limit runs
   * included) are run then. --full, --quick and --only run every row.
   */
  headline?: boolean;
}

export interface Plan {
  runs: RunSpec[];
  rows: RowSpec[];
}

/** A scenario: one child program (bench/scenarios/<file>.ts), one table, one results file. */
export interface ScenarioDef {
  /** The results file name and the --only key. */
  name: string;
  title: string;
  file: string;
  /** Markdown: what is measured, and how. */
  description: string;
  /** The report groups scenarios by family, with one bar chart each: 'core' (default), 'files', 'network', 'http'. */
  family?: string;
  plan(mode: Mode): Plan;
  /** Markdown: what the figures say, written from the figures themselves. */
  reading?(result: ScenarioResult): string;
}

export interface Machine {
  cpu: string;
  nproc: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  /** `bun --version`, when Bun is installed (it is a limit reference). */
  bun?: string;
}

/** The machine's speed at one moment (bench/scenarios/speed-probe.ts): a fixed piece of JavaScript, and a setImmediate round trip. */
export interface Speed {
  jsMs: number;
  immediateNs: number;
}

export interface RunResult extends RunSpec {
  unit: Unit;
  samples: Measurement[];
  median: number;
  /** max/min over the rounds (1 when there was one round). */
  spread: number;
}

export interface RowResult extends RowSpec {
  unit: Unit;
  nodeValue: number;
  ringcoreValue: number;
  limitValue?: number;
  /** How many times better ringcore is than Node (> 1: ringcore wins), whatever the unit. */
  ratio: number;
  spread: number;
  noisy: boolean;
  targetMet?: boolean;
}

/** What bench/results/<name>.json holds. */
export interface ScenarioResult {
  name: string;
  title: string;
  mode: Mode;
  rounds: number;
  date: string;
  machine: Machine;
  /** CPU time the hypervisor stole while the scenario ran, in percent of all CPU time. */
  stealPercent?: number;
  /** CPUs' worth of work other processes did during the measurements: mean and worst over the runs. */
  background?: { mean: number; max: number };
  /** Time spent waiting for other processes to quieten down before runs. */
  waitedMs?: number;
  /** The machine's speed just before the scenario's first run and just after its last. */
  speed?: { before: Speed; after: Speed };
  /** Only the plan's headline rows were measured (a plain `npm run bench`). */
  headlineOnly?: boolean;
  runs: RunResult[];
  rows: RowResult[];
  /** Rows not measured because an outside tool was missing, with how to install it. */
  skipped?: SkippedRow[];
}

export interface SkippedRow {
  label: string;
  reason: string;
}

export const NOISY_SPREAD = 1.3;

/** Other processes using more CPU than this during a run make its figure suspect. */
export const BUSY_BACKGROUND = 0.2;

export const lowerIsBetter = (unit: Unit): boolean => unit !== 'ops/s';
