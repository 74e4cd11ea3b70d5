// The ring sockets use when none is given: one per thread, made on first use,
// with a completion queue sized for connections.
//
// Why not the thread's default ring: single-shot ops in flight are capped at
// the CQ size (so that completions can never overflow it), and a socket op can
// wait on the network indefinitely. Multishot recvs and accepts are outside
// that cap (docs/net.md, "How many connections"), single-shot reads are not:
// with a CQ of 512, a client and server that each fill their slots with
// waiting reads stop making progress. This ring's CQ has room for
// NET_CQ_ENTRIES waiting single-shot ops (16384), at about 1 MiB of memory.
//
// It asks for DEFER_TASKRUN (Linux 6.1+): socket completions wait for the
// thread's next enter and are posted in one batch there, instead of each
// running as task work on its own. Measured (docs/net.md, "Which ring"): 1000
// concurrent requests take 0.6x the time; one connection's round trips are
// about 10 % slower (16.7k against 18.6k a second). Older kernels get a plain ring.
import * as C from '../sys/constants.js';
import { Ring } from '../driver/ring.js';

/** Completion-queue entries (and so in-flight ops) of the per-thread socket ring. */
export const NET_CQ_ENTRIES = 16384;

let ring: Ring | null = null;

/** This thread's ring for sockets; a new one is made if the last was closed. */
export function netRing(): Ring {
  if (ring === null || ring.closed) {
    ring = new Ring({
      entries: 1024,
      cqEntries: NET_CQ_ENTRIES,
      preferFlags: C.IORING_SETUP_DEFER_TASKRUN | C.IORING_SETUP_SINGLE_ISSUER,
    });
  }
  return ring;
}
