// The limits a server puts on what a client may send, and the HTTP error a
// broken limit or a malformed request becomes. Every limit is answered with a
// status and a closed connection: after a framing error nothing that follows
// on the connection can be trusted.
import { outOfRange } from '../sys/errors.js';

/** serve()'s limits on a request's size; going over answers with the status each field names. */
export interface Limits {
  /** Bytes of request line plus headers (and of a chunked body's trailers). Default 16 KiB; over it: 431. */
  maxHeaderBytes: number;
  /** Header lines per request. Default 100; over it: 431. */
  maxHeaderCount: number;
  /** Bytes of request body (after chunked decoding). Default 1 MiB; over it: 413. */
  maxBodyBytes: number;
}

/** The limits serve() uses where none are given. */
export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxBodyBytes: 1024 * 1024,
};

/** Checks and completes user-given limits. */
export function resolveLimits(given: Partial<Limits> | undefined): Limits {
  const limits = { ...DEFAULT_LIMITS, ...given };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    const value = limits[key];
    if (!Number.isInteger(value) || value < 1) throw outOfRange(`limits.${key}`, 'a positive integer', value);
  }
  return limits;
}

/** A lingering close reads (and drops) what the client still sends for at most this long, so that the last response is not lost to a reset. */
export const LINGER_MS = 2000;

export { HttpError } from '../sys/errors.js';
