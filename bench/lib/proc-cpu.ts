// CPU time of the processes this one has waited for (getrusage's
// RUSAGE_CHILDREN, from /proc/self/stat): a child's CPU time, and that of
// every descendant it waited for in turn, lands here when it is reaped. The
// harness reads it around each measurement, so a scenario's own servers, wrk,
// fio or cat are counted as the measurement's and not as background load.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** ms of CPU used by the reaped children of this process (and their reaped descendants); null where there is no /proc. */
export function reapedChildrenCpuMs(): number | null {
  try {
    const text = readFileSync('/proc/self/stat', 'utf8');
    // Fields after "(comm) " start at the 3rd (state); cutime and cstime are the 16th and 17th.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU time (user + system, all threads) of one live process so far, ns; 0 once it is gone. */
function processCpuNs(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // utime and stime are the 14th and 15th fields.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e9) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The live children of `pid`, from each thread's /proc children list. */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

/**
 * CPU time so far of a server and its live descendants (nginx's workers, cluster's), ns, in 10 ms ticks.
 * A descendant that exits in between takes its time with it: read it around a run in which none do.
 */
export function processTreeCpuNs(pid: number): number {
  return processCpuNs(pid) + childrenOf(pid).reduce((sum, child) => sum + processTreeCpuNs(child), 0);
}
