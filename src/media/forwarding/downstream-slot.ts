// One stable send slot towards one subscriber: an m-line with its own SSRC that carries
// whichever publisher the room maps onto it. Sequence numbers and timestamps are rewritten
// in place so that the subscriber's jitter buffer sees one continuous stream, across the
// gaps where a silent publisher was not forwarded and across a change of publisher.
import { rtpPayloadOffset, writeRtpPayloadType, writeRtpSequence, writeRtpSsrc, writeRtpTimestamp } from '../../wire/rtp.js';
import { TrackSender, type RtpOutlet } from './track-sender.js';
import { OPUS_PT } from '../../wire/payload-types.js';
import { writeSenderReport } from '../../wire/rtcp.js';
import type { MediaCounters } from '../counters.js';

export interface SlotSource {
  readonly id: string;
}

export class DownstreamSlot {
  /** The publisher currently mapped onto this slot, or null when free. */
  source: SlotSource | null = null;
  /** Where this slot sits in its source's fan-out array, so detaching is O(1). Kept by the source. */
  sourceIndex = -1;
  private seqOffset = 0;
  private tsOffset = 0;
  private lastOutSeq = 0;
  private lastOutTs = 0;
  private lastOutAtMs = 0;
  private started = false;
  /** Set when the next packet must be re-based: a new source, or a new talkspurt. */
  private rebase = true;
  private rebaseTimestamps = true;
  packetsSent = 0;
  octetsSent = 0;
  /** Fraction lost the subscriber last reported for this slot, 0..1. */
  lastFractionLost = 0;
  private readonly sender: TrackSender;

  constructor(
    readonly mid: string,
    readonly ssrc: number,
    readonly track: RtpOutlet,
    readonly clockRate: number,
    private readonly counters: MediaCounters,
    /**
     * The payload type this subscriber negotiated. Written on every packet, not only when it
     * differs: the buffer is shared by all subscribers, so each one must set its own.
     */
    readonly payloadType = OPUS_PT,
  ) {
    this.sender = new TrackSender(track);
  }

  assign(source: SlotSource | null): void {
    if (this.source === source) return;
    this.source = source;
    this.rebase = true;
    this.rebaseTimestamps = true;
  }

  /** The source resumes after packets were held back (gate closed or muted): keep the sequence contiguous. */
  markDiscontinuity(): void {
    this.rebase = true;
  }

  /**
   * Rewrites `buf` for this subscriber and sends it. The buffer is shared by all the
   * subscribers of the source: each rewrite happens just before its send, which copies, and
   * starts from `seq` and `ts` as they arrived, not from what the previous subscriber wrote.
   */
  forward(buf: Buffer, seq: number, ts: number, nowMs: number): void {
    if (!this.sender.isOpen) return;
    if (this.rebase) {
      this.seqOffset = this.started ? (this.lastOutSeq + 1 - seq) & 0xffff : 0;
      if (this.rebaseTimestamps && this.started) {
        // A new source: continue the timestamp line from where it stopped, advanced by wall-clock time.
        const elapsed = Math.max(20, nowMs - this.lastOutAtMs);
        this.tsOffset = (this.lastOutTs + Math.round((elapsed * this.clockRate) / 1000) - ts) >>> 0;
      } else if (this.rebaseTimestamps) {
        this.tsOffset = 0;
      }
      this.rebase = false;
      this.rebaseTimestamps = false;
      this.started = true;
      // "Last sent" now means "just before this packet", so in-order tracking starts from here.
      this.lastOutSeq = (seq + this.seqOffset - 1) & 0xffff;
    }
    const outSeq = (seq + this.seqOffset) & 0xffff;
    const outTs = (ts + this.tsOffset) >>> 0;
    // Only advance our notion of "last" for in-order packets, so a late packet can't rewind it.
    if (((outSeq - this.lastOutSeq) & 0xffff) < 0x8000) {
      this.lastOutSeq = outSeq;
      this.lastOutTs = outTs;
      this.lastOutAtMs = nowMs;
    }
    writeRtpSsrc(buf, this.ssrc);
    writeRtpSequence(buf, outSeq);
    writeRtpTimestamp(buf, outTs);
    writeRtpPayloadType(buf, this.payloadType);
    if (this.sender.send(buf)) {
      this.packetsSent++;
      const payload = rtpPayloadOffset(buf);
      this.octetsSent += payload > 0 ? buf.length - payload : 0;
      this.counters.packetsOut++;
      this.counters.bytesOut += buf.length;
    }
  }

  /** Sends an RTCP sender report so the subscriber can map our timestamps to wall-clock. */
  sendSenderReport(scratch: Buffer, nowMs: number): void {
    if (!this.started || !this.sender.isOpen) return;
    const rtpNow = (this.lastOutTs + Math.round(((nowMs - this.lastOutAtMs) * this.clockRate) / 1000)) >>> 0;
    const len = writeSenderReport(scratch, this.ssrc, nowMs, rtpNow, this.packetsSent, this.octetsSent);
    this.sender.send(scratch.subarray(0, len));
  }
}
