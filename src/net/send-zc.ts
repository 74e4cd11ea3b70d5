// IORING_OP_SEND_ZC: a send whose bytes the NIC reads straight from the
// caller's buffer. It posts two CQEs: the result (with IORING_CQE_F_MORE),
// then a notification (IORING_CQE_F_NOTIF) once the kernel no longer reads
// the buffer. The op layer's Op settles on its first CQE, so this is a small
// Request of its own: it keeps its slot, and so the buffer, until the
// notification, and only then resolves, so that a caller may reuse the
// buffer as soon as the promise settles.
import { constants } from 'node:os';
import type { Ring } from '../driver/ring.js';
import { Request } from '../op/request.js';
import * as C from '../sys/constants.js';
import { AbortError, errnoException } from '../sys/errors.js';
import { addressOf } from '../sys/memory.js';
import { MSG_NOSIGNAL } from '../sys/socket-constants.js';

const { ECANCELED, EINTR } = constants.errno;

class SendZc extends Request {
  private res = 0;
  private aborted = false;
  private settled = false;

  constructor(
    private readonly resolve: (n: number) => void,
    private readonly reject: (error: unknown) => void,
    fd: number,
    buf: Uint8Array,
  ) {
    super('write', (uring, sqe) => uring.prepSendZc(sqe, fd, addressOf(buf), buf.byteLength, MSG_NOSIGNAL, 0), buf);
  }

  complete(res: number, flags: number): boolean {
    if ((flags & C.IORING_CQE_F_NOTIF) === 0) this.res = res; // the result CQE
    if ((flags & C.IORING_CQE_F_MORE) !== 0) return false; // a notification is still to come
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

  abort(ring: Ring): void {
    this.aborted = true;
    if (this.queued) ring.submitter.dequeue(this);
    else ring.submitter.cancel(this);
  }
}

/** One zero-copy send of `buf`; resolves with the bytes sent once the kernel has let go of the buffer. */
export function sendZc(ring: Ring, fd: number, buf: Uint8Array, signal?: AbortSignal): Promise<number> {
  if (signal?.aborted) return Promise.reject(new AbortError(undefined, { cause: signal.reason }));
  let onAbort: (() => void) | undefined;
  const promise = new Promise<number>((resolve, reject) => {
    const request = new SendZc(resolve, reject, fd, buf);
    if (signal !== undefined) {
      onAbort = () => request.abort(ring);
      signal.addEventListener('abort', onAbort, { once: true });
    }
    ring.submitter.start(request);
  });
  if (onAbort === undefined) return promise;
  const detach = () => signal!.removeEventListener('abort', onAbort!);
  return promise.finally(detach);
}
