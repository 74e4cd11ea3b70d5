// A request is one SQE and the slot its CQEs come back to. It holds every
// object the SQE points into (buffers, iovecs, sockaddrs, paths, timespecs)
// for as long as its slot is taken, that is until its final CQE, whatever the
// caller does meanwhile: the kernel never writes into memory given back.
import type { IoUring } from '../ring/io-uring.js';

/** Fills SQE `sqe`. Called once the request has its SQE and slot (whose scratch memory it may use). */
export type Prep = (uring: IoUring, sqe: number, slot: number) => void;

/** One SQE and the slot its CQEs come back to, holding what the SQE points into until its final CQE. */
export abstract class Request {
  /** Its slot in the table of requests in flight (the low word of user_data); -1 when it has none. */
  slot = -1;
  /** The slot's generation when taken (the high word of user_data): tells a late CQE for an earlier owner apart. */
  generation = 0;
  /** The SQE index, once placed (valid until the next submit). */
  sqe = -1;
  /** The first request of this one's chain (itself when not linked). */
  head: Request = this;
  /** The next request of an IOSQE_IO_LINK chain: placed right after this one, in the same submit. */
  linkNext: Request | null = null;
  /** True while queued for room, before the SQE is written. */
  queued = false;
  /** Set when the ring was closed while this request was in flight. */
  closedUnder = false;
  /** Waits indefinitely (multishot): not counted against the CQ bound on requests in flight (slots.ts). */
  unbounded = false;
  /**
   * A cancel missed it (-EALREADY, -ENOENT) while it was still in flight: a
   * multishot op (an interval caught between two ticks) would go on posting,
   * so it is cancelled again at its next CQE.
   */
  cancelAgain = false;

  constructor(
    /** The syscall name its errors carry. */
    readonly syscall: string,
    /** Fills the SQE. */
    readonly prep: Prep,
    /** What the SQE points into; kept alive until the final CQE. */
    readonly pin: unknown,
  ) {}

  /** Requests in this chain, this one included. */
  get chainLength(): number {
    let n = 1;
    for (let r = this.linkNext; r !== null; r = r.linkNext) n++;
    return n;
  }

  /**
   * Called for each CQE of this request. Returns true when it was the last
   * one, so that the slot (and with it the pinned memory) is released.
   */
  abstract complete(res: number, flags: number): boolean;

  /**
   * Called instead of complete() when the request is dropped before it got an
   * SQE: with the error to reject with, or null when the caller aborted it.
   */
  abstract discard(error: Error | null): void;
}

/** A request whose result only the runtime cares about (ASYNC_CANCEL, TIMEOUT_REMOVE). */
export class InternalRequest extends Request {
  constructor(
    syscall: string,
    prep: Prep,
    private readonly onComplete: ((res: number) => void) | null = null,
  ) {
    super(syscall, prep, null);
  }

  complete(res: number): boolean {
    this.onComplete?.(res);
    return true;
  }

  discard(): void {}
}
