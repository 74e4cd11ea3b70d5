// Large writes on one TCP connection: SEND_ZC against SEND against node:net
// (child: scenarios/net-send-zc.ts; reader: servers/drain.ts).
import { formatValue } from '../lib/format.js';
import type { Mode, RowSpec, RunSpec, ScenarioDef, ScenarioResult } from '../lib/types.js';

const TOTAL: Record<Mode, number> = { quick: 64 << 20, default: 1 << 30, full: 1 << 30 };
const SIZES = [
  { bytes: 64 << 10, name: '64 KiB' },
  { bytes: 256 << 10, name: '256 KiB' },
  { bytes: 1 << 20, name: '1 MiB' },
];

export const netSendZc: ScenarioDef = {
  name: 'net-send-zc',
  title: 'Large writes: SEND_ZC, SEND and node:net',
  file: 'net-send-zc',
  description:
    'One TCP connection on 127.0.0.1 streams 1 GiB (64 MiB in quick mode) into a draining reader in another process ' +
    '(`bench/servers/drain.ts`: a node:net client reading into one static 1 MiB buffer), as writes of 64 KiB, 256 KiB ' +
    "or 1 MiB, each awaited before the next (the same buffer is reused); then FIN, and the reader's byte count must " +
    'match. ringcore SEND_ZC: `setZeroCopyThreshold(size)`, a write resolves at the notification CQE; ringcore SEND: ' +
    'the default; node:net: `socket.write(buf, callback)`, the callback awaited. The three alternate within each ' +
    'round. The figure is the time per write (lower is better); `gbPerSec` and, for SEND_ZC, how many notifications ' +
    'reported `IORING_NOTIF_USAGE_ZC_COPIED` are in the results file. Measured only with `--full`.',
  plan(mode) {
    const runs: RunSpec[] = [];
    const rows: RowSpec[] = [];
    for (const size of SIZES) {
      const params = { size: size.bytes, total: TOTAL[mode] };
      const id = (v: string) => `${v}:${size.bytes}`;
      runs.push(
        { id: id('send-zc'), variant: 'send-zc', params, label: 'SEND_ZC' },
        { id: id('send'), variant: 'send', params },
        { id: id('node'), variant: 'node', params, label: 'node:net' },
      );
      rows.push(
        { label: `${size.name} writes, SEND_ZC`, node: id('node'), ringcore: id('send-zc') },
        { label: `${size.name} writes, SEND (the default)`, node: id('node'), ringcore: id('send') },
      );
    }
    return { runs, rows };
  },
  reading(result: ScenarioResult): string {
    const run = (id: string) => result.runs.find((r) => r.id === id);
    const parts = SIZES.map((size) => {
      const zc = run(`send-zc:${size.bytes}`);
      const send = run(`send:${size.bytes}`);
      return `${size.name}: SEND_ZC ${formatValue(zc?.median, 'ns/op')} against SEND ${formatValue(send?.median, 'ns/op')} per write`;
    });
    const zcSamples = result.runs.filter((r) => r.id.startsWith('send-zc')).flatMap((r) => r.samples);
    const copied = zcSamples.reduce((a, s) => a + Number(s.zcCopied ?? 0), 0);
    const notifications = zcSamples.reduce((a, s) => a + Number(s.zcNotifications ?? 0), 0);
    return (
      `${parts.join('; ')}. ${copied} of ${notifications} SEND_ZC notifications said the kernel copied the bytes ` +
      '(`IORING_NOTIF_USAGE_ZC_COPIED`): on loopback it always does, so SEND_ZC adds a CQE and waits for the data to ' +
      'leave the send queue without saving the copy. SEND_ZC stays opt-in (`setZeroCopyThreshold`); see docs/net.md.'
    );
  },
};
