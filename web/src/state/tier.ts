// How this participant receives the Space, WebRTC or HLS, as the server last said, and the
// HLS stream to play. Moving from HLS to WebRTC (brought on stage, or Low data mode turned
// off) must not leave a gap anyone notices, so the HLS stream keeps playing until the WebRTC
// audio is actually flowing; only then does it stop.
import type { AudienceTier, ServerMessage, TierReason } from '../../../src/protocol/messages.js';

export interface TierView {
  tier: AudienceTier;
  reason: TierReason;
  /** The HLS stream to play now (null: none). Outlives the HLS tier while WebRTC audio starts. */
  hlsUrl: string | null;
}

export const DEFAULT_TIER: TierView = { tier: 'webrtc', reason: 'default', hlsUrl: null };

/**
 * While nobody talks WebRTC carries no audio at all (the server forwards talkspurts only), so
 * "audio flowing" may not come for a while. Once the new connection has been up this long,
 * anything HLS still had to play (it runs a few seconds behind) has played: stopping it then
 * loses nothing.
 */
const QUIET_HANDOVER_MS = 4000;

export class TierController {
  private view: TierView = DEFAULT_TIER;
  private quietTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly onChange: (view: TierView) => void) {}

  get current(): TierView {
    return this.view;
  }

  onTier(msg: Extract<ServerMessage, { type: 'tier' }>): void {
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    if (msg.tier === 'hls') this.set({ tier: 'hls', reason: msg.reason, hlsUrl: msg.hlsUrl });
    // Keep whatever HLS plays until WebRTC takes over.
    else this.set({ tier: 'webrtc', reason: msg.reason, hlsUrl: this.view.hlsUrl });
  }

  /**
   * We asked for WebRTC and the server said yes but sent no new tier: it kept us on HLS, which
   * it does when its WebRTC places are full (that is no longer our request, but capacity).
   */
  keptOnHls(): void {
    if (this.view.tier === 'hls') this.set({ ...this.view, reason: 'capacity' });
  }

  /** A WebRTC audio track started carrying sound: HLS can stop. */
  onWebrtcAudio(): void {
    if (this.view.tier !== 'webrtc' || this.view.hlsUrl === null) return;
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    this.set({ ...this.view, hlsUrl: null });
  }

  onConnectionState(state: RTCPeerConnectionState): void {
    if (state !== 'connected' || this.view.tier !== 'webrtc' || this.view.hlsUrl === null || this.quietTimer) return;
    this.quietTimer = setTimeout(() => {
      this.quietTimer = undefined;
      this.onWebrtcAudio();
    }, QUIET_HANDOVER_MS);
  }

  /** The session is over: nothing plays any more. */
  reset(): void {
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    this.set(DEFAULT_TIER);
  }

  private set(view: TierView): void {
    const v = this.view;
    if (v.tier === view.tier && v.reason === view.reason && v.hlsUrl === view.hlsUrl) return;
    this.view = view;
    this.onChange(view);
  }
}
