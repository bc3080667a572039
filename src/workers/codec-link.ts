// The stream between a media worker and the codec worker (a Unix socket in a private
// directory). The media worker sends what a room's tap hears (each live speaker's Opus packets,
// the stage video, whose camera it shows) and the H.264 access units of WHIP cameras; the
// codec worker answers with keyframe requests for the tap and the VP8 frames of each
// transcoder. Every ffmpeg runs in the codec worker, which holds no media socket, so no
// encoder ever inherits one (an inherited ICE mux socket kept the port bound after the media
// process closed it, and the next PeerConnection could not gather: the process aborted).
//
// Frame: u32 length of the rest | u8 kind | u8 flags | u16 idLength | u16 subLength | id | sub | payload
// `id` names the room (tap frames) or the transcoding session; `sub` a participant.

/** Media worker -> codec worker: a live speaker's Opus packet (id: room, sub: participant). */
export const TAP_AUDIO = 1;
/** Media worker -> codec worker: a stage-video RTP packet, already one continuous stream (id: room). */
export const TAP_VIDEO = 2;
/** Media worker -> codec worker: whose camera the stage video shows now (sub: participant, '' for none). */
export const TAP_SOURCE = 3;
/** Codec worker -> media worker: the room's encoder needs a keyframe of the stage video (id: room). */
export const TAP_KEYFRAME = 4;
/** Media worker -> codec worker: start transcoding H.264 to VP8 for a session (id: session). */
export const TRANSCODE_OPEN = 10;
/** Media worker -> codec worker: one Annex B access unit (id: session). */
export const TRANSCODE_UNIT = 11;
/** Media worker -> codec worker: the session ended. */
export const TRANSCODE_CLOSE = 12;
/** Codec worker -> media worker: one VP8 frame (id: session; flags bit 0: keyframe). */
export const TRANSCODE_FRAME = 13;
/** Codec worker -> media worker: the session's transcoder is gone (ffmpeg exited). */
export const TRANSCODE_EXIT = 14;

export const FLAG_KEYFRAME = 1;

const HEADER_BYTES = 4 + 1 + 1 + 2 + 2;
/** A keyframe access unit of a 1080p encoder can be a few hundred kB; nothing legitimate is near this. */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;

export interface LinkFrame {
  kind: number;
  flags: number;
  id: string;
  sub: string;
  /** A view into the reader's buffer: valid only until the next frame is read. */
  payload: Buffer;
}

/** One frame in one buffer (the payload is copied: callers reuse theirs right after). */
export function encodeFrame(kind: number, id: string, sub = '', payload: Buffer | null = null, flags = 0): Buffer {
  const idLength = Buffer.byteLength(id);
  const subLength = Buffer.byteLength(sub);
  const bodyLength = HEADER_BYTES - 4 + idLength + subLength + (payload?.length ?? 0);
  const out = Buffer.allocUnsafe(4 + bodyLength);
  out.writeUInt32BE(bodyLength, 0);
  out[4] = kind;
  out[5] = flags;
  out.writeUInt16BE(idLength, 6);
  out.writeUInt16BE(subLength, 8);
  out.write(id, HEADER_BYTES, 'utf8');
  out.write(sub, HEADER_BYTES + idLength, 'utf8');
  payload?.copy(out, HEADER_BYTES + idLength + subLength);
  return out;
}

export class LinkProtocolError extends Error {}

/**
 * Cuts a byte stream into frames. Throws LinkProtocolError on a frame that cannot be one (too
 * large, or lengths that do not add up); the caller then drops the connection, since nothing
 * after a broken frame can be trusted to start where it seems to.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer, onFrame: (frame: LinkFrame) => void): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    let offset = 0;
    while (this.pending.length - offset >= 4) {
      const bodyLength = this.pending.readUInt32BE(offset);
      if (bodyLength > MAX_FRAME_BYTES) throw new LinkProtocolError(`frame of ${bodyLength} bytes`);
      if (bodyLength < HEADER_BYTES - 4) throw new LinkProtocolError(`frame of ${bodyLength} bytes has no header`);
      if (this.pending.length - offset < 4 + bodyLength) break;
      const start = offset;
      const idLength = this.pending.readUInt16BE(start + 6);
      const subLength = this.pending.readUInt16BE(start + 8);
      const payloadStart = start + HEADER_BYTES + idLength + subLength;
      const end = start + 4 + bodyLength;
      if (payloadStart > end) throw new LinkProtocolError('frame lengths do not add up');
      offset = end;
      onFrame({
        kind: this.pending[start + 4]!,
        flags: this.pending[start + 5]!,
        id: this.pending.toString('utf8', start + HEADER_BYTES, start + HEADER_BYTES + idLength),
        sub: this.pending.toString('utf8', start + HEADER_BYTES + idLength, payloadStart),
        payload: this.pending.subarray(payloadStart, end),
      });
    }
    this.pending = offset === this.pending.length ? Buffer.alloc(0) : this.pending.subarray(offset);
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.pending.length;
  }
}
