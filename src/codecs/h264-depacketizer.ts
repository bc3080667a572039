// H.264 over RTP (RFC 6184) back into Annex B access units: single NAL unit packets,
// STAP-A aggregates and FU-A fragments (packetization-mode 1, what WebRTC senders and OBS
// use). An access unit ends at the marker bit. After a loss nothing is emitted until the
// next IDR, since the pictures in between reference what was lost.

const START_CODE = Buffer.from([0, 0, 0, 1]);
const MAX_ACCESS_UNIT_BYTES = 4 * 1024 * 1024;
const NAL_IDR = 5;
const NAL_SPS = 7;
const STAP_A = 24;
const FU_A = 28;

export interface H264AccessUnit {
  /** Annex B: each NAL unit after a 4-byte start code. */
  data: Buffer;
  /** Holds an IDR picture (a decoder can start here). */
  keyframe: boolean;
  rtpTimestamp: number;
}

export class H264Depacketizer {
  private nals: Buffer[] = [];
  private bytes = 0;
  private ts = -1;
  private expectSeq = -1;
  private keyframe = false;
  /** Inside a fragmented NAL unit: its parts so far. */
  private fragment: Buffer[] | null = null;
  private needKeyframe = true;
  private broken = false;
  unitsOut = 0;
  unitsDropped = 0;

  /** Feeds one RTP packet's payload (`payload` is only read now); returns a completed access unit, or null. */
  push(payload: Buffer, seq: number, timestamp: number, marker: boolean): H264AccessUnit | null {
    if (payload.length === 0) return null;
    const gap = this.expectSeq >= 0 && seq !== this.expectSeq;
    this.expectSeq = (seq + 1) & 0xffff;
    if (timestamp !== this.ts) {
      // A new access unit: whatever was in progress lost its last packet (or its marker).
      if (this.nals.length > 0 || this.fragment) this.drop();
      this.ts = timestamp;
      this.broken = false;
    }
    if (gap) {
      this.drop();
      this.broken = true;
    }
    if (this.broken) return null;
    const type = payload[0]! & 0x1f;
    if (type >= 1 && type <= 23) {
      this.addNal(payload);
    } else if (type === STAP_A) {
      let at = 1;
      while (at + 2 <= payload.length) {
        const size = payload.readUInt16BE(at);
        at += 2;
        if (size === 0 || at + size > payload.length) return this.fail();
        this.addNal(payload.subarray(at, at + size));
        at += size;
      }
    } else if (type === FU_A) {
      if (payload.length < 3) return this.fail();
      const header = payload[1]!;
      const start = (header & 0x80) !== 0;
      const end = (header & 0x40) !== 0;
      if (start) {
        // The reconstructed NAL header: F and NRI from the indicator, the type from the FU header.
        this.fragment = [Buffer.from([(payload[0]! & 0xe0) | (header & 0x1f)])];
      } else if (!this.fragment) {
        return this.fail();
      }
      this.fragment.push(Buffer.from(payload.subarray(2)));
      if (end) {
        this.addNal(Buffer.concat(this.fragment));
        this.fragment = null;
      }
    } else {
      return null; // STAP-B, MTAP, FU-B: not used in packetization-mode 1
    }
    if (this.bytes > MAX_ACCESS_UNIT_BYTES) return this.fail();
    // An aggregate that held no NAL unit ends nothing worth decoding.
    if (!marker || this.fragment || this.nals.length === 0) return null;
    if (this.needKeyframe && !this.keyframe) {
      this.drop(false);
      return null;
    }
    this.needKeyframe = false;
    const unit: H264AccessUnit = { data: Buffer.concat(this.nals.flatMap((n) => [START_CODE, n])), keyframe: this.keyframe, rtpTimestamp: this.ts };
    this.reset();
    this.unitsOut++;
    return unit;
  }

  private addNal(nal: Buffer): void {
    const type = nal[0]! & 0x1f;
    if (type === NAL_IDR || type === NAL_SPS) this.keyframe = this.keyframe || type === NAL_IDR;
    this.nals.push(Buffer.from(nal));
    this.bytes += nal.length + 4;
  }

  private fail(): null {
    this.drop();
    this.broken = true;
    return null;
  }

  private drop(loss = true): void {
    if (this.nals.length > 0 || this.fragment) this.unitsDropped++;
    this.reset();
    if (loss) this.needKeyframe = true;
  }

  private reset(): void {
    this.nals = [];
    this.bytes = 0;
    this.fragment = null;
    this.keyframe = false;
  }
}
