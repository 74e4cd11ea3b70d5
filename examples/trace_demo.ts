// The white box, drawn: records a short run of files, sockets and timers as a
// timeline, then writes it twice, in the directory given (default
// $TMPDIR/ringcore-trace): trace.json (Chrome trace events: open it in
// ui.perfetto.dev → "Open trace file", or chrome://tracing → "Load") and
// trace.svg (the same events drawn by ringcore itself, for any browser).
//
// What runs, on the thread's default ring (the sockets on ringcore/net's own
// ring, netRing(): a second track group):
//   - a 30 ms sleep, armed first: one TIMEOUT slice across the whole picture;
//   - a batch of 8 NOPs: 8 SQEs, one io_uring_enter;
//   - a 1 MiB file written with writeFile, then read back as 4 concurrent
//     256 KiB reads (OPENAT, WRITE, READ ×4, CLOSE);
//   - a socketpair ping-pong: each RECV is posted before its peer sends, 4 ms
//     later, so its slice shows the wait;
//   - a multishot interval: one SQE, three CQEs, three back-to-back slices.
//
//   npm run example -- trace_demo [output directory]
//
// The same JSON comes from any program run with RINGCORE_TRACE=perfetto:<file>.
import { mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { defaultRing, nop } from 'ringcore';
import { renderTimelineSvg, startTimeline, stopTimeline, type ChromeTrace } from 'ringcore/trace';
import { open, writeFile } from 'ringcore/fs';
import { socketpair } from 'ringcore/net';
import { interval, sleep } from 'ringcore/time';

export async function main(args: string[]): Promise<void> {
  const dir = path.resolve(args[0] ?? path.join(os.tmpdir(), 'ringcore-trace'));
  mkdirSync(dir, { recursive: true });
  const jsonFile = path.join(dir, 'trace.json');
  const svgFile = path.join(dir, 'trace.svg');
  const dataFile = path.join(dir, 'data.bin');

  // Made before recording starts, so that its setup is not in the picture.
  defaultRing();
  startTimeline(jsonFile);

  const timer = sleep(30);
  await Promise.all(Array.from({ length: 8 }, () => nop()));

  // Files: write 1 MiB, read it back in four concurrent reads.
  const data = Buffer.alloc(1 << 20, 'ringcore ');
  await writeFile(dataFile, data);
  const file = await open(dataFile, 'r');
  const quarter = data.length / 4;
  const reads = await Promise.all([0, 1, 2, 3].map((i) => file.read(Buffer.alloc(quarter), 0, quarter, i * quarter)));
  await file.close();
  const bytesRead = reads.reduce((n, r) => n + r.bytesRead, 0);

  // Sockets: ping-pong over a socketpair, each reply 4 ms after its question.
  const [a, b] = socketpair();
  const buf = Buffer.alloc(64);
  for (let round = 1; round <= 3; round++) {
    const question = b.read(buf);
    await delay(4);
    await a.write(Buffer.from(`ping ${round}`));
    await question;
    const answer = a.read(buf);
    await delay(2);
    await b.write(Buffer.from(`pong ${round}`));
    await answer;
  }
  await Promise.all([a.close(), b.close()]);

  // A multishot timeout: one SQE, a CQE per tick.
  for await (const _ of interval(3, { count: 3 })) {
    // Each tick ends one slice and starts the next.
  }
  await timer;

  stopTimeline();
  rmSync(dataFile, { force: true });
  const trace = JSON.parse(readFileSync(jsonFile, 'utf8')) as ChromeTrace;
  writeFileSync(svgFile, renderTimelineSvg(trace, { title: 'ringcore timeline: npm run example -- trace_demo' }));
  const slices = trace.traceEvents.filter((e) => e.ph === 'X').length;
  const enters = trace.traceEvents.filter((e) => e.ph === 'i').length;
  console.log(`read back ${bytesRead} bytes; ${slices} op slices, ${enters} io_uring_enter calls recorded`);
  console.log(`trace.json: ${jsonFile}  (ui.perfetto.dev → Open trace file, or chrome://tracing → Load)`);
  console.log(`trace.svg:  ${svgFile}  (any browser)`);
}
