// The raw-ring limit reference's one iteration, shared by the nop-batch
// scenario and bench/nop-floor.ts: `batch` NOPs written straight into a bare
// IoUring, one submit, then every CQE reaped (waiting only for any that did
// not complete inside the enter).
import { constants, type IoUring } from 'ringcore';

/** A function that runs one batch of `batch` NOPs on `uring` to completion. */
export function rawNopBatch(uring: IoUring, batch: number): () => void {
  let reaped = 0;
  const onCqe = () => void reaped++;
  return () => {
    for (let i = 0; i < batch; i++) {
      const sqe = uring.getSqe()!;
      uring.prepNop(sqe);
      uring.setUserData(sqe, i, 0);
    }
    const target = reaped + batch;
    uring.submit();
    uring.reap(onCqe);
    while (reaped < target) {
      uring.enter(0, target - reaped, constants.IORING_ENTER_GETEVENTS);
      uring.reap(onCqe);
    }
  };
}
