// H.264 over RTP (RFC 6184) back into Annex B access units: single NAL unit packets,
// STAP-A aggregates and FU-A fragments (packetization-mode 1, what WebRTC senders and OBS
// use). An access unit is every NAL unit of one RTP timestamp: it ends at the marker bit, or
// when the timestamp changes without a loss (a sender that leaves the marker out). After a
// loss nothing is emitted until the next IDR, since the pictures in between reference what
// was lost.
//
// Encoders that cut a picture into several slices (x264's tune=zerolatency, so OBS) meet
// packetizers that repeat SPS/PPS before every IDR slice (GStreamer's rtph264pay with
// config-interval=-1): the parameter sets then sit between the slices of one picture. H.264
// (7.4.1.2.3) wants them, like AUD and SEI, before the first slice; a decoder reading Annex B
// takes a parameter set after a slice for the start of the next picture, splits the picture
// in two and conceals the rest. So those NAL units go to the front of the access unit.

const MAX_ACCESS_UNIT_BYTES = 4 * 1024 * 1024;
const NAL_IDR = 5;
const STAP_A = 24;
const FU_A = 28;

export interface H264AccessUnit {
  /** Annex B: each NAL unit after a 4-byte start code. Owned by the receiver. */
  data: Buffer;
  /** Holds an IDR picture (a decoder can start here). */
  keyframe: boolean;
  rtpTimestamp: number;
}

/**
 * NAL unit types that belong before an access unit's first slice: SEI, SPS, PPS, AUD, SPS
 * extension, prefix NAL and the reserved 16-18 (7.4.1.2.3). Everything else keeps its order.
 */
function leadsAccessUnit(type: number): boolean {
  return (type >= 6 && type <= 9) || (type >= 13 && type <= 18);
}

/** Annex B bytes being gathered, in one buffer reused from access unit to access unit. */
class AnnexB {
  buf: Buffer;
  length = 0;

  constructor(initialBytes: number) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** A start code and the NAL unit header byte: the beginning of a NAL unit. */
  startNal(header: number): void {
    this.reserve(5);
    const b = this.buf;
    const at = this.length;
    b[at] = 0;
    b[at + 1] = 0;
    b[at + 2] = 0;
    b[at + 3] = 1;
    b[at + 4] = header;
    this.length = at + 5;
  }

  append(src: Buffer, start: number, end: number): void {
    this.reserve(end - start);
    this.length += src.copy(this.buf, this.length, start, end);
  }

  private reserve(bytes: number): void {
    const need = this.length + bytes;
    if (need <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}

export class H264Depacketizer {
  /** The parameter sets, AUD and SEI of the access unit, in arrival order. */
  private readonly leading = new AnnexB(1024);
  /** Its slices and the rest, in arrival order. */
  private readonly slices = new AnnexB(64 * 1024);
  private nalCount = 0;
  private ts = -1;
  private expectSeq = -1;
  private keyframe = false;
  /** Inside a fragmented NAL unit: where its bytes go. */
  private fragment: AnnexB | null = null;
  private needKeyframe = true;
  private broken = false;
  unitsOut = 0;
  unitsDropped = 0;

  constructor(private readonly onUnit: (unit: H264AccessUnit) => void) {}

  /** Feeds one RTP packet's payload (`payload` is only read now); completed access units go to `onUnit`. */
  push(payload: Buffer, seq: number, timestamp: number, marker: boolean): void {
    if (payload.length === 0) return;
    const gap = this.expectSeq >= 0 && seq !== this.expectSeq;
    this.expectSeq = (seq + 1) & 0xffff;
    if (timestamp !== this.ts) {
      // The last access unit had no marker: complete unless a packet went missing on the way.
      if (!gap && !this.broken && !this.fragment) this.emit();
      else if (this.nalCount > 0 || this.fragment) this.drop();
      this.ts = timestamp;
      this.broken = false;
    }
    if (gap) {
      this.drop();
      this.broken = true;
    }
    if (this.broken) return;
    const type = payload[0]! & 0x1f;
    if (type >= 1 && type <= 23) {
      this.addNal(payload, 0, payload.length);
    } else if (type === STAP_A) {
      let at = 1;
      while (at + 2 <= payload.length) {
        const size = payload.readUInt16BE(at);
        at += 2;
        if (size === 0 || at + size > payload.length) return this.fail();
        this.addNal(payload, at, at + size);
        at += size;
      }
    } else if (type === FU_A) {
      if (payload.length < 3) return this.fail();
      const header = payload[1]!;
      if ((header & 0x80) !== 0) {
        if (this.fragment) return this.fail(); // the last one never ended
        // The reconstructed NAL header: F and NRI from the indicator, the type from the FU header.
        this.fragment = this.startNal((payload[0]! & 0xe0) | (header & 0x1f));
      } else if (!this.fragment) {
        return this.fail();
      }
      this.fragment.append(payload, 2, payload.length);
      if ((header & 0x40) !== 0) this.fragment = null;
    } else {
      return; // STAP-B, MTAP, FU-B: not used in packetization-mode 1
    }
    if (this.leading.length + this.slices.length > MAX_ACCESS_UNIT_BYTES) return this.fail();
    if (marker && !this.fragment) this.emit();
  }

  private addNal(src: Buffer, start: number, end: number): void {
    this.startNal(src[start]!).append(src, start + 1, end);
  }

  private startNal(header: number): AnnexB {
    const type = header & 0x1f;
    if (type === NAL_IDR) this.keyframe = true;
    this.nalCount++;
    const into = leadsAccessUnit(type) ? this.leading : this.slices;
    into.startNal(header);
    return into;
  }

  /** Hands the gathered access unit on (an aggregate that held no NAL unit ends nothing). */
  private emit(): void {
    if (this.nalCount === 0) return;
    if (this.needKeyframe && !this.keyframe) {
      this.drop(false);
      return;
    }
    this.needKeyframe = false;
    const lead = this.leading.length;
    const data = Buffer.allocUnsafe(lead + this.slices.length);
    this.leading.buf.copy(data, 0, 0, lead);
    this.slices.buf.copy(data, lead, 0, this.slices.length);
    const keyframe = this.keyframe;
    this.reset();
    this.unitsOut++;
    this.onUnit({ data, keyframe, rtpTimestamp: this.ts });
  }

  private fail(): void {
    this.drop();
    this.broken = true;
  }

  private drop(loss = true): void {
    if (this.nalCount > 0 || this.fragment) this.unitsDropped++;
    this.reset();
    if (loss) this.needKeyframe = true;
  }

  private reset(): void {
    this.leading.length = 0;
    this.slices.length = 0;
    this.nalCount = 0;
    this.fragment = null;
    this.keyframe = false;
  }
}
