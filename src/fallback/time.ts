// ringcore/time on the node backend: Node's timers. Same results and errors
// as the kernel timers: sleep resolves, an aborted timer rejects with an
// AbortError, a passed deadline with ETIMEDOUT, an interval yields 1, 2, 3…
import { setInterval as everyMs, setTimeout as afterMs } from 'node:timers/promises';
import { AbortError, invalidArgType, timedOutException } from '../sys/errors.js';
import { watchAbort } from '../op/abort-watch.js';

/** The signal, checked at the call as the io_uring path does (Node's timers would reject later instead). */
function checkSignal(signal: unknown): AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  return signal;
}

/**
 * Node's timers fire after 1 ms when given more than this (a
 * TimeoutOverflowWarning); the kernel's wait the whole time, and so do these,
 * in steps of at most this long.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  checkSignal(signal);
  if (signal === undefined) return ms <= MAX_TIMER_MS ? afterMs(ms) : sleepInSteps(ms, undefined);
  if (signal.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  if (ms > MAX_TIMER_MS) return sleepInSteps(ms, { signal });
  // One 'abort' listener per signal however many sleeps share it, as on io_uring (src/op/abort-watch.ts):
  // Node's timers/promises adds one per timer, and past ten warns of a leak (MaxListenersExceededWarning).
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      unwatch();
      resolve();
    }, ms);
    const unwatch = watchAbort(signal, () => {
      clearTimeout(timer);
      reject(new AbortError(undefined, { cause: signal.reason }));
    });
  });
}

async function sleepInSteps(ms: number, options: { signal: AbortSignal } | undefined): Promise<void> {
  const due = performance.now() + ms;
  for (let left = ms; left > 0; left = due - performance.now()) await afterMs(Math.min(left, MAX_TIMER_MS), undefined, options);
}

/** Races `work` against a timer (nothing to cancel: there is no kernel op). */
export function timeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const due = performance.now() + ms;
    const expire = (): void => {
      const left = due - performance.now();
      if (left > 0) timer = setTimeout(expire, Math.min(left, MAX_TIMER_MS));
      else reject(timedOutException('timeout', ms));
    };
    let timer = setTimeout(expire, Math.min(ms, MAX_TIMER_MS));
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
  if (ms > MAX_TIMER_MS) {
    for (const options = signal === undefined ? undefined : { signal }; count === 0 || n < count; ) {
      await sleepInSteps(ms, options);
      yield ++n;
    }
    return;
  }
  for await (const _ of everyMs(ms, undefined, signal === undefined ? undefined : { signal })) {
    void _;
    yield ++n;
    if (count !== 0 && n >= count) return;
  }
}
