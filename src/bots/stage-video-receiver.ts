// The viewer side of a bot's stage-video slot ("v0"): counts what arrives, keeps a record of
// every packet for tests (tag, frame and keyframe starts, picture ID), and answers as a
// viewer would: a NACK for a packet it lost, receiver reports claiming a lossy link.
import type { Track } from 'node-datachannel';
import { rtpPayloadOffset } from '../wire/rtp.js';

/** One video packet as the stage-video slot delivered it. */
export interface VideoPacketRecord {
  tag: number;
  keyframeStart: boolean;
  frameStart: boolean;
  atMs: number;
  seq: number;
  pictureId: number;
}

/** Any SSRC will do as ours: the server does not check who reports. */
const VIEWER_SSRC = 0x12345678;

export class StageVideoReceiver {
  /** Every packet received, in order (when logging). */
  readonly log: VideoPacketRecord[] = [];
  packets = 0;
  /** The slot's SSRC, learnt from its packets; RTCP about it needs it. */
  private slotSsrc = 0;
  private lossTimer: ReturnType<typeof setInterval> | null = null;
  private readonly rr = Buffer.alloc(32);

  constructor(
    private readonly track: () => Track | undefined,
    private readonly logging: boolean,
    private readonly onRtp: (buf: Buffer) => void,
  ) {}

  onMessage(buf: Buffer): void {
    if (buf.length < 12) return;
    const pt = buf[1]!;
    if (pt >= 192 && pt <= 223) return;
    this.slotSsrc = buf.readUInt32BE(8);
    this.packets++;
    this.onRtp(buf);
    if (!this.logging) return;
    const at = rtpPayloadOffset(buf);
    if (at < 0 || at + 9 > buf.length) return;
    const b0 = buf[at]!;
    const frameStart = (b0 & 0x10) !== 0 && (b0 & 0x07) === 0;
    this.log.push({
      tag: buf.readUInt32BE(at + 5),
      frameStart,
      keyframeStart: frameStart && (buf[at + 4]! & 0x01) === 0,
      atMs: performance.now(),
      seq: buf.readUInt16BE(2),
      pictureId: buf.readUInt16BE(at + 2) & 0x7fff,
    });
  }

  /** Packets since index `from` whose tag is `tag`. */
  from(from: number, tag: number): VideoPacketRecord[] {
    return this.log.slice(from).filter((r) => r.tag === tag);
  }

  /** Sends a generic NACK (RFC 4585) for packet `seq` as received. */
  nack(seq: number): void {
    const track = this.openTrack();
    if (!track) return;
    const n = Buffer.alloc(16);
    n[0] = 0x81;
    n[1] = 205;
    n.writeUInt16BE(3, 2);
    n.writeUInt32BE(VIEWER_SSRC, 4);
    n.writeUInt32BE(this.slotSsrc, 8);
    n.writeUInt16BE(seq, 12);
    n.writeUInt16BE(0, 14);
    track.sendMessageBinary(n);
  }

  /**
   * Pretends the link loses `fraction` of the stage video: receiver reports saying so, twice
   * a second (0 stops). The server should move this viewer to the low layer.
   */
  reportLoss(fraction: number): void {
    if (this.lossTimer) clearInterval(this.lossTimer);
    this.lossTimer = null;
    if (fraction <= 0) return;
    this.lossTimer = setInterval(() => {
      const track = this.openTrack();
      if (!track) return;
      const r = this.rr;
      r[0] = 0x81;
      r[1] = 201;
      r.writeUInt16BE(7, 2);
      r.writeUInt32BE(VIEWER_SSRC, 4);
      r.writeUInt32BE(this.slotSsrc, 8);
      r[12] = Math.min(255, Math.round(fraction * 256));
      r.fill(0, 13, 32);
      track.sendMessageBinary(r);
    }, 500);
  }

  private openTrack(): Track | null {
    const track = this.track();
    return track && track.isOpen() && this.slotSsrc !== 0 ? track : null;
  }
}
