// The one RTP rewrite both kinds of slot do: a subscriber's slot has its own SSRC and must
// look like one continuous stream, while the packets it carries come from whichever source
// the room maps onto it, with their own sequence numbers and timestamps, and with gaps where
// a source was held back. The rewrite is two steps, so that switching can be tested without
// buffers or sockets: `translateRtp` is pure (header fields and the current state in, the
// outgoing sequence number and timestamp and a verdict out), and `RtpRewriter.apply` commits
// that to the state and writes it into the packet in place. Sender reports are translated
// here too, since only the rewriter knows where the outgoing timestamp line stands.
import { rtpPayloadOffset, writeRtpPayloadType, writeRtpSequence, writeRtpSsrc, writeRtpTimestamp } from '../../wire/rtp.js';
import { writeSenderReport } from '../../wire/rtcp.js';

/** What the next packet must do before it is translated. */
export const Rebase = {
  /** Continue with the current offsets. */
  None: 0,
  /** Packets were held back: continue the sequence, keep the timestamp line (the gap is real time). */
  Sequence: 1,
  /** A new source: continue the sequence, and continue the timestamp line by the wall-clock time that passed. */
  Source: 2,
} as const;
export type Rebase = (typeof Rebase)[keyof typeof Rebase];

export const Verdict = {
  Send: 0,
  /** The slot waits for its new source's keyframe; this packet is not one. */
  WaitForKeyframe: 1,
  /** Older than the start of the current run: its sequence number was already given to another packet. */
  Late: 2,
} as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

export interface RtpRewriteState {
  started: boolean;
  pending: Rebase;
  waitingForKeyframe: boolean;
  seqOffset: number;
  tsOffset: number;
  /** The newest in-order packet sent: what a rebase continues from and a sender report extrapolates from. */
  lastOutSeq: number;
  lastOutTs: number;
  lastOutAtMs: number;
  /**
   * The oldest outgoing sequence number of the current run: its first, or RUN_WINDOW behind
   * the newest once the run is longer. A packet behind it would take a number already given
   * to what was sent before the run; the window slides so that a long run never wraps onto it.
   */
  runStartOutSeq: number;
}

/** How far behind the newest packet a reordered one is still taken as part of the run. */
export const RUN_WINDOW = 0x4000;

export interface RtpClock {
  /** RTP clock rate of the media, Hz. */
  readonly clockRate: number;
  /**
   * The least a new source's first timestamp advances past the last one sent: one frame at
   * least, so two packets of different sources never share a timestamp.
   */
  readonly minStepMs: number;
}

export interface RtpTranslation {
  verdict: Verdict;
  outSeq: number;
  outTs: number;
  /** This packet starts a new run: the offsets below are new. */
  rebased: boolean;
  /** In order (not behind the newest sent), so it moves the "last sent" mark. */
  advances: boolean;
  seqOffset: number;
  tsOffset: number;
  runStartOutSeq: number;
}

export function initialRewriteState(): RtpRewriteState {
  return {
    started: false,
    pending: Rebase.Source,
    waitingForKeyframe: false,
    seqOffset: 0,
    tsOffset: 0,
    lastOutSeq: 0,
    lastOutTs: 0,
    lastOutAtMs: 0,
    runStartOutSeq: 0,
  };
}

export function emptyTranslation(): RtpTranslation {
  return { verdict: Verdict.Send, outSeq: 0, outTs: 0, rebased: false, advances: false, seqOffset: 0, tsOffset: 0, runStartOutSeq: 0 };
}

/**
 * Pure: where the packet with sequence number `seq` and timestamp `ts` (as they arrived)
 * goes in the outgoing stream, given `state`. Reads `state`, writes only `out`, and returns it.
 */
export function translateRtp(
  state: Readonly<RtpRewriteState>,
  clock: RtpClock,
  seq: number,
  ts: number,
  keyframe: boolean,
  nowMs: number,
  out: RtpTranslation,
): RtpTranslation {
  let lastOutSeq = state.lastOutSeq;
  out.rebased = state.pending !== Rebase.None;
  if (out.rebased) {
    if (state.waitingForKeyframe && !keyframe) {
      out.verdict = Verdict.WaitForKeyframe;
      return out;
    }
    out.seqOffset = state.started ? (state.lastOutSeq + 1 - seq) & 0xffff : 0;
    if (state.pending === Rebase.Source) {
      const elapsedMs = Math.max(clock.minStepMs, nowMs - state.lastOutAtMs);
      out.tsOffset = state.started ? (state.lastOutTs + Math.round((elapsedMs * clock.clockRate) / 1000) - ts) >>> 0 : 0;
    } else {
      out.tsOffset = state.tsOffset;
    }
    out.runStartOutSeq = (seq + out.seqOffset) & 0xffff;
    // "Last sent" now means "just before this packet", so in-order tracking starts from here.
    lastOutSeq = (out.runStartOutSeq - 1) & 0xffff;
  } else {
    out.seqOffset = state.seqOffset;
    out.tsOffset = state.tsOffset;
    out.runStartOutSeq = state.runStartOutSeq;
  }
  out.outSeq = (seq + out.seqOffset) & 0xffff;
  out.outTs = (ts + out.tsOffset) >>> 0;
  // Only in-order packets advance "last sent", so a late one cannot rewind it.
  out.advances = ((out.outSeq - lastOutSeq) & 0xffff) < 0x8000;
  out.verdict = !out.advances && ((out.outSeq - out.runStartOutSeq) & 0xffff) >= 0x8000 ? Verdict.Late : Verdict.Send;
  return out;
}

/** Commits a translation whose verdict is Send. */
export function commitTranslation(state: RtpRewriteState, t: Readonly<RtpTranslation>, nowMs: number): void {
  if (t.rebased) {
    state.started = true;
    state.pending = Rebase.None;
    state.waitingForKeyframe = false;
    state.seqOffset = t.seqOffset;
    state.tsOffset = t.tsOffset;
    state.runStartOutSeq = t.runStartOutSeq;
    state.lastOutSeq = (t.runStartOutSeq - 1) & 0xffff;
  }
  if (t.advances) {
    state.lastOutSeq = t.outSeq;
    state.lastOutTs = t.outTs;
    state.lastOutAtMs = nowMs;
    if (((t.outSeq - state.runStartOutSeq) & 0xffff) > RUN_WINDOW) state.runStartOutSeq = (t.outSeq - RUN_WINDOW) & 0xffff;
  }
}

/**
 * Pure: the RTP timestamp a sender report made at `nowMs` carries, the outgoing timestamp
 * line extrapolated from the last packet sent, so the subscriber can map it to wall-clock.
 */
export function senderReportTimestamp(state: Readonly<RtpRewriteState>, clockRate: number, nowMs: number): number {
  return (state.lastOutTs + Math.round(((nowMs - state.lastOutAtMs) * clockRate) / 1000)) >>> 0;
}

export interface RtpRewriterOptions extends RtpClock {
  /** The slot's own SSRC, written on every packet. */
  readonly ssrc: number;
  /** The payload type the subscriber negotiated; written on every packet, since the buffer is shared by all subscribers. */
  readonly payloadType: number;
}

export class RtpRewriter {
  readonly ssrc: number;
  private readonly state = initialRewriteState();
  private readonly translation = emptyTranslation();
  private packets = 0;
  private octets = 0;

  constructor(private readonly options: RtpRewriterOptions) {
    this.ssrc = options.ssrc;
  }

  /** A new source: the next packet (with `waitForKeyframe`, the next keyframe) continues both lines. */
  switchSource(waitForKeyframe: boolean): void {
    this.state.pending = Rebase.Source;
    this.state.waitingForKeyframe = waitForKeyframe;
  }

  /** The same source resumes after packets were held back: keep the sequence contiguous. */
  markGap(): void {
    if (this.state.pending === Rebase.None) this.state.pending = Rebase.Sequence;
  }

  get started(): boolean {
    return this.state.started;
  }

  get waitingForKeyframe(): boolean {
    return this.state.waitingForKeyframe;
  }

  get packetsSent(): number {
    return this.packets;
  }

  get octetsSent(): number {
    return this.octets;
  }

  /** Pure step: the translation of one packet (the rewriter's one scratch object, valid until the next call). */
  translate(seq: number, ts: number, keyframe: boolean, nowMs: number): RtpTranslation {
    return translateRtp(this.state, this.options, seq, ts, keyframe, nowMs, this.translation);
  }

  /** Commits a translation whose verdict is Send and writes it into `buf`'s header in place. */
  apply(buf: Buffer, t: RtpTranslation, nowMs: number): void {
    commitTranslation(this.state, t, nowMs);
    this.writeHeader(buf, t.outSeq, t.outTs);
  }

  /**
   * The source's sequence number of outgoing packet `outSeq`, for a retransmission; -1 when it
   * was not one of the current run's (or the slot waits for a keyframe).
   */
  sourceSequenceOf(outSeq: number): number {
    const s = this.state;
    if (!s.started || s.pending !== Rebase.None || ((outSeq - s.runStartOutSeq) & 0xffff) >= 0x8000) return -1;
    return (outSeq - s.seqOffset) & 0xffff;
  }

  /** Rewrites a retransmitted packet of the current run: same offsets, and "last sent" stays where it is. */
  applyRetransmission(buf: Buffer, seq: number, ts: number): void {
    this.writeHeader(buf, (seq + this.state.seqOffset) & 0xffff, (ts + this.state.tsOffset) >>> 0);
  }

  /** Counts a packet the track accepted, for sender reports. */
  countSent(buf: Buffer): void {
    this.packets++;
    const payloadAt = rtpPayloadOffset(buf);
    this.octets += payloadAt > 0 ? buf.length - payloadAt : 0;
  }

  /** Writes a sender report into `scratch`; returns its length, or 0 before the first packet. */
  writeSenderReport(scratch: Buffer, nowMs: number): number {
    if (!this.state.started) return 0;
    const rtpNow = senderReportTimestamp(this.state, this.options.clockRate, nowMs);
    return writeSenderReport(scratch, this.ssrc, nowMs, rtpNow, this.packets, this.octets);
  }

  private writeHeader(buf: Buffer, outSeq: number, outTs: number): void {
    writeRtpSsrc(buf, this.ssrc);
    writeRtpSequence(buf, outSeq);
    writeRtpTimestamp(buf, outTs);
    writeRtpPayloadType(buf, this.options.payloadType);
  }
}
