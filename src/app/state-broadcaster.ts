// Tells everyone in a live Space its state: a snapshot (stage, requests for moderators, the
// first listeners and the count), serialised once per audience (public, moderators) per
// broadcast and spliced into each person's message. Bursts of changes are coalesced into one
// broadcast by the earliest deadline any of them asked for.
import type { Space } from '../spaces/index.js';
import type { Connection } from './connection.js';
import { CoalescedFlush } from './coalesced-flush.js';
import { personView, spaceSnapshot } from './space-views.js';

/** A change of the stage, the requests or the Space goes out this soon. */
export const BROADCAST_DELAY_MS = 30;
/**
 * A listener arriving or leaving changes only the audience part of the state, which nobody
 * needs within 30 ms (the newcomer gets its own snapshot at once). Every broadcast sends the
 * snapshot (up to 200 listeners, ~30 KB) to every connection, so at 30 ms a join storm of N
 * listeners would send O(N²) bytes: 500 listeners joining at 50/s made 500 MB/s of state.
 * So such changes wait longer as the audience grows, up to once a second.
 */
const AUDIENCE_DELAY_PER_CONNECTION_MS = 2;
const AUDIENCE_DELAY_MAX_MS = 1000;
/** How soon to look again while a change waits for its write. */
const HELD_RETRY_MS = 5;

/** How long a change of the audience alone may wait before everyone is told, with `connections` to tell. */
export function audienceChangeDelayMs(connections: number): number {
  return Math.min(AUDIENCE_DELAY_MAX_MS, BROADCAST_DELAY_MS + connections * AUDIENCE_DELAY_PER_CONNECTION_MS);
}

export class StateBroadcaster {
  private readonly flush = new CoalescedFlush(() => this.send());
  private closed = false;

  constructor(
    private readonly space: Space,
    private readonly connections: ReadonlyMap<string, Connection>,
    private readonly activeSpeaker: () => string | null,
    /** True while a change is waiting for its write: nobody may be shown that state yet. */
    private readonly held: () => boolean,
  ) {}

  /** Makes sure everyone is told within `delayMs`; a pending broadcast only ever comes sooner. */
  schedule(delayMs = BROADCAST_DELAY_MS): void {
    if (!this.closed) this.flush.schedule(delayMs);
  }

  /** How soon others must learn that someone in this role arrived or left. */
  scheduleFor(role: string | undefined): void {
    this.schedule(role === 'listener' ? audienceChangeDelayMs(this.connections.size) : BROADCAST_DELAY_MS);
  }

  /** Tells everyone now (the Space ends: its last state goes out before the end). */
  now(): void {
    this.flush.run();
  }

  close(): void {
    this.closed = true;
    this.flush.cancel();
  }

  private send(): void {
    if (this.held()) return this.schedule(HELD_RETRY_MS);
    const active = this.activeSpeaker();
    const publicSnapshot = JSON.stringify(spaceSnapshot(this.space, active, false));
    const moderatorSnapshot = JSON.stringify(spaceSnapshot(this.space, active, true));
    for (const [userId, conn] of this.connections) {
      const me = this.space.participant(userId);
      if (!me) continue;
      const moderator = me.role === 'host' || me.role === 'cohost';
      // Splice the shared snapshot into each message rather than re-serialising it per person.
      conn.sendRaw(
        `{"type":"state","space":${moderator ? moderatorSnapshot : publicSnapshot},"you":${JSON.stringify(personView(me))},"invited":${me.invited}}`,
      );
    }
  }
}
