// A room tap connected to one room: the callback the room's publishers hand each talking
// speaker's packets to, and the stage-video slot that makes the tap one more (PeerConnection-
// less) viewer. Connecting and disconnecting a tap is its own small lifecycle, kept out of
// MediaRoom, which only holds the link while a tap is attached.
import { VideoSlot } from '../forwarding/video-slot.js';
import type { StageVideo } from '../forwarding/stage-video.js';
import type { MediaCounters } from '../counters.js';
import { TAP_VIEWER_ID, tapOutlet, type RoomTap } from './room-tap.js';

export class TapLink {
  /** What the publishers call for each packet that passed their voice gate. */
  readonly audio: (participantId: string, packet: Buffer) => void;
  private readonly videoSlot: VideoSlot;

  constructor(
    tap: RoomTap,
    private readonly stageVideo: StageVideo,
    counters: MediaCounters,
  ) {
    this.audio = tap.audio.bind(tap);
    // Any SSRC will do: the tap's stream never reaches a PeerConnection.
    this.videoSlot = new VideoSlot({
      mid: 'tap',
      ssrc: 0x7a9 /* arbitrary */,
      track: tapOutlet(tap),
      counters,
      events: { switched: (sourceId) => tap.videoSource(sourceId) },
    });
    stageVideo.addViewer({ id: TAP_VIEWER_ID, videoSlot: this.videoSlot });
    const slot = this.videoSlot;
    // The source throttles requests itself, so the tap may ask as often as it likes.
    tap.attach?.({ requestKeyframe: () => slot.source?.requestKeyframe(Date.now()) });
  }

  /** The tap stops watching the stage video; the room clears the publishers' callbacks. */
  disconnect(): void {
    this.stageVideo.removeViewer(TAP_VIEWER_ID);
  }
}
