// The participants of one Space, with the indexes the queries need and the invariants
// that tie the flags to roles. Every role/flag change goes through this class, so the
// invariants hold in one place:
//   - only listeners have a pending request or invitation;
//   - listeners are never muted (they have no microphone);
//   - stageSeq is set when someone comes on stage, cohostSeq when they become co-host.
// Its mutators never throw: callers validate first, then mutate.
import type { Role } from '../protocol/messages.js';
import type { SpaceEvent } from './events.js';
import type { Participant, Person } from './participant.js';
import { isOnStage, stageRank } from './permissions.js';

export class Roster {
  /** Insertion order is join order, which is the audience order. */
  private readonly people = new Map<string, Participant>();
  /** Stage members, kept separately so stage queries do not scan a large audience. */
  private readonly onStage = new Set<string>();
  private readonly pending = new Set<string>();
  private readonly bans: Set<string>;
  private seq = 0;

  constructor(banned: Iterable<string> = []) {
    this.bans = new Set(banned);
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
    return this.stageMembers().sort(
      (a, b) => stageRank(a.role) - stageRank(b.role) || a.stageSeq - b.stageSeq,
    );
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
    this.bans.add(userId);
  }

  get banCount(): number {
    return this.bans.size;
  }

  /** Adds a new participant: connected, unmuted, no request or invitation. */
  add(person: Person, role: Role): Participant {
    const p: Participant = {
      userId: person.userId,
      handle: person.handle,
      guest: person.guest,
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
    this.people.delete(userId);
    this.onStage.delete(userId);
    this.pending.delete(userId);
    return p;
  }

  /**
   * Changes a role and restores the invariants. Coming on stage clears any request or
   * invitation and starts unmuted; leaving it resets `muted`.
   */
  setRole(p: Participant, to: Role): SpaceEvent[] {
    const from = p.role;
    if (from === to) return [];
    const events: SpaceEvent[] = [{ kind: 'roleChanged', userId: p.userId, from, to }];
    p.role = to;
    if (!isOnStage(from) && isOnStage(to)) {
      events.push(...this.setRequested(p, false), ...this.setInvited(p, false));
      p.muted = false;
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
    p.invited = invited;
    return [{ kind: 'inviteChanged', userId: p.userId, invited }];
  }

  /** No event when nothing changes, so "mute an already muted speaker" is a quiet no-op. */
  setMuted(p: Participant, muted: boolean, by: string): SpaceEvent[] {
    if (p.muted === muted) return [];
    p.muted = muted;
    return [{ kind: 'muteChanged', userId: p.userId, muted, by }];
  }

  setCamera(p: Participant, on: boolean): SpaceEvent[] {
    if (p.camera === on) return [];
    p.camera = on;
    return [{ kind: 'cameraChanged', userId: p.userId, on }];
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
