// ringcore/time on the node backend: Node's timers. Same results and errors
// as the kernel timers: sleep resolves, an aborted timer rejects with an
// AbortError, a passed deadline with ETIMEDOUT, an interval yields 1, 2, 3…
import { setInterval as everyMs, setTimeout as afterMs } from 'node:timers/promises';
import { invalidArgType, timedOutException } from '../sys/errors.js';

/** The signal, checked at the call as the io_uring path does (Node's timers would reject later instead). */
function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  return signal;
}

export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  checkSignal(signal);
  return afterMs(ms, undefined, signal === undefined ? undefined : { signal });
}

/** Races `work` against a timer (nothing to cancel: there is no kernel op). */
export function timeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timedOutException('timeout', ms)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Ticks numbered from 1; `count` 0 never ends. Breaking out of the loop stops the timer. */
export function interval(ms: number, count: number, signal: AbortSignal | undefined): AsyncGenerator<number> {
  return ticks(ms, count, checkSignal(signal));
}

async function* ticks(ms: number, count: number, signal: AbortSignal | undefined): AsyncGenerator<number> {
  let n = 0;
  for await (const _ of everyMs(ms, undefined, signal === undefined ? undefined : { signal })) {
    void _;
    yield ++n;
    if (count !== 0 && n >= count) return;
  }
}
