// The directory of Spaces on this node: creating and scheduling them, bringing them live,
// listing them, and persisting their lifecycle. Live state is in memory; the store holds
// what must survive a restart (the Space, its state and its bans).
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Space, SpaceError, type SpaceEvent } from '../spaces/index.js';
import type { MediaPlane } from '../media/room-handle.js';
import type { SpaceRecord, SpaceStore } from '../store/space-store.js';
import type { SpaceSummary } from '../protocol/messages.js';
import { LiveSpace, type LiveSpaceOptions } from './live-space.js';
import { AppError } from './app-error.js';

export const MAX_SCHEDULE_AHEAD_MS = 14 * 24 * 3600 * 1000;

export interface SpaceListItem extends SpaceSummary {
  stage: Array<{ userId: string; handle: string; role: string }>;
  listenerCount: number;
}

export class SpaceService {
  private readonly live = new Map<string, LiveSpace>();
  /** Writes are chained per Space so they land in the order the domain produced them. */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly store: SpaceStore,
    private readonly media: MediaPlane,
    private readonly options: LiveSpaceOptions,
    private readonly log: Logger,
  ) {}

  /** Brings back the Spaces that were live when the server stopped; their hosts get the usual grace to return. */
  async restore(): Promise<void> {
    for (const record of await this.store.listByState('live', 10_000)) {
      const live = await this.activate(record);
      live.awaitHost();
    }
  }

  async create(host: { userId: string; handle: string }, title: string, scheduledFor: number | null): Promise<SpaceSummary> {
    const now = Date.now();
    if (scheduledFor !== null && (scheduledFor > now + MAX_SCHEDULE_AHEAD_MS || scheduledFor < now - 60_000)) {
      throw new SpaceError('invalid_state', 'a Space can be scheduled up to 14 days ahead');
    }
    const record: SpaceRecord = {
      id: newSpaceId(),
      title,
      hostId: host.userId,
      hostHandle: host.handle,
      state: scheduledFor === null ? 'live' : 'scheduled',
      scheduledFor,
      startedAt: scheduledFor === null ? now : null,
      endedAt: null,
      endReason: null,
    };
    await this.store.create(record);
    if (record.state === 'live') await this.activate(record);
    this.log.info({ space: record.id, host: host.handle, state: record.state }, 'space created');
    return summary(record);
  }

  async start(spaceId: string, actorId: string): Promise<SpaceSummary> {
    const existing = this.live.get(spaceId);
    if (existing) {
      existing.space.start(actorId, Date.now()); // throws the right error for a live Space
    }
    const record = await this.store.get(spaceId);
    if (!record) throw new AppError('space_not_found', 'no such Space');
    const space = this.toDomain(record, await this.store.bans(spaceId));
    const events = space.start(actorId, Date.now());
    const updated = toRecord(space);
    await this.store.update(updated);
    await this.activate(updated);
    this.log.info({ space: spaceId, events: events.length }, 'space started');
    return summary(updated);
  }

  /** The live Space for joining; loads a scheduled one so that its host can enter the green room. */
  async forJoin(spaceId: string): Promise<LiveSpace> {
    const live = this.live.get(spaceId);
    if (live) return live;
    const record = await this.store.get(spaceId);
    if (!record) throw new AppError('space_not_found', 'no such Space');
    if (record.state === 'ended') throw new SpaceError('space_ended', 'this Space has ended');
    if (record.state === 'scheduled') throw new SpaceError('space_not_live', 'this Space has not started yet');
    return this.activate(record);
  }

  liveSpace(spaceId: string): LiveSpace | undefined {
    return this.live.get(spaceId);
  }

  async get(spaceId: string): Promise<SpaceListItem | undefined> {
    const live = this.live.get(spaceId);
    if (live) return listItem(live);
    const record = await this.store.get(spaceId);
    return record && { ...summary(record), stage: [], listenerCount: 0 };
  }

  async list(): Promise<{ live: SpaceListItem[]; scheduled: SpaceListItem[] }> {
    const live = [...this.live.values()].filter((l) => l.space.state === 'live').map(listItem);
    live.sort((a, b) => b.listenerCount + b.stage.length - (a.listenerCount + a.stage.length));
    const scheduled = (await this.store.listByState('scheduled')).map((r) => ({ ...summary(r), stage: [], listenerCount: 0 }));
    return { live, scheduled };
  }

  get liveCount(): number {
    return this.live.size;
  }

  allLive(): IterableIterator<LiveSpace> {
    return this.live.values();
  }

  /** Waits for pending writes (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all(this.writes.values());
  }

  async shutdown(): Promise<void> {
    // Live Spaces stay live in the store: after a restart, hosts and listeners reconnect.
    for (const live of this.live.values()) {
      live.dispose();
      this.media.closeRoom(live.space.id);
    }
    this.live.clear();
    await this.flush();
  }

  private async activate(record: SpaceRecord): Promise<LiveSpace> {
    const existing = this.live.get(record.id);
    if (existing) return existing;
    const space = this.toDomain(record, await this.store.bans(record.id));
    const again = this.live.get(record.id);
    if (again) return again; // another join activated it while we awaited the bans
    const live = new LiveSpace(
      space,
      this.media.room(record.id),
      {
        persist: (s, events) => this.persist(s, events),
        ended: (s) => {
          this.live.delete(s.id);
          this.media.closeRoom(s.id);
          this.log.info({ space: s.id, reason: s.endReason }, 'space ended');
        },
      },
      this.options,
      this.log.child({ space: record.id }),
    );
    this.live.set(record.id, live);
    return live;
  }

  private persist(space: Space, events: SpaceEvent[]): void {
    const lifecycle = events.some((e) => e.kind === 'ended' || e.kind === 'hostChanged' || e.kind === 'started');
    const bans = events.filter((e): e is Extract<SpaceEvent, { kind: 'removed' }> => e.kind === 'removed');
    if (!lifecycle && bans.length === 0) return;
    const record = toRecord(space);
    const prev = this.writes.get(space.id) ?? Promise.resolve();
    const next = prev
      .then(async () => {
        for (const b of bans) await this.store.addBan(space.id, b.userId);
        if (lifecycle) await this.store.update(record);
      })
      .catch((err) => this.log.error({ err, space: space.id }, 'failed to persist space'));
    this.writes.set(space.id, next);
  }

  private toDomain(record: SpaceRecord, banned: string[]): Space {
    return new Space({
      id: record.id,
      title: record.title,
      hostId: record.hostId,
      hostHandle: record.hostHandle,
      state: record.state,
      scheduledFor: record.scheduledFor,
      startedAt: record.startedAt,
      endedAt: record.endedAt,
      endReason: record.endReason,
      banned,
    });
  }
}

function toRecord(space: Space): SpaceRecord {
  return {
    id: space.id,
    title: space.title,
    hostId: space.hostId,
    hostHandle: space.hostHandle,
    state: space.state,
    scheduledFor: space.scheduledFor,
    startedAt: space.startedAt,
    endedAt: space.endedAt,
    endReason: space.endReason,
  };
}

function summary(r: SpaceRecord): SpaceSummary {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: r.id,
    title: r.title,
    state: r.state,
    hostId: r.hostId,
    hostHandle: r.hostHandle,
    scheduledFor: iso(r.scheduledFor),
    startedAt: iso(r.startedAt),
    endedAt: iso(r.endedAt),
  };
}

function listItem(live: LiveSpace): SpaceListItem {
  const s = live.space;
  return {
    ...summary(toRecord(s)),
    stage: s.stage().map((p) => ({ userId: p.userId, handle: p.handle, role: p.role })),
    listenerCount: s.listenerCount,
  };
}

/** Short, URL-safe, unguessable. */
function newSpaceId(): string {
  return randomBytes(9).toString('base64url');
}
