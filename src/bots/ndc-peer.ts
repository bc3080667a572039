// A lightweight client-side peer on node-datachannel, for bots, integration tests and the
// load generator. It answers the server's offers like a browser does and counts what it
// receives; it can publish synthetic Opus-sized RTP that carries RFC 6464 audio levels, or
// real media from clips (media-clip.ts): Opus speech and VP8 video a decoder can play.
import nodeDataChannel, { type PeerConnection, type Track } from 'node-datachannel';
import * as sdpTransform from 'sdp-transform';
import type { SignallingClient } from '../sdk/signalling.js';
import { LOW_LAYER_TAG_BIT, SyntheticCamera } from './synthetic-camera.js';
import { rtpPayloadOffset } from '../wire/rtp.js';
import { closePeerConnection, keepTrack } from '../media/transport/peer-connection.js';
import { OpusClipPlayer, Vp8ClipPlayer, type SpeechClip, type Vp8Clip } from './media-clip.js';
import { ReceiverReports } from './receiver-reports.js';
import { StageVideoReceiver, type VideoPacketRecord } from './stage-video-receiver.js';

export type { VideoPacketRecord } from './stage-video-receiver.js';

const MIC_MID = 'mic';
const CAM_MID = 'cam';
const CAM_LOW_MID = 'caml';
const STAGE_VIDEO_MID = 'v0';
const OPUS_PT = 111;
const VP8_PT = 96;
const VIDEO_FPS = 30;
/** One 120 ms syllable, then an 80 ms dip (levels in -dBov). */
const SYLLABLE_LEVELS = [34, 28, 24, 24, 28, 34];

const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

export interface ReceivedStream {
  packets: number;
  bytes: number;
  firstAtMs: number;
  lastAtMs: number;
  /** Packets per synthetic publisher tag (first 4 payload bytes), for tests that need to know who they heard. */
  byTag: Map<number, number>;
  lastSeq: number;
  lost: number;
  /** Sequence numbers that did not follow the previous one by exactly 1 (loss, reorder, or a bad rewrite). */
  discontinuities: number;
  /** RFC 3550 interarrival jitter estimate in ms. */
  jitterMs: number;
  lastTransitMs: number;
}

export interface NdcPeerOptions {
  signalling: SignallingClient;
  /** Offer a microphone m-line answer, so that this peer can publish when on stage. */
  canPublish?: boolean;
  /** Tag written in the first 4 bytes of every synthetic payload. */
  tag?: number;
  /** Keep a record of every stage-video packet (tests); off for load runs, which only count. */
  logVideo?: boolean;
  /** Send receiver reports on the audio it hears, every 5 s as a browser does (default on). */
  receiverReports?: boolean;
}

export class NdcPeer {
  pc: PeerConnection | null = null;
  private readonly tracks: Track[] = [];
  private micTrack: Track | null = null;
  /** The camera's two layers, as the server offers them ("cam" full size, "caml" scaled down). */
  readonly cameras = [new SyntheticCamera(CAM_MID, 3, 0), new SyntheticCamera(CAM_LOW_MID, 1, LOW_LAYER_TAG_BIT)];
  private videoTimer: ReturnType<typeof setInterval> | null = null;
  /** Tag written into synthetic video payloads (defaults to the audio tag). */
  videoTag = 0;
  readonly received = new Map<string, ReceivedStream>();
  /** What the stage-video slot ("v0") delivers: counted, logged for tests, and answered with NACKs and RRs. */
  private readonly stageVideo: StageVideoReceiver;
  firstPacketAtMs = 0;
  /** performance.now() of the first audio packet, for join-time measurements. */
  firstPacketPerfMs = 0;
  rtcpReceived = 0;
  private sendTimer: ReturnType<typeof setInterval> | null = null;
  speechClip: OpusClipPlayer | null = null;
  cameraClip: Vp8ClipPlayer | null = null;
  /** Every RTP packet received on an audio slot or the stage-video slot ("v0"); each is a fresh Buffer. */
  onRtp: ((mid: string, packet: Buffer) => void) | null = null;
  private seq = Math.floor(Math.random() * 0xffff);
  private ts = Math.floor(Math.random() * 0xffffffff);
  readonly ssrc = (Math.floor(Math.random() * 0xfffffffe) + 1) >>> 0;
  /** Receiver reports on the audio slots (RTCP as a browser's listener sends it). */
  readonly audioReports = new ReceiverReports(this.ssrc);
  /** Whether the synthetic voice is talking. */
  talking = false;
  private frameCount = 0;
  packetsSent = 0;
  private offers: Promise<void> = Promise.resolve();
  private readonly packet = Buffer.alloc(12 + 8 + 120);
  private audioLevelExtId = 1;
  state = 'new';
  /**
   * The UDP ports the server's candidates named since its last fresh offer: which media worker
   * (of which node, in a cluster) holds this peer's PeerConnection.
   */
  readonly serverPorts = new Set<number>();
  /** close() was called: nothing restarts (a packet can still land just after). */
  private closed = false;

  constructor(readonly options: NdcPeerOptions) {
    this.stageVideo = new StageVideoReceiver(
      () => this.tracks.find((t) => t.mid() === STAGE_VIDEO_MID),
      options.logVideo !== false,
      (buf) => this.onRtp?.(STAGE_VIDEO_MID, buf),
    );
    options.signalling.on('offer', (msg) => {
      // A fresh offer comes from a new server-side PeerConnection: ours goes, as on a reconnect.
      this.offers = this.offers
        .then(() => {
          if (msg.fresh) this.resetConnection();
          if (msg.fresh) this.serverPorts.clear();
          this.notePorts(msg.sdp);
          return this.answer(msg.sdp);
        })
        .catch(() => undefined);
    });
    // After a reconnect the server starts a fresh PeerConnection: so do we.
    options.signalling.on('welcome', () => {
      this.offers = this.offers.then(() => this.resetConnection());
    });
    // Moved to the HLS tier: the server dropped its side of the PeerConnection, so do we.
    options.signalling.on('tier', (msg) => {
      if (msg.tier === 'hls') this.offers = this.offers.then(() => this.resetConnection());
    });
    options.signalling.on('candidate', (msg) => {
      // Candidates follow our answer; apply them after it.
      this.notePorts(msg.candidate);
      this.offers = this.offers.then(() => this.pc?.addRemoteCandidate(msg.candidate, msg.mid)).catch(() => undefined);
    });
  }

  private notePorts(text: string): void {
    // candidate:<foundation> <component> <transport> <priority> <address> <port> typ ...
    for (const m of text.matchAll(/candidate:\S+ \d+ \S+ \d+ \S+ (\d+) typ/g)) this.serverPorts.add(Number(m[1]));
  }

  /** Starts sending 50 packets/s of Opus-sized RTP, as a browser does whether or not anyone talks. */
  startSending(): void {
    if (this.sendTimer && !this.speechClip) return;
    this.stopSending();
    this.sendTimer = setInterval(() => this.sendFrame(), 20);
  }

  stopSending(): void {
    if (this.sendTimer) clearInterval(this.sendTimer);
    this.sendTimer = null;
    this.speechClip = null;
  }

  /**
   * Sends the clip's real Opus frames every 20 ms instead of synthetic payloads, continuing the
   * same SSRC, sequence and timestamps. Silence in the clip goes out as it is, like a browser.
   */
  startSendingClip(clip: SpeechClip, opts: { loop?: boolean } = {}): void {
    this.stopSending();
    this.speechClip = new OpusClipPlayer(clip, opts.loop ?? true);
    this.sendTimer = setInterval(() => this.sendClipFrame(), 20);
  }

  /** While paused, the speech clip is replaced by Opus silence at level 127 and resumes where it was. */
  setClipPaused(paused: boolean): void {
    if (this.speechClip) this.speechClip.paused = paused;
  }

  /**
   * Loops the VP8 clip on the high camera layer only: "caml" stays declared but silent, and
   * the server shows "cam" to every viewer not held on the low layer for loss.
   */
  startCameraClip(clip: Vp8Clip): void {
    this.stopVideo();
    this.stopCamera();
    this.cameraClip = new Vp8ClipPlayer(clip, this.cameras[0]!.ssrc, { payloadType: VP8_PT });
    this.cameraClip.start(() => this.cameras[0]!.track);
  }

  stopCamera(): void {
    this.cameraClip?.stop();
    this.cameraClip = null;
  }

  /**
   * Sets whether the synthetic voice is talking or silent (level 127). Talking levels rise
   * and fall five times a second, like syllables, since a dominant-speaker detector rightly
   * ignores a flat tone.
   */
  setTalking(talking: boolean): void {
    this.talking = talking;
  }

  /** The RFC 6464 level of the current frame (0 loudest, 127 silence). */
  private currentLevel(): number {
    if (!this.talking) return 127;
    const phase = this.frameCount % 10;
    return phase < 6 ? SYLLABLE_LEVELS[phase]! : 45;
  }

  packetsFromTag(tag: number): number {
    let n = 0;
    for (const s of this.received.values()) n += s.byTag.get(tag) ?? 0;
    return n;
  }

  totalPackets(): number {
    let n = 0;
    for (const s of this.received.values()) n += s.packets;
    return n;
  }

  close(): void {
    this.closed = true;
    this.stopSending();
    this.stopVideo();
    this.stopCamera();
    this.reportVideoLoss(0);
    this.resetConnection();
  }

  /** Starts a synthetic 30 fps VP8-shaped stream: descriptors, keyframes and picture IDs are real; pixels are not. */
  startVideo(tag = this.options.tag ?? 0): void {
    this.videoTag = tag;
    if (this.videoTimer) return;
    this.stopCamera(); // one stream per SSRC
    this.videoTimer = setInterval(() => {
      for (const cam of this.cameras) cam.sendFrame(this.videoTag, VIDEO_FPS);
    }, 1000 / VIDEO_FPS);
  }

  stopVideo(): void {
    if (this.videoTimer) clearInterval(this.videoTimer);
    this.videoTimer = null;
  }

  /** Packets of the stage-video slot since index `from` whose tag is `tag`. */
  videoFrom(from: number, tag: number): VideoPacketRecord[] {
    return this.stageVideo.from(from, tag);
  }

  /** Sends a generic NACK for stage-video packet `seq` (as received), as a viewer that lost it would. */
  nackVideo(seq: number): void {
    this.stageVideo.nack(seq);
  }

  /** Pretends this viewer's link loses `fraction` of the stage video (0 stops); see StageVideoReceiver. */
  reportVideoLoss(fraction: number): void {
    this.stageVideo.reportLoss(fraction);
  }

  get videoLog(): VideoPacketRecord[] {
    return this.stageVideo.log;
  }

  get videoPackets(): number {
    return this.stageVideo.packets;
  }

  /** Drops the PeerConnection; the next offer builds a new one. Sending resumes on it by itself. */
  private resetConnection(): void {
    this.audioReports.reset();
    this.micTrack = null;
    for (const cam of this.cameras) cam.track = null;
    closePeerConnection(this.pc, this.tracks);
    this.pc = null;
    this.state = 'closed';
  }

  private createPeerConnection(): PeerConnection {
    const pc = new nodeDataChannel.PeerConnection('bot', { iceServers: [], disableAutoNegotiation: true });
    pc.onStateChange((s) => (this.state = s));
    pc.onTrack((track) => {
      keepTrack(this.tracks, track);
      const mid = track.mid();
      if (mid === MIC_MID || mid === CAM_MID || mid === CAM_LOW_MID) return;
      if (mid === STAGE_VIDEO_MID) track.onMessage((buf) => this.stageVideo.onMessage(buf));
      else track.onMessage((buf) => this.onSlotMessage(mid, buf, track));
    });
    return pc;
  }

  private async answer(sdp: string): Promise<void> {
    if (!this.pc) {
      this.pc = this.createPeerConnection();
      const parsed = sdpTransform.parse(sdp);
      const mic = parsed.media.find((m) => String(m.mid) === MIC_MID);
      if (mic && this.options.canPublish) {
        const media = new nodeDataChannel.Audio(MIC_MID, 'SendOnly');
        media.addOpusCodec(OPUS_PT, 'minptime=10;useinbandfec=1');
        const ext = (mic.ext ?? []).find((e) => e.uri === AUDIO_LEVEL_URI);
        if (ext) {
          media.parseSdpLine(`a=extmap:${ext.value} ${AUDIO_LEVEL_URI}`);
          this.audioLevelExtId = ext.value;
        }
        media.addSSRC(this.ssrc, 'bot', 'bot-mic', 'bot-mic');
        this.micTrack = this.pc.addTrack(media);
        keepTrack(this.tracks, this.micTrack);
        this.micTrack.onMessage(() => this.rtcpReceived++);
      }
      for (const cam of this.cameras) {
        if (!this.options.canPublish || !parsed.media.some((m) => String(m.mid) === cam.mid)) continue;
        const video = new nodeDataChannel.Video(cam.mid, 'SendOnly');
        video.addVP8Codec(VP8_PT);
        video.addSSRC(cam.ssrc, 'bot', `bot-${cam.mid}`, `bot-${cam.mid}`);
        cam.track = this.pc.addTrack(video);
        keepTrack(this.tracks, cam.track);
        cam.track.onMessage((buf) => {
          cam.onRtcp(buf);
          if (cam === this.cameras[0]) this.cameraClip?.onRtcp(buf);
        });
      }
    }
    const pc = this.pc;
    pc.setRemoteDescription(sdp, 'offer');
    pc.setLocalDescription('answer');
    await waitGathered(pc);
    const local = pc.localDescription();
    if (!local) throw new Error('no local answer');
    await this.options.signalling.sendAnswer(local.sdp);
  }

  private onSlotMessage(mid: string, buf: Buffer, track: Track): void {
    if (buf.length < 12) return;
    const pt = buf[1]!;
    if (pt >= 192 && pt <= 223) {
      this.rtcpReceived++;
      return;
    }
    if (this.options.receiverReports !== false && !this.closed) {
      this.audioReports.onRtp(mid, track, buf, Date.now());
      this.audioReports.start();
    }
    this.onRtp?.(mid, buf);
    const now = performance.now();
    if (this.firstPacketAtMs === 0) {
      this.firstPacketAtMs = Date.now();
      this.firstPacketPerfMs = now;
    }
    let s = this.received.get(mid);
    if (!s) {
      s = { packets: 0, bytes: 0, firstAtMs: now, lastAtMs: now, byTag: new Map(), lastSeq: -1, lost: 0, discontinuities: 0, jitterMs: 0, lastTransitMs: NaN };
      this.received.set(mid, s);
    }
    s.packets++;
    s.bytes += buf.length;
    const seq = buf.readUInt16BE(2);
    if (s.lastSeq >= 0) {
      const gap = (seq - s.lastSeq - 1) & 0xffff;
      if (gap > 0 && gap < 1000) s.lost += gap;
      if (gap !== 0) s.discontinuities++;
    }
    s.lastSeq = seq;
    const transit = now - buf.readUInt32BE(4) / 48;
    if (!Number.isNaN(s.lastTransitMs)) {
      const d = Math.abs(transit - s.lastTransitMs);
      if (d < 1000) s.jitterMs += (d - s.jitterMs) / 16;
    }
    s.lastTransitMs = transit;
    s.lastAtMs = now;
    const payloadAt = rtpPayloadOffset(buf);
    if (payloadAt >= 0 && payloadAt + 4 <= buf.length) {
      const tag = buf.readUInt32BE(payloadAt);
      s.byTag.set(tag, (s.byTag.get(tag) ?? 0) + 1);
    }
  }

  /** Writes the fields that change per packet (or per connection) into a mic packet. */
  private writeMicHeader(p: Buffer): void {
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + 960) >>> 0;
    p[0] = 0x90; // V=2, X=1
    p[1] = OPUS_PT;
    p.writeUInt16BE(this.seq, 2);
    p.writeUInt32BE(this.ts, 4);
    p.writeUInt32BE(this.ssrc, 8);
    // One-byte header extension block with the audio level (one byte of data).
    p.writeUInt16BE(0xbede, 12);
    p.writeUInt16BE(1, 14);
    p[16] = (this.audioLevelExtId << 4) | 0;
  }

  private sendClipFrame(): void {
    const track = this.micTrack;
    const clip = this.speechClip;
    if (!clip || !track || !track.isOpen()) return;
    const p = clip.next();
    if (!p) return this.stopSending();
    this.writeMicHeader(p);
    if (track.sendMessageBinary(p)) this.packetsSent++;
  }

  private sendFrame(): void {
    const track = this.micTrack;
    if (!track || !track.isOpen()) return;
    const p = this.packet;
    this.writeMicHeader(p);
    const level = this.currentLevel();
    this.frameCount++;
    p[17] = (level < 127 ? 0x80 : 0) | level;
    p[18] = 0;
    p[19] = 0;
    p.writeUInt32BE(this.options.tag ?? 0, 20);
    if (track.sendMessageBinary(p)) this.packetsSent++;
  }
}

/** Resolves once ICE gathering is complete (or after `timeoutMs`), so the SDP carries our candidates. */
export function waitGathered(pc: PeerConnection, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (pc.gatheringState() === 'complete') return resolve();
    const timer = setTimeout(resolve, timeoutMs);
    pc.onGatheringStateChange((s) => {
      if (s === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
