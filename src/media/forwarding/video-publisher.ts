// The camera stream of one person on stage, as it enters the server: validated, measured,
// cached for retransmission, checked for keyframes, and fanned out to the viewers whose
// stage-video slot currently shows this person.
import { isRtcp, isValidRtp, rtpPayloadOffset, rtpPayloadType, rtpSequence, rtpSsrc, rtpTimestamp } from '../../wire/rtp.js';
import { visitRtcp, writeNack, writePli, writeReceiverReport, writeRemb, type ReceptionReport, type RtcpVisitor } from '../../wire/rtcp.js';
import { ReceiveStats } from '../../wire/receive-stats.js';
import { PacketCache } from '../../wire/packet-cache.js';
import { createVp8Descriptor, parseVp8, type Vp8Descriptor } from '../../wire/vp8.js';
import type { MediaCounters } from '../counters.js';

import { VP8_PT } from '../../wire/payload-types.js';
export { VP8_PT };
/** No more than one keyframe request to a publisher in this interval: keyframes are big. */
const KEYFRAME_REQUEST_INTERVAL_MS = 300;
/** Gaps larger than this are a restart or a long outage, not loss to repair. */
const MAX_NACK_GAP = 64;

/** Where a publisher's packets go: the stage-video slots that show this person (VideoSlot). */
export interface VideoForwardTarget {
  /** One validated packet with its parsed VP8 descriptor; the slot rewrites a copy of it. */
  forward(packet: Buffer, desc: Vp8Descriptor, nowMs: number): void;
  /** What this viewer's link is estimated to take (bits/s): caps the publisher's bitrate. */
  readonly estimateBps: number;
}

export class VideoPublisher {
  readonly slots: VideoForwardTarget[] = [];
  readonly cache = new PacketCache();
  private stats = new ReceiveStats(90_000);
  private readonly desc = createVp8Descriptor();
  private readonly scratch = Buffer.alloc(64);
  ssrc: number | null = null;
  /** Allowed to be shown: on stage with the camera on. */
  live = false;
  private highestSeq = -1;
  private lastKeyframeRequestMs = -Infinity;
  lastKeyframeAtMs = -Infinity;
  lastPacketAtMs = 0;
  keyframeRequests = 0;
  private nowMs = 0;
  private readonly rtcpVisitor: RtcpVisitor;

  constructor(
    readonly id: string,
    private readonly counters: MediaCounters,
    /** Sends RTCP (PLI, NACK, REMB, RR) to the publishing client. */
    private readonly sendRtcp: (buf: Buffer) => void,
    private readonly rtcpSsrc: number,
    /** Published on another worker: that worker repairs upstream loss and sends the reports. */
    readonly remote = false,
  ) {
    this.rtcpVisitor = {
      senderReport: (ssrc, ntpMiddle) => {
        if (ssrc === this.ssrc) this.stats.onSenderReport(ntpMiddle, this.nowMs);
      },
    };
  }

  configure(ssrc: number | null): void {
    if (ssrc !== this.ssrc) {
      this.stats = new ReceiveStats(90_000);
      this.highestSeq = -1;
    }
    this.ssrc = ssrc;
  }

  get sending(): boolean {
    return this.ssrc !== null;
  }

  onMessage(buf: Buffer, nowMs: number): void {
    this.nowMs = nowMs;
    if (isRtcp(buf)) {
      this.counters.rtcpIn++;
      visitRtcp(buf, this.rtcpVisitor);
      return;
    }
    if (!isValidRtp(buf) || rtpPayloadType(buf) !== VP8_PT || this.ssrc === null || rtpSsrc(buf) !== this.ssrc) {
      this.counters.packetsInvalid++;
      return;
    }
    const payloadAt = rtpPayloadOffset(buf);
    if (payloadAt < 0 || !parseVp8(buf, payloadAt, this.desc)) {
      this.counters.packetsInvalid++;
      return;
    }
    const seq = rtpSequence(buf);
    this.counters.packetsIn++;
    this.counters.bytesIn += buf.length;
    this.lastPacketAtMs = nowMs;
    this.stats.onPacket(seq, rtpTimestamp(buf), nowMs);
    if (!this.remote) this.nackGap(seq);
    this.cache.store(buf, seq);
    if (this.desc.keyframeStart) this.lastKeyframeAtMs = nowMs;
    if (!this.live) return;
    const slots = this.slots;
    for (let i = 0; i < slots.length; i++) slots[i]!.forward(buf, this.desc, nowMs);
  }

  /** Asks the publisher for a keyframe, at most once per interval. */
  requestKeyframe(nowMs: number): void {
    if (this.ssrc === null || nowMs - this.lastKeyframeRequestMs < KEYFRAME_REQUEST_INTERVAL_MS) return;
    this.lastKeyframeRequestMs = nowMs;
    this.keyframeRequests++;
    this.counters.keyframeRequests++;
    this.sendRtcp(this.scratch.subarray(0, writePli(this.scratch, this.rtcpSsrc, this.ssrc)));
  }

  /** Caps what the publisher sends (REMB). */
  sendBitrateCap(bitsPerSecond: number): void {
    if (this.ssrc === null) return;
    this.sendRtcp(this.scratch.subarray(0, writeRemb(this.scratch, this.rtcpSsrc, this.ssrc, bitsPerSecond)));
  }

  sendReceiverReport(nowMs: number, report: ReceptionReport): void {
    if (this.ssrc === null || this.stats.received === 0) return;
    const len = writeReceiverReport(this.scratch, this.rtcpSsrc, this.stats.report(this.ssrc, nowMs, report));
    this.sendRtcp(this.scratch.subarray(0, len));
  }

  get fractionLost(): number {
    return this.stats.lastFractionLost;
  }

  attach(slot: VideoForwardTarget): void {
    if (!this.slots.includes(slot)) this.slots.push(slot);
  }

  detach(slot: VideoForwardTarget): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }

  /** Receiver-side NACK: libdatachannel's binding does not generate them, so we do, once per gap. */
  private nackGap(seq: number): void {
    if (this.highestSeq < 0) {
      this.highestSeq = seq;
      return;
    }
    const ahead = (seq - this.highestSeq) & 0xffff;
    if (ahead === 0 || ahead >= 0x8000) return; // duplicate or late (possibly our retransmission)
    const missing = ahead - 1;
    if (missing > MAX_NACK_GAP) {
      // Too much is gone to repair packet by packet: start again from a keyframe.
      this.requestKeyframe(this.nowMs);
    } else if (missing > 0 && this.ssrc !== null) {
      let first = (this.highestSeq + 1) & 0xffff;
      let left = missing;
      while (left > 0) {
        const n = Math.min(17, left);
        let blp = 0;
        for (let k = 1; k < n; k++) blp |= 1 << (k - 1);
        this.sendRtcp(this.scratch.subarray(0, writeNack(this.scratch, this.rtcpSsrc, this.ssrc, first, blp)));
        first = (first + n) & 0xffff;
        left -= n;
      }
    }
    this.highestSeq = seq;
  }
}
