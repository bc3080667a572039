// A room tap hears a Space the way one more listener would, but without a PeerConnection:
// each talking speaker's Opus packets separately (so it can mix them), and the stage video
// as one continuous stream that follows the active speaker. The HLS egress and recordings
// are built on it; the SFU knows nothing more about them.
import type { RtpOutlet } from './track-sender.js';
import { isRtcp } from './rtp.js';

/** The stage viewer id a tap's video slot is registered under; never a participant id (those have no '#'). */
export const TAP_VIEWER_ID = '#tap';

export interface RoomTap {
  /**
   * A packet of a live speaker's microphone that passed the voice gate. Read it synchronously:
   * the same buffer is rewritten in place for the subscribers right after.
   */
  audio(participantId: string, packet: Buffer): void;
  /** A packet of the stage video, already rewritten into one stream. Same rule: read it now. */
  video(packet: Buffer): void;
  /** Whose camera the stage video carries now (after the new source's first keyframe), or null. */
  videoSource(participantId: string | null): void;
  /**
   * The room hands the tap a way to ask the current stage-video source for a keyframe: a tap
   * that lost a packet cannot decode until the next one, and WebRTC senders only send one on request.
   */
  attach?(controls: { requestKeyframe(): void }): void;
}

/** Presents a tap as the outlet of a stage-video slot: RTP goes to the tap, our own RTCP is dropped. */
export function tapOutlet(tap: RoomTap): RtpOutlet {
  return {
    isOpen: () => true,
    sendMessageBinary: (buf: Buffer) => {
      if (!isRtcp(buf)) tap.video(buf);
      return true;
    },
  };
}

/** How a Space is encoded for HLS (the same for every Space of a node). */
export interface EncodingOptions {
  ffmpegPath: string;
  width: number;
  height: number;
  fps: number;
  videoKbps: number;
  audioKbps: number;
  segmentSeconds: number;
}

/** One encoder run: passed through the media plane to whoever implements the egress. */
export interface EgressOptions extends EncodingOptions {
  /** Where the encoder writes its playlists and segments (shared with the HTTP origin). */
  dir: string;
}

/** A running egress: a tap the room feeds, until it stops or dies. */
export interface EgressTap extends RoomTap {
  /** Wall-clock time (ms since the epoch) of the egress's media time 0. */
  readonly startedAtMs: number;
  stop(): Promise<void>;
  /** Called once when the encoder exits; `expected` is false when it died on its own. */
  onExit(listener: (code: number | null, expected: boolean, detail: string) => void): void;
}

export type EgressFactory = (options: EgressOptions) => Promise<EgressTap>;

/** What the media plane reports about a room's egress. */
export type EgressEvent =
  | { state: 'running'; startedAtMs: number; dir: string }
  | { state: 'stopped'; dir: string }
  | { state: 'failed'; dir: string; error: string };
