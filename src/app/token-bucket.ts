// The one token bucket behind every rate limit on the node: a steady rate with some burst, so
// a flood from one source is refused without affecting anyone else. A WebSocket's messages, a
// person's comments and reactions, an account's new Spaces, an address's new WHIP/WHEP
// sessions and a worker's log lines are all limited by it. The time is a parameter (Date.now()
// by default), so the rules are testable on an explicit or a mocked clock.

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    now = Date.now(),
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError('a bucket needs a positive rate and a burst of at least 1');
    this.tokens = burst;
    this.last = now;
  }

  /** The tokens there are at `now`: refilled since the last call, never past the burst. */
  level(now = Date.now()): number {
    // A clock that steps back refills nothing (and takes nothing back).
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.last) / 1000) * this.ratePerSecond);
    this.last = Math.max(this.last, now);
    return this.tokens;
  }

  /** Whether a token could be taken at `now`, without taking it. */
  peek(now = Date.now()): boolean {
    return this.level(now) >= 1;
  }

  /** Takes one token; false (and nothing taken) when the source is over its rate. */
  take(now = Date.now()): boolean {
    if (this.level(now) < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * A bucket per key (a person, an address), created full on first use. Buckets that have
 * refilled completely are the same as no bucket at all, so they are forgotten now and then;
 * past `maxKeys` (a flood of distinct keys) every bucket is forgotten rather than grow.
 */
export class KeyedTokenBuckets {
  private readonly buckets = new Map<string, TokenBucket>();
  private sincePrune = 0;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly maxKeys = 100_000,
  ) {
    // Checked once here, not on a first take much later.
    new TokenBucket(ratePerSecond, burst, 0);
  }

  /** Whether `key` could take a token at `now`, without taking it. */
  peek(key: string, now = Date.now()): boolean {
    return this.buckets.get(key)?.peek(now) ?? true;
  }

  /** Takes a token; false (and nothing taken) when `key` is over its rate. */
  take(key: string, now = Date.now()): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.prune(now);
      if (this.buckets.size >= this.maxKeys) this.buckets.clear();
      this.buckets.set(key, (bucket = new TokenBucket(this.ratePerSecond, this.burst, now)));
    }
    const taken = bucket.take(now);
    if (++this.sincePrune >= 1000) this.prune(now);
    return taken;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Forgets the buckets that are full again. */
  prune(now = Date.now()): void {
    this.sincePrune = 0;
    for (const [key, bucket] of this.buckets) if (bucket.level(now) >= this.burst) this.buckets.delete(key);
  }
}
