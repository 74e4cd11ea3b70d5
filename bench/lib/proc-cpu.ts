// CPU time of the processes this one has waited for (getrusage's
// RUSAGE_CHILDREN, from /proc/self/stat): a child's CPU time, and that of
// every descendant it waited for in turn, lands here when it is reaped. The
// harness reads it around each measurement, so a scenario's own servers, wrk,
// fio or cat are counted as the measurement's and not as background load.
import { readFileSync } from 'node:fs';

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
