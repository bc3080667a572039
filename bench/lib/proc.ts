// CPU and memory of a process (and its children) from /proc, for benchmarks.
import { readFileSync } from 'node:fs';
import { descendantsOf } from '../../test/helpers/processes.js';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of `pid` and all its descendants, in seconds. */
export function cpuSeconds(pid: number): number {
  let total = 0;
  for (const p of [pid, ...descendantsOf(pid)]) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

export function rssMiB(pid: number): number {
  let kib = 0;
  for (const p of [pid, ...descendantsOf(pid)]) {
    try {
      const m = readFileSync(`/proc/${p}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
      kib += Number(m?.[1] ?? 0);
    } catch {
      // exited
    }
  }
  return kib / 1024;
}

/** Samples CPU over a window: call stop() to get % of one core. */
export function cpuMeter(pid: number): { stop(): number } {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  return {
    stop() {
      return (100 * (cpuSeconds(pid) - c0)) / ((performance.now() - t0) / 1000);
    },
  };
}
