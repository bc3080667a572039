// How this participant receives the Space, WebRTC or HLS, as the server last said, and the
// HLS stream to play. Moving from HLS to WebRTC (brought on stage, or Low data mode turned
// off) must not leave a gap anyone notices, so the HLS stream keeps playing until the WebRTC
// audio is actually flowing; only then does it stop.
// Low data mode is audio only: hls.js always picks the video variant of the master playlist
// when there is one, so a listener who asked for Low data mode plays an audio-only media
// playlist itself: the low-bitrate Opus one (low.m3u8, less than WebRTC audio uses), or the
// AAC one where Opus in fMP4 does not play. A listener the server put on HLS for its capacity
// keeps the master (video).
import type { AudienceTier, ServerMessage, TierReason } from '../../../src/protocol/messages.js';
import { playsOpusHls } from './hlsPlayer.js';

export interface TierView {
  tier: AudienceTier;
  reason: TierReason;
  /** The HLS stream to play now (null: none). Outlives the HLS tier while WebRTC audio starts. */
  hlsUrl: string | null;
  /** `hlsUrl` is the audio-only playlist (Low data mode): show avatars, not the stage video. */
  audioOnly: boolean;
}

export const DEFAULT_TIER: TierView = { tier: 'webrtc', reason: 'default', hlsUrl: null, audioOnly: false };

/** Low data mode's media playlist next to a master playlist (same directory). */
export function audioPlaylistOf(masterUrl: string, opus = playsOpusHls()): string {
  return masterUrl.replace(/master\.m3u8(?=$|[?#])/, opus ? 'low.m3u8' : 'audio.m3u8');
}

/**
 * While nobody talks WebRTC carries no audio at all (the server forwards talkspurts only), so
 * "audio flowing" may not come for a while. Once the new connection has been up this long,
 * anything HLS still had to play (it runs a few seconds behind) has played: stopping it then
 * loses nothing.
 */
const QUIET_HANDOVER_MS = 4000;

interface TierState extends TierView {
  /** The master playlist the server gave us (what `hlsUrl` plays, or its audio-only sibling). */
  master: string | null;
}

export class TierController {
  private view: TierState = { ...DEFAULT_TIER, master: null };
  private quietTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly onChange: (view: TierView) => void) {}

  get current(): TierView {
    return this.view;
  }

  onTier(msg: Extract<ServerMessage, { type: 'tier' }>): void {
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    if (msg.tier === 'hls') {
      const audioOnly = msg.reason === 'requested' && msg.hlsUrl !== null && audioPlaylistOf(msg.hlsUrl) !== msg.hlsUrl;
      this.set({ tier: 'hls', reason: msg.reason, hlsUrl: msg.hlsUrl && audioOnly ? audioPlaylistOf(msg.hlsUrl) : msg.hlsUrl, audioOnly, master: msg.hlsUrl });
    }
    // Keep whatever HLS plays until WebRTC takes over.
    else this.set({ ...this.view, tier: 'webrtc', reason: msg.reason });
  }

  /**
   * We asked for WebRTC and the server said yes but sent no new tier: it kept us on HLS, which
   * it does when its WebRTC places are full (that is no longer our request, but capacity).
   */
  keptOnHls(): void {
    // No longer by request: the video variant again, as for anyone the server placed there.
    if (this.view.tier === 'hls') this.set({ ...this.view, reason: 'capacity', hlsUrl: this.view.master, audioOnly: false });
  }

  /** A WebRTC audio track started carrying sound: HLS can stop. */
  onWebrtcAudio(): void {
    if (this.view.tier !== 'webrtc' || this.view.hlsUrl === null) return;
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
    this.set({ ...this.view, hlsUrl: null, audioOnly: false, master: null });
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
    this.set({ ...DEFAULT_TIER, master: null });
  }

  private set(view: TierState): void {
    const v = this.view;
    if (v.tier === view.tier && v.reason === view.reason && v.hlsUrl === view.hlsUrl && v.audioOnly === view.audioOnly) {
      this.view = view;
      return;
    }
    this.view = view;
    const { master: _master, ...shown } = view;
    this.onChange(shown);
  }
}
