// Process hygiene for benchmarks: remember every process we start, and on the way out
// (normal end, error, signal or watchdog) stop them and any children they left behind.
import type { ChildProcess } from 'node:child_process';
import { descendantsOf } from '../../test/helpers/processes.js';

const tracked = new Set<ChildProcess>();
const hooks: Array<() => Promise<void>> = [];

export function track(child: ChildProcess): ChildProcess {
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
  return child;
}

/** Runs at cleanup, before the tracked processes are killed (e.g. a polite server stop). */
export function onCleanup(hook: () => Promise<void>): void {
  hooks.push(hook);
}

/** All descendants of `pid`, from /proc. */
export const descendantPids = descendantsOf;

/** Kills `pids` that still exist (by id only). */
export function killPids(pids: number[]): void {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

let cleaning: Promise<void> | null = null;

export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    for (const h of hooks.splice(0).reverse()) await Promise.race([h().catch(() => undefined), new Promise((r) => setTimeout(r, 6000))]);
    const left = [...tracked].flatMap((c) => (c.pid ? [c.pid, ...descendantPids(c.pid)] : []));
    killPids(left);
  })();
  return cleaning;
}

/** Last resort on a synchronous exit: kill whatever we started that is still running. */
export function installExitGuards(watchdogMs: number): void {
  process.on('exit', () => killPids([...tracked].flatMap((c) => (c.pid ? [c.pid, ...descendantPids(c.pid)] : []))));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void cleanupAll().then(() => process.exit(130));
    });
  }
  setTimeout(() => {
    console.error(`watchdog: benchmark exceeded ${Math.round(watchdogMs / 1000)} s, stopping`);
    void cleanupAll().then(() => process.exit(2));
  }, watchdogMs).unref();
}
