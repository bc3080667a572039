// Join pacing: participant i starts joining at i / rate seconds, whatever the previous
// joins are doing, so a slow server shows up as slow joins rather than a slower storm.
export function joinSchedule(count: number, perSecond: number): number[] {
  if (!(perSecond > 0)) throw new Error('join rate must be positive');
  return Array.from({ length: count }, (_, i) => (i * 1000) / perSecond);
}

/** Runs `start(i)` for each i at its scheduled offset; resolves when every start has resolved. */
export async function paced<T>(count: number, perSecond: number, start: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const t0 = performance.now();
  const pending: Promise<T>[] = [];
  for (const [i, at] of joinSchedule(count, perSecond).entries()) {
    const wait = at - (performance.now() - t0);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const p = start(i);
    // Observed now, so a join that fails while we wait for the next slot is not an unhandled rejection.
    p.catch(() => undefined);
    pending.push(p);
  }
  return Promise.allSettled(pending);
}
