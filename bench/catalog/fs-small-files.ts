// 1000 files of 4 KiB read at once (child: scenarios/fs-small-files.ts).
import { formatValue } from '../lib/format.js';
import type { Mode, ScenarioDef, ScenarioResult } from '../lib/types.js';

const SIZES: Record<Mode, { count: number; repeat: number }> = {
  quick: { count: 1000, repeat: 2 },
  default: { count: 1000, repeat: 7 },
  full: { count: 1000, repeat: 7 },
};

export const fsSmallFiles: ScenarioDef = {
  name: 'fs-small-files',
  title: 'Many small files: 1000 × 4 KiB readFile under Promise.all',
  file: 'fs-small-files',
  description:
    '`Promise.all(paths.map(readFile))` over 1000 files of 4 KiB, the files read right before each run (page cache ' +
    'warm). Figure: time per file (the whole batch divided by 1000), median of the runs in a process. ringcore: ' +
    'ringcore/fs readFile (OPENAT, a READ that gets the file whole, a READ of 0 that confirms its end, CLOSE; the same step of ' +
    'every file shares an io_uring_enter, and all four complete inline). Node: node:fs/promises readFile (open, fstat, read, close: ' +
    'each a trip through the thread pool). Lower is better.',
  plan(mode) {
    const params = SIZES[mode];
    return {
      runs: [
        { id: 'promises', variant: 'promises', params, label: 'fs.promises.readFile' },
        { id: 'ringcore', variant: 'ringcore', params },
      ],
      rows: [{ label: '1000 × 4 KiB readFile', node: 'promises', ringcore: 'ringcore' }],
    };
  },
  reading(result: ScenarioResult): string {
    const m = (id: string) => result.runs.find((r) => r.id === id)?.median ?? NaN;
    return `Reading the 1000 files takes ${formatValue(m('ringcore') * 1000, 'ns/op')} with ringcore and ${formatValue(m('promises') * 1000, 'ns/op')} with node:fs/promises (${(m('promises') / m('ringcore')).toFixed(1)}× faster).`;
  },
};
