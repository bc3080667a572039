// A viewer's one stage-video slot. The room points it at a source (the active speaker, or
// whoever the viewer pinned); it then waits for that source's next keyframe, and from there
// forwards with SSRC, sequence number, timestamp and VP8 picture ID rewritten in place, so
// the viewer's decoder sees one continuous stream and never a delta frame without its
// keyframe. It also repairs loss (NACK from the source's cache) and relays PLI.
import { TrackSender, type RtpOutlet } from './track-sender.js';
import { rtpPayloadOffset, writeRtpPayloadType, writeRtpSequence, writeRtpSsrc, writeRtpTimestamp } from '../../wire/rtp.js';
import { visitRtcp, writeSenderReport, type RtcpVisitor } from '../../wire/rtcp.js';
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

export class VideoSlot {
  source: VideoPublisher | null = null;
  /** What the viewer actually sees; trails `source` until its keyframe arrives. */
  showing: string | null = null;
  private waitingForKeyframe = false;
  /** When this slot last asked its source for a keyframe. */
  private keyframeAskedAtMs = 0;
  private started = false;
  private seqOffset = 0;
  private tsOffset = 0;
  private pidOffset = 0;
  private tl0Offset = 0;
  private lastOutSeq = 0;
  private lastOutTs = 0;
  private lastOutAtMs = 0;
  private lastOutPid = 0;
  private lastOutTl0 = 0;
  /** The first output sequence number of the current source: NACKs before it are not ours to repair. */
  private sourceStartOutSeq = 0;
  packetsSent = 0;
  octetsSent = 0;
  retransmitted = 0;
  lastFractionLost = 0;
  /** Loss-based estimate of what this viewer can receive, bits per second. */
  estimateBps = MAX_BITRATE;
  private readonly retransmitBuf = Buffer.alloc(1500);
  private readonly retransmitDesc: Vp8Descriptor = createVp8Descriptor();
  private readonly rtcpVisitor: RtcpVisitor;
  private readonly sender: TrackSender;
  private nowMs = 0;

  constructor(
    readonly mid: string,
    readonly ssrc: number,
    readonly track: RtpOutlet,
    private readonly counters: MediaCounters,
    private readonly events: VideoSlotEvents,
    /** The VP8 payload type this viewer negotiated; written on every packet (the buffer is shared). */
    private readonly payloadType = VP8_PT,
  ) {
    this.sender = new TrackSender(track);
    this.rtcpVisitor = {
      pli: (mediaSsrc) => {
        if (mediaSsrc === this.ssrc) this.source?.requestKeyframe(this.nowMs);
      },
      nack: (mediaSsrc, pid, blp) => {
        if (mediaSsrc !== this.ssrc) return;
        this.retransmit(pid);
        for (let k = 0; k < 16; k++) if (blp & (1 << k)) this.retransmit((pid + k + 1) & 0xffff);
      },
      reportBlock: (sourceSsrc, fractionLost) => {
        if (sourceSsrc !== this.ssrc) return;
        this.lastFractionLost = fractionLost / 256;
        this.updateEstimate(this.lastFractionLost);
      },
    };
  }

  /** Points the slot at a new source (or none). The switch takes effect at its next keyframe. */
  switchTo(source: VideoPublisher | null, nowMs: number): void {
    if (this.source === source) return;
    this.source?.detach(this);
    this.source = source;
    if (source) {
      source.attach(this);
      this.waitingForKeyframe = true;
      this.keyframeAskedAtMs = nowMs;
      source.requestKeyframe(nowMs);
    } else {
      this.waitingForKeyframe = false;
      if (this.showing !== null) {
        this.showing = null;
        this.events.switched(null);
      }
    }
  }

  forward(buf: Buffer, desc: Vp8Descriptor, nowMs: number): void {
    if (!this.sender.isOpen || !this.source) return;
    if (this.waitingForKeyframe) {
      if (!desc.keyframeStart) {
        // The keyframe we asked for may have gone by before our track was open, or before
        // we attached (the publisher throttles requests): ask again while we wait.
        if (nowMs - this.keyframeAskedAtMs >= KEYFRAME_RETRY_MS) {
          this.keyframeAskedAtMs = nowMs;
          this.source.requestKeyframe(nowMs);
        }
        return;
      }
      this.rebase(desc, nowMs);
    }
    this.rewriteAndSend(buf, desc, nowMs, false);
  }

  onRtcp(buf: Buffer, nowMs: number): void {
    this.nowMs = nowMs;
    this.counters.rtcpIn++;
    visitRtcp(buf, this.rtcpVisitor);
  }

  sendSenderReport(scratch: Buffer, nowMs: number): void {
    if (!this.started || !this.sender.isOpen) return;
    const rtpNow = (this.lastOutTs + Math.round(((nowMs - this.lastOutAtMs) * CLOCK) / 1000)) >>> 0;
    const len = writeSenderReport(scratch, this.ssrc, nowMs, rtpNow, this.packetsSent, this.octetsSent);
    this.sender.send(scratch.subarray(0, len));
  }

  private rebase(desc: Vp8Descriptor, nowMs: number): void {
    const seq = desc.seq;
    const ts = desc.timestamp;
    if (this.started) {
      this.seqOffset = (this.lastOutSeq + 1 - seq) & 0xffff;
      const elapsed = Math.max(1, nowMs - this.lastOutAtMs);
      this.tsOffset = (this.lastOutTs + Math.round((elapsed * CLOCK) / 1000) - ts) >>> 0;
      if (desc.pictureId >= 0) this.pidOffset = (this.lastOutPid + 1 - desc.pictureId) & 0x7fff;
      if (desc.tl0PicIdx >= 0) this.tl0Offset = (this.lastOutTl0 + 1 - desc.tl0PicIdx) & 0xff;
    } else {
      this.seqOffset = 0;
      this.tsOffset = 0;
      this.pidOffset = 0;
      this.tl0Offset = 0;
    }
    this.sourceStartOutSeq = (seq + this.seqOffset) & 0xffff;
    // "Last sent" now means "just before this packet", so in-order tracking starts from here.
    this.lastOutSeq = (this.sourceStartOutSeq - 1) & 0xffff;
    this.waitingForKeyframe = false;
    this.started = true;
    const id = this.source?.id ?? null;
    if (this.showing !== id) {
      this.showing = id;
      this.events.switched(id);
    }
  }

  private rewriteAndSend(buf: Buffer, desc: Vp8Descriptor, nowMs: number, retransmission: boolean): void {
    // From the values as they arrived: earlier subscribers have already rewritten `buf`.
    const outSeq = (desc.seq + this.seqOffset) & 0xffff;
    const outTs = (desc.timestamp + this.tsOffset) >>> 0;
    writeRtpSsrc(buf, this.ssrc);
    writeRtpSequence(buf, outSeq);
    writeRtpTimestamp(buf, outTs);
    writeRtpPayloadType(buf, this.payloadType);
    let outPid = -1;
    if (desc.pictureIdAt >= 0) {
      outPid = (desc.pictureId + this.pidOffset) & 0x7fff;
      writePictureId(buf, desc.pictureIdAt, outPid);
    }
    let outTl0 = -1;
    if (desc.tl0PicIdxAt >= 0) {
      outTl0 = (desc.tl0PicIdx + this.tl0Offset) & 0xff;
      buf[desc.tl0PicIdxAt] = outTl0;
    }
    if (!retransmission && ((outSeq - this.lastOutSeq) & 0xffff) < 0x8000) {
      this.lastOutSeq = outSeq;
      this.lastOutTs = outTs;
      this.lastOutAtMs = nowMs;
      if (outPid >= 0) this.lastOutPid = outPid;
      if (outTl0 >= 0) this.lastOutTl0 = outTl0;
    }
    if (this.sender.send(buf)) {
      this.packetsSent++;
      const payloadAt = rtpPayloadOffset(buf);
      this.octetsSent += payloadAt > 0 ? buf.length - payloadAt : 0;
      this.counters.packetsOut++;
      this.counters.bytesOut += buf.length;
    }
  }

  /** Resends output packet `outSeq` from the source's cache, if it belongs to the current source. */
  private retransmit(outSeq: number): void {
    const source = this.source;
    if (!source || this.waitingForKeyframe) return;
    if (((outSeq - this.sourceStartOutSeq) & 0xffff) >= 0x8000) return;
    const srcSeq = (outSeq - this.seqOffset) & 0xffff;
    const len = source.cache.load(srcSeq, this.retransmitBuf);
    if (len === 0) return;
    const pkt = this.retransmitBuf.subarray(0, len);
    const at = rtpPayloadOffset(pkt);
    if (at < 0 || !parseVp8(pkt, at, this.retransmitDesc)) return;
    this.retransmitted++;
    this.counters.retransmissions++;
    this.rewriteAndSend(pkt, this.retransmitDesc, this.nowMs, true);
  }

  /** A simple loss-based controller, as in RFC 8698's spirit: back off on loss, probe up slowly. */
  private updateEstimate(loss: number): void {
    if (loss > 0.1) this.estimateBps *= 1 - 0.5 * loss;
    else if (loss < 0.02) this.estimateBps *= 1.08;
    this.estimateBps = Math.max(MIN_BITRATE, Math.min(MAX_BITRATE, this.estimateBps));
  }
}
