// IORING_OP_SEND_ZC: a send whose bytes the NIC reads straight from the
// caller's buffer. It posts two CQEs: the result (with IORING_CQE_F_MORE),
// then a notification (IORING_CQE_F_NOTIF) once the kernel no longer reads
// the buffer. The op layer's Op settles on its first CQE, so this is a small
// Request of its own: it keeps its slot, and so the buffer, until the
// notification, and only then resolves, so that a caller may reuse the
// buffer as soon as the promise settles.
//
// Each send asks for IORING_SEND_ZC_REPORT_USAGE (Linux 6.2): the
// notification's res then says whether the kernel copied the bytes after all
// (IORING_NOTIF_USAGE_ZC_COPIED, as it does on loopback); zeroCopyStats counts
// both. A kernel without the flag refuses it with EINVAL: the send is made
// again without it, and so are all later ones.
import { constants } from 'node:os';
import type { Ring } from '../driver/ring.js';
import { watchAbort } from '../op/abort-watch.js';
import { Request } from '../op/request.js';
import * as C from '../sys/constants.js';
import { AbortError, errnoException } from '../sys/errors.js';
import { addressOf } from '../sys/memory.js';
import { MSG_NOSIGNAL } from '../sys/socket-constants.js';

const { ECANCELED, EINTR, EINVAL } = constants.errno;

/** SEND_ZC requests made, notifications received, and notifications saying the kernel copied the bytes anyway. */
export const zeroCopyStats = { sends: 0, notifications: 0, copied: 0 };

let usageFlag = C.IORING_SEND_ZC_REPORT_USAGE;

class SendZc extends Request {
  private res = 0;
  private aborted = false;
  private settled = false;
  private readonly zcFlags = usageFlag;
  /** The request now carrying this send: itself, or its resend without the usage flag (what abort() cancels). */
  current: SendZc = this;

  constructor(
    private readonly ring: Ring,
    private readonly resolve: (n: number) => void,
    private readonly reject: (error: unknown) => void,
    private readonly fd: number,
    private readonly buf: Uint8Array,
  ) {
    super('write', (uring, sqe) => uring.prepSendZc(sqe, fd, addressOf(buf), buf.byteLength, MSG_NOSIGNAL, this.zcFlags), buf);
    zeroCopyStats.sends++;
  }

  complete(res: number, flags: number): boolean {
    if ((flags & C.IORING_CQE_F_NOTIF) !== 0) {
      zeroCopyStats.notifications++;
      if ((res & C.IORING_NOTIF_USAGE_ZC_COPIED) !== 0) zeroCopyStats.copied++;
    } else {
      this.res = res; // the result CQE
    }
    if ((flags & C.IORING_CQE_F_MORE) !== 0) return false; // a notification is still to come
    if (this.res === -EINVAL && this.zcFlags !== 0 && !this.aborted) {
      // A kernel before 6.2: no usage reports. Send again without asking.
      usageFlag = 0;
      const again = new SendZc(this.ring, this.resolve, this.reject, this.fd, this.buf);
      this.current = again;
      this.settled = true;
      this.ring.submitter.start(again);
      return true;
    }
    this.settle();
    return true;
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.res >= 0) this.resolve(this.res);
    else if (this.aborted && (this.res === -ECANCELED || this.res === -EINTR)) this.reject(new AbortError());
    else this.reject(errnoException(this.res, 'write'));
  }

  discard(error: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error ?? new AbortError());
  }

  abort(): void {
    if (this.current !== this) return this.current.abort();
    if (this.settled) return;
    this.aborted = true;
    if (this.queued) this.ring.submitter.dequeue(this);
    else this.ring.submitter.cancel(this);
  }
}

/** One zero-copy send of `buf`; resolves with the bytes sent once the kernel has let go of the buffer. */
export function sendZc(ring: Ring, fd: number, buf: Uint8Array, signal?: AbortSignal): Promise<number> {
  if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  let unwatch: (() => void) | undefined;
  const promise = new Promise<number>((resolve, reject) => {
    const request = new SendZc(ring, resolve, reject, fd, buf);
    if (signal !== undefined) unwatch = watchAbort(signal, () => request.abort());
    ring.submitter.start(request);
  });
  return unwatch === undefined ? promise : promise.finally(unwatch);
}
