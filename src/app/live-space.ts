// A Space while it is live on this node: the domain object (who may do what), the media
// room (who hears whom), the open connections, and the grace timers that hold a dropped
// participant's place. Domain events drive the media plane and the broadcasts, in one place.
import type { Logger } from 'pino';
import { Space, SpaceError, type Person, type SpaceEvent } from '../spaces/index.js';
import type { RoomHandle } from '../media/room-handle.js';
import { InvalidSdpError } from '../media/sdp.js';
import { AppError } from './app-error.js';
import type { Action, AudienceTier, ErrorCode, PersonView, ServerMessage, SpaceSnapshot, TierReason } from '../protocol/messages.js';
import type { AudienceTiers } from './audience-tiers.js';
import type { SpaceEgress } from './space-egress.js';
import { LISTENER_LIST_LIMIT } from '../protocol/messages.js';
import type { Participant } from '../spaces/participant.js';

/** What the WebSocket adapter gives us for each open connection. */
export interface Connection {
  send(msg: ServerMessage): void;
  /** Sends an already-serialised message (used to share one JSON string across a broadcast). */
  sendRaw(json: string): void;
  close(code: number, reason: string): void;
}

export interface LiveSpaceHooks {
  /** Persist the domain's lifecycle facts (state, host, bans). */
  persist(space: Space, events: SpaceEvent[]): void;
  /** Called once the Space has ended and every connection was told. */
  ended(space: Space): void;
}

export interface LiveSpaceOptions {
  hostGraceMs: number;
  reconnectGraceMs: number;
}

/** How the audience is served: the node's WebRTC places, and this Space's HLS egress. */
export interface AudienceServing {
  tiers: AudienceTiers;
  egress: SpaceEgress;
  /** Where HLS listeners play this Space (the origin's path, or a CDN's URL). */
  hlsUrl: string;
}

const BROADCAST_DELAY_MS = 30;
const isStageRole = (role: string) => role !== 'listener';

export class LiveSpace {
  private readonly connections = new Map<string, Connection>();
  private readonly graceTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private broadcastTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  /** Each connected participant's tier; a WebRTC entry holds one of the node's places. */
  private readonly tierOf = new Map<string, AudienceTier>();
  /** Listeners in Low data mode (kept across reconnects, until they leave). */
  private readonly lowData = new Set<string>();
  private hlsCount = 0;

  constructor(
    readonly space: Space,
    private readonly room: RoomHandle,
    private readonly hooks: LiveSpaceHooks,
    private readonly options: LiveSpaceOptions,
    private readonly log: Logger,
    private readonly audience: AudienceServing,
  ) {
    audience.egress.setRecording(space.recording);
    room.on('offer', (userId, sdp) => this.connections.get(userId)?.send({ type: 'offer', sdp }));
    room.on('candidates', (userId, candidates, mid) => {
      const conn = this.connections.get(userId);
      for (const candidate of candidates) conn?.send({ type: 'candidate', candidate, mid });
    });
    room.on('speaking', (levels) => {
      const json = JSON.stringify({ type: 'speaking', speakers: levels.map((l) => ({ userId: l.id, level: l.level })) } satisfies ServerMessage);
      for (const c of this.connections.values()) c.sendRaw(json);
    });
    room.on('connectionState', (userId, state) => this.log.debug({ userId, state }, 'peer connection state'));
    room.on('activeSpeaker', (userId) => {
      const json = JSON.stringify({ type: 'activeSpeaker', userId } satisfies ServerMessage);
      for (const c of this.connections.values()) c.sendRaw(json);
    });
    room.on('stageVideo', (viewerId, sourceId, pinned, layer) =>
      this.connections.get(viewerId)?.send({ type: 'stageVideo', userId: sourceId, pinned, layer }),
    );
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** After a restart the host has not reconnected yet: give them the usual grace. */
  awaitHost(): void {
    this.space.disconnect(this.space.hostId);
    this.startGrace(this.space.hostId);
  }

  /** Joins (or rejoins) a person; throws SpaceError when the domain refuses. */
  join(person: Person, conn: Connection): void {
    const events = this.space.join(person, Date.now());
    const previous = this.connections.get(person.userId);
    if (previous && previous !== conn) previous.close(4000, 'replaced by a newer connection');
    this.connections.set(person.userId, conn);
    this.clearGrace(person.userId);
    const p = this.space.participant(person.userId)!;
    if (isStageRole(p.role)) this.room.setPublisher(person.userId, true, p.muted);
    const [tier, reason] = this.decideTier(person.userId);
    this.applyTier(person.userId, tier, reason, true);
    conn.send({ type: 'activeSpeaker', userId: this.room.activeSpeaker });
    this.apply(events);
    this.scheduleBroadcast();
  }

  /** The socket closed without a Leave: hold the place for the grace period. */
  connectionLost(userId: string, conn: Connection): void {
    if (this.connections.get(userId) !== conn) return;
    this.connections.delete(userId);
    this.room.disconnect(userId);
    this.forgetTier(userId);
    if (this.closed) return;
    this.apply(this.space.disconnect(userId));
    this.startGrace(userId);
    this.scheduleBroadcast();
  }

  leave(userId: string): void {
    this.clearGrace(userId);
    const conn = this.connections.get(userId);
    this.connections.delete(userId);
    this.apply(this.space.leave(userId, Date.now()));
    this.room.remove(userId);
    conn?.close(1000, 'left');
    this.scheduleBroadcast();
  }

  act(userId: string, action: Action): void {
    const events = this.space.act(userId, action, Date.now());
    this.apply(events);
    this.scheduleBroadcast();
  }

  /** A listener turns Low data mode on ('hls') or off ('webrtc', granted while the node has room). */
  requestTier(userId: string, tier: AudienceTier): void {
    const p = this.space.participant(userId);
    if (!p || !this.connections.has(userId)) throw new AppError('not_found', 'you are not in this Space');
    if (tier === 'hls') {
      if (isStageRole(p.role)) throw new AppError('invalid_state', 'people on stage stay on WebRTC');
      this.lowData.add(userId);
      this.applyTier(userId, 'hls', 'requested', false, true);
    } else {
      this.lowData.delete(userId);
      const [decided, reason] = this.decideTier(userId);
      // Always answered, so a refused request (the node is full) is not met with silence.
      this.applyTier(userId, decided, reason, false, true);
    }
  }

  tierFor(userId: string): AudienceTier | undefined {
    return this.tierOf.get(userId);
  }

  get hlsAudience(): number {
    return this.hlsCount;
  }

  handleAnswer(userId: string, sdp: string): Promise<void> {
    return this.room.applyAnswer(userId, sdp);
  }

  handleCandidate(userId: string, candidate: string, mid: string): void {
    this.room.addCandidate(userId, candidate, mid);
  }

  renegotiate(userId: string): void {
    this.room.renegotiate(userId);
  }

  /** Pins this viewer's stage video on a person on stage, or unpins with null. */
  pin(userId: string, targetId: string | null): void {
    if (targetId !== null) {
      const target = this.space.participant(targetId);
      if (!target || target.role === 'listener') throw new AppError('not_found', 'you can only pin someone on stage');
    }
    this.room.pin(userId, targetId);
  }

  /** Server shutdown: stop the timers but leave the Space live, to be restored at the next start. */
  dispose(): void {
    this.closed = true;
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
    if (this.broadcastTimer) clearTimeout(this.broadcastTimer);
    this.broadcastTimer = null;
  }

  /** Ends the Space from outside the domain's permission checks (shutdown, operator). */
  end(reason: string): void {
    this.apply(this.space.end(reason, Date.now()));
  }

  snapshotFor(userId: string | null): { space: SpaceSnapshot; you: PersonView | null; invited: boolean } {
    const me = userId ? this.space.participant(userId) : undefined;
    const moderator = me?.role === 'host' || me?.role === 'cohost';
    return {
      space: this.buildSnapshot(moderator),
      you: me ? view(me) : null,
      invited: me?.invited ?? false,
    };
  }

  private apply(events: SpaceEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) {
      switch (e.kind) {
        case 'roleChanged': {
          const p = this.space.participant(e.userId);
          this.room.setPublisher(e.userId, isStageRole(e.to), p?.muted ?? false);
          // A listener on HLS who comes on stage moves to WebRTC: they must be heard, and hear live.
          if (isStageRole(e.to) && this.tierOf.get(e.userId) === 'hls') {
            this.lowData.delete(e.userId);
            const [tier, reason] = this.decideTier(e.userId);
            this.applyTier(e.userId, tier, reason, false);
          }
          break;
        }
        case 'recordingChanged':
          this.audience.egress.setRecording(e.on);
          break;
        case 'muteChanged':
          this.room.setMuted(e.userId, e.muted);
          break;
        case 'cameraChanged':
          this.room.setCamera(e.userId, e.on);
          if (e.on) this.audience.egress.noteCamera();
          break;
        case 'removed': {
          this.room.remove(e.userId);
          this.forgetTier(e.userId);
          this.lowData.delete(e.userId);
          const conn = this.connections.get(e.userId);
          this.connections.delete(e.userId);
          this.clearGrace(e.userId);
          conn?.send({ type: 'removed' });
          conn?.close(4001, 'removed');
          break;
        }
        case 'left':
          this.room.remove(e.userId);
          this.forgetTier(e.userId);
          this.lowData.delete(e.userId);
          break;
        case 'hostChanged':
          this.log.info({ space: this.space.id, from: e.from, to: e.to }, 'host handed over');
          break;
        default:
          break;
      }
    }
    this.hooks.persist(this.space, events);
    const ended = events.find((e): e is Extract<SpaceEvent, { kind: 'ended' }> => e.kind === 'ended');
    if (ended) this.close(ended.reason);
  }

  private close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.flushBroadcast();
    const json = JSON.stringify({ type: 'ended', reason } satisfies ServerMessage);
    const conns = [...this.connections.values()];
    for (const c of conns) c.sendRaw(json);
    // Close on the next turn, so that the reply to the action that ended the Space goes out first.
    setImmediate(() => {
      for (const c of conns) c.close(1000, 'space ended');
    });
    this.connections.clear();
    for (const t of this.graceTimers.values()) clearTimeout(t);
    this.graceTimers.clear();
    if (this.broadcastTimer) clearTimeout(this.broadcastTimer);
    for (const id of [...this.tierOf.keys()]) this.forgetTier(id);
    // The room itself is closed by the ended hook, after the egress has written its last segments.
    this.hooks.ended(this.space);
  }

  /** Which tier a participant gets now; takes a WebRTC place when it grants one. */
  private decideTier(userId: string): [AudienceTier, TierReason] {
    const p = this.space.participant(userId);
    const current = this.tierOf.get(userId);
    if (p && isStageRole(p.role)) {
      if (current !== 'webrtc') this.audience.tiers.admitStage();
      return ['webrtc', 'stage'];
    }
    if (this.lowData.has(userId)) return ['hls', 'requested'];
    if (current === 'webrtc') return ['webrtc', 'default'];
    return this.audience.tiers.admitListener() ? ['webrtc', 'default'] : ['hls', 'capacity'];
  }

  /** Puts a participant on a tier (a fresh join always gets a new PeerConnection) and tells them. */
  private applyTier(userId: string, tier: AudienceTier, reason: TierReason, fresh: boolean, announce = fresh): void {
    const current = this.tierOf.get(userId);
    if (tier === 'webrtc') {
      if (current === 'hls') this.hlsCount--;
      if (current !== 'webrtc' || fresh) {
        this.tierOf.set(userId, 'webrtc');
        this.room.connect(userId);
        if (this.space.participant(userId)?.camera) this.room.setCamera(userId, true);
      }
    } else {
      if (current === 'webrtc') {
        this.room.disconnect(userId);
        this.audience.tiers.release();
      }
      if (current !== 'hls') this.hlsCount++;
      this.tierOf.set(userId, 'hls');
    }
    if (current !== tier || announce) {
      this.connections.get(userId)?.send({ type: 'tier', tier, reason, hlsUrl: tier === 'hls' ? this.audience.hlsUrl : null });
    }
    this.audience.egress.setHlsAudience(this.hlsCount);
  }

  /** The participant's connection is gone: give back their WebRTC place or their HLS seat. */
  private forgetTier(userId: string): void {
    const current = this.tierOf.get(userId);
    if (current === undefined) return;
    this.tierOf.delete(userId);
    if (current === 'webrtc') this.audience.tiers.release();
    else this.hlsCount--;
    this.audience.egress.setHlsAudience(this.hlsCount);
  }

  private startGrace(userId: string): void {
    this.clearGrace(userId);
    const ms = userId === this.space.hostId ? this.options.hostGraceMs : this.options.reconnectGraceMs;
    const timer = setTimeout(() => {
      this.graceTimers.delete(userId);
      if (this.closed) return;
      const events = this.space.expireGrace(userId, Date.now());
      if (events.length > 0) {
        this.room.remove(userId);
        this.apply(events);
        this.scheduleBroadcast();
      }
    }, ms);
    timer.unref();
    this.graceTimers.set(userId, timer);
  }

  private clearGrace(userId: string): void {
    const t = this.graceTimers.get(userId);
    if (t) clearTimeout(t);
    this.graceTimers.delete(userId);
  }

  /** State changes are coalesced: a burst of actions becomes one broadcast. */
  private scheduleBroadcast(): void {
    if (this.broadcastTimer || this.closed) return;
    this.broadcastTimer = setTimeout(() => this.flushBroadcast(), BROADCAST_DELAY_MS);
  }

  private flushBroadcast(): void {
    if (this.broadcastTimer) clearTimeout(this.broadcastTimer);
    this.broadcastTimer = null;
    const publicSnapshot = JSON.stringify(this.buildSnapshot(false));
    const moderatorSnapshot = JSON.stringify(this.buildSnapshot(true));
    for (const [userId, conn] of this.connections) {
      const me = this.space.participant(userId);
      if (!me) continue;
      const moderator = me.role === 'host' || me.role === 'cohost';
      // Splice the shared snapshot into each message rather than re-serialising it per person.
      conn.sendRaw(
        `{"type":"state","space":${moderator ? moderatorSnapshot : publicSnapshot},"you":${JSON.stringify(view(me))},"invited":${me.invited}}`,
      );
    }
  }

  private buildSnapshot(moderator: boolean): SpaceSnapshot {
    const s = this.space;
    return {
      id: s.id,
      title: s.title,
      state: s.state,
      hostId: s.hostId,
      hostHandle: s.hostHandle,
      scheduledFor: iso(s.scheduledFor),
      startedAt: iso(s.startedAt),
      endedAt: iso(s.endedAt),
      stage: s.stage().map(view),
      listeners: s.listeners(LISTENER_LIST_LIMIT).map(view),
      listenerCount: s.listenerCount,
      requests: moderator ? s.requests().map(view) : [],
      endReason: s.endReason,
      activeSpeaker: this.room.activeSpeaker,
      recording: s.recording,
    };
  }
}

function view(p: Readonly<Participant>): PersonView {
  return {
    userId: p.userId,
    handle: p.handle,
    role: p.role,
    muted: p.muted,
    camera: p.camera,
    connected: p.connected,
    requested: p.requested,
    guest: p.guest,
  };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Maps anything thrown while handling a client message to a wire error code. */
export function toWireError(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof SpaceError || err instanceof AppError) return { code: err.code, message: err.message };
  if (err instanceof InvalidSdpError) return { code: 'invalid_sdp', message: err.message };
  return { code: 'internal', message: 'internal error' };
}
