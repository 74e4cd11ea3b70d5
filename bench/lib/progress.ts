// Progress while the benchmark runs: which scenario, run k of n, and the time
// left. A run's duration is known once it has run (rounds repeat the same
// runs); before that, from the last stored results of the same run with the
// same params (a run of another size says nothing of this one), else
// from the run's `seconds` param when it has one, else the mean so far.
import type { RunSpec, ScenarioResult } from './types.js';

export interface PlannedRun {
  scenario: string;
  run: RunSpec;
}

export class Progress {
  private done = 0;
  private spentMs = 0;
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly planned: PlannedRun[],
    /** Durations of runs in stored results (ms), by key(). */
    private readonly stored: Map<string, number>,
  ) {}

  /** Durations from a stored results file, when its samples carry wallMs. */
  static storedDurations(results: ScenarioResult[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const result of results) {
      for (const run of result.runs) {
        const walls = run.samples.map((s) => s.wallMs).filter((w): w is number => typeof w === 'number');
        if (walls.length > 0) out.set(key(result.name, run), walls.reduce((a, b) => a + b, 0) / walls.length);
      }
    }
    return out;
  }

  get total(): number {
    return this.planned.length;
  }

  /** The line to show before run number `done + 1` starts. */
  line(scenario: string, run: RunSpec, round: number, rounds: number): string {
    const left = this.leftMs();
    const eta = left === undefined ? 'estimating time left' : `~${formatDuration(left)} left`;
    return `[${this.done + 1}/${this.total}] ${scenario}: ${run.id} (round ${round}/${rounds}) · ${eta}`;
  }

  finished(scenario: string, run: RunSpec, ms: number): void {
    this.done++;
    this.spentMs += ms;
    this.seen.set(key(scenario, run), ms);
  }

  /** Takes the remaining runs of a failed scenario out of the count. */
  dropScenario(scenario: string): void {
    const rest = this.planned.slice(this.done).filter((p) => p.scenario !== scenario);
    this.planned.splice(this.done, Infinity, ...rest);
  }

  private leftMs(): number | undefined {
    const mean = this.done > 0 ? this.spentMs / this.done : undefined;
    let total = 0;
    for (const { scenario, run } of this.planned.slice(this.done)) {
      const k = key(scenario, run);
      const ms = this.seen.get(k) ?? this.stored.get(k) ?? timed(run) ?? mean;
      if (ms === undefined) return undefined;
      total += ms;
    }
    return total;
  }
}

/** A run that measures for `seconds` takes about that, plus its process start and warm-up. */
const timed = (run: RunSpec): number | undefined => (typeof run.params.seconds === 'number' ? run.params.seconds * 1000 + 1500 : undefined);

/** A run is the same run only with the same params. */
const key = (scenario: string, run: RunSpec): string => `${scenario}/${run.id}/${JSON.stringify(run.params)}`;

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
