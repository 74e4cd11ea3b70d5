// Sends whole buffers on one socket with the least per-call cost: one SEND op
// (MSG_NOSIGNAL) through a spec made once per socket, one promise per call,
// and the rest sent again after a short send. For servers that send one
// batch at a time (the bytes in flight are kept alive by `sending` until the
// op completes); SocketStream.write() is the general path.
import type { Ring } from '../driver/ring.js';
import type { OpSpec } from '../op/op.js';
import { sendInFlightError } from '../sys/errors.js';
import { addressOf } from '../sys/memory.js';
import { MSG_NOSIGNAL } from '../sys/socket-constants.js';

export class Sender {
  /** The bytes the SEND in flight points at. */
  private sending: Buffer | null = null;
  private readonly spec: OpSpec<number>;

  constructor(
    readonly fd: number,
    readonly ring: Ring,
  ) {
    this.spec = {
      syscall: 'write',
      prep: (uring, sqe) => {
        const bytes = this.sending!;
        uring.prepSend(sqe, fd, addressOf(bytes), bytes.length, MSG_NOSIGNAL);
      },
    };
  }

  /** True while a send is in flight (one at a time). */
  get busy(): boolean {
    return this.sending !== null;
  }

  /** Sends all of `bytes` (one send at a time: the caller waits for this one before the next). */
  async send(bytes: Buffer): Promise<void> {
    if (this.sending !== null) throw sendInFlightError();
    let offset = 0;
    try {
      while (offset < bytes.length) {
        this.sending = offset === 0 ? bytes : bytes.subarray(offset);
        offset += await this.ring.submit(this.spec);
      }
    } finally {
      this.sending = null;
    }
  }
}
