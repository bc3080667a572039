// The directory of Spaces on this node: creating and scheduling them, bringing them live,
// listing them, and bringing back after a restart the Spaces that were live, with everyone
// who was on stage, asked to speak or was invited (each live Space stores its own changes).
import type { Logger } from 'pino';
import { SpaceError } from '../spaces/index.js';
import type { MediaPlane } from '../media/room/room-handle.js';
import { SpaceFencedError, type SpaceRecord, type SpaceStore } from '../store/space-store.js';
import type { SpaceSummary } from '../protocol/messages.js';
import { LiveSpace, type LiveSpaceOptions } from './live-space.js';
import type { LiveChat } from './space-messages.js';
import { AudienceTiers } from './audience-tiers.js';
import { SpaceEgress, type EgressSettings, type Encoders } from './space-egress.js';
import type { RecordingService } from './recording-service.js';
import { AppError } from './app-error.js';
import { KeyedTokenBuckets } from './token-bucket.js';
import { SpaceElsewhereError, type SpaceLiveView, type SpacePlacement } from './space-placement.js';
import { SpaceListing } from './space-listing.js';
import { newSpaceId, spaceFromRecord, summary, toRecord, type SpaceListItem } from './space-records.js';

export type { SpaceListItem } from './space-records.js';
import type { SpaceChangeStore } from './space-writer.js';

export const MAX_SCHEDULE_AHEAD_MS = 14 * 24 * 3600 * 1000;

/** The audience side of the node: WebRTC capacity, the HLS egress settings, recordings. */
export interface AudienceConfig {
  webrtcCapacity: number;
  /** In a cluster: peers this node serves for other nodes' Spaces, which take places too. */
  borrowedPeers?: () => number;
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

/** Everything the directory is built from. */
export interface SpaceServiceDeps {
  store: SpaceStore;
  media: MediaPlane;
  options: LiveSpaceOptions;
  log: Logger;
  audience: AudienceConfig;
  limits: AccountLimits;
  chats: ChatOpener;
  /** Where Spaces run: here (one node), or on the node that owns each (a cluster). */
  placement: SpacePlacement;
}

export class SpaceService {
  private readonly live = new Map<string, LiveSpace>();
  /** Spaces being handed off: not to be activated here again until their claim is released. */
  private readonly leaving = new Set<string>();
  /** Activations under way (a claim, then loading the members), so that two joins share one. */
  private readonly activating = new Map<string, Promise<LiveSpace>>();
  /** Spaces each account created in the last hour, as a token bucket. */
  private readonly creations: KeyedTokenBuckets;
  /** Writes of live Spaces' changes that failed (each undone, or retried until stored). */
  storeFailures = 0;
  private readonly egresses = new Map<string, SpaceEgress>();
  readonly tiers: AudienceTiers;

  private readonly store: SpaceStore;
  private readonly media: MediaPlane;
  private readonly options: LiveSpaceOptions;
  private readonly log: Logger;
  private readonly audience: AudienceConfig;
  private readonly limits: AccountLimits;
  private readonly chats: ChatOpener;
  readonly placement: SpacePlacement;
  private readonly listing: SpaceListing;

  constructor({ store, media, options, log, audience, limits, chats, placement }: SpaceServiceDeps) {
    this.store = store;
    this.media = media;
    this.options = options;
    this.log = log;
    this.audience = audience;
    this.limits = limits;
    this.chats = chats;
    this.placement = placement;
    this.listing = new SpaceListing(store, placement, () => this.live, log);
    this.tiers = new AudienceTiers(audience.webrtcCapacity, audience.egress.mode !== 'off', audience.borrowedPeers);
    this.creations = new KeyedTokenBuckets(limits.spacesPerHour / 3600, limits.spacesPerHour);
  }

  /**
   * Live Spaces this account hosts (and, of those, the ones recording): on this node, or in a
   * cluster on every node (from the store: a host's Spaces may run on several nodes).
   */
  private async hosted(userId: string): Promise<{ live: number; recording: number }> {
    if (this.placement.clustered) return this.store.hostedLive(userId);
    let live = 0;
    let recording = 0;
    for (const l of this.live.values()) {
      if (l.space.hostId !== userId || l.space.state !== 'live') continue;
      live++;
      if (l.space.recording) recording++;
    }
    return { live, recording };
  }

  private async checkLive(userId: string): Promise<void> {
    const { live } = await this.hosted(userId);
    if (live >= this.limits.liveSpacesPerAccount) {
      throw new AppError('rate_limited', `you already host ${live} live Spaces; end one first`, 60);
    }
  }

  private async checkRecording(userId: string): Promise<void> {
    const { recording } = await this.hosted(userId);
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
   * everyone has the usual grace to come back in the same role, and the host the host's. In a
   * cluster, live Spaces are adopted by the nodes' sweeps instead (one owner each); recordings
   * whose Space is no longer live anywhere are finished.
   */
  async restore(): Promise<void> {
    if (!this.placement.clustered) {
      for (const record of await this.store.listByState('live', 10_000)) await this.activate(record).catch((err) => this.activationFailed(record.id, err));
      await this.audience.recordings.restore((id) => this.live.has(id));
      return;
    }
    const live = new Set((await this.store.liveOwners()).map((o) => o.id));
    await this.audience.recordings.restore((id) => live.has(id));
  }

  /**
   * Runs a live Space here that no node runs (a cluster's sweep found it orphaned, or placed
   * here). Resolves false when it is not live, or another node claimed it first.
   */
  async adopt(spaceId: string): Promise<boolean> {
    if (this.live.has(spaceId)) return true;
    const record = await this.store.get(spaceId);
    if (!record || record.state !== 'live') return false;
    try {
      await this.activate(record);
      return true;
    } catch (err) {
      if (err instanceof SpaceElsewhereError) return false;
      throw err;
    }
  }

  /**
   * Stops running a Space here without ending it: its connections are told to reconnect (they
   * reach its next owner through any node), its encoder writes its last segments, its
   * recording stays open for the next owner, and its room closes. For a node that drains, and
   * for one that learns another node has claimed the Space.
   */
  async handOff(spaceId: string): Promise<void> {
    const live = this.live.get(spaceId);
    if (!live) return;
    this.live.delete(spaceId);
    // Until the claim is given up, nobody may bring the Space back here (a client that
    // reconnects at once is told to try again, and then finds the next owner).
    this.leaving.add(spaceId);
    const egress = this.egresses.get(spaceId);
    this.egresses.delete(spaceId);
    live.moveAway();
    try {
      // The encoder's last segments go into the recording before the next owner resumes it.
      await egress?.close();
      await this.audience.recordings.release(spaceId);
    } catch (err) {
      this.log.error({ err, space: spaceId }, 'handing off the Space: the encoder did not stop cleanly');
    } finally {
      this.media.closeRoom(spaceId);
    }
    // Releases only a lease that is still ours (a node that lost the Space gives up nothing).
    await this.placement.release(spaceId).catch((err) => this.log.warn({ err, space: spaceId }, 'could not release the Space'));
    this.leaving.delete(spaceId);
    this.log.info({ space: spaceId }, 'space handed off');
  }

  /** Ids of the Spaces this node runs. */
  liveIds(): string[] {
    return [...this.live.keys()];
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
    if (scheduledFor === null) await this.checkLive(host.userId);
    if (scheduledFor === null && record) await this.checkRecording(host.userId);
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
    // Decided before the row exists: a coordinator that cannot be reached refuses the Space
    // cleanly instead of leaving a live Space that nobody runs.
    const where = spaceRecord.state === 'live' ? await this.placement.place(spaceRecord.id) : 'elsewhere';
    await this.store.create(spaceRecord);
    if (where === 'here') await this.activate(spaceRecord);
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
    const space = spaceFromRecord(record, [], []);
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
    const space = spaceFromRecord(record, await this.store.bans(spaceId), []);
    if (record.hostId === actorId) {
      await this.checkLive(actorId);
      if (record.recording) await this.checkRecording(actorId);
    }
    const events = space.start(actorId, Date.now());
    const updated = toRecord(space);
    const where = await this.placement.place(spaceId);
    await this.store.update(updated);
    if (where === 'here') await this.activate(updated);
    this.log.info({ space: spaceId, events: events.length }, 'space started');
    return summary(updated);
  }

  /** The live Space for joining; loads a scheduled one so that its host can enter the green room. */
  async forJoin(spaceId: string): Promise<LiveSpace> {
    const live = this.live.get(spaceId) ?? (await this.locateAndLoad(spaceId));
    // Its chat is loaded before anyone joins, so that a joiner's history follows welcome and state at once.
    live.attachChat(await this.chats.open(live));
    return live;
  }

  /** Loads the Space here, unless another node runs it (then SpaceElsewhereError names that node). */
  private async locateAndLoad(spaceId: string): Promise<LiveSpace> {
    const where = await this.placement.locate(spaceId);
    if (where.at === 'node') throw new SpaceElsewhereError(spaceId, where.url);
    return this.load(spaceId);
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

  /** A Space as the directory shows it (with its stage and audience, wherever it runs). */
  get(spaceId: string): Promise<SpaceListItem | undefined> {
    return this.listing.get(spaceId);
  }

  /** Every live Space (of every node) and the scheduled ones. */
  list(): Promise<{ live: SpaceListItem[]; scheduled: SpaceListItem[] }> {
    return this.listing.list();
  }

  /** What this node publishes of each Space it runs, for other nodes' listings. */
  liveViews(): Map<string, SpaceLiveView> {
    return this.listing.liveViews();
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

  private activationFailed(spaceId: string, err: unknown): void {
    if (err instanceof SpaceElsewhereError) this.log.info({ space: spaceId, owner: err.url }, 'space runs on another node');
    else this.log.error({ err, space: spaceId }, 'could not bring a live Space back');
  }

  /** Runs the Space here: claims it, loads its bans and members, and opens its room. One at a time per Space. */
  private activate(record: SpaceRecord): Promise<LiveSpace> {
    const existing = this.live.get(record.id);
    if (existing) return Promise.resolve(existing);
    if (this.leaving.has(record.id)) return Promise.reject(new SpaceElsewhereError(record.id, ''));
    let pending = this.activating.get(record.id);
    if (!pending) {
      pending = this.claimAndOpen(record).finally(() => this.activating.delete(record.id));
      this.activating.set(record.id, pending);
    }
    return pending;
  }

  private async claimAndOpen(record: SpaceRecord): Promise<LiveSpace> {
    const fence = await this.placement.claim(record.id);
    if (fence === null) {
      const where = await this.placement.locate(record.id);
      throw new SpaceElsewhereError(record.id, where.at === 'node' ? where.url : '');
    }
    const [bans, members] = await Promise.all([this.store.bans(record.id), record.state === 'live' ? this.store.members(record.id) : []]);
    // Loaded after the claim: whatever the previous owner stored before it lost the Space is in.
    const latest = (await this.store.get(record.id)) ?? record;
    const space = spaceFromRecord(latest, bans, members);
    // Every write of this Space's live state carries our claim's token: once another node has
    // claimed it, our writes fail, and this node stops running it.
    const fenced: SpaceChangeStore = {
      commit: async (change) => {
        try {
          await this.store.commit({ ...change, fence });
        } catch (err) {
          if (err instanceof SpaceFencedError) {
            this.log.warn({ space: record.id, epoch: fence }, 'another node claimed this Space: handing it off');
            setImmediate(() => void this.handOff(record.id));
          }
          throw err;
        }
      },
    };
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
        check: async (actorId, action) => {
          if (action.action === 'setRecording' && action.on && !space.recording && actorId === space.hostId) await this.checkRecording(actorId);
        },
        ended: (s) => {
          this.live.delete(s.id);
          this.egresses.delete(s.id);
          // Stop the encoder first so the recording gets the last seconds, then finish it.
          void egress
            .close()
            .then(() => this.audience.recordings.finish(s.id, s.endedAt ?? Date.now()))
            .catch((err) => this.log.error({ err, space: s.id }, 'failed to finish the recording'))
            .finally(() => {
              this.media.closeRoom(s.id);
              void this.placement.release(s.id).catch((err) => this.log.warn({ err, space: s.id }, 'could not release the ended Space'));
            });
          this.log.info({ space: s.id, reason: s.endReason }, 'space ended');
        },
      },
      options: this.options,
      log,
      audience: { tiers: this.tiers, egress, hlsUrl: `${this.audience.hlsBaseUrl}/${record.id}/master.m3u8` },
      storage: { store: fenced, record: toRecord, stored: members.map((m) => m.userId), failed: () => void this.storeFailures++ },
    });
    this.live.set(record.id, live);
    return live;
  }
}
