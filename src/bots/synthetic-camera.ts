// One layer of a bot's camera: a VP8-shaped RTP stream whose descriptors, keyframes and
// picture IDs are real and whose pixels are not. Each payload carries a tag, so a test can
// tell which camera (and which layer) a viewer is receiving. A PLI makes the next frame a
// keyframe, as a real encoder does.
import type { Track } from 'node-datachannel';

const VP8_PT = 96;
/** A keyframe every this many frames, and at once after a PLI. */
const KEYFRAME_INTERVAL = 150;
/** Set in the tag of the low layer's packets. */
export const LOW_LAYER_TAG_BIT = 0x40000000;

export class SyntheticCamera {
  readonly ssrc = (Math.floor(Math.random() * 0xfffffffe) + 1) >>> 0;
  private seq = Math.floor(Math.random() * 0xffff);
  private ts = Math.floor(Math.random() * 0xffffffff);
  private pictureId = Math.floor(Math.random() * 0x7fff);
  private framesSinceKey = KEYFRAME_INTERVAL;
  private readonly packet = Buffer.alloc(12 + 4 + 1 + 4 + 600);
  track: Track | null = null;
  keyframesSent = 0;
  plisReceived = 0;
  /** Latest REMB bitrate the server sent for this layer, or 0. */
  lastRembBps = 0;
  nacksReceived = 0;

  constructor(
    readonly mid: string,
    /** Packets per keyframe and per delta frame: the high layer is bigger. */
    private readonly packetsPerKeyframe: number,
    private readonly tagBits: number,
  ) {}

  sendFrame(tag: number, fps: number): void {
    const track = this.track;
    if (!track || !track.isOpen()) return;
    const key = this.framesSinceKey >= KEYFRAME_INTERVAL;
    this.framesSinceKey = key ? 0 : this.framesSinceKey + 1;
    if (key) this.keyframesSent++;
    this.pictureId = (this.pictureId + 1) & 0x7fff;
    this.ts = (this.ts + 90_000 / fps) >>> 0;
    const packets = key ? this.packetsPerKeyframe : 1;
    const p = this.packet;
    for (let i = 0; i < packets; i++) {
      this.seq = (this.seq + 1) & 0xffff;
      p[0] = 0x80;
      p[1] = (i === packets - 1 ? 0x80 : 0) | VP8_PT;
      p.writeUInt16BE(this.seq, 2);
      p.writeUInt32BE(this.ts, 4);
      p.writeUInt32BE(this.ssrc, 8);
      // VP8 descriptor: X, S on the first packet, PID 0; then I with a 15-bit picture ID.
      p[12] = 0x80 | (i === 0 ? 0x10 : 0);
      p[13] = 0x80;
      p.writeUInt16BE(0x8000 | this.pictureId, 14);
      // VP8 payload header: bit 0 clear = keyframe.
      p[16] = key ? 0x00 : 0x01;
      p.writeUInt32BE((tag | this.tagBits) >>> 0, 17);
      track.sendMessageBinary(p);
    }
  }

  /** RTCP from the server on this layer: a PLI (PSFB, FMT 1) asks for a keyframe. */
  onRtcp(buf: Buffer): void {
    for (let at = 0; at + 4 <= buf.length;) {
      const fmt = buf[at]! & 0x1f;
      const pt = buf[at + 1]!;
      if (pt === 206 && fmt === 1) {
        this.plisReceived++;
        this.framesSinceKey = KEYFRAME_INTERVAL;
      } else if (pt === 206 && fmt === 15 && at + 24 <= buf.length && buf.toString('ascii', at + 12, at + 16) === 'REMB') {
        const exp = buf[at + 17]! >> 2;
        const mantissa = ((buf[at + 17]! & 0x03) << 16) | buf.readUInt16BE(at + 18);
        this.lastRembBps = mantissa * 2 ** exp;
      } else if (pt === 205 && fmt === 1) {
        this.nacksReceived++;
      }
      at += (buf.readUInt16BE(at + 2) + 1) * 4;
    }
  }
}
