// Batching: many SQEs, one system call.
//
// IORING_OP_NOP does nothing in the kernel, so it shows the cost of the ring
// itself. Starting an op only writes its SQE into shared memory; the driver
// calls io_uring_enter once per turn of the event loop for everything queued.
// Here 100 NOPs started in the same turn go to the kernel in ONE enter
// (to_submit = 100), complete inline, and are reaped right after it.
// For contrast, the same 100 NOPs awaited one at a time need 100 enters.
//
// The counts come from the trace hook, which sees every io_uring_enter.
//
//   npm run example -- nop_batch [count]
import { addTraceListener, Ring } from 'ringcore';

export async function main(args: string[]): Promise<void> {
  const count = Number(args[0] ?? 100);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${args[0]}`);
  const ring = new Ring({ entries: 256 });

  // Every enter this ring makes, with how many SQEs it handed to the kernel.
  let batches: number[] = [];
  const stopTracing = addTraceListener((event) => {
    if (event.type === 'enter' && event.ring === ring.uring.id && event.toSubmit > 0) batches.push(event.toSubmit);
  });

  await Promise.all(Array.from({ length: count }, () => ring.nop()));
  console.log(`${count} NOPs started together: ${batches.length} io_uring_enter call(s), to_submit = ${summary(batches)}`);

  batches = [];
  for (let i = 0; i < count; i++) await ring.nop();
  console.log(`${count} NOPs awaited one by one: ${batches.length} io_uring_enter call(s), to_submit = ${summary(batches)}`);

  stopTracing();
  await ring.close();
}

/** "100", or "1 × 100" for long runs of the same size. */
function summary(batches: number[]): string {
  if (batches.length > 3 && batches.every((n) => n === batches[0])) return `${batches[0]} × ${batches.length}`;
  return batches.join(', ');
}
