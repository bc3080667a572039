// Reception statistics of one incoming RTP stream, as RFC 3550 appendix A.1, A.3 and A.8
// define them, so that the receiver reports we send are what the publisher's congestion
// control and getStats expect.
import type { ReceptionReport } from './rtcp.js';

const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

export class ReceiveStats {
  private baseSeq = -1;
  private maxSeq = 0;
  private cycles = 0;
  /** After a big jump, the sequence number that would confirm a restart (A.1's bad_seq); -1 when none. */
  private badSeq = -1;
  received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  /** Interarrival jitter in RTP timestamp units, scaled by 16 as in A.8. */
  private jitterQ4 = 0;
  private lastTransit = 0;
  private haveTransit = false;
  private lastSrMiddle = 0;
  private lastSrAtMs = 0;
  /** Most recent fraction lost we reported, 0..1, for metrics. */
  lastFractionLost = 0;

  constructor(private readonly clockRate: number) {}

  /** Records one packet; returns false for a packet outside the acceptable window (a restart or garbage). */
  onPacket(seq: number, rtpTimestamp: number, nowMs: number): boolean {
    if (this.baseSeq < 0) {
      this.baseSeq = seq;
      this.maxSeq = seq;
    } else {
      const delta = (seq - this.maxSeq + 0x10000) & 0xffff;
      if (delta < MAX_DROPOUT) {
        if (seq < this.maxSeq) this.cycles += 0x10000;
        this.maxSeq = seq;
      } else if (delta <= 0x10000 - MAX_MISORDER) {
        // A big jump. One such packet is a stray (very late, or garbage): ignore it, or a
        // single one would re-base and the next in-order packet would then look like a
        // huge loss. Two sequential ones mean the sender restarted: re-base rather than
        // report a huge loss (RFC 3550 A.1).
        if (seq !== this.badSeq) {
          this.badSeq = (seq + 1) & 0xffff;
          return false;
        }
        this.baseSeq = seq;
        this.maxSeq = seq;
        this.cycles = 0;
        this.received = 0;
        this.expectedPrior = 0;
        this.receivedPrior = 0;
        this.badSeq = -1;
        this.haveTransit = false;
      }
      // else: duplicate or reordered, counted as received.
    }
    this.received++;
    const arrival = (nowMs * this.clockRate) / 1000;
    const transit = arrival - rtpTimestamp;
    if (this.haveTransit) {
      let d = transit - this.lastTransit;
      if (d < 0) d = -d;
      // Timestamp jumps (silence gaps) would look like huge jitter; ignore implausible ones.
      if (d < this.clockRate) this.jitterQ4 += d - ((this.jitterQ4 + 8) >> 4);
    }
    this.lastTransit = transit;
    this.haveTransit = true;
    return true;
  }

  onSenderReport(ntpMiddle: number, nowMs: number): void {
    this.lastSrMiddle = ntpMiddle;
    this.lastSrAtMs = nowMs;
  }

  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  get expected(): number {
    return this.baseSeq < 0 ? 0 : this.extendedHighestSeq - this.baseSeq + 1;
  }

  get cumulativeLost(): number {
    return this.expected - this.received;
  }

  /** Fills `out` for a receiver report and starts a new reporting interval. */
  report(sourceSsrc: number, nowMs: number, out: ReceptionReport): ReceptionReport {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.min(255, Math.floor((lostInterval << 8) / expectedInterval));
    this.lastFractionLost = fraction / 256;
    out.sourceSsrc = sourceSsrc;
    out.fractionLost = fraction;
    out.cumulativeLost = this.cumulativeLost;
    out.extendedHighestSeq = this.extendedHighestSeq;
    out.jitter = this.jitterQ4 >> 4;
    out.lastSr = this.lastSrMiddle;
    out.delaySinceLastSr = this.lastSrAtMs === 0 ? 0 : Math.floor(((nowMs - this.lastSrAtMs) / 1000) * 65536);
    return out;
  }
}
