// A WHIP publisher's PeerConnection (RFC 9725): the client offers, we answer. It carries one
// person's microphone and camera into the room exactly as their browser peer would (the same
// events), so the room forwards it, detects speech and switches the stage video to it alike.
// We accept Opus and VP8 only; the first video m-line is the camera's high layer and a second
// one, if any, its low layer.
import nodeDataChannel, { type PeerConnection, type Track } from 'node-datachannel';
import { answerOffer, closePeerConnection, keepTrack, openPeerConnection, addTrickledCandidate } from './peer-connection.js';
import { addOpus, readIngestOffer, type OfferPlan } from './client-offer.js';
import { AUDIO_LEVEL_URI } from './sdp.js';
import { isRtcp, writeRtpPayloadType } from '../../wire/rtp.js';
import { OPUS_PT, VP8_PT } from '../../wire/payload-types.js';
import { nextSsrc, type Layer } from './peer.js';
import { visitRtcp, writePli } from '../../wire/rtcp.js';
import { H264Depacketizer } from '../../codecs/h264-depacketizer.js';
import { Vp8Packetizer } from '../../codecs/vp8-packetizer.js';
import { rtpMarker, rtpPayloadBounds, rtpSequence, rtpTimestamp } from '../../wire/rtp.js';

/**
 * Decodes H.264 access units and calls back with VP8 frames (ffmpeg, injected by the composition
 * root). `onRestart`: a fresh decoder took over, and it cannot start without a keyframe.
 */
export type H264Transcoder = (handlers: { onFrame(frame: { data: Buffer; keyframe: boolean }): void; onRestart(): void }) => {
  push(accessUnit: Buffer): void;
  close(): void;
};
import type { TransportConfig } from './transport-config.js';

export interface IngestPeerEvents {
  micMessage(buf: Buffer): void;
  camMessage(layer: Layer, buf: Buffer): void;
  micChanged(facts: { sending: boolean; ssrc: number | null; audioLevelExtId: number }): void;
  /** Which layers the publisher sends, by SSRC; `sender` is this peer (it takes our RTCP). */
  camChanged(sender: IngestPeer, ssrcs: Record<Layer, number | null>): void;
  connectionState(state: string): void;
}

export class IngestPeer {
  readonly pc: PeerConnection;
  private readonly tracks: Track[] = [];
  private micTrack: Track | null = null;
  private readonly camTracks: Partial<Record<Layer, Track>> = {};
  private readonly mids = new Set<string>();
  private readonly camSsrcs: Record<Layer, number | null> = { high: null, low: null };
  private transcodedVideo = false;
  readonly rtcpSsrc = nextSsrc();
  private closed = false;
  /** Whether the offer had a camera: the app turns the person's camera on for it. */
  hasVideo = false;

  private constructor(
    readonly id: string,
    private readonly transport: TransportConfig,
    private readonly events: IngestPeerEvents,
  ) {
    this.pc = openPeerConnection(`ingest-${id}`, transport);
    this.pc.onStateChange((state) => events.connectionState(state));
  }

  /** Set when the camera arrives as H.264: what turns it into VP8, and what it sends with. */
  private h264: { transcoder: ReturnType<H264Transcoder>; sourceSsrc: number; track: Track } | null = null;
  private readonly scratch = Buffer.alloc(64);

  /**
   * Builds the peer for `offer` and resolves with our answer. Throws InvalidSdpError /
   * UnsupportedOfferError. With `h264`, an H.264-only camera is taken and transcoded to VP8.
   */
  static async accept(
    id: string,
    offer: string,
    transport: TransportConfig,
    events: IngestPeerEvents,
    h264?: H264Transcoder,
  ): Promise<{ peer: IngestPeer; answer: string }> {
    const plan = readIngestOffer(offer, !!h264);
    const peer = new IngestPeer(id, transport, events);
    try {
      peer.addTracks(plan, h264);
      const answer = await answerOffer(peer.pc, plan.offer, transport);
      peer.announce(plan);
      return { peer, answer };
    } catch (err) {
      peer.close();
      throw err;
    }
  }

  addRemoteCandidate(candidate: string, mid: string): boolean {
    return addTrickledCandidate(this.pc, this.mids, candidate, mid, this.transport.bindAddress);
  }

  sendToMic(buf: Buffer): void {
    if (this.micTrack?.isOpen()) this.micTrack.sendMessageBinary(buf);
  }

  sendToCam(layer: Layer, buf: Buffer): void {
    if (this.h264 && layer === 'high') return this.relayToH264Source(buf);
    const track = this.camTracks[layer];
    if (track?.isOpen()) track.sendMessageBinary(buf);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.h264?.transcoder.close();
    closePeerConnection(this.pc, this.tracks);
  }

  private addTracks(plan: OfferPlan, h264: H264Transcoder | undefined): void {
    for (const s of plan.sections) {
      if (s.direction !== 'sendonly' && s.direction !== 'sendrecv') continue;
      if (s.kind === 'audio' && !this.micTrack) {
        const media = new nodeDataChannel.Audio(s.mid, 'RecvOnly');
        addOpus(media, s.payloadType, s.fmtp);
        if (s.audioLevelExtId) media.parseSdpLine(`a=extmap:${s.audioLevelExtId} ${AUDIO_LEVEL_URI}`);
        const track = this.pc.addTrack(media);
        const pt = s.payloadType;
        track.onMessage((buf) => {
          // The room speaks our payload types; this client may use others.
          if (!isRtcp(buf) && buf.length >= 12 && (buf[1]! & 0x7f) === pt) writeRtpPayloadType(buf, OPUS_PT);
          this.events.micMessage(buf);
        });
        this.micTrack = track;
        this.keep(track, s.mid);
      } else if (s.kind === 'video' && s.codec === 'h264') {
        if (this.camTracks.high || !h264) continue;
        this.addH264Camera(s.mid, s.payloadType, s.fmtp, s.ssrc, h264);
      } else if (s.kind === 'video') {
        const layer: Layer | null = !this.camTracks.high ? 'high' : !this.camTracks.low ? 'low' : null;
        if (!layer) continue;
        const media = new nodeDataChannel.Video(s.mid, 'RecvOnly');
        media.addVP8Codec(s.payloadType);
        const track = this.pc.addTrack(media);
        track.onMessage((buf) => {
          const rtp = !isRtcp(buf) && buf.length >= 12 && (buf[1]! & 0x7f) === s.payloadType;
          // An offer without a=ssrc (rid-only senders do that): learn the SSRC from the first RTP packet.
          if (rtp && this.camSsrcs[layer] === null) {
            this.camSsrcs[layer] = buf.readUInt32BE(8);
            this.events.camChanged(this, { ...this.camSsrcs });
          }
          if (rtp) writeRtpPayloadType(buf, VP8_PT);
          this.events.camMessage(layer, buf);
        });
        this.camTracks[layer] = track;
        this.hasVideo = true;
        this.keep(track, s.mid);
      }
    }
  }

  /**
   * An H.264 camera: reassembled, transcoded to VP8, and packetized again as our own VP8 stream
   * (its own SSRC), which the room then treats like any browser camera's high layer.
   */
  private addH264Camera(mid: string, pt: number, fmtp: string, ssrc: number | null, factory: H264Transcoder): void {
    const media = new nodeDataChannel.Video(mid, 'RecvOnly');
    if (fmtp) media.addH264Codec(pt, fmtp);
    else media.addH264Codec(pt);
    const track = this.pc.addTrack(media);
    const vp8Ssrc = nextSsrc();
    const packetizer = new Vp8Packetizer({ ssrc: vp8Ssrc, payloadType: VP8_PT });
    const t0 = performance.now();
    const tsBase = (Math.random() * 0xffffffff) >>> 0;
    const transcoder = factory({
      onFrame: (frame) => {
        // Stamped on arrival: the transcoder adds no jitter worth modelling at this scale.
        const ts = (tsBase + Math.round((performance.now() - t0) * 90)) >>> 0;
        packetizer.packetize(frame.data, ts, (pkt) => this.events.camMessage('high', pkt));
      },
      onRestart: () => this.requestSourceKeyframe(),
    });
    const depacketizer = new H264Depacketizer((unit) => transcoder.push(unit.data));
    this.h264 = { transcoder, sourceSsrc: ssrc ?? 0, track };
    track.onMessage((buf) => {
      if (isRtcp(buf) || buf.length < 12 || (buf[1]! & 0x7f) !== pt) return;
      const h = this.h264!;
      if (h.sourceSsrc === 0) h.sourceSsrc = buf.readUInt32BE(8);
      const bounds = rtpPayloadBounds(buf);
      if (!bounds || bounds[1] <= bounds[0]) return;
      depacketizer.push(buf.subarray(bounds[0], bounds[1]), rtpSequence(buf), rtpTimestamp(buf), rtpMarker(buf));
    });
    this.camTracks.high = track;
    this.camSsrcs.high = vp8Ssrc;
    this.transcodedVideo = true;
    this.hasVideo = true;
    this.keep(track, mid);
  }

  /** RTCP the room sends our transcoded stream: a keyframe request goes on to the real camera. */
  private relayToH264Source(buf: Buffer): void {
    let pli = false;
    visitRtcp(buf, { pli: () => (pli = true) });
    if (pli) this.requestSourceKeyframe();
  }

  private requestSourceKeyframe(): void {
    const h = this.h264;
    if (!h || h.sourceSsrc === 0 || !h.track.isOpen()) return;
    const len = writePli(this.scratch, this.rtcpSsrc, h.sourceSsrc);
    h.track.sendMessageBinary(this.scratch.subarray(0, len));
  }

  private announce(plan: OfferPlan): void {
    const audio = plan.sections.find((s) => s.kind === 'audio' && this.mids.has(s.mid));
    this.events.micChanged({ sending: !!audio, ssrc: audio?.ssrc ?? null, audioLevelExtId: audio?.audioLevelExtId ?? 0 });
    const video = plan.sections.filter((s) => s.kind === 'video' && this.mids.has(s.mid));
    if (!this.transcodedVideo) {
      this.camSsrcs.high = video[0]?.ssrc ?? null;
      this.camSsrcs.low = video[1]?.ssrc ?? null;
    }
    this.events.camChanged(this, { ...this.camSsrcs });
  }

  private keep(track: Track, mid: string): void {
    keepTrack(this.tracks, track);
    this.mids.add(mid);
  }
}
