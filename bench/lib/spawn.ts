// Runs one measurement in its own process and reads back its one JSON line.
import { spawn } from 'node:child_process';
import { backgroundCores, cpuTicks } from './machine.js';
import { reapedChildrenCpuMs } from './proc-cpu.js';
import type { Measurement, RunSpec } from './types.js';

const TIMEOUT_MS = 10 * 60_000;

/**
 * Runs one measurement. The result carries `cpuMs`, the CPU time of the child
 * and of every process it started and waited for (servers, wrk, fio…), and
 * `backgroundCores`: the CPUs' worth of work other processes did meanwhile
 * (0 on a quiet machine).
 */
export function measure(script: string, run: RunSpec): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const ticks = cpuTicks();
    const childrenCpu = reapedChildrenCpuMs();
    const started = Date.now();
    // stderr is passed through: a child that complains is heard at once.
    const child = spawn(process.execPath, [script, run.variant, JSON.stringify(run.params)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const what = `${script} ${run.variant} ${JSON.stringify(run.params)}`;
      if (code !== 0) return reject(new Error(`${what}: exited with ${signal ?? `code ${code}`}`));
      const line = stdout.trim().split('\n').at(-1) ?? '';
      try {
        const m = JSON.parse(line) as Measurement;
        if (typeof m.value !== 'number' || !Number.isFinite(m.value) || (m.unit !== 'ns/op' && m.unit !== 'ops/s' && m.unit !== 'B/conn'))
          throw new Error('no value/unit');
        // The child has been reaped ('close' comes after 'exit'), so its CPU time, its descendants' included, is counted now.
        const after = reapedChildrenCpuMs();
        if (childrenCpu !== null && after !== null) m.cpuMs = after - childrenCpu;
        const load = backgroundCores(ticks, cpuTicks(), Date.now() - started, typeof m.cpuMs === 'number' ? m.cpuMs : 0);
        if (load !== undefined) m.backgroundCores = Math.round(load * 100) / 100;
        // How long the run took, whole process included: the next run's time-left estimate.
        m.wallMs = Date.now() - started;
        resolve(m);
      } catch (error) {
        reject(new Error(`${what}: expected one JSON line with value and unit, got ${JSON.stringify(line)} (${String(error)})`));
      }
    });
  });
}
