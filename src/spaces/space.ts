// The Space aggregate: lifecycle (scheduled -> live -> ended), who is in it, and the one
// entry point for stage and moderation actions. Pure and synchronous: the app layer owns
// sockets, timers and the clock, and passes the time in.
//
// Contract of every command: validate first and throw SpaceError with no state change,
// otherwise mutate and return the events describing what changed.
import type { Action } from '../protocol/messages.js';
import { applyAction } from './actions.js';
import { CommentAuthors, deleteComment } from './comments.js';
import { reject } from './errors.js';
import type { EndReason, SpaceEvent } from './events.js';
import { DEFAULT_LIMITS, checkLimits, type SpaceLimits } from './limits.js';
import type { MemberState, Participant, Person } from './participant.js';
import { roleMayAttempt } from './permissions.js';
import { Roster } from './roster.js';
import type { SpaceFields, SpaceInit, SpaceKind, SpaceState } from './space-init.js';

export class Space {
  readonly id: string;
  readonly title: string;
  readonly limits: Readonly<SpaceLimits>;
  private readonly _scheduledFor: number | null;
  /** What a command may change, in one place so a transaction can save and restore it whole. */
  private fields: SpaceFields;
  readonly kind: SpaceKind;
  /** Authors of the latest comments, for deleteComment's permission rule. */
  private readonly comments = new CommentAuthors();
  /**
   * The latest time any successful command was given. Only a fallback for endedAt when
   * leave/expireGrace/end are called without `now`, so an ended Space always has a time.
   */
  private clock: number | null;
  private readonly roster: Roster;
  /** Set between begin() and commit()/rollback(). */
  private saved: SpaceFields | null = null;

  constructor(init: SpaceInit) {
    this.id = init.id;
    this.title = init.title;
    this._scheduledFor = init.scheduledFor ?? null;
    this.kind = init.kind ?? 'space';
    this.fields = {
      hostId: init.hostId,
      hostHandle: init.hostHandle,
      state: init.state,
      startedAt: init.startedAt ?? null,
      endedAt: init.endedAt ?? null,
      endReason: init.endReason ?? null,
      recording: init.recording ?? false,
      guestComments: init.guestComments ?? true,
    };
    this.limits = checkLimits(init.limits ?? DEFAULT_LIMITS);
    this.roster = new Roster(init.banned, init.members, init.memberSeq);
    // scheduledFor is deliberately not a clock reading: it may lie in the future.
    const seen = Math.max(this.fields.startedAt ?? -Infinity, this.fields.endedAt ?? -Infinity);
    this.clock = Number.isFinite(seen) ? seen : null;
  }

  /** The current host; changes when a departing host hands over to a co-host. */
  get hostId(): string {
    return this.fields.hostId;
  }
  /** Handle of the current host (the creator's until a handover, then the new host's). */
  get hostHandle(): string {
    return this.fields.hostHandle;
  }
  get state(): SpaceState {
    return this.fields.state;
  }
  get scheduledFor(): number | null {
    return this._scheduledFor;
  }
  get startedAt(): number | null {
    return this.fields.startedAt;
  }
  get endedAt(): number | null {
    return this.fields.endedAt;
  }
  get endReason(): EndReason | null {
    return this.fields.endReason;
  }
  get recording(): boolean {
    return this.fields.recording;
  }
  get guestComments(): boolean {
    return this.fields.guestComments;
  }

  // ---- Transactions. The app layer acknowledges a command only once what it changed is
  // stored; when the write fails, rollback() undoes the command as if it never ran. One at a
  // time: the app layer runs a Space's commands one after another.

  /** Starts noting what the following commands change. */
  begin(): void {
    if (this.saved) throw new Error('a transaction is already open');
    this.saved = { ...this.fields };
    this.roster.begin();
  }

  /** Keeps the changes since begin(). */
  commit(): void {
    this.saved = null;
    this.roster.commit();
  }

  /** Puts the Space back exactly as it was at begin() (who wrote which comment excepted: those are only ever added). */
  rollback(): void {
    const s = this.saved;
    if (!s) return;
    this.saved = null;
    this.fields = s;
    this.roster.rollback();
  }

  /**
   * What to store of a participant so that a restart brings them back where they are: null for
   * someone not here, or a plain listener (they just join again).
   */
  memberState(userId: string): MemberState | null {
    const p = this.roster.get(userId);
    if (!p || (p.role === 'listener' && !p.requested && !p.invited)) return null;
    const { connected: _connected, ...state } = p;
    return state;
  }

  /** Everyone memberState() would store. */
  members(): MemberState[] {
    const out: MemberState[] = [];
    for (const p of this.roster.values()) {
      const state = this.memberState(p.userId);
      if (state) out.push(state);
    }
    return out;
  }

  /** The counter that orders members (stored with them). */
  get memberSeq(): number {
    return this.roster.sequence;
  }

  // ---- Queries. They return the live objects read-only, without copying, because the
  // audience can be large; callers must not keep them across commands expecting a snapshot.

  participant(userId: string): Readonly<Participant> | undefined {
    return this.roster.get(userId);
  }
  participants(): IterableIterator<Readonly<Participant>> {
    return this.roster.values();
  }
  /** Host first, then co-hosts, then speakers, each by when they came on stage. */
  stage(): Readonly<Participant>[] {
    return this.roster.stage();
  }
  /** Listeners by join order, at most `limit`. */
  listeners(limit?: number): Readonly<Participant>[] {
    return this.roster.listeners(limit);
  }
  get listenerCount(): number {
    return this.roster.listenerCount;
  }
  get stageCount(): number {
    return this.roster.stageCount;
  }
  /** Pending requests to speak, oldest first. */
  requests(): Readonly<Participant>[] {
    return this.roster.requests();
  }
  isBanned(userId: string): boolean {
    return this.roster.isBanned(userId);
  }
  /** Everyone removed from this Space, for persistence. */
  bannedUsers(): IterableIterator<string> {
    return this.roster.banned();
  }
  /** Who wrote a comment, if the domain still remembers it (the latest REMEMBERED_COMMENTS). */
  commentAuthor(commentId: string): string | undefined {
    return this.comments.get(commentId);
  }
  /** [commentId, authorId] of the comments the domain remembers, oldest first. */
  rememberedComments(): IterableIterator<[string, string]> {
    return this.comments.entries();
  }

  // ---- Chat. The app layer owns the text, the storage and the rate limits; the domain
  // decides who may comment, react and delete.

  /**
   * Someone posts a comment with an id the app layer chose. Check order: Space state ->
   * banned -> actor exists -> guest policy -> id unused. Records the author for deleteComment.
   */
  comment(userId: string, commentId: string, now: number): SpaceEvent[] {
    this.assertLive();
    if (this.roster.isBanned(userId)) reject('banned', 'you were removed from this Space');
    const p = this.roster.get(userId) ?? reject('not_found', 'you are not in this Space');
    if (p.guest && !this.fields.guestComments) reject('not_permitted', 'the host turned comments off for guests; sign in to comment');
    if (this.comments.has(commentId)) reject('invalid_state', 'a comment with this id exists');
    this.comments.add(commentId, userId);
    this.tick(now);
    return [{ kind: 'commented', commentId, userId }];
  }

  /** Someone reacts. Anyone in the live Space may (guests too); nothing in the Space changes. */
  react(userId: string, emoji: string, now: number): SpaceEvent[] {
    this.assertLive();
    if (this.roster.isBanned(userId)) reject('banned', 'you were removed from this Space');
    if (!this.roster.get(userId)) reject('not_found', 'you are not in this Space');
    this.tick(now);
    return [{ kind: 'reacted', userId, emoji }];
  }

  /**
   * The app layer tells the domain again who wrote a comment it has forgotten (an old one, or
   * one posted before a restart), so that deleteComment can decide. No events.
   */
  rememberComment(commentId: string, authorId: string): void {
    if (!this.comments.has(commentId)) this.comments.add(commentId, authorId);
  }

  // ---- Lifecycle commands.

  /**
   * Host only; turns recording on or off for a scheduled Space (before it starts) from outside
   * a connection, e.g. over HTTP. Live Spaces use act({ action: 'setRecording' }).
   */
  setRecording(actorId: string, on: boolean, now: number): SpaceEvent[] {
    if (this.fields.state === 'ended') reject('space_ended', 'this Space has ended');
    if (actorId !== this.fields.hostId) reject('not_permitted', 'only the host can record the Space');
    if (this.fields.recording === on) return [];
    this.fields.recording = on;
    this.tick(now);
    return [{ kind: 'recordingChanged', on }];
  }

  /** Host only; scheduled -> live. The host need not have joined (e.g. started over HTTP). */
  start(actorId: string, now: number): SpaceEvent[] {
    if (this.fields.state === 'ended') reject('space_ended', 'this Space has ended');
    if (this.fields.state === 'live') reject('invalid_state', 'this Space is already live');
    if (actorId !== this.fields.hostId) reject('not_permitted', 'only the host can start the Space');
    this.fields.state = 'live';
    this.fields.startedAt = now;
    this.tick(now);
    return [{ kind: 'started' }];
  }

  /**
   * Joins, or rejoins after a dropped connection, reload or second tab: a known participant
   * keeps their place, role and microphone state. Only the host may enter a scheduled Space
   * (to get ready); joining does not start it.
   */
  join(person: Person, now: number): SpaceEvent[] {
    if (this.fields.state === 'ended') reject('space_ended', 'this Space has ended');
    if (this.roster.isBanned(person.userId)) reject('banned', 'you were removed from this Space');
    const existing = this.roster.get(person.userId);
    if (existing) {
      this.tick(now);
      // A guest's client sends its name on every join: the latest one holds.
      const renamed: SpaceEvent[] = this.renameGuest(existing, person.name);
      if (existing.connected) return renamed;
      this.roster.setConnected(existing, true);
      return [{ kind: 'reconnected', userId: existing.userId }, ...renamed];
    }
    const isHost = person.userId === this.fields.hostId;
    if (this.fields.state === 'scheduled' && !isHost) reject('space_not_live', 'this Space has not started yet');
    this.roster.add(person, isHost ? 'host' : 'listener');
    this.tick(now);
    return [{ kind: 'joined', userId: person.userId }];
  }

  /** A guest chooses a display name (accounts have their handle). */
  rename(userId: string, name: string, now: number): SpaceEvent[] {
    this.assertLive();
    const p = this.roster.get(userId) ?? reject('not_found', 'you are not in this Space');
    if (!p.guest) reject('not_permitted', 'only guests choose a display name; your handle is your name');
    this.tick(now);
    return this.renameGuest(p, name);
  }

  private renameGuest(p: Participant, name: string | undefined): SpaceEvent[] {
    if (!p.guest || name === undefined || p.name === name) return [];
    this.roster.setName(p, name);
    return [{ kind: 'renamed', userId: p.userId }];
  }

  /**
   * A stage or moderation action. Check order, so that error codes are predictable:
   * Space state -> actor exists -> actor role permission -> target exists -> target state -> limits.
   */
  act(actorId: string, action: Action, now: number): SpaceEvent[] {
    this.assertLive();
    const actor = this.roster.get(actorId) ?? reject('not_found', 'you are not in this Space');
    let events: SpaceEvent[];
    if (action.action === 'end') {
      if (actor.role !== 'host') reject('not_permitted', 'only the host can end the Space');
      events = this.finish('host_ended', now);
    } else if (action.action === 'setRecording') {
      if (actor.role !== 'host') reject('not_permitted', 'only the host can record the Space');
      events = [];
      if (this.fields.recording !== action.on) {
        this.fields.recording = action.on;
        events.push({ kind: 'recordingChanged', on: action.on });
      }
    } else if (action.action === 'setGuestComments') {
      if (!roleMayAttempt(actor.role, action.action)) reject('not_permitted', 'only the host can turn guest comments on or off');
      events = [];
      if (this.fields.guestComments !== action.on) {
        this.fields.guestComments = action.on;
        events.push({ kind: 'guestCommentsChanged', on: action.on });
      }
    } else if (action.action === 'deleteComment') {
      events = deleteComment(this.roster, this.comments, actor, action.commentId);
    } else {
      events = applyAction(this.roster, this.limits, actor, action);
    }
    this.tick(now);
    return events;
  }

  /** The connection dropped. The place is held; the app layer runs the grace timer. */
  disconnect(userId: string): SpaceEvent[] {
    const p = this.roster.get(userId);
    // Idempotent: sockets can close after a leave or twice for one person.
    if (!p || !p.connected) return [];
    this.roster.setConnected(p, false);
    return [{ kind: 'disconnected', userId }];
  }

  /** Leaves the Space (not a ban). A departing host hands over or ends the Space. */
  leave(userId: string, now?: number): SpaceEvent[] {
    const p = this.roster.get(userId);
    if (!p) return [];
    return this.depart(p, 'host_left', now);
  }

  /**
   * The grace period after a disconnect ran out. Like leave, except that a host without
   * co-hosts ends the Space with 'host_timeout'. A no-op if they came back meanwhile.
   * For the host it also covers a host who never came: a live Space started over HTTP, or
   * restored after a restart, whose host has not joined within the grace period.
   */
  expireGrace(userId: string, now?: number): SpaceEvent[] {
    const p = this.roster.get(userId);
    if (!p) return userId === this.fields.hostId && this.fields.state === 'live' ? this.handOverOrEnd(userId, 'host_timeout', now) : [];
    if (p.connected) return [];
    return this.depart(p, 'host_timeout', now);
  }

  /**
   * Ends the Space without a permission check (operator, server shutdown, or cancelling a
   * scheduled Space). Idempotent. Participants are kept, but every later action fails.
   */
  end(reason: EndReason, now?: number): SpaceEvent[] {
    if (this.fields.state === 'ended') return [];
    return this.finish(reason, now);
  }

  // ---- Internals.

  private assertLive(): void {
    if (this.fields.state === 'ended') reject('space_ended', 'this Space has ended');
    if (this.fields.state === 'scheduled') reject('space_not_live', 'this Space has not started yet');
  }

  private depart(p: Participant, endReason: EndReason, now: number | undefined): SpaceEvent[] {
    this.roster.delete(p.userId);
    if (now !== undefined) this.tick(now);
    const events: SpaceEvent[] = [{ kind: 'left', userId: p.userId }];
    // Before it is live there is nobody to hand over to and nothing to end; after it has
    // ended there is nothing left to decide.
    if (p.role !== 'host' || this.fields.state !== 'live') return events;
    events.push(...this.handOverOrEnd(p.userId, endReason, now));
    return events;
  }

  /** The host is gone: the longest-serving co-host takes over, or the Space ends. */
  private handOverOrEnd(hostId: string, endReason: EndReason, now: number | undefined): SpaceEvent[] {
    const successor = this.roster.longestServingCohost();
    if (!successor) return this.finish(endReason, now);
    this.fields.hostId = successor.userId;
    this.fields.hostHandle = successor.handle;
    return [...this.roster.setRole(successor, 'host'), { kind: 'hostChanged', from: hostId, to: successor.userId }];
  }

  private finish(reason: EndReason, now: number | undefined): SpaceEvent[] {
    this.fields.state = 'ended';
    this.fields.endReason = reason;
    this.fields.endedAt = now ?? this.clock;
    if (now !== undefined) this.tick(now);
    return [{ kind: 'ended', reason }];
  }

  private tick(now: number): void {
    if (this.clock === null || now > this.clock) this.clock = now;
  }
}
