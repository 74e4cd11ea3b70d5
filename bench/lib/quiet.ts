// Waiting for a quiet machine before each run. The VM has 2 vCPUs: a test
// suite running beside the benchmark halves the figures. The waiting has a
// budget for the whole benchmark, so that on a machine that stays busy the
// runs go ahead and are flagged (their backgroundCores) instead of stalling.
import { backgroundCores, cpuTicks } from './machine.js';

/** Other processes using less than this many CPUs: quiet. */
export const QUIET_CORES = 0.15;

export class QuietWait {
  private recentLoad: number | undefined;

  constructor(private budgetMs: number) {}

  /** The load other processes caused during the run that just ended: when it was quiet, the next run need not sample. */
  ran(load: number | undefined): void {
    this.recentLoad = load;
  }

  /**
   * Waits until other processes use less than QUIET_CORES (sampled over
   * 250 ms) or the budget is spent. `busy` is called once if it has to wait.
   * Returns how long it waited.
   */
  async wait(busy: () => void): Promise<number> {
    if (this.budgetMs <= 0 || (this.recentLoad !== undefined && this.recentLoad < QUIET_CORES)) return 0;
    const start = Date.now();
    for (let first = true; ; first = false) {
      const before = cpuTicks();
      await new Promise((resolve) => setTimeout(resolve, 250));
      const load = backgroundCores(before, cpuTicks(), 250);
      const waited = Date.now() - start;
      if (load === undefined || load < QUIET_CORES || waited >= this.budgetMs) {
        this.budgetMs -= waited;
        return waited;
      }
      if (first) busy();
    }
  }

  get exhausted(): boolean {
    return this.budgetMs <= 0;
  }
}
