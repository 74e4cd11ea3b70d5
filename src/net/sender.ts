// "Send these bytes": the one primitive servers use to write a socket when
// they need no promise per write. start(bytes, done) sends all of `bytes`
// (one IORING_OP_SEND with SEND_ALL, again for the rest should a kernel
// before 5.18 send short, or the bytes be more than one SEND takes) and calls done() once, with null or the error. One send at a time:
// the caller hands over the next batch after done(). The bytes in flight are
// kept alive by `sending` until the op completes; the op is made once per
// socket and started again for each send (Submitter.reusableWith). Per batch
// that is one op start settled by callback (no promise, no new Op), where
// SocketStream.write() (the general path) costs an async function and its
// promises. On the node backend the stream's own write() does the sending.
import { usesNode } from '../backend/backend.js';
import type { Op, OpSpec } from '../op/op.js';
import type { Submitter } from '../op/submitter.js';
import { noProgressError, sendInFlightError, unreachableError } from '../sys/errors.js';
import { addressOf } from '../sys/memory.js';
import { MAX_OP_BYTES, SEND_ALL, type SocketStream } from './stream.js';

/** Called once a send is over: null when every byte went out, else the error that ended it. */
export type SendDone = (error: Error | null) => void;

export class Sender {
  /** The bytes the SEND in flight points at, from `offset` on. */
  private sending: Buffer | null = null;
  private offset = 0;
  /** The address of `sending` (its first byte); -1 until looked up. */
  private address = -1;
  private done: SendDone | null = null;
  /** The one SEND op, started again per send; null on the node backend. */
  private readonly op: Op<number> | null = null;
  /** Where the op starts (kept here: a send then reads nothing of the stream's). */
  private readonly submitter: Submitter | null = null;

  /** The socket's fd, read by the op's prep: rebind() changes it. */
  private fd: number;

  constructor(private stream: SocketStream) {
    this.fd = stream.fd;
    // A literal of the same shape as most ops' specs (a class of its own made the Submitter's
    // read of spec.prep megamorphic at c=1000: dearer than this closure's call; docs/performance.md).
    const spec: OpSpec<number> = {
      syscall: 'write',
      prep: (uring, sqe) => {
        const bytes = this.sending!;
        if (this.address < 0) this.address = addressOf(bytes);
        // At most MAX_OP_BYTES a SEND: a 4 GiB buffer was 0 bytes in the SQE's 32-bit length, sent again for ever.
        uring.prepSend(sqe, this.fd, this.address + this.offset, Math.min(bytes.length - this.offset, MAX_OP_BYTES), SEND_ALL);
      },
    };
    if (!usesNode()) {
      this.submitter = stream.ring.submitter;
      this.op = this.submitter.reusableWith(spec, this.completed);
    }
  }

  /**
   * Sends on another socket of the same ring from now on (a server reusing
   * its per-connection objects): the op is kept. Only between sends.
   */
  rebind(stream: SocketStream): void {
    if (this.sending !== null) throw sendInFlightError();
    if (stream.ring !== this.stream.ring) throw unreachableError('Sender.rebind() to a socket of another ring');
    this.stream = stream;
    this.fd = stream.fd;
    this.address = -1;
  }

  /** The ring its SENDs go to. */
  get ring(): SocketStream['ring'] {
    return this.stream.ring;
  }

  /** True from start() until its done() is called. */
  get busy(): boolean {
    return this.sending !== null;
  }

  /**
   * Sends all of `bytes`, which must stay unchanged until `done` is called.
   * Throws if a send is in flight. `address`: addressOf(bytes), from a caller
   * that knows it (a reused output buffer), saving the lookup per send.
   */
  start(bytes: Buffer, done: SendDone, address = -1): void {
    if (this.sending !== null) throw sendInFlightError();
    this.sending = bytes;
    this.address = address;
    this.offset = 0;
    this.done = done;
    if (bytes.length === 0) this.sent(0);
    else if (usesNode()) this.stream.write(bytes).then(() => this.sent(bytes.length), this.failed);
    else this.submitter!.startAgain(this.op!);
  }

  /** The SEND's outcome (settled by callback: no promise per send). */
  private readonly completed = (error: Error | null, n?: number): void => {
    if (error !== null) this.finish(error);
    else this.sent(n!);
  };

  private sent(n: number): void {
    const bytes = this.sending!;
    // A socket's SEND of some bytes never sends none; say so rather than spin.
    if (n === 0 && this.offset < bytes.length) {
      this.finish(noProgressError('send', bytes.length - this.offset));
      return;
    }
    this.offset += n;
    if (this.offset < bytes.length) {
      this.submitter!.startAgain(this.op!);
      return;
    }
    this.finish(null);
  }

  private readonly failed = (error: Error): void => this.finish(error);

  private finish(error: Error | null): void {
    const done = this.done!;
    this.sending = null;
    this.done = null;
    done(error);
  }
}
