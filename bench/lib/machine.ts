// What the figures were measured on: they mean little without it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { findTool } from './references.js';
import type { Machine, Speed } from './types.js';

function bunVersion(): string | undefined {
  const bun = findTool('bun');
  if (bun === undefined) return undefined;
  const out = spawnSync(bun, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

export function machine(): Machine {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpu;
  } catch {
    // Not Linux, or /proc hidden: os.cpus() is good enough.
  }
  const result: Machine = {
    cpu,
    nproc: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    node: process.version,
  };
  const bun = bunVersion();
  if (bun !== undefined) result.bun = bun;
  return result;
}

/** The machine's speed now, from a fresh process (bench/scenarios/speed-probe.ts); undefined if the probe failed. */
export function speed(probe: string): Speed | undefined {
  const out = spawnSync(process.execPath, [probe], { encoding: 'utf8', timeout: 60_000 });
  if (out.status !== 0) return undefined;
  try {
    return JSON.parse(out.stdout) as Speed;
  } catch {
    return undefined;
  }
}

/** /proc/stat counts in USER_HZ ticks, 100 per second on Linux. */
const TICK_MS = 10;

export interface CpuTicks {
  /** Ticks some CPU spent doing anything but idling or waiting for I/O. */
  busy: number;
  /** Ticks the hypervisor took from this VM. */
  steal: number;
  total: number;
}

/** Cumulative CPU time of the whole machine, from /proc/stat; null where there is none. */
export function cpuTicks(): CpuTicks | null {
  try {
    const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
      .split('\n', 1)[0]!
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number) as number[];
    const total = user! + nice! + system! + idle! + iowait! + irq! + softirq! + steal!;
    return { busy: total - idle! - iowait!, steal: steal!, total };
  } catch {
    return null;
  }
}

/** Percent of CPU time stolen by the hypervisor between two readings; a VM's noise made visible. */
export function stealPercent(before: CpuTicks | null, after: CpuTicks | null): number | undefined {
  if (before === null || after === null || after.total <= before.total) return undefined;
  return Math.round(((after.steal - before.steal) / (after.total - before.total)) * 1000) / 10;
}

/**
 * CPUs' worth of work done by other processes over an interval of `wallMs`:
 * the machine's busy time less `ownCpuMs` (what the measured process and
 * the processes it started used).
 */
export function backgroundCores(before: CpuTicks | null, after: CpuTicks | null, wallMs: number, ownCpuMs = 0): number | undefined {
  if (before === null || after === null || wallMs <= 0) return undefined;
  return Math.max(0, ((after.busy - before.busy) * TICK_MS - ownCpuMs) / wallMs);
}
