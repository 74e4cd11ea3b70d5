// The options every ringcore/fs call takes: `signal` (abort) and `ring`
// (which ring to use; this thread's default ring when absent).
import { defaultRing } from '../driver/default-ring.js';
import { Ring } from '../driver/ring.js';
import { AbortError, invalidArgType } from '../sys/errors.js';

/** The options every fs call takes: an abort signal and the ring to use. */
export interface FsOptions {
  /** Aborting cancels the call's ops in the kernel and rejects with an AbortError. */
  signal?: AbortSignal | undefined;
  /** The ring to use; this thread's default ring when not given. */
  ring?: Ring | undefined;
}

/** The options object (or {} for undefined); a TypeError for anything else. */
export function checkOptions<T extends FsOptions>(options: unknown, name = 'options'): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== 'object') throw invalidArgType(name, 'of type object', options);
  const { signal, ring } = options as FsOptions;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgType(`${name}.signal`, 'an instance of AbortSignal', signal);
  if (ring !== undefined && !(ring instanceof Ring)) throw invalidArgType(`${name}.ring`, 'an instance of Ring', ring);
  return options as T;
}

export function ringOf(options: FsOptions): Ring {
  return options.ring ?? defaultRing();
}

/** Throws the AbortError Node throws when a signal is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}
