// A viewer's one stage-video slot. The room points it at a source (the active speaker, or
// whoever the viewer pinned); it then waits for that source's next keyframe, and from there
// forwards with SSRC, sequence number and timestamp rewritten in place by its RtpRewriter
// (the same rewrite the audio slots do) and the VP8 picture ID by itself, so the viewer's
// decoder sees one continuous stream and never a delta frame without its keyframe. It also
// repairs loss (NACK from the source's cache) and relays PLI.
import { TrackSender, type RtpOutlet } from './track-sender.js';
import { rtpPayloadOffset } from '../../wire/rtp.js';
import { visitRtcp, type RtcpVisitor } from '../../wire/rtcp.js';
import { RtpRewriter, Verdict } from './rtp-rewriter.js';
import { createVp8Descriptor, parseVp8, writePictureId, type Vp8Descriptor } from '../../wire/vp8.js';
import type { VideoPublisher } from './video-publisher.js';
import type { MediaCounters } from '../counters.js';
import { VP8_PT } from '../../wire/payload-types.js';

const CLOCK = 90_000;
const MIN_BITRATE = 150_000;
/** While a slot waits for its new source's keyframe, it asks again this often. */
const KEYFRAME_RETRY_MS = 400;
const MAX_BITRATE = 2_500_000;

export type { RtpOutlet };

export interface VideoSlotEvents {
  /** The first keyframe of a new source went out: the viewer now sees `sourceId` (or nothing). */
  switched(sourceId: string | null): void;
}

export interface VideoSlotOptions {
  readonly mid: string;
  readonly ssrc: number;
  readonly track: RtpOutlet;
  readonly counters: MediaCounters;
  readonly events: VideoSlotEvents;
  /** The VP8 payload type this viewer negotiated (VP8_PT for our own offers). */
  readonly payloadType?: number;
}

export class VideoSlot {
  readonly mid: string;
  readonly ssrc: number;
  readonly track: RtpOutlet;
  private current: VideoPublisher | null = null;
  /** What the viewer actually sees; trails `source` until its keyframe arrives. */
  private shown: string | null = null;
  /** When this slot last asked its source for a keyframe. */
  private keyframeAskedAtMs = 0;
  private readonly rewriter: RtpRewriter;
  /** VP8's own counters, continued across sources like the RTP ones. */
  private pidOffset = 0;
  private tl0Offset = 0;
  private lastOutPid = 0;
  private lastOutTl0 = 0;
  private retransmissions = 0;
  private fractionLost = 0;
  private estimate = MAX_BITRATE;
  private readonly retransmitBuf = Buffer.alloc(1500);
  private readonly retransmitDesc: Vp8Descriptor = createVp8Descriptor();
  private readonly rtcpVisitor: RtcpVisitor;
  private readonly sender: TrackSender;
  private readonly counters: MediaCounters;
  private readonly events: VideoSlotEvents;
  private nowMs = 0;

  constructor(options: VideoSlotOptions) {
    this.mid = options.mid;
    this.ssrc = options.ssrc;
    this.track = options.track;
    this.counters = options.counters;
    this.events = options.events;
    this.sender = new TrackSender(options.track);
    this.rewriter = new RtpRewriter({ ssrc: options.ssrc, clockRate: CLOCK, minStepMs: 1, payloadType: options.payloadType ?? VP8_PT });
    this.rtcpVisitor = {
      pli: (mediaSsrc) => {
        if (mediaSsrc === this.ssrc) this.current?.requestKeyframe(this.nowMs);
      },
      nack: (mediaSsrc, pid, blp) => {
        if (mediaSsrc !== this.ssrc) return;
        this.retransmit(pid);
        for (let k = 0; k < 16; k++) if (blp & (1 << k)) this.retransmit((pid + k + 1) & 0xffff);
      },
      reportBlock: (sourceSsrc, fractionLost) => {
        if (sourceSsrc !== this.ssrc) return;
        this.fractionLost = fractionLost / 256;
        this.updateEstimate(this.fractionLost);
      },
    };
  }

  /** The camera this slot is pointed at (its keyframe may not have arrived yet). */
  get source(): VideoPublisher | null {
    return this.current;
  }

  /** Who the viewer actually sees; trails `source` until its keyframe arrives. */
  get showing(): string | null {
    return this.shown;
  }

  get packetsSent(): number {
    return this.rewriter.packetsSent;
  }

  get retransmitted(): number {
    return this.retransmissions;
  }

  get lastFractionLost(): number {
    return this.fractionLost;
  }

  /** Loss-based estimate of what this viewer can receive, bits per second. */
  get estimateBps(): number {
    return this.estimate;
  }

  /** Points the slot at a new source (or none). The switch takes effect at its next keyframe. */
  switchTo(source: VideoPublisher | null, nowMs: number): void {
    if (this.current === source) return;
    this.current?.detach(this);
    this.current = source;
    if (source) {
      source.attach(this);
      this.rewriter.switchSource(true);
      this.keyframeAskedAtMs = nowMs;
      source.requestKeyframe(nowMs);
    } else if (this.shown !== null) {
      this.shown = null;
      this.events.switched(null);
    }
  }

  forward(buf: Buffer, desc: Vp8Descriptor, nowMs: number): void {
    if (!this.sender.isOpen || !this.current) return;
    const t = this.rewriter.translate(desc.seq, desc.timestamp, desc.keyframeStart, nowMs);
    if (t.verdict === Verdict.WaitForKeyframe) {
      // The keyframe we asked for may have gone by before our track was open, or before
      // we attached (the publisher throttles requests): ask again while we wait.
      if (nowMs - this.keyframeAskedAtMs >= KEYFRAME_RETRY_MS) {
        this.keyframeAskedAtMs = nowMs;
        this.current.requestKeyframe(nowMs);
      }
      return;
    }
    if (t.verdict !== Verdict.Send) return;
    const started = this.rewriter.started;
    if (t.rebased) this.rebasePictureIds(desc, started);
    this.rewriter.apply(buf, t, nowMs);
    this.rewritePictureIds(buf, desc, t.advances);
    this.send(buf);
    if (t.rebased) this.showSource();
  }

  onRtcp(buf: Buffer, nowMs: number): void {
    this.nowMs = nowMs;
    this.counters.rtcpIn++;
    visitRtcp(buf, this.rtcpVisitor);
  }

  sendSenderReport(scratch: Buffer, nowMs: number): void {
    if (!this.sender.isOpen) return;
    const len = this.rewriter.writeSenderReport(scratch, nowMs);
    if (len > 0) this.sender.send(scratch.subarray(0, len));
  }

  /** A new source's keyframe: its picture IDs continue from the last ones sent (from zero for the first source). */
  private rebasePictureIds(desc: Vp8Descriptor, continuing: boolean): void {
    if (!continuing) {
      this.pidOffset = 0;
      this.tl0Offset = 0;
      return;
    }
    if (desc.pictureId >= 0) this.pidOffset = (this.lastOutPid + 1 - desc.pictureId) & 0x7fff;
    if (desc.tl0PicIdx >= 0) this.tl0Offset = (this.lastOutTl0 + 1 - desc.tl0PicIdx) & 0xff;
  }

  /** From the values as they arrived in `desc`: earlier subscribers have already rewritten `buf`. */
  private rewritePictureIds(buf: Buffer, desc: Vp8Descriptor, advances: boolean): void {
    if (desc.pictureIdAt >= 0) {
      const outPid = (desc.pictureId + this.pidOffset) & 0x7fff;
      writePictureId(buf, desc.pictureIdAt, outPid);
      if (advances) this.lastOutPid = outPid;
    }
    if (desc.tl0PicIdxAt >= 0) {
      const outTl0 = (desc.tl0PicIdx + this.tl0Offset) & 0xff;
      buf[desc.tl0PicIdxAt] = outTl0;
      if (advances) this.lastOutTl0 = outTl0;
    }
  }

  private showSource(): void {
    const id = this.current?.id ?? null;
    if (this.shown !== id) {
      this.shown = id;
      this.events.switched(id);
    }
  }

  private send(buf: Buffer): void {
    if (this.sender.send(buf)) {
      this.rewriter.countSent(buf);
      this.counters.packetsOut++;
      this.counters.bytesOut += buf.length;
    }
  }

  /** Resends output packet `outSeq` from the source's cache, if it belongs to the current source. */
  private retransmit(outSeq: number): void {
    const source = this.current;
    if (!source) return;
    const srcSeq = this.rewriter.sourceSequenceOf(outSeq);
    if (srcSeq < 0) return;
    const len = source.cache.load(srcSeq, this.retransmitBuf);
    if (len === 0) return;
    const pkt = this.retransmitBuf.subarray(0, len);
    const at = rtpPayloadOffset(pkt);
    if (at < 0 || !parseVp8(pkt, at, this.retransmitDesc)) return;
    this.retransmissions++;
    this.counters.retransmissions++;
    this.rewriter.applyRetransmission(pkt, this.retransmitDesc.seq, this.retransmitDesc.timestamp);
    this.rewritePictureIds(pkt, this.retransmitDesc, false);
    this.send(pkt);
  }

  /** A simple loss-based controller, as in RFC 8698's spirit: back off on loss, probe up slowly. */
  private updateEstimate(loss: number): void {
    if (loss > 0.1) this.estimate *= 1 - 0.5 * loss;
    else if (loss < 0.02) this.estimate *= 1.08;
    this.estimate = Math.max(MIN_BITRATE, Math.min(MAX_BITRATE, this.estimate));
  }
}
