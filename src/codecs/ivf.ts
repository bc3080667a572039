// IVF, the minimal container libvpx and ffmpeg use for raw VP8 frames: a 32-byte file header,
// then each frame as a 12-byte header (size, 64-bit pts) and its bytes. The HLS egress writes
// it into ffmpeg's stdin-like pipe; bots read pre-encoded clips from it.

export const IVF_FILE_HEADER_BYTES = 32;
export const IVF_FRAME_HEADER_BYTES = 12;

export interface IvfHeader {
  fourcc: string;
  width: number;
  height: number;
  /** pts are in units of timebaseNum / timebaseDen seconds. */
  timebaseDen: number;
  timebaseNum: number;
  frameCount: number;
}

export interface IvfFrame {
  pts: number;
  data: Buffer;
}

export function writeIvfFileHeader(h: IvfHeader): Buffer {
  const b = Buffer.alloc(IVF_FILE_HEADER_BYTES);
  b.write('DKIF', 0, 'latin1');
  b.writeUInt16LE(0, 4);
  b.writeUInt16LE(IVF_FILE_HEADER_BYTES, 6);
  b.write(h.fourcc.padEnd(4).slice(0, 4), 8, 'latin1');
  b.writeUInt16LE(h.width, 12);
  b.writeUInt16LE(h.height, 14);
  b.writeUInt32LE(h.timebaseDen, 16);
  b.writeUInt32LE(h.timebaseNum, 20);
  b.writeUInt32LE(h.frameCount, 24);
  return b;
}

export function writeIvfFrameHeader(size: number, pts: number): Buffer {
  const b = Buffer.alloc(IVF_FRAME_HEADER_BYTES);
  b.writeUInt32LE(size, 0);
  b.writeBigUInt64LE(BigInt(Math.max(0, Math.floor(pts))), 4);
  return b;
}

/** Parses a whole IVF file; throws on a malformed header, stops at a truncated last frame. */
export function readIvf(buf: Buffer): { header: IvfHeader; frames: IvfFrame[] } {
  if (buf.length < IVF_FILE_HEADER_BYTES || buf.toString('latin1', 0, 4) !== 'DKIF') throw new Error('not an IVF file');
  const headerLen = buf.readUInt16LE(6);
  const header: IvfHeader = {
    fourcc: buf.toString('latin1', 8, 12),
    width: buf.readUInt16LE(12),
    height: buf.readUInt16LE(14),
    timebaseDen: buf.readUInt32LE(16),
    timebaseNum: buf.readUInt32LE(20),
    frameCount: buf.readUInt32LE(24),
  };
  const frames: IvfFrame[] = [];
  let at = Math.max(IVF_FILE_HEADER_BYTES, headerLen);
  while (at + IVF_FRAME_HEADER_BYTES <= buf.length) {
    const size = buf.readUInt32LE(at);
    const pts = Number(buf.readBigUInt64LE(at + 4));
    const start = at + IVF_FRAME_HEADER_BYTES;
    if (start + size > buf.length) break;
    frames.push({ pts, data: buf.subarray(start, start + size) });
    at = start + size;
  }
  return { header, frames };
}

/** True if the VP8 frame is a keyframe (RFC 6386 §9.1: the first bit of the frame tag is 0). */
export function isVp8Keyframe(frame: Buffer): boolean {
  return frame.length > 0 && (frame[0]! & 0x01) === 0;
}
