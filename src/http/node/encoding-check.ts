// res.write(string, encoding) and res.end(string, encoding) with an unknown
// encoding. node:http's ServerResponse before Node 24 writes a chunked
// response's size line, then the socket's write refuses the encoding
// (ERR_UNKNOWN_ENCODING): the client gets a size line with no chunk behind
// it, a corrupt stream (node:http's own socket too). Newer Node checks the
// encoding first and writes nothing. Where node's does not, each response's
// write and end check it first, as newer Node's does.
import type * as Http from 'node:http';
import type { ServerResponse } from 'node:http';
import { unknownEncodingError } from '../../sys/errors.js';

type Method = (this: ServerResponse, chunk?: unknown, encoding?: unknown, callback?: unknown) => unknown;

/** Whether this Node's ServerResponse lets a write with an unknown encoding begin (undefined: not probed yet). */
let unchecked: boolean | undefined;

/**
 * Writes with an unknown encoding to a response of this Node's, never sent. Made by OutgoingMessage's constructor
 * with ServerResponse's prototype, not by ServerResponse's: that one publishes the response on diagnostics_channel
 * ('http.server.response.created', Node 24 here, not Node 20), where a subscriber saw a response no client asked for.
 */
function nodeChecks(http: typeof Http): boolean {
  const res = Reflect.construct(http.OutgoingMessage, [], http.ServerResponse) as ServerResponse;
  // What ServerResponse's constructor would have set that write() reads: the status line of its implicit head.
  res.statusCode = 200;
  // No socket: what is written stays in the response.
  try {
    res.write('x', 'no-such-encoding' as BufferEncoding);
    return false;
  } catch (error) {
    return (error as { code?: unknown }).code === 'ERR_UNKNOWN_ENCODING';
  }
}

/** `method` of the response's prototype, after the check newer Node's write_ makes. */
function checkedFirst(method: 'write' | 'end'): Method {
  return function (this: ServerResponse, chunk, encoding, callback) {
    if (typeof chunk === 'string' && typeof encoding === 'string' && encoding !== '' && !Buffer.isEncoding(encoding)) throw unknownEncodingError(encoding);
    return ((Object.getPrototypeOf(this) as Record<string, Method>)[method] as Method).call(this, chunk, encoding, callback);
  };
}

const write = checkedFirst('write');
const end = checkedFirst('end');

/** Gives `res` write and end that refuse an unknown encoding before anything is written, where node's ServerResponse does not. */
export function checkEncodings(res: ServerResponse, http: typeof Http): void {
  unchecked ??= !nodeChecks(http);
  if (!unchecked || Object.hasOwn(res, 'write') || Object.hasOwn(res, 'end')) return;
  res.write = write as ServerResponse['write'];
  res.end = end as ServerResponse['end'];
}
