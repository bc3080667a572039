// Per-person limits for chat: token buckets keyed by user id (not by connection, so a
// reconnect or a second tab does not reset them), and a guard against posting the same text
// again. Pure and clock-free: callers pass the time.
import { KeyedTokenBuckets } from './token-bucket.js';

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
  private readonly buckets: KeyedTokenBuckets;
  private readonly lastText = new Map<string, { key: string; at: number }>();
  private sincePrune = 0;

  constructor(private readonly options: CommentLimitOptions) {
    this.buckets = new KeyedTokenBuckets(options.ratePerSecond, options.burst);
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
