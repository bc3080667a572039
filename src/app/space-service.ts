// The directory of Spaces on this node: creating and scheduling them, bringing them live,
// listing them, and bringing back after a restart the Spaces that were live, with everyone
// who was on stage, asked to speak or was invited (each live Space stores its own changes).
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Space, SpaceError } from '../spaces/index.js';
import type { MediaPlane } from '../media/room/room-handle.js';
import type { MemberRecord, SpaceRecord, SpaceStore } from '../store/space-store.js';
import type { SpaceSummary } from '../protocol/messages.js';
import { LiveSpace, type LiveSpaceOptions } from './live-space.js';
import type { LiveChat } from './space-messages.js';
import { AudienceTiers } from './audience-tiers.js';
import { SpaceEgress, type EgressSettings, type Encoders } from './space-egress.js';
import type { RecordingService } from './recording-service.js';
import { AppError } from './app-error.js';
import { KeyedTokenBuckets } from './token-bucket.js';

export const MAX_SCHEDULE_AHEAD_MS = 14 * 24 * 3600 * 1000;

export interface SpaceListItem extends SpaceSummary {
  stage: Array<{ userId: string; handle: string; role: string }>;
  listenerCount: number;
}

/** The audience side of the node: WebRTC capacity, the HLS egress settings, recordings. */
export interface AudienceConfig {
  webrtcCapacity: number;
  egress: EgressSettings;
  /** Base of HLS URLs given to listeners: the origin's /hls, or a CDN in front of it. */
  hlsBaseUrl: string;
  recordings: RecordingService;
  /** Where HLS encoders run (the codec worker). */
  encoders: Encoders;
}

/** What one account may do at once, or per hour (see AbuseLimits). */
export interface AccountLimits {
  spacesPerHour: number;
  liveSpacesPerAccount: number;
  recordingsPerAccount: number;
}

/** Where a live Space's chat comes from (ChatService: loaded once per live Space). */
export interface ChatOpener {
  open(live: LiveSpace): Promise<LiveChat>;
}

export class SpaceService {
  private readonly live = new Map<string, LiveSpace>();
  /** Spaces each account created in the last hour, as a token bucket. */
  private readonly creations: KeyedTokenBuckets;
  /** Writes of live Spaces' changes that failed (each undone, or retried until stored). */
  storeFailures = 0;
  private readonly egresses = new Map<string, SpaceEgress>();
  readonly tiers: AudienceTiers;

  constructor(
    private readonly store: SpaceStore,
    private readonly media: MediaPlane,
    private readonly options: LiveSpaceOptions,
    private readonly log: Logger,
    private readonly audience: AudienceConfig,
    private readonly limits: AccountLimits,
    private readonly chats: ChatOpener,
  ) {
    this.tiers = new AudienceTiers(audience.webrtcCapacity, audience.egress.mode !== 'off');
    this.creations = new KeyedTokenBuckets(limits.spacesPerHour / 3600, limits.spacesPerHour);
  }

  /** Live Spaces this account hosts on this node (and, of those, the ones recording). */
  private hosted(userId: string): { live: number; recording: number } {
    let live = 0;
    let recording = 0;
    for (const l of this.live.values()) {
      if (l.space.hostId !== userId || l.space.state !== 'live') continue;
      live++;
      if (l.space.recording) recording++;
    }
    return { live, recording };
  }

  private checkLive(userId: string): void {
    const { live } = this.hosted(userId);
    if (live >= this.limits.liveSpacesPerAccount) {
      throw new AppError('rate_limited', `you already host ${live} live Spaces; end one first`, 60);
    }
  }

  private checkRecording(userId: string): void {
    const { recording } = this.hosted(userId);
    if (recording >= this.limits.recordingsPerAccount) {
      throw new AppError('rate_limited', `you already record ${recording} Spaces; stop one first`, 60);
    }
  }

  get recordings(): RecordingService {
    return this.audience.recordings;
  }

  /** The live HLS of a Space, if it is live on this node. */
  egressOf(spaceId: string): SpaceEgress | undefined {
    return this.egresses.get(spaceId);
  }

  /**
   * Brings back the Spaces that were live when the server stopped, with their stored members:
   * everyone has the usual grace to come back in the same role, and the host the host's.
   */
  async restore(): Promise<void> {
    for (const record of await this.store.listByState('live', 10_000)) await this.activate(record);
    await this.audience.recordings.restore((id) => this.live.has(id));
  }

  async create(
    host: { userId: string; handle: string },
    title: string,
    scheduledFor: number | null,
    record = false,
    kind: 'space' | 'broadcast' = 'space',
  ): Promise<SpaceSummary> {
    const now = Date.now();
    if (scheduledFor !== null && (scheduledFor > now + MAX_SCHEDULE_AHEAD_MS || scheduledFor < now - 60_000)) {
      throw new SpaceError('invalid_state', 'a Space can be scheduled up to 14 days ahead');
    }
    if (scheduledFor === null) this.checkLive(host.userId);
    if (scheduledFor === null && record) this.checkRecording(host.userId);
    if (!this.creations.take(host.userId, now)) {
      throw new AppError('rate_limited', 'you have created too many Spaces lately; try again later', 3600 / this.limits.spacesPerHour);
    }
    const spaceRecord: SpaceRecord = {
      id: newSpaceId(),
      title,
      hostId: host.userId,
      hostHandle: host.handle,
      state: scheduledFor === null ? 'live' : 'scheduled',
      scheduledFor,
      startedAt: scheduledFor === null ? now : null,
      endedAt: null,
      endReason: null,
      recording: record,
      kind,
      guestComments: true,
    };
    await this.store.create(spaceRecord);
    if (spaceRecord.state === 'live') await this.activate(spaceRecord);
    this.log.info({ space: spaceRecord.id, host: host.handle, state: spaceRecord.state, record }, 'space created');
    return summary(spaceRecord);
  }

  /** "Record Space" from outside a connection (the host, over HTTP); live Spaces take it as an action too. */
  async setRecording(spaceId: string, actorId: string, on: boolean): Promise<SpaceSummary> {
    const live = this.live.get(spaceId);
    if (live) {
      await live.act(actorId, { action: 'setRecording', on });
      return summary(toRecord(live.space));
    }
    const record = await this.store.get(spaceId);
    if (!record) throw new AppError('space_not_found', 'no such Space');
    const space = this.toDomain(record, [], []);
    space.setRecording(actorId, on, Date.now());
    const updated = toRecord(space);
    await this.store.update(updated);
    return summary(updated);
  }

  async start(spaceId: string, actorId: string): Promise<SpaceSummary> {
    const existing = this.live.get(spaceId);
    if (existing) {
      existing.space.start(actorId, Date.now()); // throws the right error for a live Space
    }
    const record = await this.store.get(spaceId);
    if (!record) throw new AppError('space_not_found', 'no such Space');
    const space = this.toDomain(record, await this.store.bans(spaceId), []);
    if (record.hostId === actorId) {
      this.checkLive(actorId);
      if (record.recording) this.checkRecording(actorId);
    }
    const events = space.start(actorId, Date.now());
    const updated = toRecord(space);
    await this.store.update(updated);
    await this.activate(updated);
    this.log.info({ space: spaceId, events: events.length }, 'space started');
    return summary(updated);
  }

  /** The live Space for joining; loads a scheduled one so that its host can enter the green room. */
  async forJoin(spaceId: string): Promise<LiveSpace> {
    const live = this.live.get(spaceId) ?? (await this.load(spaceId));
    // Its chat is loaded before anyone joins, so that a joiner's history follows welcome and state at once.
    live.attachChat(await this.chats.open(live));
    return live;
  }

  private async load(spaceId: string): Promise<LiveSpace> {
    const record = await this.store.get(spaceId);
    if (!record) throw new AppError('space_not_found', 'no such Space');
    if (record.state === 'ended') throw new SpaceError('space_ended', 'this Space has ended');
    if (record.state === 'scheduled') throw new SpaceError('space_not_live', 'this Space has not started yet');
    return this.activate(record);
  }

  liveSpace(spaceId: string): LiveSpace | undefined {
    return this.live.get(spaceId);
  }

  /** The Spaces live on this node. */
  liveSpaces(): IterableIterator<LiveSpace> {
    return this.live.values();
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

  async shutdown(): Promise<void> {
    // Live Spaces stay live in the store: after a restart, hosts and listeners reconnect.
    const stopping: Promise<void>[] = [];
    for (const live of this.live.values()) {
      live.dispose();
      const id = live.space.id;
      const egress = this.egresses.get(id);
      // The encoder writes its last segments (a recording resumes after the restart), then the room goes.
      stopping.push((egress?.close() ?? Promise.resolve()).finally(() => this.media.closeRoom(id)));
    }
    await Promise.all(stopping);
    this.live.clear();
    this.egresses.clear();
    await this.audience.recordings.close();
  }

  private async activate(record: SpaceRecord): Promise<LiveSpace> {
    const existing = this.live.get(record.id);
    if (existing) return existing;
    const [bans, members] = await Promise.all([this.store.bans(record.id), record.state === 'live' ? this.store.members(record.id) : []]);
    const space = this.toDomain(record, bans, members);
    const again = this.live.get(record.id);
    if (again) return again; // another join activated it while we awaited the bans
    const room = this.media.room(record.id);
    const log = this.log.child({ space: record.id });
    const egress = new SpaceEgress({
      spaceId: record.id,
      title: record.title,
      room,
      encoders: this.audience.encoders,
      settings: this.audience.egress,
      recordings: this.audience.recordings,
      handleOf: (userId) => space.participant(userId)?.handle,
      log,
    });
    this.egresses.set(record.id, egress);
    const live = new LiveSpace({
      space,
      room,
      hooks: {
        check: (actorId, action) => {
          if (action.action === 'setRecording' && action.on && !space.recording && actorId === space.hostId) this.checkRecording(actorId);
        },
        ended: (s) => {
          this.live.delete(s.id);
          this.egresses.delete(s.id);
          // Stop the encoder first so the recording gets the last seconds, then finish it.
          void egress
            .close()
            .then(() => this.audience.recordings.finish(s.id, s.endedAt ?? Date.now()))
            .catch((err) => this.log.error({ err, space: s.id }, 'failed to finish the recording'))
            .finally(() => this.media.closeRoom(s.id));
          this.log.info({ space: s.id, reason: s.endReason }, 'space ended');
        },
      },
      options: this.options,
      log,
      audience: { tiers: this.tiers, egress, hlsUrl: `${this.audience.hlsBaseUrl}/${record.id}/master.m3u8` },
      storage: { store: this.store, record: toRecord, stored: members.map((m) => m.userId), failed: () => void this.storeFailures++ },
    });
    this.live.set(record.id, live);
    return live;
  }

  private toDomain(record: SpaceRecord, banned: string[], members: MemberRecord[]): Space {
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
      recording: record.recording,
      kind: record.kind,
      guestComments: record.guestComments,
      members,
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
    recording: space.recording,
    kind: space.kind,
    guestComments: space.guestComments,
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
    recording: r.recording,
    kind: r.kind,
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
