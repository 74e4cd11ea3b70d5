// copyFile of a 100 MB file (child: scenarios/fs-copy.ts).
import { formatValue } from '../lib/format.js';
import type { Mode, ScenarioDef, ScenarioResult } from '../lib/types.js';

const SIZES: Record<Mode, { megabytes: number; repeat: number }> = {
  quick: { megabytes: 8, repeat: 2 },
  default: { megabytes: 100, repeat: 5 },
  full: { megabytes: 100, repeat: 5 },
};

export const fsCopy: ScenarioDef = {
  name: 'fs-copy',
  title: 'copyFile of a 100 MB file',
  file: 'fs-copy',
  description:
    'copyFile of a 100 MB file (8 MB in quick mode) whose pages are in the cache (read right before each copy) to a ' +
    'new file on the same ext4 file system; before each copy the destination is deleted and `sync` run, untimed, so ' +
    "that no copy pays for the previous one's writeback. ringcore: copyFile (with no signal and no method, on Node, " +
    "node:fs's copyFile itself: io_uring has no copy op, and libuv's one pool job costs least); also with `method: 'splice'` (SPLICE file → pipe → file, the pairs linked 16 to a chain) " +
    "and `method: 'readwrite'` (pipelined READ/WRITE through user buffers). Node: " +
    'node:fs/promises copyFile (libuv: the copy is done in the kernel, copy_file_range/sendfile, on a pool thread). ' +
    'Median of the copies in a process. Lower is better.',
  plan(mode) {
    const params = SIZES[mode];
    return {
      runs: [
        { id: 'promises', variant: 'promises', params, label: 'fs.promises.copyFile' },
        { id: 'ringcore', variant: 'ringcore', params },
        { id: 'ringcore-splice', variant: 'ringcore-splice', params },
        { id: 'ringcore-readwrite', variant: 'ringcore-readwrite', params },
      ],
      rows: [
        { label: 'copyFile 100 MB', node: 'promises', ringcore: 'ringcore' },
        { label: 'copyFile 100 MB (SPLICE)', node: 'promises', ringcore: 'ringcore-splice' },
        { label: 'copyFile 100 MB (READ/WRITE)', node: 'promises', ringcore: 'ringcore-readwrite' },
      ],
    };
  },
  reading(result: ScenarioResult): string {
    const m = (id: string) => result.runs.find((r) => r.id === id)?.median ?? NaN;
    const ms = (v: number) => formatValue(v, 'ns/op');
    return (
      `ringcore copies in ${ms(m('ringcore'))} with copy_file_range, ${ms(m('ringcore-splice'))} with SPLICE and ${ms(m('ringcore-readwrite'))} with READ/WRITE; node:fs/promises in ${ms(m('promises'))}. ` +
      'Most of a copy is the kernel allocating and filling 100 MB of new page-cache pages for the destination, which every method pays; ' +
      'SPLICE copies each byte once (pipe to file), as copy_file_range does, where READ/WRITE copies it twice through user memory.'
    );
  },
};
