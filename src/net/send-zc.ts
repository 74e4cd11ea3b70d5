// IORING_OP_SEND_ZC: a send whose bytes the NIC reads straight from the
// caller's buffer. It posts two CQEs: the result (with IORING_CQE_F_MORE),
// then a notification (IORING_CQE_F_NOTIF) once the kernel no longer reads
// the buffer. It is an ordinary op (src/op/op.ts keeps an op's slot, and so
// the buffer, until its CQE without F_MORE), so it resolves only after the
// notification: a caller may reuse the buffer as soon as the promise
// settles. Abort, deadlines and a ring closed under it behave as for any op.
//
// Each send asks for IORING_SEND_ZC_REPORT_USAGE (Linux 6.2): the
// notification's res then says whether the kernel copied the bytes after all
// (IORING_NOTIF_USAGE_ZC_COPIED, as it does on loopback); zeroCopyStats counts
// both. A kernel without the flag refuses it with EINVAL: the send is made
// again without it, and so are all later ones.
import type { Ring } from '../driver/ring.js';
import type { OpSpec } from '../op/op.js';
import * as C from '../sys/constants.js';
import { addressOf } from '../sys/memory.js';
import { MSG_NOSIGNAL } from '../sys/socket-constants.js';
import { EINVAL } from '../sys/errno.js';

/** SEND_ZC requests made, notifications received, and notifications saying the kernel copied the bytes anyway. */
export const zeroCopyStats = {
  /** SEND_ZC requests made. */
  sends: 0,
  /** Notification CQEs (IORING_CQE_F_NOTIF) received: the buffer is free again. */
  notifications: 0,
  /** Notifications reporting that the kernel copied the bytes after all. */
  copied: 0,
};

let usageFlag = C.IORING_SEND_ZC_REPORT_USAGE;

function countNotification(res: number, flags: number): void {
  if ((flags & C.IORING_CQE_F_NOTIF) === 0) return;
  zeroCopyStats.notifications++;
  if ((res & C.IORING_NOTIF_USAGE_ZC_COPIED) !== 0) zeroCopyStats.copied++;
}

function sendZcSpec(fd: number, buf: Uint8Array, zcFlags: number): OpSpec<number> {
  return {
    syscall: 'write',
    prep: (uring, sqe) => uring.prepSendZc(sqe, fd, addressOf(buf), buf.byteLength, MSG_NOSIGNAL, zcFlags),
    pin: buf,
    update: countNotification,
  };
}

/** One zero-copy send of `buf`; resolves with the bytes sent once the kernel has let go of the buffer. */
export async function sendZc(ring: Ring, fd: number, buf: Uint8Array, signal?: AbortSignal): Promise<number> {
  const zcFlags = usageFlag;
  zeroCopyStats.sends++;
  try {
    return await ring.submit(sendZcSpec(fd, buf, zcFlags), { signal });
  } catch (error) {
    if (zcFlags === 0 || (error as { errno?: number }).errno !== -EINVAL) throw error;
    // A kernel before 6.2: no usage reports. Send again without asking.
    usageFlag = 0;
    zeroCopyStats.sends++;
    return await ring.submit(sendZcSpec(fd, buf, 0), { signal });
  }
}
