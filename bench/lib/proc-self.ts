// CPU of one process alone (not its children), for splitting a server's CPU between its
// main process (signalling, domain) and its media workers.
import { readFileSync } from 'node:fs';

export function cpuSecondsSelf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

export function cpuMeterSelf(pid: number): { stop(): number } {
  const c0 = cpuSecondsSelf(pid);
  const t0 = performance.now();
  return { stop: () => (100 * (cpuSecondsSelf(pid) - c0)) / ((performance.now() - t0) / 1000) };
}
