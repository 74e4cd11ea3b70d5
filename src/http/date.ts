// The Date header value (RFC 9110 5.6.7, IMF-fixdate), formatted at most once
// per second: every response carries it, and toUTCString costs about 1 µs.
let second = -1;
let value = '';

/** "Sun, 06 Nov 1994 08:49:37 GMT" for now. */
export function httpDate(): string {
  const now = Date.now();
  const s = Math.floor(now / 1000);
  if (s !== second) {
    second = s;
    value = new Date(s * 1000).toUTCString();
  }
  return value;
}
