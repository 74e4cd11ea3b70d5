// The reader behind TCP chunks and UDP datagrams: a multishot receive
// (IORING_OP_RECV or RECVMSG with IORING_RECV_MULTISHOT and
// IOSQE_BUFFER_SELECT) drawing from a provided-buffer ring, read one value
// at a time. What it guarantees, whatever the consumer does:
//  - Bounded: at most `highWater` values wait unread (Multishot pauses the
//    recv in the kernel beyond that), so a consumer that stops reading stops
//    its peer, not the ring.
//  - Owned by default: each value is decoded (copied) out of its buffer when
//    its CQE arrives and the buffer goes straight back to the kernel, or,
//    with `adopt`, a full buffer is handed off as the value and a new one
//    takes its place; so a stalled consumer holds none of the ring-wide
//    buffers. With `borrow`, a value is a view of the buffer instead (or,
//    read with readInPlace, the buffer's memory and the value's range), which
//    goes back when the next value is asked for (or the reader stops): no
//    copy. At most `highWater` unread values hold buffers; values beyond are
//    copied out or handed off, so a stalled borrower cannot take the ring's
//    buffers either. Those are lent until the next read all the same: a
//    handed-off buffer then goes back to the pool (spec.reuse), to replace
//    the next one handed off instead of a new allocation.
//  - ENOBUFS (every buffer out) is not an error: the recv starts again once a
//    buffer is back.
//  - No gap: a value that cannot be copied out of its buffer (out of memory)
//    becomes the reader's error in its place, and the stream ends there; the
//    buffer goes back either way.
import type { Ring } from '../driver/ring.js';
import { watchAbort } from '../op/abort-watch.js';
import type { Multishot, MultishotSink, MultishotSpec } from '../op/multishot.js';
import type { Prep } from '../op/request.js';
import type { IoUring } from '../ring/io-uring.js';
import * as C from '../sys/constants.js';
import { concurrentReadError, receivedLostError } from '../sys/errors.js';
import type { BufferRing } from './buffer-ring.js';
import { ENOBUFS } from '../sys/errno.js';

/** Bytes an owned reader lets wait unread before it pauses the recv (about a socket's default read size in Node). */
const OWNED_BYTES = 64 * 1024;
/** Buffers a borrowing reader may hold unread, at most. */
const BORROWED_BUFFERS = 4;

/** Bytes received that could not be made a value (no memory for the copy): the reader gets `error` in their place. */
class Lost {
  constructor(readonly error: Error) {}
}

/** What the multishot recv yields: a value, a borrowed buffer (packed; negative: the end of the stream), or a value lost. */
type Received<T> = number | T | Lost;

/**
 * A reader that takes borrowed bytes where the kernel put them: no view
 * (and so no object) per value. See ProvidedRecv.readInPlace.
 */
export interface InPlaceSink<T> extends MultishotSink<T> {
  /** The next value, borrowed: bytes [start, end) of `memory`, valid until the next read (the rest of `memory` is not the reader's). */
  valueIn(memory: Buffer, start: number, end: number): void;
}

/** Who gets what a reader received but never read (see ProvidedRecvSpec.keeper). */
export interface UnreadKeeper<T> {
  /** A value received, or the error of bytes that could not be copied out, in the order they came. */
  keepUnread(value: T | Error): void;
}

export interface ProvidedRecvSpec<T> {
  ring: Ring;
  pool: BufferRing;
  syscall: string;
  /** Fills the multishot SQE (buffer group `pool.group`). */
  prep: Prep;
  /** What the SQE points to besides the pool (kept alive until the final CQE). */
  pin?: unknown;
  /** A final CQE's res after which the recv carries on at once (it ended with data delivered). */
  rearm: (res: number) => boolean;
  /** Makes a value of a buffer's bytes: with `own`, a copy of what it keeps (the buffer goes back at once); else views. */
  decode: (bytes: Buffer, own: boolean) => T;
  /** Makes a value of bytes that are its own for good (a buffer the pool handed off): no copy. Without it, values are decoded. */
  adopt?: (bytes: Buffer) => T;
  /**
   * Takes back a value that was lent to a borrower although it is not a view
   * (copied out or handed off beyond highWater), once the borrower has moved
   * on: a handed-off buffer's memory may then serve the pool again.
   */
  reuse?: (value: T) => void;
  borrow: boolean;
  /**
   * Gets what was received but never read, in order, once the reader stopped
   * (return(), an abort): values (copied out of their buffers), or the error
   * of bytes that could not be. Without one, they are dropped.
   */
  keeper?: UnreadKeeper<T>;
  /** Unread values at which the recv pauses. Default: highWaterFor(pool, borrow). */
  highWater?: number;
  signal: AbortSignal | undefined;
}

/** The unread values a reader of a pool shared by many sockets lets wait, for its buffer size and mode. */
function highWaterFor(pool: BufferRing, borrow: boolean): number {
  if (borrow) return Math.max(1, Math.min(BORROWED_BUFFERS, pool.count >> 2));
  return Math.max(2, Math.ceil(OWNED_BYTES / pool.size));
}

/**
 * Reads its op by callback itself (it is the op's MultishotSink: value() and
 * end()), a class and not an object of closures: the op calls the same
 * method for every reader, which V8 calls directly, where a closure per
 * reader is called through its generic Call builtin after loading that
 * reader's function object and context, cold with hundreds of connections
 * served in turn; and an idle connection holds no extra object for it.
 */
export class ProvidedRecv<T> implements MultishotSink<Received<T>> {
  /** The recv in the kernel (or paused); null after ENOBUFS until a buffer is back. */
  private op: Multishot<Received<T>> | null = null;
  /** Borrowed mode: the buffer of the value last handed out (packed), returned on the next call. */
  private held = -1;
  /** Borrowed mode: the value last handed out when it is not a view (see spec.reuse), taken back on the next call. */
  private lent: T | null = null;
  private done = false;
  /** A read is pending on the op or on a buffer. */
  private reading = false;
  /** Who gets the value the pending read brings. */
  private sink: MultishotSink<T> | null = null;
  /** The pending read is readInPlace()'s: a borrowed value goes to sink.valueIn. */
  private inPlace = false;
  /** Set while next() waits for a buffer after ENOBUFS. */
  private wake: (() => void) | null = null;
  private readonly unwatch: (() => void) | null = null;
  /** Counts of the recvs that have ended (ENOBUFS starts a new one). */
  private pastArms = 0;
  private pastCqes = 0;
  private pastPauses = 0;

  constructor(private readonly spec: ProvidedRecvSpec<T>) {
    const signal = spec.signal;
    if (signal !== undefined && !signal.aborted) {
      // The Multishot cancels itself; this gives back the buffer held and ends a wait for one.
      this.unwatch = watchAbort(signal, () => {
        this.giveBack();
        this.wake?.();
      });
    }
  }

  /** SQEs submitted: 1, plus one per re-arm (after ENOBUFS, a pause, or a CQ overflow). */
  get arms(): number {
    return this.pastArms + (this.op?.arms ?? 0);
  }

  /** CQEs received. */
  get cqes(): number {
    return this.pastCqes + (this.op?.cqes ?? 0);
  }

  /** Times the recv was paused because the consumer fell behind. */
  get pauses(): number {
    return this.pastPauses + (this.op?.pauses ?? 0);
  }

  /** True while a recv may be in the kernel (or is paused). */
  get active(): boolean {
    return this.op !== null;
  }

  /** Stopped, and its recv not yet ended in the kernel: what it still brings goes to spec.keep. */
  get stopping(): boolean {
    return this.op?.stopping ?? false;
  }

  /** Finished (the end, an error, return(), or its signal aborted): it yields nothing more. */
  get finished(): boolean {
    return this.done || this.spec.signal?.aborted === true;
  }

  /** Finished, and nothing of it left in the kernel. */
  get over(): boolean {
    return this.done && this.op === null;
  }

  private start(): Multishot<Received<T>> {
    const spec = new RecvOpSpec(this.spec);
    const op = this.spec.ring.multishot<Received<T>>(spec, { signal: this.spec.signal });
    spec.op = op;
    return op;
  }

  /** Arms the recv now, before the first next() (so that nothing sent meanwhile waits for it). */
  arm(): void {
    if (!this.done) this.op ??= this.start();
  }

  /** Forgets an op that has ended, keeping its counts. */
  private retire(op: Multishot<Received<T>>): void {
    if (this.op !== op) return;
    this.pastArms += op.arms;
    this.pastCqes += op.cqes;
    this.pastPauses += op.pauses;
    this.op = null;
  }

  /** The next value; done at end of stream. Rejects with the recv's error (ENOBUFS excepted). */
  next(): Promise<IteratorResult<T>> {
    return new Promise((resolve, reject) => this.read(new NextSink(resolve, reject)));
  }

  /**
   * Hands the next value to `sink` (at once if one is waiting, else when it
   * is received), or the end: null at end of stream, else the recv's error
   * (ENOBUFS excepted). next() with a callback: no promise per value. A
   * borrowed value is valid until the next read. Throws if a read is pending.
   */
  read(sink: MultishotSink<T>): void {
    this.readWith(sink, false);
  }

  /**
   * read() for a reader that takes a borrowed value where it lies, as
   * (memory, start, end) given to sink.valueIn, instead of decode()'s view
   * of it: a server's parser then makes no object per chunk. Values that are
   * not borrowed (copied beyond highWater, handed off) come to sink.value.
   */
  readInPlace(sink: InPlaceSink<T>): void {
    this.readWith(sink, true);
  }

  private readWith(sink: MultishotSink<T>, inPlace: boolean): void {
    if (this.reading) throw concurrentReadError();
    this.giveBack();
    if (this.done) {
      sink.end(null);
      return;
    }
    // No op here means the last one ran out of buffers and one is back (or the signal aborted: the new op ends at once).
    const op = (this.op ??= this.start());
    (op.spec as RecvOpSpec<T>).lending = true;
    this.reading = true;
    this.sink = sink;
    this.inPlace = inPlace;
    op.read(this);
  }

  /** @internal The op's next value (MultishotSink): a value of ours, a borrowed buffer (packed), (negative) the end of the stream, or a value lost. */
  value(value: Received<T>): void {
    const sink = this.sink!;
    this.sink = null;
    this.reading = false;
    if (typeof value !== 'number') {
      if (!(value instanceof Lost)) {
        // Lent like a view (read()'s borrowed chunks; readInPlace()'s sink may keep what comes to value()).
        if (this.spec.borrow && !this.inPlace) this.lent = value;
        sink.value(value);
        return;
      }
      // Going on would leave a gap in the stream: it ends with the error instead (the recv is cancelled).
      this.finish();
      sink.end(value.error);
    } else if (value < 0) {
      this.finish();
      sink.end(null);
    } else {
      this.held = value;
      const pool = this.spec.pool;
      if (!this.inPlace) {
        sink.value(this.spec.decode(pool.bytes(value), false));
      } else {
        const start = pool.startOf(value);
        (sink as InPlaceSink<T>).valueIn(pool.memoryOf(value), start, start + pool.lengthOf(value));
      }
    }
  }

  /** @internal The op ended (MultishotSink): with the stream, or (ENOBUFS) for want of a buffer, when a new one starts once one is back. */
  end(error: unknown): void {
    const sink = this.sink!;
    this.sink = null;
    this.reading = false;
    if (error === null) {
      this.finish();
      sink.end(null);
      return;
    }
    if (this.op !== null) this.retire(this.op);
    if (this.done) {
      sink.end(null);
    } else if ((error as NodeJS.ErrnoException).errno !== -ENOBUFS) {
      this.finish();
      sink.end(error);
    } else {
      // Out of buffers: start again when one is back.
      this.reading = true;
      const inPlace = this.inPlace;
      this.wake = () => {
        this.wake = null;
        this.reading = false;
        this.readWith(sink, inPlace);
      };
      this.spec.pool.whenAvailable(() => this.wake?.());
    }
  }

  /**
   * Done with the value last read before the next read: its buffer goes back
   * now (a reader that keeps nothing of it and waits for something else
   * first, so that it does not hold the buffer meanwhile). What comes until
   * that read is copied out, and what waits unread already: a reader that
   * waits long (or for ever) holds no buffer the ring shares, whatever its
   * peer sends. Nothing while a read is pending (its start gave it back).
   */
  release(): void {
    if (this.reading) return;
    this.giveBack();
    (this.op?.spec as RecvOpSpec<T> | undefined)?.stopLending();
  }

  private giveBack(): void {
    if (this.held >= 0) {
      this.spec.pool.recycle(this.held);
      this.held = -1;
    }
    if (this.lent !== null) {
      this.spec.reuse?.(this.lent);
      this.lent = null;
    }
  }

  private finish(): IteratorResult<T> {
    this.done = true;
    this.unwatch?.();
    const op = this.op;
    if (op !== null) this.stop(op);
    return { value: undefined, done: true };
  }

  private stop(op: Multishot<Received<T>>): void {
    // Ended in the kernel already (the usual case: stopped at its final CQE): forgotten now, no promise.
    if (op.stopNow()) this.retire(op);
    else void op.settled().then(() => this.retire(op));
  }

  /** Stops: the recv is cancelled, buffers go back. */
  return(): void {
    this.giveBack();
    this.finish();
    this.wake?.();
  }

  /** Resolves once no recv of this reader is in the kernel. */
  idle(): Promise<void> {
    return this.op?.settled() ?? Promise.resolve();
  }
}

/** What next() reads with: a class, so that a pending next() (every idle connection's) holds no closures of its own. */
class NextSink<T> implements MultishotSink<T> {
  constructor(
    private readonly resolve: (result: IteratorResult<T>) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  value(value: T): void {
    this.resolve({ value, done: false });
  }

  end(error: unknown): void {
    if (error === null) this.resolve({ value: undefined, done: true });
    else this.reject(error);
  }
}

/**
 * The multishot recv of a ProvidedRecv: its SQE, and how each CQE becomes a
 * value (see ProvidedRecv for why a class). It reads what it needs from the
 * reader's own spec rather than copying it: one per connection, so each field
 * is a field of every idle connection. Holding that spec pins the pool (and
 * `pin`) until the final CQE, even if the group is unregistered first.
 */
class RecvOpSpec<T> implements MultishotSpec<Received<T>> {
  readonly highWater: number;
  /** The op made from this spec (set once it exists). */
  op: Multishot<Received<T>> | null = null;
  /** Borrowed values may be lent (false from the reader's release() to its next read: see there). */
  lending = true;

  constructor(private readonly source: ProvidedRecvSpec<T>) {
    this.highWater = source.highWater ?? highWaterFor(source.pool, source.borrow);
  }

  get syscall(): string {
    return this.source.syscall;
  }

  // Called on the source: its prep and rearm may be methods.
  prep(uring: IoUring, sqe: number, slot: number): void {
    this.source.prep(uring, sqe, slot);
  }

  rearm(res: number): boolean {
    return this.source.rearm(res);
  }

  map(res: number, flags: number): Received<T> {
    if ((flags & C.IORING_CQE_F_BUFFER) === 0) return -1; // end of stream: no buffer used
    const source = this.source;
    const pool = source.pool;
    const packed = pool.taken(res, flags);
    // Lent while few wait unread. Beyond that (one burst can fill every buffer of the
    // ring before the pause takes effect) the value is copied out like an owned one.
    if (source.borrow && this.lending && this.op !== null && this.op.unread < this.highWater) return packed;
    return this.own(packed);
  }

  /** The reader lets go while it waits (ProvidedRecv.release): the values waiting unread become their own, as do those to come. */
  stopLending(): void {
    this.lending = false;
    this.op?.mapUnread((value) => (typeof value === 'number' && value >= 0 ? this.own(value) : value));
  }

  /** The bytes of `packed` as a value of their own, its buffer back to the kernel. */
  private own(packed: number): Received<T> {
    const source = this.source;
    const pool = source.pool;
    // A full buffer becomes the value itself, and the kernel gets a new one.
    const own = source.adopt === undefined ? null : pool.handOff(packed);
    if (own !== null) return source.adopt!(own);
    // No memory for the copy (nor, to get here, for a replacement): thrown from here, it would
    // escape the reap as uncaught and the stream would go on without these bytes.
    const value = this.copyOut(packed);
    pool.recycle(packed);
    return value instanceof Error ? new Lost(value) : value;
  }

  release(value: Received<T>): void {
    const keeper = this.source.keeper;
    if (typeof value !== 'number') {
      keeper?.keepUnread(value instanceof Lost ? value.error : value);
    } else if (value >= 0) {
      keeper?.keepUnread(this.copyOut(value));
      this.source.pool.recycle(value);
    }
  }

  /** A borrowed buffer's bytes as a value of their own, or the error of bytes that could not be copied. */
  private copyOut(packed: number): T | Error {
    const source = this.source;
    try {
      return source.decode(source.pool.bytes(packed), true);
    } catch (error) {
      return receivedLostError(source.syscall, source.pool.lengthOf(packed), error);
    }
  }
}
