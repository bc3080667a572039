// The grace periods of one live Space: a participant whose connection dropped keeps their
// place for a while, and a host has a while to arrive (or come back after a restart). One
// timer per person; starting one again restarts it.

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
