// Reason phrases, and the status lines built from them once.
import { STATUS_CODES } from 'node:http';

const lines = new Map<number, string>();

/** "HTTP/1.1 200 OK\r\n" (statusText overrides the standard phrase). */
export function statusLine(status: number, statusText: string): string {
  if (statusText !== '') return `HTTP/1.1 ${status} ${statusText}\r\n`;
  let line = lines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    lines.set(status, line);
  }
  return line;
}
