// The payload bytes of an RTP packet: after the header, CSRCs and extension, before padding.
import { rtpPayloadOffset } from '../media/rtp.js';

/** [start, end) of the payload, or null for a malformed packet. */
export function payloadBounds(buf: Buffer): [number, number] | null {
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
