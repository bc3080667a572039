// Comments and reactions of a live Space, as the server sends them: the history on every join
// (it replaces the list), each new comment (the poster's own included, before their ack), and
// deletions. Reactions come counted in batches; they are events to animate, not state to keep.
import { COMMENT_MAX_CHARS, type CommentView, type ReactionEmoji, type ServerMessage } from '../../../src/protocol/messages.js';
import { SignallingError } from '../../../src/sdk/signalling.js';
import { errorText } from '../lib/errors.js';

/** The most comments the page keeps (the oldest go first); the server sends 50 on join. */
export const MAX_COMMENTS_KEPT = 300;

export type ReactionBatch = Extract<ServerMessage, { type: 'reactions' }>['items'];

export function withComment(list: readonly CommentView[], comment: CommentView): CommentView[] {
  if (list.some((c) => c.id === comment.id)) return list as CommentView[];
  const next = [...list, comment];
  return next.length > MAX_COMMENTS_KEPT ? next.slice(next.length - MAX_COMMENTS_KEPT) : next;
}

export function withoutComment(list: readonly CommentView[], id: string): CommentView[] {
  return list.some((c) => c.id === id) ? list.filter((c) => c.id !== id) : (list as CommentView[]);
}

/** Characters as the server counts them (code points: an emoji counts once). */
export function commentLength(text: string): number {
  return [...text.trim()].length;
}

export function commentTooLong(text: string): boolean {
  return commentLength(text) > COMMENT_MAX_CHARS;
}

/** A refused comment or reaction, in words for a toast. */
export function chatErrorText(err: unknown): string {
  if (err instanceof SignallingError) {
    if (err.code === 'rate_limited') {
      return /posted that/i.test(err.message) ? 'You just posted that.' : "You're going a little fast. Wait a moment and try again.";
    }
    if (err.code === 'not_permitted' && /guest/i.test(err.message)) return 'The host turned off comments from guests. Sign in to comment.';
    if (err.code === 'bad_message') return `Comments are 1 to ${COMMENT_MAX_CHARS} characters of plain text.`;
  }
  return errorText(err);
}

/** A refused comment or reaction, said in the chat's own words (rate limits, guests, length). */
export async function inChatWords(request: Promise<void>): Promise<void> {
  try {
    await request;
  } catch (err) {
    throw new Error(chatErrorText(err));
  }
}

/**
 * Keeps a person's own reactions under the server's limit (5 a second, 10 at once), so that
 * tapping away at an emoji never turns into a stream of refusals.
 */
export class ReactionThrottle {
  private tokens: number;
  private last = 0;

  constructor(
    private readonly ratePerSecond = 4,
    private readonly burst = 8,
  ) {
    this.tokens = burst;
  }

  take(now = Date.now()): boolean {
    if (this.last > 0) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export type { CommentView, ReactionEmoji };

/**
 * Which comments someone who hears the Space `delayMs` late (on HLS) should see now: each
 * comment from somebody else appears `delayMs` after it arrived, so it lands with the moment
 * it reacts to rather than seconds before. Their own show at once, and so does the history
 * (no arrival recorded). `arrivedAt` holds when each comment reached the page. Also returns
 * when the next held comment is due, or null.
 */
export function commentsHeardBy(
  list: readonly CommentView[],
  arrivedAt: ReadonlyMap<string, number>,
  delayMs: number,
  youId: string | null,
  nowMs: number,
): { shown: CommentView[]; nextAt: number | null } {
  if (delayMs <= 0) return { shown: list as CommentView[], nextAt: null };
  let nextAt: number | null = null;
  const shown = list.filter((c) => {
    if (c.userId === youId) return true;
    const due = (arrivedAt.get(c.id) ?? -Infinity) + delayMs;
    if (due <= nowMs) return true;
    nextAt = nextAt === null ? due : Math.min(nextAt, due);
    return false;
  });
  return { shown: shown.length === list.length ? (list as CommentView[]) : shown, nextAt };
}
