// Paths as users call them, one call at a time, against the Node built-in each
// replaces (child: scenarios/paths.ts). Session 18 of docs/performance.md.
import { formatValue } from '../lib/format.js';
import type { Mode, ScenarioDef, ScenarioResult } from '../lib/types.js';
import { sampleMedian } from '../lib/stats.js';

/** Each path: its label, and the calls per batch in quick and in the other modes. */
const PATHS: { path: string; label: string; quick: number; count: number }[] = [
  { path: 'readFile-1k', label: 'readFile, 1 KiB', quick: 300, count: 2000 },
  { path: 'readFile-64k', label: 'readFile, 64 KiB', quick: 200, count: 1000 },
  { path: 'readFile-1m', label: 'readFile, 1 MiB', quick: 20, count: 200 },
  { path: 'writeFile-1k', label: 'writeFile, 1 KiB (same file)', quick: 100, count: 500 },
  { path: 'stat', label: 'stat', quick: 500, count: 3000 },
  { path: 'stat-young', label: 'stat, the 100 calls after the first in a new process', quick: 100, count: 100 },
  { path: 'copyFile-4k-over', label: 'copyFile 4 KiB over an existing file', quick: 100, count: 500 },
  { path: 'copyFile-1m-over', label: 'copyFile 1 MiB over an existing file', quick: 20, count: 100 },
  { path: 'copyFile-4k-over-signal', label: "copyFile 4 KiB over an existing file, with a signal (the ring's copy)", quick: 100, count: 500 },
  { path: 'open-close', label: 'open + close', quick: 300, count: 2000 },
  { path: 'readdir', label: 'readdir, 100 entries', quick: 200, count: 1000 },
  { path: 'small-writes', label: 'TCP: 10,000 × 64 B write(), not awaited', quick: 10_000, count: 10_000 },
  { path: 'sleeps', label: '1000 × sleep(1) under Promise.all', quick: 1000, count: 1000 },
  { path: 'udp', label: 'UDP: send + receive 64 B, each awaited', quick: 500, count: 3000 },
  { path: 'sleep-loop', label: 'a loop of await sleep(1)', quick: 100, count: 500 },
  { path: 'duplex', label: "toDuplex(TcpStream): write 64 B, await 'data'", quick: 1000, count: 5000 },
];

/** The Node side of the rows that are not node:fs/promises. */
const NODE_LABELS: Record<string, string> = {
  'small-writes': 'node:net',
  sleeps: 'node:timers/promises',
  udp: 'node:dgram',
  'sleep-loop': 'node:timers/promises',
  duplex: 'node:net',
};

const BATCHES: Record<Mode, number> = { quick: 3, default: 5, full: 7 };

export const paths: ScenarioDef = {
  name: 'paths',
  title: 'Paths as users call them: one awaited call at a time, against the Node built-in',
  file: 'paths',
  family: 'files',
  description:
    'The project standard: no path should be slower than the Node built-in it replaces. Each row repeats one call, ' +
    'awaited before the next, in batches (3 in quick mode, 5, 7 with --full) after a warm-up batch; the figure is the ' +
    'median time per call (lower is better); the CPU time per call (every thread of the process) is `cpuNsPerOp` ' +
    'in the results file and in the reading. ringcore: ringcore/fs; Node: node:fs/promises. Files are in ' +
    'os.tmpdir()/ringcore-bench/paths, in the page cache; writeFile rewrites the same file (O_TRUNC), so ext4 ' +
    "may wait on the file's earlier blocks, and so do the copyFile rows, which copy over an existing file of the source's " +
    "size (truncated to 0, then written: the flush on close that ext4 gives a truncated file, every call). ringcore's " +
    "copyFile with no signal is libuv's copyfile on Node, node:fs's copy (one libuv pool job, which first stats the source); the row with a signal (never aborted) times the " +
    "ring's copy (OPENAT ×2, copy_file_range on a pool thread, CLOSE ×2) against the same node:fs copyFile. The young " +
    'stat row times, in its own process, the 100 calls right after the first, with no warm-up (one batch per process). ' +
    'The TCP row writes 64 B 10,000 times on one connection into a draining ' +
    'reader in another process (bench/servers/drain.ts), only the last write awaited (node:net: `socket.write`, the ' +
    "last one's callback), and the reader's byte count must match. Random 4 KiB reads at QD 1 are fs-random-read's " +
    'row; responses with bodies on createServer are the frameworks rows on the bare app. The sleeps row starts ' +
    '1000 `sleep(1)` (ringcore/time) at once and awaits them with Promise.all, against node:timers/promises ' +
    '`setTimeout(1)`; its figures are per sleep. The UDP row sends a 64 B datagram from one socket to another on ' +
    "127.0.0.1 and receives it, both awaited (ringcore/net `send()` then `recv()`; node:dgram: `send()`'s callback " +
    "and the 'message' event). The sleep loop awaits one `sleep(1)` at a time (per sleep). The Duplex row writes 64 B " +
    "to a node:net echo server in the same process through `toDuplex(TcpStream)` and waits for the reply's 'data' " +
    "(node:net: a `net.Socket`, `setNoDelay` on both); its figures are per round trip, the server's CPU included.",
  plan(mode) {
    const batches = BATCHES[mode];
    const runs = PATHS.flatMap(({ path, quick, count }) => {
      const params = { path, count: mode === 'quick' ? quick : count, batches };
      return [
        { id: `node-${path}`, variant: 'node', params, label: NODE_LABELS[path] ?? 'node:fs/promises' },
        { id: `ringcore-${path}`, variant: 'ringcore', params },
      ];
    });
    const rows = PATHS.map(({ path, label }) => ({ label, node: `node-${path}`, ringcore: `ringcore-${path}` }));
    return { runs, rows };
  },
  reading(result: ScenarioResult): string {
    const run = (id: string) => result.runs.find((r) => r.id === id);
    // The median of the rounds' CPU per call.
    const cpu = (id: string) => sampleMedian(result, id, 'cpuNsPerOp');
    const parts = PATHS.flatMap(({ path, label }) => {
      const ring = run(`ringcore-${path}`)?.median;
      const node = run(`node-${path}`)?.median;
      if (ring === undefined || node === undefined) return [];
      return [
        `${label}: ${formatValue(ring, 'ns/op')} against ${formatValue(node, 'ns/op')} (${(node / ring).toFixed(2)}×), ` +
          `CPU ${formatValue(cpu(`ringcore-${path}`), 'ns/op')} against ${formatValue(cpu(`node-${path}`), 'ns/op')} per call`,
      ];
    });
    return `${parts.join('; ')}.`;
  },
};
