// Reason phrases, and the status lines built from them once.
import type * as Http from 'node:http';
import { lazyBuiltin } from '../sys/builtins.js';

// node:http (with node:net and node:stream under it) is read on the first status line not built yet, not
// at import: 8 ms of CPU of each import of ringcore/http on Node 20 (docs/performance.md, "Import cost", session 16).
const http = lazyBuiltin<typeof Http>('node:http');

const lines = new Map<number, string>();

/** "HTTP/1.1 200 OK\r\n" (statusText overrides the standard phrase). */
export function statusLine(status: number, statusText: string): string {
  if (statusText !== '') return `HTTP/1.1 ${status} ${statusText}\r\n`;
  let line = lines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${http().STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    lines.set(status, line);
  }
  return line;
}
