// cat of a big file to /dev/null, a pipe and a regular file (child: scenarios/fs-cat.ts).
import { formatValue } from '../lib/format.js';
import type { Mode, ScenarioDef, ScenarioResult } from '../lib/types.js';
import { sampleMedian } from '../lib/stats.js';

const SIZES: Record<Mode, { megabytes: number; repeat: number; dest?: string }> = {
  quick: { megabytes: 8, repeat: 2 },
  default: { megabytes: 100, repeat: 5 },
  full: { megabytes: 100, repeat: 5 },
};

export const fsCat: ScenarioDef = {
  name: 'fs-cat',
  title: 'cat of a 100 MB file (page cache warm)',
  file: 'fs-cat',
  description:
    'Every byte of a 100 MB file (8 MB in quick mode) read and written to `/dev/null` (the harness owns stdout). ' +
    'The file is read once in full right before each timed cat, so it is in the page cache (this VM evicts pages idle ' +
    'for about 60 s). ringcore: what `examples/cat.ts` does, SPLICE from the file into a pipe and from the pipe to the ' +
    'output, the pairs linked with IOSQE_IO_LINK 16 to a chain. Also shown: ringcore with pipelined READs into user buffers ' +
    '(`transfer()`), plain and with registered buffers. Node: a `readSync`/`writeSync` loop, a `FileHandle.read` loop, ' +
    'and `createReadStream`, each with a 128 KiB buffer. In-process rows: the median time of one cat inside a process ' +
    '(after one untimed cat). Whole-process rows: a fresh `node` doing one cat, from spawn to exit (its CPU time is in ' +
    'the reading). Limit: coreutils `cat`, spawned (so its in-process figure includes a process start). ' +
    'The rows "to a pipe" and "to a file" do the same cat (ringcore and the readSync loop, in-process and whole-process) into a FIFO ' +
    'read by a coreutils `cat` in another process (its default 64 KiB capacity; ringcore splices the file into it with `splice(2)` on a libuv pool thread, one call per pipe-full), and into ' +
    'a new file on the same ext4 file system (deleted, and `sync` run, untimed, before each cat; ringcore copies file to file with `copy_file_range` on a libuv pool thread). Lower is better.',
  plan(mode) {
    const params = SIZES[mode];
    const names = ['readSync', 'filehandle', 'stream', 'ringcore', 'ringcore-read', 'ringcore-fixed', 'coreutils'];
    const label: Record<string, string> = {
      readSync: 'readSync loop',
      filehandle: 'FileHandle.read loop',
      stream: 'createReadStream',
      coreutils: 'coreutils cat',
    };
    const runs = [
      ...names.map((n) => ({ id: n, variant: n, params, ...(label[n] ? { label: label[n] } : {}) })),
      ...['readSync', 'filehandle', 'stream', 'ringcore', 'coreutils'].map((n) => ({
        id: `proc-${n}`,
        variant: `proc-${n}`,
        params,
        ...(label[n] ? { label: label[n] } : {}),
      })),
    ];
    // The same cat into a pipe and into a regular file, against the readSync loop.
    const destinations = [
      { dest: 'pipe', text: 'to a pipe' },
      { dest: 'file', text: 'to a file' },
    ] as const;
    for (const { dest } of destinations) {
      for (const n of ['readSync', 'ringcore']) {
        runs.push({ id: `${n}-${dest}`, variant: n, params: { ...params, dest }, ...(label[n] ? { label: label[n] } : {}) });
        runs.push({ id: `proc-${n}-${dest}`, variant: `proc-${n}`, params: { ...params, dest }, ...(label[n] ? { label: label[n] } : {}) });
      }
    }
    const limit = { run: 'coreutils', label: 'coreutils cat' };
    return {
      runs,
      rows: [
        {
          label: 'cat, in-process, vs readSync loop',
          node: 'readSync',
          ringcore: 'ringcore',
          limit,
          headline: true,
          target: { value: 1.25, text: '≤ 0.8× the readSync loop', ratio: true },
        },
        {
          label: 'cat, in-process, vs FileHandle.read loop',
          node: 'filehandle',
          ringcore: 'ringcore',
          limit,
          headline: true,
          target: { value: 1 / 0.3, text: '≤ 0.3× the FileHandle.read loop', ratio: true },
        },
        { label: 'cat, in-process, vs createReadStream', node: 'stream', ringcore: 'ringcore', limit },
        { label: 'pipelined READ (transfer), vs readSync loop', node: 'readSync', ringcore: 'ringcore-read', limit },
        { label: 'pipelined READ_FIXED (registered), vs readSync', node: 'readSync', ringcore: 'ringcore-fixed', limit },
        {
          label: 'cat, whole process, vs readSync loop',
          node: 'proc-readSync',
          ringcore: 'proc-ringcore',
          limit: { run: 'proc-coreutils', label: 'coreutils cat' },
        },
        {
          label: 'cat, whole process, vs FileHandle.read loop',
          node: 'proc-filehandle',
          ringcore: 'proc-ringcore',
          limit: { run: 'proc-coreutils', label: 'coreutils cat' },
        },
        {
          label: 'cat, whole process, vs createReadStream',
          node: 'proc-stream',
          ringcore: 'proc-ringcore',
          limit: { run: 'proc-coreutils', label: 'coreutils cat' },
        },
        ...destinations.flatMap(({ dest, text }) => [
          { label: `cat ${text}, in-process, vs readSync loop`, node: `readSync-${dest}`, ringcore: `ringcore-${dest}` },
          { label: `cat ${text}, whole process, vs readSync loop`, node: `proc-readSync-${dest}`, ringcore: `proc-ringcore-${dest}` },
        ]),
      ],
    };
  },
  reading(result: ScenarioResult): string {
    const run = (id: string) => result.runs.find((r) => r.id === id);
    const ms = (v: number | undefined) => (v === undefined ? '–' : formatValue(v, 'ns/op'));
    const cpu = (id: string) => sampleMedian(result, id, 'cpuNs');
    const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(2)}×` : '–');
    const ring = run('ringcore')?.median;
    // A plain `npm run bench` measures only the in-process cat against the readSync and FileHandle.read loops.
    const stream = run('stream') === undefined ? '' : `, ${ratio(ring, run('stream')?.median)} createReadStream (${ms(run('stream')?.median)})`;
    return [
      `In-process, ringcore's cat takes ${ms(ring)}: ${ratio(ring, run('readSync')?.median)} the readSync loop (${ms(run('readSync')?.median)}), ` +
        `${ratio(ring, run('filehandle')?.median)} the FileHandle.read loop (${ms(run('filehandle')?.median)})${stream}.`,
      ...(run('ringcore-read') === undefined
        ? []
        : [
            `SPLICE moves page references instead of copying bytes, which is where the gain comes from: the same cat with pipelined READs into ` +
              `user buffers (\`transfer()\`) takes ${ms(run('ringcore-read')?.median)} (${ratio(run('ringcore-read')?.median, run('readSync')?.median)} the readSync loop), ` +
              `with registered buffers (READ_FIXED) ${ms(run('ringcore-fixed')?.median)}: a copy out of the page cache on one core bounds them, as it bounds the readSync loop.`,
          ]),
      ...(run('proc-ringcore') === undefined
        ? []
        : [
            `Whole process (spawn to exit): ringcore ${ms(run('proc-ringcore')?.median)}, readSync loop ${ms(run('proc-readSync')?.median)}, ` +
              `FileHandle loop ${ms(run('proc-filehandle')?.median)}, createReadStream ${ms(run('proc-stream')?.median)}, coreutils cat ${ms(run('proc-coreutils')?.median)}. ` +
              `CPU time of those processes: ringcore ${ms(cpu('proc-ringcore'))}, readSync ${ms(cpu('proc-readSync'))}, FileHandle ${ms(cpu('proc-filehandle'))}, ` +
              `createReadStream ${ms(cpu('proc-stream'))}, coreutils cat ${ms(cpu('proc-coreutils'))}. A whole process is mostly Node starting and loading modules: ` +
              `ringcore's import (its ES module graph, the native addon, the ring's setup) costs tens of ms more than \`node:fs\`, which the cat itself does not win back on 100 MB.`,
          ]),
      ...(['pipe', 'file'] as const)
        .filter((dest) => run(`ringcore-${dest}`) !== undefined)
        .map(
          (dest) =>
            `To ${dest === 'pipe' ? 'a pipe read by another process' : 'a new file'}, in-process: ringcore ${ms(run(`ringcore-${dest}`)?.median)}, ` +
            `${ratio(run(`ringcore-${dest}`)?.median, run(`readSync-${dest}`)?.median)} the readSync loop (${ms(run(`readSync-${dest}`)?.median)}); whole process: ` +
            `${ms(run(`proc-ringcore-${dest}`)?.median)} against ${ms(run(`proc-readSync-${dest}`)?.median)}.`,
        ),
    ].join(' ');
  },
};
