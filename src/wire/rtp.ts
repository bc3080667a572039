// In-place readers and writers for RTP headers (RFC 3550) and one-byte/two-byte header
// extensions (RFC 8285). Everything works on the Buffer node-datachannel hands us, with
// no allocation: this is the per-packet path.

export const RTP_HEADER_MIN = 12;

/** RTCP and RTP share the port (RFC 5761); RTCP packet types 192..223 never collide with dynamic RTP payload types. */
export function isRtcp(buf: Buffer): boolean {
  if (buf.length < 4) return false;
  const pt = buf[1]!;
  return pt >= 192 && pt <= 223;
}

/** Version 2, and long enough for the fixed header and its CSRCs. */
export function isValidRtp(buf: Buffer): boolean {
  if (buf.length < RTP_HEADER_MIN) return false;
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return false;
  return buf.length >= RTP_HEADER_MIN + (b0 & 0x0f) * 4;
}

export function rtpPayloadType(buf: Buffer): number {
  return buf[1]! & 0x7f;
}

export function rtpMarker(buf: Buffer): boolean {
  return (buf[1]! & 0x80) !== 0;
}

export function rtpSequence(buf: Buffer): number {
  return (buf[2]! << 8) | buf[3]!;
}

export function rtpTimestamp(buf: Buffer): number {
  return buf.readUInt32BE(4);
}

export function rtpSsrc(buf: Buffer): number {
  return buf.readUInt32BE(8);
}

export function writeRtpSequence(buf: Buffer, seq: number): void {
  buf[2] = (seq >>> 8) & 0xff;
  buf[3] = seq & 0xff;
}

export function writeRtpTimestamp(buf: Buffer, ts: number): void {
  buf.writeUInt32BE(ts >>> 0, 4);
}

export function writeRtpSsrc(buf: Buffer, ssrc: number): void {
  buf.writeUInt32BE(ssrc >>> 0, 8);
}

export function writeRtpPayloadType(buf: Buffer, pt: number): void {
  buf[1] = (buf[1]! & 0x80) | (pt & 0x7f);
}

/** Offset of the payload, after CSRCs, extension and before padding; -1 if the header is malformed. */
export function rtpPayloadOffset(buf: Buffer): number {
  if (buf.length < RTP_HEADER_MIN) return -1; // also keeps an empty buffer from being indexed
  const b0 = buf[0]!;
  let offset = RTP_HEADER_MIN + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (buf.length < offset + 4) return -1;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
  }
  return offset <= buf.length ? offset : -1;
}

/**
 * Finds header extension `id` and returns the offset of its data, or -1.
 * Handles both the one-byte (0xBEDE) and two-byte (0x100X) forms, and bounds every
 * read, since the bytes come straight off the network.
 */
export function findHeaderExtension(buf: Buffer, id: number): number {
  if (buf.length < RTP_HEADER_MIN) return -1; // also keeps an empty buffer from being indexed
  const b0 = buf[0]!;
  if ((b0 & 0x10) === 0) return -1;
  const start = RTP_HEADER_MIN + (b0 & 0x0f) * 4;
  if (buf.length < start + 4) return -1;
  const profile = buf.readUInt16BE(start);
  const end = start + 4 + buf.readUInt16BE(start + 2) * 4;
  if (end > buf.length) return -1;
  let i = start + 4;
  if (profile === 0xbede) {
    while (i < end) {
      const b = buf[i]!;
      if (b === 0) {
        i++; // padding
        continue;
      }
      const extId = b >> 4;
      const len = (b & 0x0f) + 1;
      if (extId === 15) return -1; // reserved: stop parsing, per RFC 8285
      if (extId === id) return i + 1 + len <= end ? i + 1 : -1;
      i += 1 + len;
    }
  } else if ((profile & 0xfff0) === 0x1000) {
    while (i + 1 < end) {
      const extId = buf[i]!;
      if (extId === 0) {
        i++;
        continue;
      }
      const len = buf[i + 1]!;
      if (extId === id) return i + 2 + len <= end && len > 0 ? i + 2 : -1;
      i += 2 + len;
    }
  }
  return -1;
}

/**
 * RFC 6464 client-to-mixer audio level: returns the level in -dBov (0 loudest, 127 silence),
 * with the voice-activity bit in bit 7, or -1 when the packet carries none.
 */
export function readAudioLevel(buf: Buffer, extId: number): number {
  if (extId <= 0) return -1;
  const at = findHeaderExtension(buf, extId);
  return at < 0 ? -1 : buf[at]!;
}

/** [start, end) of the payload, after the header and before any padding; null for a malformed packet. */
export function rtpPayloadBounds(buf: Buffer): [number, number] | null {
  const start = rtpPayloadOffset(buf);
  if (start < 0) return null;
  let end = buf.length;
  if (buf[0]! & 0x20) {
    const pad = buf[end - 1]!;
    if (pad === 0 || start + pad > end) return null;
    end -= pad;
  }
  return [start, end];
}
