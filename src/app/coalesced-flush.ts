// Coalesces bursts of changes into one flush: each change says how soon it must be seen,
// and the flush happens by the earliest of those deadlines. A pending flush is brought
// forward by a more urgent change, never pushed back by a lazier one.

export class CoalescedFlush {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private dueAt = 0;

  constructor(
    private readonly flush: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  get pending(): boolean {
    return this.timer !== null;
  }

  /** Makes sure a flush happens within `delayMs`. */
  schedule(delayMs: number): void {
    const dueAt = this.now() + delayMs;
    if (this.timer) {
      if (this.dueAt <= dueAt) return;
      clearTimeout(this.timer);
    }
    this.dueAt = dueAt;
    this.timer = setTimeout(() => this.run(), delayMs);
  }

  /** Flushes now, and drops the pending deadline. */
  run(): void {
    this.cancel();
    this.flush();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
