// One stable send slot towards one subscriber: an m-line with its own SSRC that carries
// whichever publisher the room maps onto it. Its RtpRewriter rewrites sequence numbers and
// timestamps in place so that the subscriber's jitter buffer sees one continuous stream,
// across the gaps where a silent publisher was not forwarded and across a change of publisher.
// The publisher that carries it binds it (and keeps its place in the fan-out array); the
// subscriber's RTCP about it arrives through `onRtcp`.
import { TrackSender, type RtpOutlet } from './track-sender.js';
import { OPUS_PT } from '../../wire/payload-types.js';
import { visitRtcp, type RtcpVisitor } from '../../wire/rtcp.js';
import { RtpRewriter, Verdict } from './rtp-rewriter.js';
import type { MediaCounters } from '../counters.js';

export interface SlotSource {
  readonly id: string;
}

export interface DownstreamSlotOptions {
  readonly mid: string;
  readonly ssrc: number;
  readonly track: RtpOutlet;
  readonly counters: MediaCounters;
  /** 48 kHz (Opus) unless said otherwise. */
  readonly clockRate?: number;
  /** The payload type this subscriber negotiated (OPUS_PT for our own offers). */
  readonly payloadType?: number;
}

/** A new source's first timestamp is at least one 20 ms Opus frame past the last one sent. */
const MIN_AUDIO_STEP_MS = 20;

export class DownstreamSlot {
  readonly mid: string;
  readonly ssrc: number;
  readonly track: RtpOutlet;
  private boundSource: SlotSource | null = null;
  private index = -1;
  private fractionLost = 0;
  private readonly rewriter: RtpRewriter;
  private readonly sender: TrackSender;
  private readonly counters: MediaCounters;
  private readonly rtcpVisitor: RtcpVisitor;

  constructor(options: DownstreamSlotOptions) {
    this.mid = options.mid;
    this.ssrc = options.ssrc;
    this.track = options.track;
    this.counters = options.counters;
    this.sender = new TrackSender(options.track);
    this.rewriter = new RtpRewriter({
      ssrc: options.ssrc,
      clockRate: options.clockRate ?? 48_000,
      minStepMs: MIN_AUDIO_STEP_MS,
      payloadType: options.payloadType ?? OPUS_PT,
    });
    this.rtcpVisitor = {
      reportBlock: (sourceSsrc, fractionLost) => {
        if (sourceSsrc === this.ssrc) this.fractionLost = fractionLost / 256;
      },
    };
  }

  /** The publisher currently mapped onto this slot, or null when free. */
  get source(): SlotSource | null {
    return this.boundSource;
  }

  /** Where this slot sits in its source's fan-out array (-1 when free), so detaching is O(1). */
  get sourceIndex(): number {
    return this.index;
  }

  /** Fraction lost the subscriber last reported for this slot, 0..1. */
  get lastFractionLost(): number {
    return this.fractionLost;
  }

  get packetsSent(): number {
    return this.rewriter.packetsSent;
  }

  /** Called by `source` as it puts this slot at `index` of its fan-out array. */
  bind(source: SlotSource, index: number): void {
    if (this.boundSource !== source) {
      this.boundSource = source;
      this.rewriter.switchSource(false);
    }
    this.index = index;
  }

  /** Called by the source when this slot moves within its fan-out array. */
  moveTo(index: number): void {
    this.index = index;
  }

  /** The slot is free again (its source let it go, or the subscriber left). */
  release(): void {
    this.index = -1;
    if (this.boundSource === null) return;
    this.boundSource = null;
    this.rewriter.switchSource(false);
  }

  /** The source resumes after packets were held back (gate closed or muted): keep the sequence contiguous. */
  markDiscontinuity(): void {
    this.rewriter.markGap();
  }

  /**
   * Rewrites `buf` for this subscriber and sends it. The buffer is shared by all the
   * subscribers of the source: each rewrite happens just before its send, which copies, and
   * starts from `seq` and `ts` as they arrived, not from what the previous subscriber wrote.
   */
  forward(buf: Buffer, seq: number, ts: number, nowMs: number): void {
    if (!this.sender.isOpen) return;
    const t = this.rewriter.translate(seq, ts, false, nowMs);
    if (t.verdict !== Verdict.Send) return;
    this.rewriter.apply(buf, t, nowMs);
    if (this.sender.send(buf)) {
      this.rewriter.countSent(buf);
      this.counters.packetsOut++;
      this.counters.bytesOut += buf.length;
    }
  }

  /** RTCP from the subscriber about this slot: its receiver reports. */
  onRtcp(buf: Buffer): void {
    this.counters.rtcpIn++;
    visitRtcp(buf, this.rtcpVisitor);
  }

  /** Sends an RTCP sender report so the subscriber can map our timestamps to wall-clock. */
  sendSenderReport(scratch: Buffer, nowMs: number): void {
    if (!this.sender.isOpen) return;
    const len = this.rewriter.writeSenderReport(scratch, nowMs);
    if (len > 0) this.sender.send(scratch.subarray(0, len));
  }
}
