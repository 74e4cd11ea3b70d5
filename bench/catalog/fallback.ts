// ringcore on the node backend (where io_uring is refused) against the Node
// built-ins it runs on (child: scenarios/fallback.ts). Not a headline row:
// `npm run bench -- --full` (or --only fallback) measures it.
import { formatValue } from '../lib/format.js';
import type { Mode, ScenarioDef, ScenarioResult } from '../lib/types.js';

const SIZES: Record<Mode, { files: object; read: object; pingpong: object }> = {
  quick: { files: { count: 1000, repeat: 2 }, read: { megabytes: 8, repeat: 2 }, pingpong: { seconds: 0.3 } },
  default: { files: { count: 1000, repeat: 7 }, read: { megabytes: 32, repeat: 5 }, pingpong: { seconds: 1 } },
  full: { files: { count: 1000, repeat: 7 }, read: { megabytes: 64, repeat: 5 }, pingpong: { seconds: 2 } },
};

/** The target: the fallback costs at most 10 % over plain Node. */
const WITHIN_10 = { value: 0.9, text: 'within 10 % of Node', ratio: true };

export const fallback: ScenarioDef = {
  name: 'fallback',
  title: 'The node backend (io_uring refused): ringcore on Node’s fs and net, against them',
  file: 'fallback',
  description:
    'What a program pays for ringcore where io_uring is refused (a container’s seccomp profile): the child sets ' +
    '`RINGCORE_BACKEND=node`, so ringcore/fs and ringcore/net run on node:fs/promises and node:net (docs/fallback.md). ' +
    'Rows: 1000 × 4 KiB `readFile` under `Promise.all` (ns per file); `FileHandle.read` of 64 KiB chunks through a ' +
    'page-cached file (ns per read); 64 B ping-pong on one TCP connection to an in-process node:net echo server ' +
    '(round trips/s). The target is the issue’s: within 10 % of the Node built-in.',
  plan(mode) {
    const sizes = SIZES[mode];
    const run = (test: string, api: 'node' | 'ringcore', params: object, label?: string) => ({
      id: `${test}:${api}`,
      variant: `${test}:${api}`,
      params: params as Record<string, unknown>,
      ...(label === undefined ? {} : { label }),
    });
    return {
      runs: [
        run('small-files', 'node', sizes.files, 'fs.promises.readFile'),
        run('small-files', 'ringcore', sizes.files),
        run('read', 'node', sizes.read, 'fs.promises FileHandle.read'),
        run('read', 'ringcore', sizes.read),
        run('pingpong', 'node', sizes.pingpong, 'net.Socket'),
        run('pingpong', 'ringcore', sizes.pingpong),
      ],
      rows: [
        { label: 'node backend: 1000 × 4 KiB readFile', node: 'small-files:node', ringcore: 'small-files:ringcore', target: WITHIN_10 },
        { label: 'node backend: FileHandle.read 64 KiB', node: 'read:node', ringcore: 'read:ringcore', target: WITHIN_10 },
        { label: 'node backend: TCP ping-pong 64 B', node: 'pingpong:node', ringcore: 'pingpong:ringcore', target: WITHIN_10 },
      ],
    };
  },
  reading(result: ScenarioResult): string {
    const m = (id: string) => result.runs.find((r) => r.id === id)?.median ?? NaN;
    const pct = (ringcore: number, node: number) => `${((ringcore / node - 1) * 100).toFixed(0)} %`;
    return (
      `On the node backend, readFile of a small file takes ${formatValue(m('small-files:ringcore'), 'ns/op')} against ${formatValue(m('small-files:node'), 'ns/op')} ` +
      `(${pct(m('small-files:ringcore'), m('small-files:node'))}), a 64 KiB read ${formatValue(m('read:ringcore'), 'ns/op')} against ${formatValue(m('read:node'), 'ns/op')} ` +
      `(${pct(m('read:ringcore'), m('read:node'))}), and TCP ping-pong runs at ${formatValue(m('pingpong:ringcore'), 'ops/s')} against ${formatValue(m('pingpong:node'), 'ops/s')} ` +
      `(${pct(m('pingpong:ringcore'), m('pingpong:node'))}). Positive is slower for the times, faster for the rates.`
    );
  },
};
