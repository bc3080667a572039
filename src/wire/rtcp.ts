// RTCP (RFC 3550, RFC 4585) reading and writing, in place and allocation-free.
// libdatachannel's Node binding hands us raw RTCP on the track and leaves reports to us.

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_RTPFB = 205; // transport feedback: FMT 1 = generic NACK
export const RTCP_PSFB = 206; // payload-specific: FMT 1 = PLI, FMT 15 = REMB (AFB)

/** Seconds between 1900 (NTP epoch) and 1970 (Unix epoch). */
const NTP_UNIX_OFFSET = 2_208_988_800;

export interface RtcpVisitor {
  /** A sender report from `ssrc`; `ntpMiddle` is the middle 32 bits of its NTP time, for LSR. */
  senderReport?(ssrc: number, ntpMiddle: number, rtpTimestamp: number): void;
  /** One report block about media source `sourceSsrc`, `fractionLost` in 1/256. */
  reportBlock?(sourceSsrc: number, fractionLost: number, cumulativeLost: number, jitter: number): void;
  pli?(mediaSsrc: number): void;
  /** Generic NACK: packet `pid` and the bitmask `blp` of the 16 following ones. */
  nack?(mediaSsrc: number, pid: number, blp: number): void;
}

/** Walks a compound RTCP packet; stops at the first malformed sub-packet. Returns the count visited. */
export function visitRtcp(buf: Buffer, v: RtcpVisitor): number {
  let offset = 0;
  let count = 0;
  while (offset + 4 <= buf.length) {
    const b0 = buf[offset]!;
    if (b0 >> 6 !== 2) break;
    const rc = b0 & 0x1f;
    const pt = buf[offset + 1]!;
    const len = (buf.readUInt16BE(offset + 2) + 1) * 4;
    if (offset + len > buf.length) break;
    if (pt === RTCP_SR && len >= 28) {
      const ssrc = buf.readUInt32BE(offset + 4);
      const ntpMiddle = ((buf.readUInt16BE(offset + 10) << 16) | buf.readUInt16BE(offset + 12)) >>> 0;
      v.senderReport?.(ssrc, ntpMiddle, buf.readUInt32BE(offset + 16));
      visitBlocks(buf, offset + 28, rc, offset + len, v);
    } else if (pt === RTCP_RR && len >= 8) {
      visitBlocks(buf, offset + 8, rc, offset + len, v);
    } else if (pt === RTCP_PSFB && rc === 1 && len >= 12) {
      v.pli?.(buf.readUInt32BE(offset + 8));
    } else if (pt === RTCP_RTPFB && rc === 1 && len >= 16) {
      const mediaSsrc = buf.readUInt32BE(offset + 8);
      for (let i = offset + 12; i + 4 <= offset + len; i += 4) {
        v.nack?.(mediaSsrc, buf.readUInt16BE(i), buf.readUInt16BE(i + 2));
      }
    }
    offset += len;
    count++;
  }
  return count;
}

function visitBlocks(buf: Buffer, start: number, count: number, end: number, v: RtcpVisitor): void {
  if (!v.reportBlock) return;
  for (let i = 0, at = start; i < count && at + 24 <= end; i++, at += 24) {
    const lost = (buf[at + 5]! << 16) | (buf[at + 6]! << 8) | buf[at + 7]!;
    // Cumulative lost is a signed 24-bit number.
    const cumulative = lost & 0x800000 ? lost - 0x1000000 : lost;
    v.reportBlock(buf.readUInt32BE(at), buf[at + 4]!, cumulative, buf.readUInt32BE(at + 12));
  }
}

/** Current wall-clock as NTP seconds and fraction. */
export function ntpNow(nowMs: number): { seconds: number; fraction: number } {
  const seconds = Math.floor(nowMs / 1000) + NTP_UNIX_OFFSET;
  const fraction = Math.floor(((nowMs % 1000) / 1000) * 0x1_0000_0000);
  return { seconds: seconds >>> 0, fraction: fraction >>> 0 };
}

/** Middle 32 bits of an NTP timestamp, the form used by LSR and DLSR. */
export function ntpMiddle(nowMs: number): number {
  const { seconds, fraction } = ntpNow(nowMs);
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/** Writes a 28-byte sender report with no report blocks into `out`; returns its length. */
export function writeSenderReport(out: Buffer, ssrc: number, nowMs: number, rtpTimestamp: number, packetCount: number, octetCount: number): number {
  const { seconds, fraction } = ntpNow(nowMs);
  out[0] = 0x80;
  out[1] = RTCP_SR;
  out.writeUInt16BE(6, 2);
  out.writeUInt32BE(ssrc >>> 0, 4);
  out.writeUInt32BE(seconds, 8);
  out.writeUInt32BE(fraction, 12);
  out.writeUInt32BE(rtpTimestamp >>> 0, 16);
  out.writeUInt32BE(packetCount >>> 0, 20);
  out.writeUInt32BE(octetCount >>> 0, 24);
  return 28;
}

export interface ReceptionReport {
  sourceSsrc: number;
  fractionLost: number;
  cumulativeLost: number;
  extendedHighestSeq: number;
  jitter: number;
  lastSr: number;
  delaySinceLastSr: number;
}

/** A zeroed report block: the one object a sender fills in place before each report it writes. */
export function emptyReceptionReport(): ReceptionReport {
  return { sourceSsrc: 0, fractionLost: 0, cumulativeLost: 0, extendedHighestSeq: 0, jitter: 0, lastSr: 0, delaySinceLastSr: 0 };
}

/** Writes a 32-byte receiver report with one block into `out`; returns its length. */
export function writeReceiverReport(out: Buffer, senderSsrc: number, r: ReceptionReport): number {
  out[0] = 0x81;
  out[1] = RTCP_RR;
  out.writeUInt16BE(7, 2);
  out.writeUInt32BE(senderSsrc >>> 0, 4);
  out.writeUInt32BE(r.sourceSsrc >>> 0, 8);
  out[12] = r.fractionLost & 0xff;
  const lost = Math.max(-0x800000, Math.min(0x7fffff, r.cumulativeLost)) & 0xffffff;
  out[13] = (lost >> 16) & 0xff;
  out[14] = (lost >> 8) & 0xff;
  out[15] = lost & 0xff;
  out.writeUInt32BE(r.extendedHighestSeq >>> 0, 16);
  out.writeUInt32BE(r.jitter >>> 0, 20);
  out.writeUInt32BE(r.lastSr >>> 0, 24);
  out.writeUInt32BE(r.delaySinceLastSr >>> 0, 28);
  return 32;
}

/** Writes a 12-byte picture loss indication (RFC 4585 §6.3.1); returns its length. */
export function writePli(out: Buffer, senderSsrc: number, mediaSsrc: number): number {
  out[0] = 0x81;
  out[1] = RTCP_PSFB;
  out.writeUInt16BE(2, 2);
  out.writeUInt32BE(senderSsrc >>> 0, 4);
  out.writeUInt32BE(mediaSsrc >>> 0, 8);
  return 12;
}

/**
 * Writes a REMB (draft-alvestrand-rmcat-remb): the most the publisher should send, in
 * bits per second, for media SSRC `mediaSsrc`. Returns its length (24 bytes).
 */
export function writeRemb(out: Buffer, senderSsrc: number, mediaSsrc: number, bitsPerSecond: number): number {
  let mantissa = Math.max(0, Math.floor(bitsPerSecond));
  let exp = 0;
  while (mantissa > 0x3ffff) {
    mantissa = Math.floor(mantissa / 2);
    exp++;
  }
  out[0] = 0x8f; // V=2, FMT=15
  out[1] = RTCP_PSFB;
  out.writeUInt16BE(5, 2);
  out.writeUInt32BE(senderSsrc >>> 0, 4);
  out.writeUInt32BE(0, 8);
  out.write('REMB', 12, 'ascii');
  out[16] = 1;
  out[17] = ((exp & 0x3f) << 2) | ((mantissa >> 16) & 0x03);
  out.writeUInt16BE(mantissa & 0xffff, 18);
  out.writeUInt32BE(mediaSsrc >>> 0, 20);
  return 24;
}

/** Writes a generic NACK for `pid` plus the bitmask `blp` of the 16 packets after it; returns 16. */
export function writeNack(out: Buffer, senderSsrc: number, mediaSsrc: number, pid: number, blp: number): number {
  out[0] = 0x81;
  out[1] = RTCP_RTPFB;
  out.writeUInt16BE(3, 2);
  out.writeUInt32BE(senderSsrc >>> 0, 4);
  out.writeUInt32BE(mediaSsrc >>> 0, 8);
  out.writeUInt16BE(pid & 0xffff, 12);
  out.writeUInt16BE(blp & 0xffff, 14);
  return 16;
}
