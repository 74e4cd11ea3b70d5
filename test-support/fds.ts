// This process's open fds, read from /proc/self/fd: the tests that check that
// nothing (a socket, a file, a ring) is left open compare them before and after.
import { readdirSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import { native } from '../src/sys/native.js';

/**
 * Opens the fds ringcore keeps open for good once used, so that no count or listing takes them for a leak: before
 * Linux 6.8 (mount IDs reused) the stat fast path polls one on /proc/self/mountinfo, opened at the first stat
 * (src/fs/cached-stat.ts).
 */
function openKeptFds(): void {
  try {
    native.mountsGeneration?.();
  } catch {
    // no addon here (the node backend where it cannot load): nothing of ringcore's to keep open
  }
}

/** How many fds this process has open (the listing's own included): a count that grows across a test is a leak. */
export function fdCount(): number {
  openKeptFds();
  return readdirSync('/proc/self/fd').length;
}

/** This process's open fds, as "fd -> target" strings. */
export function openFds(): Set<string> {
  openKeptFds();
  const out = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      out.add(`${fd} -> ${readlinkSync(`/proc/self/fd/${fd}`)}`);
    } catch {
      // closed while listing (the readdir's own fd)
    }
  }
  return out;
}

/** Fds open now that were not open in `before` (sockets and rings leak this way). */
export function leakedSince(before: Set<string>): string[] {
  return [...openFds()].filter((fd) => !before.has(fd));
}

/**
 * The fds still open after up to `ms` that were not open in `before` (empty
 * once they are all closed): a close that settles before its fd is gone (a
 * peer's FIN, the node backend's thread pool) gets the time to finish.
 */
export async function leakedAfterWaiting(before: Set<string>, ms = 5000): Promise<string[]> {
  const end = Date.now() + ms;
  let leaked = leakedSince(before);
  while (leaked.length > 0 && Date.now() < end) {
    await sleep(5);
    leaked = leakedSince(before);
  }
  return leaked;
}
