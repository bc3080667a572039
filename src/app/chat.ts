// Chat and reactions of live Spaces. The domain decides who may comment, react and delete
// (Space.comment, Space.react, the deleteComment action, each run through the LiveSpace, which
// applies their events); this module does the rest: rate limits per person, storage, the
// joiner's history, broadcasts, and batching reactions. Participants reach it through
// LiveSpace.handle, never directly.
//
// Ordering: every write of one Space (a comment stored, a comment deleted) runs on one chain,
// and its broadcast goes out only once the write is done, so what participants see, what a
// joiner's history holds and what the store returns always agree.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { COMMENT_HISTORY_LIMIT, REACTION_EMOJI, type CommentPage, type CommentView, type ReactionEmoji, type ServerMessage } from '../protocol/messages.js';
import type { SpaceEvent } from '../spaces/index.js';
import type { CommentCursor, CommentRecord, CommentStore } from '../store/comment-store.js';
import { AppError } from './app-error.js';
import { CommentLimiter } from './chat-limits.js';
import { KeyedTokenBuckets } from './token-bucket.js';
import type { LiveSpace } from './live-space.js';

export interface ChatOptions {
  /** Comments per person: sustained per second, and burst. */
  commentRate: number;
  commentBurst: number;
  /** The same text again from the same person within this window is refused. */
  duplicateWindowMs: number;
  /** Reactions per person: sustained per second, and burst. */
  reactionRate: number;
  reactionBurst: number;
  /** Reactions are counted over this window and sent to everyone as one `reactions` message. */
  reactionBatchMs: number;
  /** Comments a joiner gets as history. */
  historyLimit: number;
}

export const DEFAULT_CHAT_OPTIONS: Readonly<ChatOptions> = Object.freeze({
  commentRate: 1,
  commentBurst: 3,
  duplicateWindowMs: 30_000,
  reactionRate: 5,
  reactionBurst: 10,
  reactionBatchMs: 200,
  historyLimit: COMMENT_HISTORY_LIMIT,
});

/** Plain counters, read by /metrics at scrape time. */
export interface ChatCounters {
  comments: number;
  commentsDeleted: number;
  reactions: number;
  /** Comments and reactions refused for going over a rate limit. */
  rateLimited: number;
}

export const MAX_COMMENT_PAGE = 200;

export class ChatService {
  readonly counters: ChatCounters = { comments: 0, commentsDeleted: 0, reactions: 0, rateLimited: 0 };
  readonly options: Readonly<ChatOptions>;
  private readonly chats = new Map<string, { live: LiveSpace; chat: Promise<SpaceChat> }>();

  constructor(
    private readonly store: CommentStore,
    private readonly log: Logger,
    options: Partial<ChatOptions> = {},
  ) {
    this.options = Object.freeze({ ...DEFAULT_CHAT_OPTIONS, ...options });
  }

  /** The chat of a live Space; the first call loads its latest comments (e.g. after a restart). */
  open(live: LiveSpace): Promise<SpaceChat> {
    const id = live.space.id;
    const existing = this.chats.get(id);
    if (existing && existing.live === live) return existing.chat;
    const chat = new SpaceChat(live, this.store, this.options, this.counters, this.log, () => {
      if (this.chats.get(id)?.live === live) this.chats.delete(id);
    });
    const loading = chat.load().then(() => chat);
    this.chats.set(id, { live, chat: loading });
    loading.catch(() => {
      if (this.chats.get(id)?.chat === loading) this.chats.delete(id);
    });
    return loading;
  }

  /**
   * A page of a Space's comments (live or ended), oldest first: the newest `limit` before
   * `before` (a `nextBefore` from an earlier page, or an ISO time), or the newest of all.
   */
  async page(spaceId: string, query: { before?: string; limit?: number } = {}): Promise<CommentPage> {
    const limit = Math.min(MAX_COMMENT_PAGE, Math.max(1, Math.floor(query.limit ?? COMMENT_HISTORY_LIMIT)));
    const cursor = query.before === undefined ? undefined : parseCursor(query.before);
    if (cursor === null) throw new AppError('bad_message', 'before: not a cursor or an ISO time');
    const { comments, hasMore } = await this.store.page(spaceId, limit, cursor);
    const first = comments[0];
    return { comments: comments.map(toView), nextBefore: hasMore && first ? cursorOf(first) : null };
  }
}

/** The chat of one live Space. */
export class SpaceChat {
  private history: CommentView[] = [];
  /**
   * The time of the latest comment. Each comment gets a later millisecond than the one before
   * (a burst borrows a millisecond or two), so that time alone orders a Space's comments in the
   * order they were broadcast, in the store and after a restart too.
   */
  private lastAt = 0;
  /** The chain of this Space's writes; never rejects (each step reports its own failure). */
  private tail: Promise<void> = Promise.resolve();
  private readonly comments: CommentLimiter;
  private readonly reactionBuckets: KeyedTokenBuckets;
  private readonly pendingReactions = new Map<ReactionEmoji, number>();
  /** Deletions waiting for their storage, so that the ack says the comment is really gone. */
  private readonly removals = new Map<string, { resolve: () => void; reject: (err: Error) => void }>();
  private reactionTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    private readonly live: LiveSpace,
    private readonly store: CommentStore,
    private readonly options: Readonly<ChatOptions>,
    private readonly counters: ChatCounters,
    private readonly log: Logger,
    private readonly onClose: () => void,
  ) {
    this.comments = new CommentLimiter({
      ratePerSecond: options.commentRate,
      burst: options.commentBurst,
      duplicateWindowMs: options.duplicateWindowMs,
    });
    this.reactionBuckets = new KeyedTokenBuckets(options.reactionRate, options.reactionBurst);
    live.onEvents((events) => this.onEvents(events));
  }

  private get spaceId(): string {
    return this.live.space.id;
  }

  /** Loads the latest comments from the store, and tells the domain who wrote them. */
  async load(): Promise<void> {
    const recent = await this.store.latest(this.spaceId, this.options.historyLimit);
    for (const c of recent) this.live.space.rememberComment(c.id, c.userId);
    this.history = recent.map(toView);
    this.lastAt = recent.at(-1)?.createdAt ?? 0;
  }

  /** The latest comments, oldest first: what a joiner gets. */
  recent(): CommentView[] {
    return [...this.history];
  }

  /**
   * Posts a comment: rate limit, then the domain's decision, then storage, then the broadcast
   * to everyone (the poster included). Refused comments are neither stored nor sent.
   */
  async post(userId: string, text: string): Promise<CommentView> {
    const now = Math.max(Date.now(), this.lastAt + 1);
    const refusal = this.comments.check(userId, text, now);
    if (refusal) {
      this.counters.rateLimited++;
      throw new AppError('rate_limited', refusal);
    }
    const id = randomBytes(9).toString('base64url');
    this.live.comment(userId, id, now); // throws SpaceError: not live, banned, not here, guests off
    this.comments.record(userId, text, now);
    this.lastAt = now;
    const author = this.live.space.participant(userId)!;
    // A guest's name as it was when they posted: a later change does not rewrite what they said.
    const name = author.guest ? author.name : undefined;
    const comment: CommentView = { id, userId, handle: author.handle, ...(name !== undefined ? { name } : {}), text, at: new Date(now).toISOString() };
    await this.enqueue(async () => {
      await this.store.add({ id, spaceId: this.spaceId, userId, handle: author.handle, name: name ?? null, text, createdAt: now });
      this.history.push(comment);
      if (this.history.length > this.options.historyLimit) this.history.splice(0, this.history.length - this.options.historyLimit);
      this.counters.comments++;
      this.live.broadcastRaw(JSON.stringify({ type: 'comment', comment } satisfies ServerMessage));
    });
    return comment;
  }

  /**
   * Deletes a comment through the domain (which decides who may), and resolves once it is
   * gone from storage and everyone was told. A comment the domain has forgotten (older, or
   * from before a restart) is looked up in the store first.
   */
  async deleteComment(actorId: string, commentId: string): Promise<void> {
    if (this.live.space.commentAuthor(commentId) === undefined) {
      const stored = await this.store.get(this.spaceId, commentId);
      if (stored) this.live.space.rememberComment(stored.id, stored.userId);
    }
    // The event does the rest (onEvents); the ack waits until the comment is gone from storage.
    const removal = new Promise<void>((resolve, reject) => this.removals.set(commentId, { resolve, reject }));
    removal.catch(() => undefined);
    try {
      await this.live.act(actorId, { action: 'deleteComment', commentId });
    } catch (err) {
      this.removals.delete(commentId);
      throw err;
    }
    await removal;
  }

  /** A reaction: the domain's check, the person's rate, then counted into the current batch. */
  react(userId: string, emoji: ReactionEmoji): void {
    this.live.react(userId, emoji, Date.now());
    if (!this.reactionBuckets.take(userId, Date.now())) {
      this.counters.rateLimited++;
      throw new AppError('rate_limited', 'too many reactions; wait a moment');
    }
    this.counters.reactions++;
    this.pendingReactions.set(emoji, (this.pendingReactions.get(emoji) ?? 0) + 1);
    if (!this.reactionTimer) {
      this.reactionTimer = setTimeout(() => this.flushReactions(), this.options.reactionBatchMs);
      this.reactionTimer.unref?.();
    }
  }

  private flushReactions(): void {
    this.reactionTimer = null;
    if (this.closed || this.pendingReactions.size === 0) return;
    const items = REACTION_EMOJI.filter((e) => this.pendingReactions.has(e)).map((emoji) => ({ emoji, count: this.pendingReactions.get(emoji)! }));
    this.pendingReactions.clear();
    this.live.broadcastRaw(JSON.stringify({ type: 'reactions', items } satisfies ServerMessage));
  }

  private onEvents(events: readonly SpaceEvent[]): void {
    for (const e of events) {
      if (e.kind === 'commentDeleted') this.removeEverywhere(e.commentId, e.authorId);
      else if (e.kind === 'ended') this.close();
    }
  }

  private removeEverywhere(commentId: string, authorId: string): void {
    const waiting = this.removals.get(commentId);
    this.removals.delete(commentId);
    void this.enqueue(async () => {
      await this.store.delete(this.spaceId, commentId);
      const i = this.history.findIndex((c) => c.id === commentId);
      if (i >= 0) {
        const wasFull = this.history.length >= this.options.historyLimit;
        this.history.splice(i, 1);
        // Refill from the store, so that a joiner still gets the latest `historyLimit`.
        if (wasFull) this.history = (await this.store.latest(this.spaceId, this.options.historyLimit)).map(toView);
      }
      this.counters.commentsDeleted++;
      this.live.broadcastRaw(JSON.stringify({ type: 'commentDeleted', id: commentId } satisfies ServerMessage));
    }).then(
      () => waiting?.resolve(),
      (err: Error) => {
        this.log.error({ err, space: this.spaceId, comment: commentId }, 'failed to delete a comment');
        // Still stored and shown: the domain must know its author again, for a later try.
        this.live.space.rememberComment(commentId, authorId);
        waiting?.reject(new AppError('unavailable', 'the comment could not be deleted; try again in a moment'));
      },
    );
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.reactionTimer) clearTimeout(this.reactionTimer);
    this.reactionTimer = null;
    this.pendingReactions.clear();
    this.onClose();
  }

  /** Runs `step` after every earlier write of this Space; the returned promise carries its outcome. */
  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.tail.then(step);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function toView(c: CommentRecord): CommentView {
  return { id: c.id, userId: c.userId, handle: c.handle, ...(c.name ? { name: c.name } : {}), text: c.text, at: new Date(c.createdAt).toISOString() };
}

/** The opaque `nextBefore` of a page: the oldest comment's time and id. */
function cursorOf(c: CommentRecord): string {
  return `${c.createdAt}.${c.id}`;
}

/** A cursor from cursorOf, or an ISO time (everything strictly before it); null when neither. */
export function parseCursor(before: string): CommentCursor | null {
  const m = /^(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/.exec(before);
  if (m) return { atMs: Number(m[1]), id: m[2]! };
  if (/^\d{4}-\d{2}-\d{2}T/.test(before)) {
    const ms = Date.parse(before);
    if (Number.isFinite(ms)) return { atMs: ms, id: '' };
  }
  return null;
}
