// Synthetic RTP senders for benchmarks, on any node-datachannel Track:
// - OpusLikeSender: 50 packets/s of 140-byte Opus-sized RTP carrying an RFC 6464 level
//   (the same layout src/bots/ndc-peer.ts sends), always talking or always silent.
// - Vp8LikeSender: a 720p-like VP8-shaped stream, by default 30 fps of 6 packets of about
//   1,100 bytes (about 1.6 Mbps on the wire). Descriptors and keyframe bits are real, pixels
//   are not. A PLI or FIR makes the next frame a keyframe; there is one every 2 s anyway.
// Both count received packets (RTCP) so a benchmark can see the far end is alive.
import type { Track } from 'node-datachannel';

export const OPUS_PT = 111;
export const VP8_PT = 96;
export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

const randomSsrc = () => (Math.floor(Math.random() * 0xfffffffe) + 1) >>> 0;
/** Talking levels as syllables (-dBov), so voice-activity detectors see speech. */
const SYLLABLE_LEVELS = [34, 28, 24, 24, 28, 34, 45, 45, 45, 45];

export class OpusLikeSender {
  readonly ssrc = randomSsrc();
  track: Track | null = null;
  talking = true;
  sent = 0;
  private seq = Math.floor(Math.random() * 0xffff);
  private ts = Math.floor(Math.random() * 0xffffffff);
  private frame = 0;
  private readonly packet = Buffer.alloc(12 + 8 + 120);

  constructor(
    private readonly tag: number,
    private readonly levelExtId = 1,
  ) {}

  /** Sends one 20 ms frame; call at 50 Hz. */
  sendFrame(): void {
    const track = this.track;
    if (!track || !track.isOpen()) return;
    const p = this.packet;
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + 960) >>> 0;
    p[0] = 0x90;
    p[1] = OPUS_PT;
    p.writeUInt16BE(this.seq, 2);
    p.writeUInt32BE(this.ts, 4);
    p.writeUInt32BE(this.ssrc, 8);
    p.writeUInt16BE(0xbede, 12);
    p.writeUInt16BE(1, 14);
    p[16] = this.levelExtId << 4;
    const level = this.talking ? SYLLABLE_LEVELS[this.frame % SYLLABLE_LEVELS.length]! : 127;
    this.frame++;
    p[17] = (level < 127 ? 0x80 : 0) | level;
    p[18] = 0;
    p[19] = 0;
    p.writeUInt32BE(this.tag >>> 0, 20);
    if (track.sendMessageBinary(p)) this.sent++;
  }
}

export interface Vp8Shape {
  fps: number;
  packetsPerFrame: number;
  payloadBytes: number;
  keyframeEveryFrames: number;
}

export const VIDEO_720P_LIKE: Vp8Shape = { fps: 30, packetsPerFrame: 6, payloadBytes: 1100, keyframeEveryFrames: 60 };

export class Vp8LikeSender {
  readonly ssrc: number;
  track: Track | null = null;
  sent = 0;
  plis = 0;
  private seq = Math.floor(Math.random() * 0xffff);
  private ts = Math.floor(Math.random() * 0xffffffff);
  private pictureId = Math.floor(Math.random() * 0x7fff);
  private sinceKey: number;
  private readonly packet: Buffer;

  constructor(
    private readonly tag: number,
    readonly shape: Vp8Shape = VIDEO_720P_LIKE,
    /** The SSRC the track's SDP announces (a server routes by it); random when omitted. */
    ssrc?: number,
  ) {
    this.ssrc = ssrc ?? randomSsrc();
    this.sinceKey = shape.keyframeEveryFrames;
    this.packet = Buffer.alloc(12 + 4 + 1 + 4 + shape.payloadBytes);
  }

  /** Attaches to a track and listens for PLI/FIR on it. */
  attach(track: Track): void {
    this.track = track;
    track.onMessage((buf) => this.onRtcp(buf));
  }

  /** Sends one frame; call at `shape.fps`. */
  sendFrame(): void {
    const track = this.track;
    if (!track || !track.isOpen()) return;
    const key = this.sinceKey >= this.shape.keyframeEveryFrames;
    this.sinceKey = key ? 1 : this.sinceKey + 1;
    this.pictureId = (this.pictureId + 1) & 0x7fff;
    this.ts = (this.ts + Math.round(90_000 / this.shape.fps)) >>> 0;
    const p = this.packet;
    const n = this.shape.packetsPerFrame;
    for (let i = 0; i < n; i++) {
      this.seq = (this.seq + 1) & 0xffff;
      p[0] = 0x80;
      p[1] = (i === n - 1 ? 0x80 : 0) | VP8_PT;
      p.writeUInt16BE(this.seq, 2);
      p.writeUInt32BE(this.ts, 4);
      p.writeUInt32BE(this.ssrc, 8);
      // VP8 descriptor: X, S on the first packet of the frame, PID 0; I with a 15-bit picture ID.
      p[12] = 0x80 | (i === 0 ? 0x10 : 0);
      p[13] = 0x80;
      p.writeUInt16BE(0x8000 | this.pictureId, 14);
      // VP8 payload header (first packet only matters): bit 0 clear = keyframe.
      p[16] = key ? 0x00 : 0x01;
      p.writeUInt32BE(this.tag >>> 0, 17);
      if (track.sendMessageBinary(p)) this.sent++;
    }
  }

  private onRtcp(buf: Buffer): void {
    for (let at = 0; at + 4 <= buf.length;) {
      const fmt = buf[at]! & 0x1f;
      const pt = buf[at + 1]!;
      if (pt === 206 && (fmt === 1 || fmt === 4)) {
        this.plis++;
        this.sinceKey = this.shape.keyframeEveryFrames;
      }
      const len = (buf.readUInt16BE(at + 2) + 1) * 4;
      if (len <= 0) break;
      at += len;
    }
  }
}

/** Drives senders from one timer per rate; returns a stop function. */
export function drive(audio: OpusLikeSender[], video: Vp8LikeSender[]): () => void {
  const timers: Array<ReturnType<typeof setInterval>> = [];
  if (audio.length) timers.push(setInterval(() => audio.forEach((s) => s.sendFrame()), 20));
  const fps = video[0]?.shape.fps ?? 30;
  if (video.length) timers.push(setInterval(() => video.forEach((s) => s.sendFrame()), 1000 / fps));
  return () => timers.forEach((t) => clearInterval(t));
}

/** Per-stream receive counting (packets and sequence gaps), as the listener bots do. */
export class RtpCounter {
  packets = 0;
  video = 0;
  lost = 0;
  firstPacketPerfMs = 0;
  private readonly lastSeq = new Map<number, number>();

  onPacket(buf: Buffer, isVideo: boolean): void {
    if (buf.length < 12) return;
    const pt = buf[1]!;
    if (pt >= 192 && pt <= 223) return; // RTCP
    if (this.firstPacketPerfMs === 0 && !isVideo) this.firstPacketPerfMs = performance.now();
    if (isVideo) this.video++;
    else this.packets++;
    const ssrc = buf.readUInt32BE(8);
    const seq = buf.readUInt16BE(2);
    const last = this.lastSeq.get(ssrc);
    if (last !== undefined) {
      const gap = (seq - last - 1) & 0xffff;
      if (gap > 0 && gap < 1000) this.lost += gap;
    }
    this.lastSeq.set(ssrc, seq);
  }
}
