// RFC 7741 VP8 RTP packetizer for bots that publish real, pre-encoded VP8 (see
// src/bots/media-clip.ts). Every packet carries the extended descriptor with a 15-bit
// picture ID, as browsers send it: the SFU keeps picture IDs continuous across a change of
// source (src/wire/vp8.ts), which it can only do when they are there.

export const VP8_DESCRIPTOR_BYTES = 4;
const RTP_HEADER_BYTES = 12;

export interface Vp8PacketizerOptions {
  ssrc: number;
  payloadType?: number;
  /** Largest RTP payload (descriptor included), in bytes; keeps packets under the path MTU after SRTP. */
  maxPayload?: number;
  /** First sequence number (random by default, as RFC 3550 asks). */
  sequence?: number;
  /** First picture ID, 15 bits (random by default). */
  pictureId?: number;
}

export class Vp8Packetizer {
  readonly ssrc: number;
  readonly payloadType: number;
  readonly maxPayload: number;
  /** Sequence number of the next packet. */
  sequence: number;
  /** Picture ID of the next frame. */
  pictureId: number;
  private readonly buf: Buffer;
  /**
   * One view of `buf` per packet length, made the first time that length occurs: sending
   * needs a Buffer of the exact length, and a fresh subarray per packet would be garbage.
   */
  private readonly views: Buffer[] = [];

  constructor(opts: Vp8PacketizerOptions) {
    this.ssrc = opts.ssrc >>> 0;
    this.payloadType = opts.payloadType ?? 96;
    this.maxPayload = opts.maxPayload ?? 1100;
    if (!Number.isInteger(this.maxPayload) || this.maxPayload <= VP8_DESCRIPTOR_BYTES) {
      throw new RangeError(`maxPayload must leave room for the ${VP8_DESCRIPTOR_BYTES}-byte descriptor`);
    }
    this.sequence = (opts.sequence ?? Math.floor(Math.random() * 0x10000)) & 0xffff;
    this.pictureId = (opts.pictureId ?? Math.floor(Math.random() * 0x8000)) & 0x7fff;
    this.buf = Buffer.alloc(RTP_HEADER_BYTES + this.maxPayload);
  }

  /**
   * Splits one encoded frame into RTP packets and hands each to `send`, in order. The packet
   * is a view of a buffer reused for the next one: `send` must use it (or copy it) before it
   * returns; it may also rewrite it in place. node-datachannel's Track.sendMessageBinary copies, so it can be passed as is.
   * Returns the number of packets.
   */
  packetize(frame: Buffer, rtpTimestamp: number, send: (pkt: Buffer) => void): number {
    if (frame.length === 0) throw new RangeError('an empty VP8 frame cannot be packetized');
    const room = this.maxPayload - VP8_DESCRIPTOR_BYTES;
    const count = Math.ceil(frame.length / room);
    // Equal-sized packets rather than full ones and a runt: the same packet count, and no
    // tiny last packet for the network to lose as readily as a big one.
    const base = Math.floor(frame.length / count);
    const bigger = frame.length % count;
    const b = this.buf;
    let at = 0;
    for (let i = 0; i < count; i++) {
      const size = base + (i < bigger ? 1 : 0);
      // The whole header every packet: a receiver in this process (the SFU) rewrites SSRC,
      // timestamp and picture ID in place in the buffer we hand it.
      b[0] = 0x80; // V=2, no padding, no extension, no CSRC
      b.writeUInt32BE(rtpTimestamp >>> 0, 4);
      b.writeUInt32BE(this.ssrc, 8);
      b[RTP_HEADER_BYTES + 1] = 0x80; // I: a picture ID follows
      b[RTP_HEADER_BYTES + 2] = 0x80 | (this.pictureId >> 8); // M: 15-bit form
      b[RTP_HEADER_BYTES + 3] = this.pictureId & 0xff;
      b[1] = (i === count - 1 ? 0x80 : 0) | (this.payloadType & 0x7f);
      b[2] = this.sequence >> 8;
      b[3] = this.sequence & 0xff;
      // X, and S on the first packet of the frame; PID stays 0 (one partition as far as we say).
      b[RTP_HEADER_BYTES] = 0x80 | (i === 0 ? 0x10 : 0);
      frame.copy(b, RTP_HEADER_BYTES + VP8_DESCRIPTOR_BYTES, at, at + size);
      at += size;
      this.sequence = (this.sequence + 1) & 0xffff;
      send(this.view(RTP_HEADER_BYTES + VP8_DESCRIPTOR_BYTES + size));
    }
    this.pictureId = (this.pictureId + 1) & 0x7fff;
    return count;
  }

  private view(length: number): Buffer {
    let v = this.views[length];
    if (!v) {
      v = this.buf.subarray(0, length);
      this.views[length] = v;
    }
    return v;
  }
}
