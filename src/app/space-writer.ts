// What a live Space stores after each command: its row (lifecycle, host, recording, guest
// comments), the members a command touched as they are now (on stage, asking to speak,
// invited, muted) or their removal, and bans, all in one transaction. The rows are built
// from the Space as it is when the write runs, so a write that is retried later stores the
// latest state, never a stale one. Plain listeners are never written: a join storm costs no
// writes at all.
import type { Logger } from 'pino';
import type { Space, SpaceEvent } from '../spaces/index.js';
import type { SpaceChange, SpaceRecord } from '../store/space-store.js';

export interface SpaceChangeStore {
  commit(change: SpaceChange): Promise<void>;
}

/** Retries of a write that must land (nobody can refuse a departure): 1 s, doubling to 30 s. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

export class SpaceWriter {
  /** Members touched by writes that failed, written again with the next one. */
  private readonly dirtyMembers = new Set<string>();
  private dirtyRow = false;
  private readonly dirtyBans = new Set<string>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryDelay = RETRY_FIRST_MS;
  private closed = false;
  /** Members with a stored row: a plain listener who was never stored costs nothing to leave. */
  private readonly stored: Set<string>;

  constructor(
    private readonly space: Space,
    private readonly store: SpaceChangeStore,
    private readonly record: (space: Space) => SpaceRecord,
    private readonly log: Logger,
    /** Runs a retry on the Space's command queue, so it never overlaps a command. */
    private readonly schedule: (retry: () => Promise<void>) => void,
    /** The members already stored (restored after a restart). */
    stored: Iterable<string> = [],
    /** Told of every failed write, for the metrics. */
    private readonly failed: () => void = () => undefined,
  ) {
    this.stored = new Set(stored);
  }

  /**
   * Stores what `events` changed (with whatever earlier writes left unwritten). Rejects when
   * the store fails; the caller then undoes the command, and its bans are forgotten with it.
   */
  async write(events: readonly SpaceEvent[]): Promise<void> {
    const err = await this.attempt(events, false);
    if (err) throw err;
  }

  /** Stores what `events` changed; if the store fails, keeps it and tries again until it lands. */
  async writeOrRetry(events: readonly SpaceEvent[]): Promise<void> {
    const err = await this.attempt(events, true);
    if (!err) return;
    this.log.error({ err, retryInMs: this.retryDelay }, 'could not store a change of the Space: retrying');
    this.scheduleRetry();
  }

  /**
   * One write of what `events` changed; resolves with the error if it failed. The members it
   * touched stay to be written again (they are back as they were, or will be retried: either
   * way a later write of them is right); with `keep`, so do its bans and the row.
   */
  private async attempt(events: readonly SpaceEvent[], keep: boolean): Promise<unknown> {
    const touched = touchedBy(events);
    const bans = events.flatMap((e) => (e.kind === 'removed' ? [e.userId] : []));
    try {
      await this.flush(touched, bans);
      return null;
    } catch (err) {
      this.failed();
      for (const id of touched.members) this.dirtyMembers.add(id);
      if (keep) {
        for (const id of bans) this.dirtyBans.add(id);
        this.dirtyRow ||= touched.row;
      }
      return err ?? new Error('the write failed');
    }
  }

  /** Whether anything is still waiting to be stored. */
  get pending(): boolean {
    return this.dirtyRow || this.dirtyMembers.size > 0 || this.dirtyBans.size > 0;
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private async flush(touched: { row: boolean; members: Set<string> }, bans: string[]): Promise<void> {
    const members = new Set([...this.dirtyMembers, ...touched.members]);
    const allBans = [...new Set([...this.dirtyBans, ...bans])];
    const row = touched.row || this.dirtyRow;
    if (!row && members.size === 0 && allBans.length === 0) return;
    const ended = this.space.state === 'ended';
    const change: SpaceChange = {
      spaceId: this.space.id,
      // The end is a lifecycle change, and clears the members.
      space: row || ended ? this.record(this.space) : null,
      upsert: [],
      remove: [],
      bans: allBans,
      clearMembers: ended,
    };
    if (!ended) {
      for (const id of members) {
        const state = this.space.memberState(id);
        if (state) change.upsert.push(state);
        else if (this.stored.has(id)) change.remove.push(id);
      }
    }
    if (!change.space && change.upsert.length === 0 && change.remove.length === 0 && allBans.length === 0) {
      this.dirtyMembers.clear();
      return;
    }
    await this.store.commit(change);
    if (ended) this.stored.clear();
    for (const m of change.upsert) this.stored.add(m.userId);
    for (const id of change.remove) this.stored.delete(id);
    this.dirtyMembers.clear();
    this.dirtyBans.clear();
    this.dirtyRow = false;
    this.retryDelay = RETRY_FIRST_MS;
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.schedule(async () => {
        if (this.closed || !this.pending) return;
        try {
          await this.flush({ row: false, members: new Set() }, []);
          this.log.info('stored the Space after earlier failures');
        } catch (err) {
          this.failed();
          this.retryDelay = Math.min(RETRY_MAX_MS, this.retryDelay * 2);
          this.log.error({ err, retryInMs: this.retryDelay }, 'still cannot store the Space');
          this.scheduleRetry();
        }
      });
    }, this.retryDelay);
    this.retryTimer.unref();
  }
}

/** The Space row and the members a batch of events changed. */
function touchedBy(events: readonly SpaceEvent[]): { row: boolean; members: Set<string> } {
  const members = new Set<string>();
  let row = false;
  for (const e of events) {
    switch (e.kind) {
      case 'roleChanged':
      case 'muteChanged':
      case 'cameraChanged':
      case 'requestChanged':
      case 'inviteChanged':
      case 'removed':
      case 'left':
      case 'joined':
        members.add(e.userId);
        break;
      case 'hostChanged':
        row = true;
        members.add(e.from);
        members.add(e.to);
        break;
      case 'started':
      case 'ended':
      case 'recordingChanged':
      case 'guestCommentsChanged':
        row = true;
        break;
      case 'reconnected':
      case 'disconnected':
      case 'commented':
      case 'commentDeleted':
      case 'reacted':
      case 'renamed':
        break;
      default: {
        // A new event must say here whether it changes what is stored.
        const unknown: never = e;
        throw new Error(`unknown event ${(unknown as { kind: string }).kind}`);
      }
    }
  }
  return { row, members };
}
