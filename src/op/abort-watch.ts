// One 'abort' listener per AbortSignal, however many ops share it.
//
// A program may hand one signal to thousands of ops (every read of a request,
// say). A listener per op would make Node warn of a leak past ten listeners
// (MaxListenersExceededWarning). Here the signal gets a single listener that
// calls every op still watching; it is removed when the last op lets go.

interface Watch {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
}

const watches = new WeakMap<AbortSignal, Watch>();

/** Calls `onAbort` once when `signal` aborts; the returned function stops watching. */
export function watchAbort(signal: AbortSignal, onAbort: () => void): () => void {
  let watch = watches.get(signal);
  if (watch === undefined) {
    const callbacks = new Set<() => void>();
    const listener = () => {
      watches.delete(signal);
      for (const callback of callbacks) callback();
    };
    watch = { callbacks, listener };
    watches.set(signal, watch);
    signal.addEventListener('abort', listener, { once: true });
  }
  watch.callbacks.add(onAbort);
  return () => unwatch(signal, onAbort);
}

function unwatch(signal: AbortSignal, onAbort: () => void): void {
  const watch = watches.get(signal);
  if (watch === undefined || !watch.callbacks.delete(onAbort) || watch.callbacks.size > 0) return;
  watches.delete(signal);
  signal.removeEventListener('abort', watch.listener);
}
