// A request is one SQE and the slot its CQEs come back to. It holds every
// object the SQE points into (buffers, iovecs, sockaddrs, paths, timespecs)
// for as long as its slot is taken, that is until its final CQE, whatever the
// caller does meanwhile: the kernel never writes into memory given back.
//
// Every op allocates one, so it is kept small: what the SQE is comes from a
// shared spec rather than fields of its own, and the yes/no states share one
// word of bits (each field costs every op about a nanosecond to allocate,
// fill and collect: docs/performance.md, "NOPs").
import type { IoUring } from '../ring/io-uring.js';

/** Fills SQE `sqe`. Called once the request has its SQE and slot (whose scratch memory it may use). */
export type Prep = (uring: IoUring, sqe: number, slot: number) => void;

/** What a request's SQE is: shared by every request made from it. */
export interface RequestSpec {
  /** The syscall name errors carry ('read', 'open', 'connect'...). */
  syscall: string;
  /** Fills the SQE. */
  prep: Prep;
  /** Memory the SQE points into, kept alive until the final CQE. */
  pin?: unknown;
  /**
   * The res its CQE carries when it succeeds, for a request that may then
   * post none (IOSQE_CQE_SKIP_SUCCESS): a SPLICE's length, since the kernel
   * counts a short one as a failure. The Submitter sets the flag only inside
   * a linked chain, where a later request's CQE tells that this one succeeded.
   */
  skipSuccess?: number;
}

// Request.bits. Subclasses take theirs from FIRST_FREE_BIT up.
const QUEUED = 1;
const CLOSED_UNDER = 2;
const UNBOUNDED = 4;
const CANCEL_AGAIN = 8;
const SKIPS_SUCCESS = 16;
/** The lowest bit of Request.bits that subclasses may use. */
export const FIRST_FREE_BIT = 32;

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
  /** The yes/no states below, and subclasses' own, as bits. */
  protected bits = 0;

  constructor(
    /** What the SQE is; `spec.pin` is kept alive until the final CQE. */
    readonly spec: RequestSpec,
  ) {}

  /** The syscall name its errors carry. */
  get syscall(): string {
    return this.spec.syscall;
  }

  /** True while queued for room, before the SQE is written. */
  get queued(): boolean {
    return (this.bits & QUEUED) !== 0;
  }
  /** @internal */
  set queued(on: boolean) {
    this.setBit(QUEUED, on);
  }

  /** Set when the ring was closed while this request was in flight. */
  get closedUnder(): boolean {
    return (this.bits & CLOSED_UNDER) !== 0;
  }
  /** @internal */
  set closedUnder(on: boolean) {
    this.setBit(CLOSED_UNDER, on);
  }

  /** Waits indefinitely (multishot): not counted against the CQ bound on requests in flight (slots.ts). */
  get unbounded(): boolean {
    return (this.bits & UNBOUNDED) !== 0;
  }
  /** @internal */
  set unbounded(on: boolean) {
    this.setBit(UNBOUNDED, on);
  }

  /**
   * A cancel missed it (-EALREADY, -ENOENT) while it was still in flight, and
   * goes again (cancel-retry.ts): at its next CQE if it posts one first (a
   * multishot op between two ticks), or when its retry timer is due (an
   * io-wq link the cancel found between two links of its chain).
   */
  get cancelAgain(): boolean {
    return (this.bits & CANCEL_AGAIN) !== 0;
  }
  /** @internal */
  set cancelAgain(on: boolean) {
    this.setBit(CANCEL_AGAIN, on);
  }

  /**
   * Placed with IOSQE_CQE_SKIP_SUCCESS: a success posts no CQE, so it holds its
   * slot (and its pins) until a later request of its chain posts one; a CQE of
   * its own means it failed. Such requests are always the first ones of their
   * chain (Submitter.place).
   */
  get skipsSuccess(): boolean {
    return (this.bits & SKIPS_SUCCESS) !== 0;
  }
  /** @internal */
  set skipsSuccess(on: boolean) {
    this.setBit(SKIPS_SUCCESS, on);
  }

  /** @internal Whether one of the state bits is set. */
  protected has(bit: number): boolean {
    return (this.bits & bit) !== 0;
  }

  /** @internal Sets or clears one of the state bits. */
  protected setBit(bit: number, on: boolean): void {
    this.bits = on ? this.bits | bit : this.bits & ~bit;
  }

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
    spec: RequestSpec,
    private readonly onComplete: ((res: number) => void) | null = null,
  ) {
    super(spec);
  }

  complete(res: number): boolean {
    this.onComplete?.(res);
    return true;
  }

  discard(): void {}
}
