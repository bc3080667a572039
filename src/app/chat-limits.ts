// Per-person limits for chat: token buckets keyed by user id (not by connection, so a
// reconnect or a second tab does not reset them), and a guard against posting the same text
// again. Pure and clock-free: callers pass the time.

interface Bucket {
  tokens: number;
  last: number;
}

/** One token bucket per person; idle full buckets are dropped so the map stays small. */
export class PersonBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private sincePrune = 0;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError('a bucket needs a positive rate and a burst of at least 1');
  }

  /** Whether `key` could take a token at `now`, without taking it. */
  peek(key: string, now: number): boolean {
    return this.level(key, now) >= 1;
  }

  /** Takes a token; false (and nothing taken) when the person is over their rate. */
  take(key: string, now: number): boolean {
    const tokens = this.level(key, now);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, last: now });
      return false;
    }
    this.buckets.set(key, { tokens: tokens - 1, last: now });
    if (++this.sincePrune >= 1000) this.prune(now);
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Forgets buckets that have refilled completely: they are the same as no bucket at all. */
  prune(now: number): void {
    this.sincePrune = 0;
    for (const [key] of this.buckets) if (this.level(key, now) >= this.burst) this.buckets.delete(key);
  }

  private level(key: string, now: number): number {
    const b = this.buckets.get(key);
    if (!b) return this.burst;
    return Math.min(this.burst, b.tokens + (Math.max(0, now - b.last) / 1000) * this.ratePerSecond);
  }
}

/** What makes two comments "the same text": case, spacing and compatibility forms aside. */
export function sameTextKey(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

export interface CommentLimitOptions {
  ratePerSecond: number;
  burst: number;
  /** The same text again from the same person within this window is refused. */
  duplicateWindowMs: number;
}

/**
 * Comments per person: a token bucket, and no repeat of one's previous comment within the
 * window. check() then record(): the domain decides in between, and a comment it refuses
 * costs nothing.
 */
export class CommentLimiter {
  private readonly buckets: PersonBuckets;
  private readonly lastText = new Map<string, { key: string; at: number }>();
  private sincePrune = 0;

  constructor(private readonly options: CommentLimitOptions) {
    this.buckets = new PersonBuckets(options.ratePerSecond, options.burst);
  }

  /** Why this comment must be refused now, or null when it may go ahead. */
  check(userId: string, text: string, now: number): string | null {
    const last = this.lastText.get(userId);
    if (last && now - last.at < this.options.duplicateWindowMs && last.key === sameTextKey(text)) {
      return 'you just posted that';
    }
    if (!this.buckets.peek(userId, now)) return 'too many comments; wait a moment';
    return null;
  }

  record(userId: string, text: string, now: number): void {
    this.buckets.take(userId, now);
    this.lastText.set(userId, { key: sameTextKey(text), at: now });
    if (++this.sincePrune >= 1000) {
      this.sincePrune = 0;
      for (const [id, t] of this.lastText) if (now - t.at >= this.options.duplicateWindowMs) this.lastText.delete(id);
    }
  }
}
