// Run as `test/kernels/run.sh --kernel 6.1 -- node test/kernels/pipe-write-order.mjs` (after
// npm run build): whether 16 WRITEs to a pipe, submitted together on one ring in call order,
// land in that order, plain and with IOSQE_ASYNC; and whether the kernel tries pipe I/O inline:
// a READ with RWF_NOWAIT on an empty pipe fails with EAGAIN where the pipe has FMODE_NOWAIT, with
// EOPNOTSUPP where it has not and io_uring runs every pipe read and write in an io-wq worker.
// 6.18: EAGAIN, in order. 6.1: EOPNOTSUPP, 20 of 20 rounds out of order (reversed).
// 5.10: EOPNOTSUPP, 1 of 20. io_uring keeps no order between ops in flight; the pipe writes
// of test/op/random-careless are checked for order only where this probe says EAGAIN.
import { readdirSync, readFileSync } from 'node:fs';
import { Ring } from '../../dist/src/index.js';
import { addressOf } from '../../dist/src/sys/memory.js';
import { native } from '../../dist/src/sys/native.js';
import { SYS_read } from '../../dist/src/sys/syscalls.js';
import { IOSQE_ASYNC, RWF_NOWAIT } from '../../dist/src/sys/constants.js';
import { pipe } from '../../dist/test-support/kernel.js';
const workers = () =>
  readdirSync('/proc/self/task')
    .map((t) => {
      try {
        return readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim();
      } catch {
        return '?';
      }
    })
    .filter((c) => c.startsWith('iou'));
const ring = new Ring({ entries: 64 });
{
  const [r] = pipe();
  const b = Buffer.alloc(16);
  const res = await ring
    .submit({
      syscall: 'read',
      prep: (u, sqe) => {
        u.prepRead(sqe, r, addressOf(b), 16, -1);
        u.setOpFlags(sqe, RWF_NOWAIT);
      },
      pin: b,
    })
    .then(
      (n) => n,
      (e) => e.code,
    );
  console.log(`READ with RWF_NOWAIT on an empty pipe: ${res}`);
}
for (const async of [false, true]) {
  let bad = 0;
  let sample = '';
  for (let round = 0; round < 20; round++) {
    const [r, w] = pipe();
    const bufs = Array.from({ length: 16 }, (_, k) => Buffer.alloc(100 + k, k + 1));
    const ps = bufs.map((b) =>
      ring.submit({
        syscall: 'write',
        prep: (u, sqe) => {
          u.prepWrite(sqe, w, addressOf(b), b.length, -1);
          if (async) u.addFlags(sqe, IOSQE_ASYNC);
        },
        pin: b,
      }),
    );
    await Promise.all(ps);
    const out = Buffer.alloc(65536);
    const n = native.syscall(SYS_read, r, addressOf(out), out.length);
    const order = [];
    for (let i = 0; i < n; ) {
      order.push(out[i] - 1);
      i += 100 + out[i] - 1;
    }
    if (!order.every((v, i) => v === i)) {
      bad++;
      sample ||= order.join(',');
    }
  }
  console.log(
    `16 WRITEs${async ? ' with IOSQE_ASYNC' : ''} submitted together: ${bad}/20 rounds out of call order${sample ? ` (e.g. ${sample})` : ''}; io-wq threads: ${workers().length}`,
  );
}
await ring.close();
