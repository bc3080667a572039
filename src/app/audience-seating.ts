// Where each participant of one live Space sits: on WebRTC (a PeerConnection, holding one
// of the node's places) or on HLS (signalling only, the Space's HLS URL). Stage members are
// always on WebRTC; listeners get WebRTC while the node has room, unless they asked for Low
// data mode. Every change is told to the participant with a `tier` message.
import type { AudienceTier, ServerMessage, TierReason } from '../protocol/messages.js';
import type { RoomHandle } from '../media/room/room-handle.js';
import type { Space } from '../spaces/index.js';
import { isOnStage } from '../spaces/permissions.js';
import type { AudienceTiers } from './audience-tiers.js';
import type { SpaceEgress } from './space-egress.js';

/** How the audience is served: the node's WebRTC places, and this Space's HLS egress. */
export interface AudienceServing {
  tiers: AudienceTiers;
  egress: SpaceEgress;
  /** Where HLS listeners play this Space (the origin's path, or a CDN's URL). */
  hlsUrl: string;
}

export class AudienceSeating {
  /** Each connected participant's tier; a WebRTC entry holds one of the node's places. */
  private readonly tierOf = new Map<string, AudienceTier>();
  /** WebRTC listeners seated on another node of the cluster (they hold none of this node's places). */
  private readonly onEdge = new Set<string>();
  /** Listeners in Low data mode (kept across reconnects, until they leave). */
  private readonly lowData = new Set<string>();
  private hlsCount = 0;

  constructor(
    private readonly space: Space,
    private readonly room: RoomHandle,
    private readonly serving: AudienceServing,
    private readonly send: (userId: string, msg: ServerMessage) => void,
  ) {}

  get hlsAudience(): number {
    return this.hlsCount;
  }

  tierFor(userId: string): AudienceTier | undefined {
    return this.tierOf.get(userId);
  }

  /** A (re)joined connection: a fresh PeerConnection if on WebRTC, and the tier message. */
  seat(userId: string): void {
    const [tier, reason] = this.decide(userId);
    this.apply(userId, tier, reason, true);
  }

  /** Low data mode on ('hls') or off ('webrtc', granted while the node has room). Always answered. */
  request(userId: string, tier: AudienceTier): void {
    if (tier === 'hls') {
      this.lowData.add(userId);
      this.apply(userId, 'hls', 'requested', false, true);
    } else {
      this.lowData.delete(userId);
      const [decided, reason] = this.decide(userId);
      this.apply(userId, decided, reason, false, true);
    }
  }

  /** Came on stage: someone on HLS moves to WebRTC, to be heard and to hear live. */
  cameOnStage(userId: string): void {
    // The media plane moves them here (speakers talk from the Space's own node): a place here now.
    if (this.onEdge.delete(userId)) this.serving.tiers.admitStage();
    if (this.tierOf.get(userId) !== 'hls') return;
    this.lowData.delete(userId);
    const [tier, reason] = this.decide(userId);
    this.apply(userId, tier, reason, false);
  }

  /** The connection is gone (the person may come back): give back their place or their HLS seat. */
  vacate(userId: string): void {
    const current = this.tierOf.get(userId);
    if (current === undefined) return;
    this.tierOf.delete(userId);
    if (current === 'webrtc') {
      // A listener seated on another node held none of this node's places.
      if (!this.onEdge.delete(userId)) this.serving.tiers.release();
    } else this.hlsCount--;
    this.serving.egress.setHlsAudience(this.hlsCount);
  }

  /** Left the Space for good. */
  forget(userId: string): void {
    this.vacate(userId);
    this.lowData.delete(userId);
  }

  vacateAll(): void {
    for (const id of [...this.tierOf.keys()]) this.vacate(id);
  }

  /** Which tier a participant gets now; takes a WebRTC place when it grants one. */
  private decide(userId: string): [AudienceTier, TierReason] {
    const p = this.space.participant(userId);
    const current = this.tierOf.get(userId);
    if (p && isOnStage(p.role)) {
      if (current !== 'webrtc') this.serving.tiers.admitStage();
      return ['webrtc', 'stage'];
    }
    if (this.lowData.has(userId)) return ['hls', 'requested'];
    if (current === 'webrtc') return ['webrtc', 'default'];
    if (this.serving.tiers.admitListener()) return ['webrtc', 'default'];
    // This node is full: another node of the cluster may serve them live rather than over HLS.
    if (this.room.edgeAvailable()) {
      this.onEdge.add(userId);
      return ['webrtc', 'default'];
    }
    return ['hls', 'capacity'];
  }

  private apply(userId: string, tier: AudienceTier, reason: TierReason, fresh: boolean, announce = fresh): void {
    const current = this.tierOf.get(userId);
    if (tier === 'webrtc') {
      if (current === 'hls') this.hlsCount--;
      if (current !== 'webrtc' || fresh) {
        this.tierOf.set(userId, 'webrtc');
        this.room.connect(userId, { edge: this.onEdge.has(userId) });
        if (this.space.participant(userId)?.camera) this.room.setCamera(userId, true);
      }
    } else {
      if (current === 'webrtc') {
        this.room.disconnect(userId);
        if (!this.onEdge.delete(userId)) this.serving.tiers.release();
      }
      if (current !== 'hls') this.hlsCount++;
      this.tierOf.set(userId, 'hls');
    }
    if (current !== tier || announce) this.send(userId, { type: 'tier', tier, reason, hlsUrl: tier === 'hls' ? this.serving.hlsUrl : null });
    this.serving.egress.setHlsAudience(this.hlsCount);
  }
}
