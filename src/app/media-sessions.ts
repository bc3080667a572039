// WHIP ingest and WHEP playback sessions, as the app layer runs them for the HTTP routes: who
// may open one (a stream key's publisher; anyone may play), how many (a few per second per
// address, as each costs a PeerConnection, and at most MAX_SESSIONS on the node), and where
// a session lives: in its LiveSpace, the one owner, which ends it with the Space or when its
// connection fails. There is no list here to sweep or reconcile.
import type { Person } from '../spaces/index.js';
import type { GuestIdentities } from '../auth/guests.js';
import type { SpaceService } from './space-service.js';
import { sessionSpaceId, type MediaSession } from './media-session.js';
import { KeyedTokenBuckets } from './token-bucket.js';
import { AppError } from './app-error.js';

const MAX_SESSIONS = 10_000;
const SESSIONS_PER_SECOND = 2;
const SESSION_BURST = 10;

export class MediaSessions {
  private readonly admissions = new KeyedTokenBuckets(SESSIONS_PER_SECOND, SESSION_BURST, 10_000);

  constructor(
    private readonly spaces: SpaceService,
    private readonly guests: GuestIdentities,
  ) {}

  /** Whether `address` may open another session now (takes one of its tokens). */
  admit(address: string): boolean {
    return this.admissions.take(address);
  }

  /** WHIP: `publisher` (a stream key's) publishes into their Space from an encoder. */
  async startIngest(spaceId: string, publisher: Person, key: string, offer: string): Promise<{ session: MediaSession; answer: string }> {
    this.checkCapacity();
    const live = await this.spaces.forJoin(spaceId);
    return live.startIngest(publisher, offer, key);
  }

  /** WHEP: a player of its own (minted by GuestIdentities) watches and hears the Space. */
  async startPlayback(spaceId: string, offer: string): Promise<{ session: MediaSession; answer: string }> {
    this.checkCapacity();
    const live = await this.spaces.forJoin(spaceId);
    return live.startPlayback(this.guests.player(), offer);
  }

  /** A running session, by the id in its resource URL. */
  get(id: string): MediaSession | undefined {
    const spaceId = sessionSpaceId(id);
    return spaceId === null ? undefined : this.spaces.liveSpace(spaceId)?.session(id);
  }

  /** Trickled ICE candidates of a running session; false when its Space has ended meanwhile. */
  addCandidates(session: MediaSession, candidates: ReadonlyArray<{ candidate: string; mid: string }>): boolean {
    const live = this.spaces.liveSpace(session.spaceId);
    if (!live) return false;
    for (const c of candidates) live.addSessionCandidate(session.userId, c.candidate, c.mid);
    return true;
  }

  /** Ends a session (its DELETE). */
  async end(session: MediaSession): Promise<void> {
    await this.spaces.liveSpace(session.spaceId)?.endSession(session.userId);
  }

  private checkCapacity(): void {
    let count = 0;
    for (const live of this.spaces.liveSpaces()) count += live.sessionCount;
    if (count >= MAX_SESSIONS) throw new AppError('unavailable', 'too many sessions on this server', 5);
  }
}
