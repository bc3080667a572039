// Failed sign-ins of one handle slow down every further try, wherever it comes from: after a
// few free failures each one doubles the wait, up to a cap, and a success clears it. (An
// address is limited separately, per minute.) Guessing a password from many addresses then
// gains nothing; the price is that someone who knows a handle can make its owner wait, at most
// the cap, which is why the cap is minutes, not hours. Pure: callers pass the time.

export interface SignInThrottleOptions {
  /** Failures allowed before the first wait. */
  freeFailures: number;
  /** The first wait; each failure after it doubles the wait. */
  firstWaitMs: number;
  maxWaitMs: number;
  /** Handles remembered at most (the oldest are forgotten first). */
  capacity?: number;
}

interface Failures {
  count: number;
  /** No try before this. */
  until: number;
  last: number;
}

export class SignInThrottle {
  private readonly handles = new Map<string, Failures>();

  constructor(private readonly options: SignInThrottleOptions) {}

  /** How long `handle` must wait before it may try again (0: now). */
  waitMs(handle: string, now: number): number {
    const f = this.handles.get(key(handle));
    return f ? Math.max(0, f.until - now) : 0;
  }

  failed(handle: string, now: number): void {
    const k = key(handle);
    const f = this.handles.get(k) ?? { count: 0, until: 0, last: now };
    // Failures long past the longest wait are forgotten.
    if (now - f.last > this.options.maxWaitMs) f.count = 0;
    f.count++;
    f.last = now;
    const over = f.count - this.options.freeFailures;
    if (over > 0) f.until = now + Math.min(this.options.maxWaitMs, this.options.firstWaitMs * 2 ** Math.min(over - 1, 30));
    this.handles.delete(k);
    this.handles.set(k, f);
    const capacity = this.options.capacity ?? 100_000;
    while (this.handles.size > capacity) this.handles.delete(this.handles.keys().next().value as string);
  }

  succeeded(handle: string): void {
    this.handles.delete(key(handle));
  }
}

/** Handles are unique regardless of case, so are their failures. */
const key = (handle: string) => handle.toLowerCase();
