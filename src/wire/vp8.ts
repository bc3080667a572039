// The VP8 RTP payload descriptor (RFC 7741), read and rewritten in place. We need it to
// find keyframes (a switch of stage video must start on one) and to keep picture IDs
// continuous for the viewer's decoder across a change of source.

/** Where the fields of one packet's descriptor are; -1 when absent. Reused, never reallocated. */
export interface Vp8Descriptor {
  /** Offset of the 15-bit picture ID (2 bytes, M bit set), or -1 (absent or 7-bit). */
  pictureIdAt: number;
  /** Offset of TL0PICIDX, or -1. */
  tl0PicIdxAt: number;
  /** First packet of a keyframe: S=1, partition 0, and the VP8 header's P bit clear. */
  keyframeStart: boolean;
  /** S bit with partition 0: the first packet of a frame. */
  frameStart: boolean;
  /** Offset of the VP8 data after the descriptor (for depacketizing), or -1. */
  dataAt: number;
  /**
   * The packet's sequence number, timestamp, picture ID and TL0PICIDX as they arrived (-1 when
   * absent). Forwarding rewrites the shared buffer in place for one subscriber after another, so
   * each subscriber must start from these, not from what the previous one wrote.
   */
  seq: number;
  timestamp: number;
  pictureId: number;
  tl0PicIdx: number;
}

export function createVp8Descriptor(): Vp8Descriptor {
  return { pictureIdAt: -1, tl0PicIdxAt: -1, keyframeStart: false, frameStart: false, dataAt: -1, seq: 0, timestamp: 0, pictureId: -1, tl0PicIdx: -1 };
}

/** Parses the descriptor at `at` (the RTP payload offset) into `out`; returns false if malformed. */
export function parseVp8(buf: Buffer, at: number, out: Vp8Descriptor): boolean {
  out.pictureIdAt = -1;
  out.tl0PicIdxAt = -1;
  out.keyframeStart = false;
  out.frameStart = false;
  out.dataAt = -1;
  // The RTP header (12 bytes at least) comes first: its sequence number and timestamp are read below.
  if (at < 12 || at >= buf.length) return false;
  const b0 = buf[at]!;
  let i = at + 1;
  if (b0 & 0x80) {
    if (i >= buf.length) return false;
    const x = buf[i++]!;
    if (x & 0x80) {
      if (i >= buf.length) return false;
      if (buf[i]! & 0x80) {
        if (i + 1 >= buf.length) return false;
        out.pictureIdAt = i;
        i += 2;
      } else {
        i += 1;
      }
    }
    if (x & 0x40) {
      if (i >= buf.length) return false;
      out.tl0PicIdxAt = i;
      i += 1;
    }
    if (x & 0x30) i += 1; // TID/Y/KEYIDX
  }
  if (i >= buf.length) return false;
  const start = (b0 & 0x10) !== 0 && (b0 & 0x07) === 0;
  out.frameStart = start;
  out.dataAt = i;
  out.seq = (buf[2]! << 8) | buf[3]!;
  out.timestamp = buf.readUInt32BE(4);
  out.pictureId = out.pictureIdAt >= 0 ? readPictureId(buf, out.pictureIdAt) : -1;
  out.tl0PicIdx = out.tl0PicIdxAt >= 0 ? buf[out.tl0PicIdxAt]! : -1;
  // In the VP8 payload header, bit 0 of the first byte is the inverse keyframe flag.
  out.keyframeStart = start && (buf[i]! & 0x01) === 0;
  return true;
}

export function readPictureId(buf: Buffer, at: number): number {
  return ((buf[at]! & 0x7f) << 8) | buf[at + 1]!;
}

export function writePictureId(buf: Buffer, at: number, id: number): void {
  buf[at] = 0x80 | ((id >> 8) & 0x7f);
  buf[at + 1] = id & 0xff;
}
