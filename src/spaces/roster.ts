// The participants of one Space, with the indexes the queries need and the invariants
// that tie the flags to roles. Every role/flag change goes through this class, so the
// invariants hold in one place:
//   - only listeners have a pending request or invitation;
//   - listeners are never muted (they have no microphone);
//   - whoever comes on stage from the audience starts muted (no hot mic: they unmute when
//     ready); only the host, who starts the Space on stage, starts live;
//   - stageSeq is set when someone comes on stage, cohostSeq when they become co-host.
// Its mutators never throw: callers validate first, then mutate.
//
// It can also take back what a command changed (begin/rollback): the app layer acknowledges a
// command only once its effect is stored, and undoes it when the write fails. Every mutator
// notes the participant's previous state before its first change in a transaction.
import type { Role } from '../protocol/messages.js';
import type { SpaceEvent } from './events.js';
import type { MemberState, Participant, Person } from './participant.js';
import { isOnStage, stageRank } from './permissions.js';

interface Journal {
  /** Each participant touched, as they were before (null: not here). */
  before: Map<string, Participant | null>;
  bansAdded: string[];
  seq: number;
  /** Someone left (and maybe came back at the end of the join order): the order needs putting back. */
  deleted: boolean;
}

export class Roster {
  /** Insertion order is join order, which is the audience order. */
  private readonly people = new Map<string, Participant>();
  /** Stage members, kept separately so stage queries do not scan a large audience. */
  private readonly onStage = new Set<string>();
  private readonly pending = new Set<string>();
  private readonly bans: Set<string>;
  private seq = 0;
  private journal: Journal | null = null;

  /**
   * `members`: people restored from storage after a restart, all disconnected until they come
   * back; `seq` the counter their sequence numbers came from.
   */
  constructor(banned: Iterable<string> = [], members: readonly MemberState[] = [], seq = 0) {
    this.bans = new Set(banned);
    this.seq = seq;
    for (const m of [...members].sort((a, b) => a.joinSeq - b.joinSeq)) {
      const p: Participant = { ...m, connected: false };
      this.people.set(p.userId, p);
      if (isOnStage(p.role)) this.onStage.add(p.userId);
      if (p.requested) this.pending.add(p.userId);
      this.seq = Math.max(this.seq, p.joinSeq, p.stageSeq, p.requestSeq, p.cohostSeq);
    }
  }

  /** The counter sequence numbers come from; stored with the members so that order survives a restart. */
  get sequence(): number {
    return this.seq;
  }

  /** Starts noting what changes, so that rollback() can put it all back. */
  begin(): void {
    this.journal = { before: new Map(), bansAdded: [], seq: this.seq, deleted: false };
  }

  /** Keeps what changed since begin(). */
  commit(): void {
    this.journal = null;
  }

  /** Puts back every participant, ban and sequence as they were at begin(). */
  rollback(): void {
    const journal = this.journal;
    this.journal = null;
    if (!journal) return;
    for (const [userId, before] of journal.before) {
      const now = this.people.get(userId);
      if (before === null) {
        if (now) this.delete(userId);
        continue;
      }
      if (now) Object.assign(now, before);
      else this.people.set(userId, { ...before });
      if (isOnStage(before.role)) this.onStage.add(userId);
      else this.onStage.delete(userId);
      if (before.requested) this.pending.add(userId);
      else this.pending.delete(userId);
    }
    for (const userId of journal.bansAdded) this.bans.delete(userId);
    this.seq = journal.seq;
    // The audience is listed in join order; someone put back goes back to their place.
    if (journal.deleted) {
      const ordered = [...this.people.values()].sort((a, b) => a.joinSeq - b.joinSeq);
      this.people.clear();
      for (const p of ordered) this.people.set(p.userId, p);
    }
  }

  private touch(userId: string): void {
    const j = this.journal;
    if (!j || j.before.has(userId)) return;
    const p = this.people.get(userId);
    j.before.set(userId, p ? { ...p } : null);
  }

  get(userId: string): Participant | undefined {
    return this.people.get(userId);
  }

  values(): IterableIterator<Participant> {
    return this.people.values();
  }

  get stageCount(): number {
    return this.onStage.size;
  }

  get listenerCount(): number {
    return this.people.size - this.onStage.size;
  }

  get cohostCount(): number {
    let n = 0;
    for (const p of this.stageMembers()) if (p.role === 'cohost') n++;
    return n;
  }

  /** Host first, then co-hosts, then speakers; within each, by when they came on stage. */
  stage(): Participant[] {
    return this.stageMembers().sort((a, b) => stageRank(a.role) - stageRank(b.role) || a.stageSeq - b.stageSeq);
  }

  /** Listeners by join order; stops early so a capped list of a huge audience is cheap. */
  listeners(limit = Number.POSITIVE_INFINITY): Participant[] {
    const out: Participant[] = [];
    if (!(limit > 0)) return out;
    for (const p of this.people.values()) {
      if (p.role !== 'listener') continue;
      out.push(p);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Pending requests to speak, oldest first. */
  requests(): Participant[] {
    const out: Participant[] = [];
    for (const id of this.pending) {
      const p = this.people.get(id);
      if (p) out.push(p);
    }
    return out.sort((a, b) => a.requestSeq - b.requestSeq);
  }

  /** The co-host who became co-host first, i.e. the next host if the host goes. */
  longestServingCohost(): Participant | undefined {
    let best: Participant | undefined;
    for (const p of this.stageMembers()) {
      if (p.role === 'cohost' && (!best || p.cohostSeq < best.cohostSeq)) best = p;
    }
    return best;
  }

  isBanned(userId: string): boolean {
    return this.bans.has(userId);
  }

  banned(): IterableIterator<string> {
    return this.bans.values();
  }

  ban(userId: string): void {
    if (this.bans.has(userId)) return;
    this.bans.add(userId);
    this.journal?.bansAdded.push(userId);
  }

  /** A guest's display name. */
  setName(p: Participant, name: string): void {
    this.touch(p.userId);
    p.name = name;
  }

  get banCount(): number {
    return this.bans.size;
  }

  /** Adds a new participant: connected, no request or invitation; the host live, anyone else on stage muted. */
  add(person: Person, role: Role): Participant {
    this.touch(person.userId);
    const p: Participant = {
      userId: person.userId,
      handle: person.handle,
      guest: person.guest,
      ...(person.guest && person.name !== undefined ? { name: person.name } : {}),
      role: 'listener',
      muted: false,
      camera: false,
      connected: true,
      requested: false,
      invited: false,
      stageSeq: 0,
      requestSeq: 0,
      joinSeq: this.next(),
      cohostSeq: 0,
    };
    this.people.set(p.userId, p);
    // Going through setRole keeps the stage index and sequences right for the host too.
    this.setRole(p, role);
    return p;
  }

  /** Removes a participant from every index. Does not ban (see ban()). */
  delete(userId: string): Participant | undefined {
    const p = this.people.get(userId);
    if (!p) return undefined;
    this.touch(userId);
    if (this.journal) this.journal.deleted = true;
    this.people.delete(userId);
    this.onStage.delete(userId);
    this.pending.delete(userId);
    return p;
  }

  /**
   * Changes a role and restores the invariants. Coming on stage clears any request or
   * invitation and starts muted, except for the host taking their own Space's stage: a
   * speaker (approved, invited, made co-host) is heard only once they unmute themselves.
   * Leaving the stage resets `muted`. Moving along the stage (speaker, co-host, host) keeps it.
   */
  setRole(p: Participant, to: Role): SpaceEvent[] {
    const from = p.role;
    if (from === to) return [];
    this.touch(p.userId);
    const events: SpaceEvent[] = [{ kind: 'roleChanged', userId: p.userId, from, to }];
    p.role = to;
    if (!isOnStage(from) && isOnStage(to)) {
      events.push(...this.setRequested(p, false), ...this.setInvited(p, false));
      p.muted = to !== 'host';
      p.stageSeq = this.next();
      this.onStage.add(p.userId);
    } else if (isOnStage(from) && !isOnStage(to)) {
      p.muted = false;
      // Leaving the stage turns the camera off, without a separate event (like `muted`).
      p.camera = false;
      p.stageSeq = 0;
      this.onStage.delete(p.userId);
    }
    if (to === 'cohost') p.cohostSeq = this.next();
    else p.cohostSeq = 0;
    return events;
  }

  setRequested(p: Participant, requested: boolean): SpaceEvent[] {
    if (p.requested === requested) return [];
    this.touch(p.userId);
    p.requested = requested;
    if (requested) {
      // A fresh sequence each time: cancelling and asking again goes to the back of the queue.
      p.requestSeq = this.next();
      this.pending.add(p.userId);
    } else {
      p.requestSeq = 0;
      this.pending.delete(p.userId);
    }
    return [{ kind: 'requestChanged', userId: p.userId, requested }];
  }

  setInvited(p: Participant, invited: boolean): SpaceEvent[] {
    if (p.invited === invited) return [];
    this.touch(p.userId);
    p.invited = invited;
    return [{ kind: 'inviteChanged', userId: p.userId, invited }];
  }

  /** No event when nothing changes, so "mute an already muted speaker" is a quiet no-op. */
  setMuted(p: Participant, muted: boolean, by: string): SpaceEvent[] {
    if (p.muted === muted) return [];
    this.touch(p.userId);
    p.muted = muted;
    return [{ kind: 'muteChanged', userId: p.userId, muted, by }];
  }

  setCamera(p: Participant, on: boolean): SpaceEvent[] {
    if (p.camera === on) return [];
    this.touch(p.userId);
    p.camera = on;
    return [{ kind: 'cameraChanged', userId: p.userId, on }];
  }

  /** Connected or not (a dropped connection, a reconnect): the only change that is never stored. */
  setConnected(p: Participant, connected: boolean): void {
    if (p.connected === connected) return;
    this.touch(p.userId);
    p.connected = connected;
  }

  private stageMembers(): Participant[] {
    const out: Participant[] = [];
    for (const id of this.onStage) {
      const p = this.people.get(id);
      if (p) out.push(p);
    }
    return out;
  }

  private next(): number {
    return ++this.seq;
  }
}
