// A lightweight client-side peer on node-datachannel, for bots, integration tests and the
// load generator. It answers the server's offers like a browser does and counts what it
// receives; it can publish synthetic Opus-sized RTP that carries RFC 6464 audio levels.
import nodeDataChannel, { type PeerConnection, type Track } from 'node-datachannel';
import * as sdpTransform from 'sdp-transform';
import type { SignallingClient } from '../sdk/signalling.js';

const MIC_MID = 'mic';
const OPUS_PT = 111;
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
}

export class NdcPeer {
  pc: PeerConnection | null = null;
  private readonly tracks: Track[] = [];
  private micTrack: Track | null = null;
  readonly received = new Map<string, ReceivedStream>();
  firstPacketAtMs = 0;
  rtcpReceived = 0;
  private sendTimer: ReturnType<typeof setInterval> | null = null;
  private seq = Math.floor(Math.random() * 0xffff);
  private ts = Math.floor(Math.random() * 0xffffffff);
  readonly ssrc = (Math.floor(Math.random() * 0xfffffffe) + 1) >>> 0;
  /** Level written in the audio-level extension: 127 silence, ~30 speech. */
  level = 127;
  packetsSent = 0;
  private offers: Promise<void> = Promise.resolve();
  private readonly packet = Buffer.alloc(12 + 8 + 120);
  private audioLevelExtId = 1;
  state = 'new';

  constructor(private readonly options: NdcPeerOptions) {
    options.signalling.on('offer', (msg) => {
      this.offers = this.offers.then(() => this.answer(msg.sdp)).catch(() => undefined);
    });
    // After a reconnect the server starts a fresh PeerConnection: so do we.
    options.signalling.on('welcome', () => {
      this.offers = this.offers.then(() => this.resetConnection());
    });
    options.signalling.on('candidate', (msg) => {
      // Candidates follow our answer; apply them after it.
      this.offers = this.offers.then(() => this.pc?.addRemoteCandidate(msg.candidate, msg.mid)).catch(() => undefined);
    });
  }

  /** Starts sending 50 packets/s of Opus-sized RTP, as a browser does whether or not anyone talks. */
  startSending(): void {
    if (this.sendTimer) return;
    this.sendTimer = setInterval(() => this.sendFrame(), 20);
  }

  stopSending(): void {
    if (this.sendTimer) clearInterval(this.sendTimer);
    this.sendTimer = null;
  }


  /** Sets whether the synthetic voice is talking (loud level) or silent (level 127). */
  setTalking(talking: boolean): void {
    this.level = talking ? 30 : 127;
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
    this.stopSending();
    this.resetConnection();
  }

  /** Drops the PeerConnection; the next offer builds a new one. Sending resumes on it by itself. */
  private resetConnection(): void {
    this.micTrack = null;
    try {
      this.pc?.close();
    } catch {
      // already closed
    }
    this.pc = null;
  }

  private createPeerConnection(): PeerConnection {
    const pc = new nodeDataChannel.PeerConnection('bot', { iceServers: [], disableAutoNegotiation: true });
    pc.onStateChange((s) => (this.state = s));
    pc.onTrack((track) => {
      this.tracks.push(track);
      const mid = track.mid();
      if (mid === MIC_MID) return;
      track.onMessage((buf) => this.onSlotMessage(mid, buf));
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
        this.tracks.push(this.micTrack);
        this.micTrack.onMessage(() => this.rtcpReceived++);
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

  private onSlotMessage(mid: string, buf: Buffer): void {
    if (buf.length < 12) return;
    const pt = buf[1]!;
    if (pt >= 192 && pt <= 223) {
      this.rtcpReceived++;
      return;
    }
    const now = performance.now();
    if (this.firstPacketAtMs === 0) this.firstPacketAtMs = Date.now();
    let s = this.received.get(mid);
    if (!s) {
      s = { packets: 0, bytes: 0, firstAtMs: now, lastAtMs: now, byTag: new Map(), lastSeq: -1, lost: 0, jitterMs: 0, lastTransitMs: NaN };
      this.received.set(mid, s);
    }
    s.packets++;
    s.bytes += buf.length;
    const seq = buf.readUInt16BE(2);
    if (s.lastSeq >= 0) {
      const gap = (seq - s.lastSeq - 1) & 0xffff;
      if (gap > 0 && gap < 1000) s.lost += gap;
    }
    s.lastSeq = seq;
    const transit = now - buf.readUInt32BE(4) / 48;
    if (!Number.isNaN(s.lastTransitMs)) {
      const d = Math.abs(transit - s.lastTransitMs);
      if (d < 1000) s.jitterMs += (d - s.jitterMs) / 16;
    }
    s.lastTransitMs = transit;
    s.lastAtMs = now;
    const payloadAt = payloadOffset(buf);
    if (payloadAt >= 0 && payloadAt + 4 <= buf.length) {
      const tag = buf.readUInt32BE(payloadAt);
      s.byTag.set(tag, (s.byTag.get(tag) ?? 0) + 1);
    }
  }

  private sendFrame(): void {
    const track = this.micTrack;
    if (!track || !track.isOpen()) return;
    const p = this.packet;
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + 960) >>> 0;
    p[0] = 0x90; // V=2, X=1
    p[1] = OPUS_PT;
    p.writeUInt16BE(this.seq, 2);
    p.writeUInt32BE(this.ts, 4);
    p.writeUInt32BE(this.ssrc, 8);
    // One-byte header extension block with the audio level (id 1, one byte of data).
    p.writeUInt16BE(0xbede, 12);
    p.writeUInt16BE(1, 14);
    p[16] = (this.audioLevelExtId << 4) | 0;
    p[17] = (this.level < 127 ? 0x80 : 0) | this.level;
    p[18] = 0;
    p[19] = 0;
    p.writeUInt32BE(this.options.tag ?? 0, 20);
    if (track.sendMessageBinary(p)) this.packetsSent++;
  }
}

function payloadOffset(buf: Buffer): number {
  const b0 = buf[0]!;
  let offset = 12 + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (buf.length < offset + 4) return -1;
    offset += 4 + buf.readUInt16BE(offset + 2) * 4;
  }
  return offset;
}

function waitGathered(pc: PeerConnection, timeoutMs = 5000): Promise<void> {
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
