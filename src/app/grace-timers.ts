// The grace periods of one live Space: a participant whose connection dropped keeps their
// place for a while, and a host has a while to arrive (or come back after a restart). One
// timer per person; starting one again restarts it.

/** How long each kind of absence is waited out (the settings of the same names). */
export interface GracePeriods {
  hostGraceMs: number;
  reconnectGraceMs: number;
  whipGraceMs: number;
}

/**
 * The grace period of someone whose last connection went away. An encoder (their only
 * connection was a WHIP publisher) gets the WHIP grace, host or not: OBS and the like retry
 * with a backoff that can outlast a person's reconnect, and their key resumes the same place.
 */
export function graceFor(periods: GracePeriods, who: { host: boolean; encoder: boolean }): number {
  if (who.encoder) return periods.whipGraceMs;
  return who.host ? periods.hostGraceMs : periods.reconnectGraceMs;
}

export class GraceTimers {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  start(userId: string, ms: number, expired: (userId: string) => void): void {
    this.clear(userId);
    const timer = setTimeout(() => {
      this.timers.delete(userId);
      expired(userId);
    }, ms);
    timer.unref();
    this.timers.set(userId, timer);
  }

  clear(userId: string): void {
    const timer = this.timers.get(userId);
    if (timer) clearTimeout(timer);
    this.timers.delete(userId);
  }

  has(userId: string): boolean {
    return this.timers.has(userId);
  }

  clearAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
