// Bun's ServerResponse counts in writableLength only what its own native
// handle holds. A response of createServer's has no handle: while it waits
// for the socket behind a pipelined one, its output is in its outputData,
// and writableLength says 0. Its end() (OutgoingMessage's, which waits for
// the socket to take the output before 'finish' when writableLength says
// something is pending) then said 'finish' at once: an app's 'finish'
// listeners (Fastify's onResponse hooks, loggers) ran before the responses
// ahead of it had been written, out of order. On Bun each response gets
// OutgoingMessage's own count instead (as Node's: what it holds plus what
// its socket holds), and its 'finish' comes when the socket has taken its
// output, in its turn, as on Node.
import type * as Http from 'node:http';
import type { ServerResponse } from 'node:http';
import { runtime } from '../../sys/runtime.js';

/** OutgoingMessage's writableLength, where ServerResponse's leaves out the output it holds (Bun); null elsewhere, undefined: not looked up yet. */
let outgoingCount: PropertyDescriptor | null | undefined;

/** Makes `res` count the output it holds, where its class does not (Bun). */
export function countHeldOutput(res: ServerResponse, http: typeof Http): void {
  if (outgoingCount === undefined) {
    const own = runtime === 'bun' ? Object.getOwnPropertyDescriptor(http.OutgoingMessage.prototype, 'writableLength') : undefined;
    outgoingCount = own?.get === undefined ? null : own;
  }
  if (outgoingCount !== null) Object.defineProperty(res, 'writableLength', outgoingCount);
}
