// Cancellation: two kernel timers race, and the winner cancels the loser.
//
// Each sleep() gets an AbortSignal. When the fast timer expires (its CQE has
// res = -ETIME, which is a timer's normal completion), it aborts the other
// one. The abort submits IORING_OP_ASYNC_CANCEL, whose SQE names the loser by
// its user_data. The kernel then posts two CQEs: the loser's TIMEOUT with
// res = -ECANCELED, and the ASYNC_CANCEL's own with res = 0 (found and
// cancelled). The loser's promise rejects with an AbortError, as Node's APIs do.
//
// A trace listener records the SQEs and CQEs, so we print exactly what the
// kernel said, not what the promises made of it.
//
//   npm run example -- timeout_race [fastMs] [slowMs]
import { constants as os } from 'node:os';
import { addTraceListener, constants } from 'ringcore';
import { sleep } from 'ringcore/time';

// Node's getSystemErrorName() does not know ETIME, so name errnos from os.constants.
const errnoNames = new Map(Object.entries(os.errno).map(([name, n]) => [-n, name]));

export async function main(args: string[]): Promise<void> {
  const [aMs, bMs] = [Number(args[0] ?? 50), Number(args[1] ?? 200)];
  if (!(aMs >= 0 && bMs >= 0)) throw new RangeError('usage: timeout_race [ms] [ms]');

  // What each SQE was, by ring and user_data (the trace sees every ring),
  // and every CQE in arrival order.
  const key = (event: { ring: number; userData: number }) => `${event.ring}:${event.userData}`;
  const names = new Map<string, string>();
  const cqes: { name: string; res: number }[] = [];
  const timerNames = [`TIMEOUT ${aMs} ms`, `TIMEOUT ${bMs} ms`];
  const stopTracing = addTraceListener((event) => {
    if (event.type === 'sqe') {
      if (event.opcode === constants.IORING_OP_TIMEOUT) names.set(key(event), timerNames.shift() ?? 'TIMEOUT');
      else if (event.opcode === constants.IORING_OP_ASYNC_CANCEL) names.set(key(event), 'ASYNC_CANCEL');
    } else if (event.type === 'cqe') {
      cqes.push({ name: names.get(key(event)) ?? '?', res: event.res });
    }
  });

  const a = new AbortController();
  const b = new AbortController();
  const start = performance.now();
  // Whoever wakes first aborts the other.
  const racer = async (ms: number, mine: AbortController, other: AbortController) => {
    await sleep(ms, { signal: mine.signal });
    other.abort(new Error(`the ${ms} ms timer won`));
    return `the ${ms} ms timer won, after ${(performance.now() - start).toFixed(1)} ms`;
  };
  const outcomes = await Promise.allSettled([racer(aMs, a, b), racer(bMs, b, a)]);
  stopTracing();

  console.log('promises:');
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') console.log(`  resolved: ${outcome.value}`);
    else {
      const error = outcome.reason as Error & { code?: string };
      const cause = error.cause instanceof Error ? ` (cause: ${error.cause.message})` : '';
      console.log(`  rejected: ${error.name} ${error.code ?? ''}${cause}`);
    }
  }
  console.log('CQEs, in the order the kernel posted them:');
  for (const { name, res } of cqes) {
    const errno = res < 0 ? ` ${errnoNames.get(res) ?? '?'}` : '';
    console.log(`  ${name.padEnd(16)} res = ${res}${errno}`);
  }
}
