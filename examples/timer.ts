// Timers that live in the kernel: no I/O at all, only IORING_OP_TIMEOUT.
//
// Each sleep(ms) writes one TIMEOUT SQE (a pointer to a timespec) and returns
// a pending promise: the task is parked, and no JavaScript runs for it until
// the kernel posts its CQE. For a timer, res = -ETIME is the normal expiry,
// not an error, so the promise resolves. All the sleeps started in the same
// turn go to the kernel in one io_uring_enter.
//
// interval(ms, { count }) is one multishot TIMEOUT (Linux 6.4+): a single SQE
// that posts a CQE per tick, with IORING_CQE_F_MORE set on all but the last.
//
//   npm run example -- timer
import { defaultRing } from 'ringcore';
import { interval, sleep } from 'ringcore/time';

export async function main(): Promise<void> {
  // The default ring is made on first use (io_uring_setup, mmaps, a probe):
  // made before the clock starts so that it is not counted against the timers.
  // The first ops still pay a ms or two of first-call compilation in V8: the
  // wake-ups below run that much late, while the kernel's timers are on time.
  const ring = defaultRing();
  const start = performance.now();
  const at = () => `${(performance.now() - start).toFixed(1).padStart(6)} ms`;
  const entersBefore = ring.stats.enters;

  // Started out of order on purpose: the kernel wakes them in deadline order.
  const tasks = [300, 50, 200, 100].map(async (ms, i) => {
    await sleep(ms);
    console.log(`${at()}  task ${i} woke (asked for ${ms} ms)`);
  });

  // One SQE, three CQEs.
  const ticker = (async () => {
    for await (const tick of interval(120, { count: 3 })) console.log(`${at()}  interval tick ${tick} (every 120 ms)`);
  })();

  await Promise.all([...tasks, ticker]);
  const enters = ring.stats.enters - entersBefore;
  console.log(`5 timer SQEs (4 sleeps + 1 multishot interval), ${enters} io_uring_enter call(s) to submit them`);
}
