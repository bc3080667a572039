// A room tap hears a Space the way one more listener would, but without a PeerConnection:
// each talking speaker's Opus packets separately (so it can mix them), and the stage video
// as one continuous stream that follows the active speaker. The HLS egress and recordings
// are built on it; the SFU knows nothing more about them.
import type { RtpOutlet } from '../forwarding/track-sender.js';
import { isRtcp } from '../../wire/rtp.js';

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
