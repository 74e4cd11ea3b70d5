// Random 4 KiB reads over a 1 GiB file at QD 1, 32 and 128 (child: scenarios/fs-random-read.ts).
import { formatValue } from '../lib/format.js';
import type { Mode, RowSpec, RunSpec, ScenarioDef, ScenarioResult } from '../lib/types.js';

const DEPTHS = [1, 32, 128];
const SIZES: Record<Mode, { megabytes: number; seconds: number }> = {
  quick: { megabytes: 64, seconds: 0.3 },
  // 10 s runs would be steadier; 2 s (half that at QD 1 and 32) keeps the default run near 2 minutes and --full under 10.
  default: { megabytes: 1024, seconds: 2 },
  full: { megabytes: 1024, seconds: 2 },
};

export const fsRandomRead: ScenarioDef = {
  name: 'fs-random-read',
  title: 'Random 4 KiB reads over a 1 GiB file (page cache warm)',
  file: 'fs-random-read',
  description:
    'Block-aligned random 4 KiB reads over a 1 GiB file (64 MiB in quick mode), `depth` of them in flight, for 2 s at ' +
    'QD 128 and 1 s at QD 1 and 32 (0.3 s and 0.15 s in quick mode), after a 0.3 s warm-up. 10 s runs would be steadier; ' +
    'shorter runs keep a plain `npm run bench` (QD 128 only) near 2 minutes and `--full` under 10. The ' +
    'whole file is read right before each run, so every read hits the page cache. ringcore: `depth` loops of ' +
    '`await handle.read(buf, 0, 4096, pos)`. Node: the same loops over `node:fs/promises`, and `depth` chains of ' +
    "callback `fs.read` (Node's cheapest asynchronous read; both go through libuv's pool of 4 threads). fio: " +
    '`fio --ioengine=io_uring --iodepth=<depth> --invalidate=0 --direct=0` on the same file, a C program driving ' +
    'io_uring: the limit (its row compares ringcore with fio; without fio that row is skipped and says how to ' +
    'install it). Higher is better.',
  plan(mode) {
    const base = SIZES[mode];
    const runs: RunSpec[] = [];
    const rows: RowSpec[] = [];
    for (const depth of DEPTHS) {
      const params = { ...base, seconds: depth === 128 ? base.seconds : base.seconds / 2, depth };
      runs.push(
        { id: `promises/${depth}`, variant: 'promises', params, label: 'fs.promises' },
        { id: `callback/${depth}`, variant: 'callback', params, label: 'callback fs.read' },
        { id: `ringcore/${depth}`, variant: 'ringcore', params },
        // The same loops on a registered file (IOSQE_FIXED_FILE), beside the plain fd in every round.
        { id: `ringcore-fixed/${depth}`, variant: 'ringcore-fixed', params, label: 'ringcore, registered file' },
        { id: `fio/${depth}`, variant: 'fio', params, label: 'fio io_uring', requires: ['fio'] },
      );
      const limit = { run: `fio/${depth}`, label: 'fio' };
      const headline = depth === 128;
      rows.push(
        {
          label: `QD ${depth}, vs fs.promises`,
          node: `promises/${depth}`,
          ringcore: `ringcore/${depth}`,
          limit,
          headline,
          ...(headline ? { target: { value: 4, text: '≥ 4× fs.promises at QD 128', ratio: true } } : {}),
        },
        { label: `QD ${depth}, vs callback fs.read`, node: `callback/${depth}`, ringcore: `ringcore/${depth}`, limit, headline },
        {
          label: `QD ${depth}, vs fio (not Node)`,
          node: `fio/${depth}`,
          ringcore: `ringcore/${depth}`,
          headline,
          ...(headline ? { target: { value: 0.9, text: '≥ 0.9× fio at QD 128', ratio: true } } : {}),
        },
      );
      // Not a headline row: measured by --full (and --quick, --only).
      rows.push({ label: `QD ${depth}, registered file vs plain fd (both ringcore)`, node: `ringcore/${depth}`, ringcore: `ringcore-fixed/${depth}` });
    }
    return { runs, rows };
  },
  reading(result: ScenarioResult): string {
    const m = (id: string) => result.runs.find((r) => r.id === id)?.median ?? NaN;
    const rate = (v: number) => formatValue(v, 'ops/s');
    // A plain `npm run bench` measures QD 128 only.
    return (
      DEPTHS.filter((d) => result.runs.some((r) => r.id === `ringcore/${d}`))
        .map(
          (d) =>
            `At QD ${d}: ringcore ${rate(m(`ringcore/${d}`))}, fs.promises ${rate(m(`promises/${d}`))} (${(m(`ringcore/${d}`) / m(`promises/${d}`)).toFixed(1)}×), ` +
            `callback fs.read ${rate(m(`callback/${d}`))}, fio ${rate(m(`fio/${d}`))} (ringcore at ${((m(`ringcore/${d}`) / m(`fio/${d}`)) * 100).toFixed(0)} % of fio).`,
        )
        .join(' ') +
      ' Each ringcore read is one SQE; the reads started in one turn share one io_uring_enter, and page-cache reads complete ' +
      "inside it, so no thread hop and no epoll wait is involved; what separates ringcore from fio is ringcore's JavaScript per op " +
      '(the op, its promise, the continuation of the awaiting loop). Node pays for a trip through its thread pool per read.'
    );
  },
};
