// Reassembles the stage video's RTP packets into whole VP8 frames for the encoder. A frame
// missing a packet is dropped, and so is everything after it until the next keyframe: a
// decoder fed a broken reference only produces garbage until then anyway.
import { rtpMarker, rtpPayloadBounds, rtpSequence, rtpTimestamp } from '../wire/rtp.js';
import { createVp8Descriptor, parseVp8 } from '../wire/vp8.js';

/** Bigger frames are dropped: no sane 1080p VP8 frame is this large. */
const MAX_FRAME_BYTES = 2 * 1024 * 1024;

export interface Vp8Frame {
  data: Buffer;
  keyframe: boolean;
  rtpTimestamp: number;
}

export class Vp8FrameAssembler {
  private readonly desc = createVp8Descriptor();
  private parts: Buffer[] = [];
  private bytes = 0;
  private ts = -1;
  private expectSeq = -1;
  private keyframe = false;
  /** After a loss, nothing is emitted until a keyframe starts. */
  private needKeyframe = true;
  framesOut = 0;
  framesDropped = 0;

  /** Waiting for a keyframe after a loss (or from the start): the caller may ask the source for one. */
  get waitingForKeyframe(): boolean {
    return this.needKeyframe;
  }

  /** Feeds one RTP packet (read now, not kept); returns a completed frame, or null. */
  push(rtp: Buffer): Vp8Frame | null {
    const bounds = rtpPayloadBounds(rtp);
    if (!bounds || !parseVp8(rtp, bounds[0], this.desc) || this.desc.dataAt >= bounds[1]) return null;
    const seq = rtpSequence(rtp);
    const ts = rtpTimestamp(rtp);
    // A gap before this packet means a lost packet, maybe a whole frame: later frames may reference it.
    const gap = this.expectSeq >= 0 && seq !== this.expectSeq;
    this.expectSeq = (seq + 1) & 0xffff;
    if (this.desc.frameStart) {
      if (this.parts.length > 0) this.drop(); // the previous frame never saw its marker
      if (gap) this.needKeyframe = true;
      if (this.needKeyframe && !this.desc.keyframeStart) return null;
      this.needKeyframe = false;
      this.ts = ts;
      this.keyframe = this.desc.keyframeStart;
    } else if (this.parts.length === 0 || gap || ts !== this.ts) {
      // Part of a frame whose start (or a middle packet) we never got.
      this.drop();
      return null;
    }
    const part = rtp.subarray(this.desc.dataAt, bounds[1]);
    this.bytes += part.length;
    if (this.bytes > MAX_FRAME_BYTES) {
      this.drop();
      return null;
    }
    this.parts.push(Buffer.from(part));
    if (!rtpMarker(rtp)) return null;
    const frame: Vp8Frame = { data: Buffer.concat(this.parts, this.bytes), keyframe: this.keyframe, rtpTimestamp: this.ts };
    this.parts = [];
    this.bytes = 0;
    this.framesOut++;
    return frame;
  }

  private drop(): void {
    if (this.parts.length > 0) this.framesDropped++;
    this.parts = [];
    this.bytes = 0;
    this.needKeyframe = true;
  }
}
