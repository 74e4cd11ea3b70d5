// The Date header line (RFC 9110 5.6.7, IMF-fixdate), formatted at most once
// per second: every response carries it, and toUTCString costs about 1 µs.
// The time is the turn's (clock.ts): responses of one batch share a reading.
import { turnNow } from './clock.js';

let second = -1;
let line = '';

/** "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n" for now. */
export function httpDateLine(): string {
  const s = Math.floor(turnNow() / 1000);
  if (s !== second) {
    second = s;
    line = `Date: ${new Date(s * 1000).toUTCString()}\r\n`;
  }
  return line;
}
