// Server memory per idle TCP connection, 10,000 connections (child: scenarios/net-idle.ts).
import type { Mode, ScenarioDef, ScenarioResult } from '../lib/types.js';
import { sampleMedian } from '../lib/stats.js';

const SIZES: Record<Mode, { connections: number; idleMs: number }> = {
  quick: { connections: 1000, idleMs: 200 },
  default: { connections: 10_000, idleMs: 1000 },
  full: { connections: 10_000, idleMs: 1000 },
};

export const netIdle: ScenarioDef = {
  name: 'net-idle',
  title: 'Memory per idle TCP connection (10,000 connections)',
  file: 'net-idle',
  description:
    'The server is `examples/echo.ts` (ringcore/net: one multishot accept, one multishot recv per connection drawing ' +
    "from the ring's shared provided-buffer ring) or `bench/servers/node-echo.ts` (node:net), each in its own process " +
    'on 127.0.0.1; a node:net client process (`test-support/idle-client.ts`) warms the server up with 10 connections, ' +
    "then opens 10,000 and leaves them idle for 1 s. The figure is the growth of the server's VmRSS " +
    '(`/proc/<pid>/status`) over those 10,000 connections, per connection: user-space memory only (kernel socket ' +
    'memory is not in RSS, and is the same for both). Every connection then echoes a message of its own once; ' +
    'wrong or lost echoes count as errors. Lower is better. Measured only with `--full`.',
  plan(mode) {
    const params = SIZES[mode];
    return {
      runs: [
        { id: 'node', variant: 'node', params, label: 'node:net' },
        { id: 'ringcore', variant: 'ringcore', params },
      ],
      rows: [{ label: 'server RSS per idle connection', node: 'node', ringcore: 'ringcore' }],
    };
  },
  reading(result: ScenarioResult): string {
    const median = (id: string, key: string) => sampleMedian(result, id, key) ?? NaN;
    const errors = result.runs.flatMap((r) => r.samples.map((s) => Number(s.errors ?? 0))).reduce((a, b) => a + b, 0);
    const kib = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
    return (
      `After one echo on every connection the growth is ${kib(median('ringcore', 'bytesPerConnAfterEcho'))} per connection ` +
      `for ringcore and ${kib(median('node', 'bytesPerConnAfterEcho'))} for node:net (the provided buffers the echoes ` +
      `touched, and garbage not yet collected, included). Errors over all runs: ${errors}. An idle ringcore connection ` +
      'holds no receive buffer: its multishot recv is armed on the socket and only takes a buffer from the shared ring ' +
      'when bytes arrive, so what remains is JavaScript objects (the stream, its chunk iterator, the multishot op and ' +
      'the suspended `for await` of the handler).'
    );
  },
};
