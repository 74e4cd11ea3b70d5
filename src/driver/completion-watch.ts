// Who wakes JavaScript when the kernel has completions for a ring.
//
// On Node, a uv_poll in its own event loop (native.watch): the loop's epoll
// wakes for the ring's fd at no extra cost. Bun and Deno load N-API addons
// but have no uv_poll (Bun aborts the process on uv_poll_init, and that
// cannot be caught): there a native thread waits on the fd and wakes the JS
// thread through a threadsafe function (native.watchThread), one thread hop
// per wake-up, not per op. Either way JavaScript reaps on its own thread; only
// the wake-up crosses threads. RINGCORE_DRIVER=poll|thread forces one (the
// thread driver is tested on Node that way).
import { RingcoreError } from '../sys/errors.js';
import { native, type Watch } from '../sys/native.js';
import { runtime } from '../sys/runtime.js';

/** `'poll'`: uv_poll in the runtime's libuv loop; `'thread'`: a waiting thread and a threadsafe function. */
export type CompletionDriver = 'poll' | 'thread';

let chosen: CompletionDriver | null = null;

/** The completion driver this process uses: RINGCORE_DRIVER if set, else `'poll'` on Node and `'thread'` on Bun and Deno. */
export function completionDriver(): CompletionDriver {
  if (chosen !== null) return chosen;
  const forced = process.env.RINGCORE_DRIVER;
  if (forced !== undefined && forced !== '') {
    if (forced !== 'poll' && forced !== 'thread') {
      throw new RingcoreError('ERR_RINGCORE_UNSUPPORTED', `RINGCORE_DRIVER must be 'poll' or 'thread', not ${JSON.stringify(forced)}`);
    }
    chosen = forced;
  } else {
    // Only Node gives an addon uv_poll.
    chosen = runtime === 'node' ? 'poll' : 'thread';
  }
  return chosen;
}

/** Calls `callback` (microtasks run after it) whenever `fd` is readable. Starts unreferenced, like native.watch. */
export function watchCompletions(fd: number, callback: (status: number) => void): Watch {
  return completionDriver() === 'thread' ? native.watchThread(fd, callback) : native.watch(fd, callback);
}
