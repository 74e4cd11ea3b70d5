// io_uring_setup can fail for reasons that have nothing to do with the
// program: an old kernel, a sysctl, a container's seccomp profile, a memlock
// limit. Each gets an error that names the cause and says how to fix it.
import { readFileSync } from 'node:fs';
import type * as ChildProcess from 'node:child_process';
import { lazyBuiltin } from './builtins.js';
import { errnoName, RingcoreError } from '../sys/errors.js';

const childProcess = lazyBuiltin<typeof ChildProcess>('node:child_process');

/** What the error message is built from; read from /proc unless given (tests give it). */
export interface SetupFacts {
  /** kernel.io_uring_disabled: 0 allowed, 1 only for kernel.io_uring_group, 2 disabled. Null when absent. */
  ioUringDisabled: number | null;
  /** Seccomp mode from /proc/self/status: 0 none, 1 strict, 2 filter. */
  seccomp: number;
  /** The kernel release (uname -r). */
  kernel: string;
  /** RLIMIT_MEMLOCK soft limit in KiB, or null for unlimited/unknown. */
  memlockKiB: number | null;
}

function readOr<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** Reads the facts setupError() explains a failure with, from /proc (and uname). */
function readSetupFacts(): SetupFacts {
  const status = readOr(() => readFileSync('/proc/self/status', 'utf8'), '');
  const limits = readOr(() => readFileSync('/proc/self/limits', 'utf8'), '');
  const memlock = /^Max locked memory\s+(\S+)/m.exec(limits)?.[1];
  return {
    ioUringDisabled: readOr(() => Number(readFileSync('/proc/sys/kernel/io_uring_disabled', 'utf8')), null),
    seccomp: Number(/^Seccomp:\s+(\d+)/m.exec(status)?.[1] ?? 0),
    kernel:
      readOr(() => readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(), '') ||
      readOr(() => childProcess().execFileSync('uname', ['-r']).toString().trim(), 'unknown'),
    memlockKiB: memlock === undefined || memlock === 'unlimited' ? null : Math.floor(Number(memlock) / 1024),
  };
}

/** The error for a failed io_uring_setup (or mmap of its rings) that returned `res` (-errno). */
export function setupError(res: number, entries: number, syscall = 'io_uring_setup', facts: SetupFacts = readSetupFacts()): RingcoreError {
  const code = errnoName(res);
  const prefix = `ringcore: io_uring is not available: ${syscall} failed with ${code}.`;
  let why: string;
  switch (code) {
    case 'ENOSYS':
      why =
        `The kernel (${facts.kernel}) has no io_uring (it needs Linux 5.1, ringcore needs 5.10 or newer, built with CONFIG_IO_URING), ` +
        'or a sandbox such as gVisor or a seccomp profile hides the syscall. Check with `uname -r`; run on Linux >= 5.10 with io_uring enabled.';
      break;
    case 'EPERM':
    case 'EACCES':
      if (facts.ioUringDisabled === 2) {
        why = 'The sysctl kernel.io_uring_disabled is 2: io_uring is disabled for everyone. Enable it with `sysctl -w kernel.io_uring_disabled=0` (as root).';
      } else if (facts.ioUringDisabled === 1) {
        why =
          'The sysctl kernel.io_uring_disabled is 1: only root and members of the group in kernel.io_uring_group may create rings. ' +
          'Add this user to that group, or set `sysctl -w kernel.io_uring_disabled=0` (as root).';
      } else if (facts.seccomp === 2) {
        why =
          "A seccomp filter blocks io_uring_setup (Docker's default profile and Kubernetes' RuntimeDefault do). " +
          'Run the container with a profile that allows io_uring_setup, io_uring_enter and io_uring_register (e.g. `docker run --security-opt seccomp=<profile>`).';
      } else {
        why = 'The process is not permitted to create io_uring instances (a security module or sandbox refused it).';
      }
      break;
    case 'ENOMEM':
      why =
        `The kernel could not allocate or lock the ring's memory. Kernels before 5.12 charge rings to RLIMIT_MEMLOCK ` +
        `(now ${facts.memlockKiB === null ? 'unlimited' : `${facts.memlockKiB} KiB`}): raise it (\`ulimit -l unlimited\`, systemd LimitMEMLOCK=infinity, ` +
        `\`docker run --ulimit memlock=-1\`) or ask for fewer entries than ${entries}.`;
      break;
    case 'EMFILE':
    case 'ENFILE':
      why = "There are too many open files to create the ring's fd. Close some, or raise the limit (`ulimit -n`).";
      break;
    case 'EINVAL':
      why = `The kernel (${facts.kernel}) rejected the ring's parameters (${entries} entries and the setup flags asked for). Old kernels lack some flags; try fewer options.`;
      break;
    default:
      why = `Unexpected error from the kernel (${facts.kernel}).`;
  }
  const error = new RingcoreError('ERR_RINGCORE_SETUP', `${prefix} ${why}`);
  error.errno = -Math.abs(res);
  return error;
}
