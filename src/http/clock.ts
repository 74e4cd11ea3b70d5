// The time for what a server stamps per request (the deadlines of
// connection.ts, the Date header of date.ts), read from the system once per
// run of synchronous work rather than once per request: a batch of requests
// reaped together shares one reading, as nginx caches its time once per
// event-loop turn. The reading is dropped by a process.nextTick callback,
// which runs once the callback (or tick, or microtask run) that took it is
// done, so it is never older than the JavaScript that has run since: no
// timer, no I/O wait, can come between it and its use. But a handler's own
// synchronous work can be long (a second, more): once one has run, the
// reading is read again (rereadClock), so that no response's Date and no
// deadline lags behind it; a batch's reading is shared by what serve() does
// between two handlers. Date.now() per request cost about 0.1 µs of a hello
// world's ~3 µs of JavaScript (docs/performance.md, "Session 8").

let reading = 0;
let fresh = false;
const drop = (): void => {
  fresh = false;
};

/** Date.now(), as read at most once per run of synchronous work. */
export function turnNow(): number {
  if (!fresh) {
    reading = Date.now();
    fresh = true;
    // A tick, not a promise: serve() makes no promise per request (a client that sends one
    // request at a time gets one batch, and one reading, per request).
    process.nextTick(drop);
  }
  return reading;
}

/** Reads the clock again, if a reading is kept: code that may have run long (a handler) ran since it was taken. Its tick is already on its way. */
export function rereadClock(): void {
  if (fresh) reading = Date.now();
}
