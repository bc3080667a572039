// One participant's PeerConnection on the server. The server is always the offerer:
// a receive-only "mic" m-line for the participant's microphone, then a fixed number of stable
// send slots ("a0", "a1", …) for the audible speakers. Offers are serialised: while an
// answer is awaited, further changes just mark the peer for one more round.
import nodeDataChannel, { type PeerConnection, type Track } from 'node-datachannel';
import type { Logger } from 'pino';
import { DownstreamSlot } from '../forwarding/downstream-slot.js';
import { VideoSlot } from '../forwarding/video-slot.js';
import { OPUS_PT, VP8_PT } from '../../wire/payload-types.js';
import { announceAddress, inspectAnswer, InvalidSdpError, type AnswerFacts } from './sdp.js';
import { closePeerConnection, describeLocal, keepTrack, openPeerConnection, reachableCandidate, reachableOnly } from './peer-connection.js';
import type { MediaCounters } from '../counters.js';
import type { TransportConfig } from './transport-config.js';

export const MIC_MID = 'mic';
export const CAM_MID = 'cam';
/** The camera's low layer: the same camera scaled down, for viewers on poor links (simulcast as two m-lines, since libdatachannel routes by SSRC, not by rid). */
export const CAM_LOW_MID = 'caml';
export type Layer = 'high' | 'low';
export const VIDEO_SLOT_MID = 'v0';
export const AUDIO_LEVEL_EXT_ID = 1;
const OPUS_FMTP = 'minptime=10;useinbandfec=1';

export interface PeerEvents {
  /** A new offer for the client; `fresh` on the first of this PeerConnection (the client builds a new one). */
  offer(sdp: string, fresh: boolean): void;
  /** Our ICE candidates, sent only once the client's first answer (and its DTLS fingerprint) is in. */
  candidates(candidates: string[], mid: string): void;
  /** RTP or RTCP from the participant's microphone. */
  micMessage(buf: Buffer): void;
  /** RTP or RTCP from one layer of the participant's camera. */
  camMessage(layer: Layer, buf: Buffer): void;
  /** The answer says which camera layers the client sends, by SSRC (null: not sending). */
  camChanged(ssrcs: Record<Layer, number | null>): void;
  /** The stage-video slot now shows `sourceId` (after its first keyframe) or nothing. */
  videoSwitched(sourceId: string | null): void;
  /** The answer changed what the client sends on the mic m-line. */
  micChanged(facts: { sending: boolean; ssrc: number | null; audioLevelExtId: number }): void;
  connectionState(state: string): void;
}

let ssrcCounter = (Math.random() * 0x7fffffff) >>> 0;
/** SSRCs we send with (and as the sender of RTCP): distinct across every peer of this process. */
export function nextSsrc(): number {
  ssrcCounter = (ssrcCounter + 0x9e3779b1) >>> 0 || 1;
  return ssrcCounter;
}

export class Peer {
  readonly pc: PeerConnection;
  readonly slots: DownstreamSlot[] = [];
  /** Keep JS references to every Track: node-datachannel stops delivering to collected ones. */
  private readonly tracks: Track[] = [];
  private readonly micTrack: Track;
  private readonly camTracks: Record<Layer, Track>;
  /** The one stage-video slot: every viewer receives exactly one video stream. */
  readonly videoSlot: VideoSlot;
  private offeredMids: string[] = [];
  private awaitingAnswer = false;
  private pendingRound = false;
  private closed = false;
  /** Whether an answer was ever applied: until then our candidates are withheld. */
  private answered = false;
  private withheldCandidates: string[] = [];
  private acceptingMedia = false;
  private warnedCandidate = false;
  /** Whether an offer was ever sent: the first one tells the client to start a fresh PeerConnection. */
  private offered = false;
  private readonly log: Logger;
  /** Our SSRC as the sender of receiver reports about the mic. */
  readonly rtcpSsrc = nextSsrc();

  constructor(
    readonly id: string,
    private readonly transport: TransportConfig,
    private readonly counters: MediaCounters,
    private readonly events: PeerEvents,
    /** Audio send slots: as many as the room has audible speakers. */
    audioSlots: number,
    log: Logger,
  ) {
    this.log = log.child({ peer: id });
    this.pc = openPeerConnection(`peer-${id}`, transport);
    this.pc.onStateChange((state) => events.connectionState(state));
    const mic = new nodeDataChannel.Audio(MIC_MID, 'RecvOnly');
    mic.addOpusCodec(OPUS_PT, OPUS_FMTP);
    mic.parseSdpLine(`a=extmap:${AUDIO_LEVEL_EXT_ID} urn:ietf:params:rtp-hdrext:ssrc-audio-level`);
    this.micTrack = keepTrack(this.tracks, this.pc.addTrack(mic));

    const camTrack = (mid: string): Track => {
      const media = new nodeDataChannel.Video(mid, 'RecvOnly');
      media.addVP8Codec(VP8_PT);
      return keepTrack(this.tracks, this.pc.addTrack(media));
    };
    this.camTracks = { high: camTrack(CAM_MID), low: camTrack(CAM_LOW_MID) };

    const videoSsrc = nextSsrc();
    const slotMedia = new nodeDataChannel.Video(VIDEO_SLOT_MID, 'SendOnly');
    slotMedia.addVP8Codec(VP8_PT);
    slotMedia.addSSRC(videoSsrc, `spaces-${id}`, 'stage-video', 'stage-video');
    const slotTrack = keepTrack(this.tracks, this.pc.addTrack(slotMedia));
    this.videoSlot = new VideoSlot({
      mid: VIDEO_SLOT_MID,
      ssrc: videoSsrc,
      track: slotTrack,
      counters,
      events: { switched: (sourceId) => events.videoSwitched(sourceId) },
    });
    slotTrack.onMessage((buf) => this.videoSlot.onRtcp(buf, Date.now()));
    for (let i = 0; i < audioSlots; i++) this.addAudioSlot();
  }

  /**
   * Starts taking the participant's microphone and camera packets. Only people on stage need
   * it: every callback the binding holds costs the event loop on each of its wake-ups (libuv
   * walks all of them), so an audience of thousands must not hold three idle ones each.
   */
  acceptMedia(): void {
    if (this.acceptingMedia || this.closed) return;
    this.acceptingMedia = true;
    this.micTrack.onMessage((buf) => this.events.micMessage(buf));
    this.camTracks.high.onMessage((buf) => this.events.camMessage('high', buf));
    this.camTracks.low.onMessage((buf) => this.events.camMessage('low', buf));
  }

  private addAudioSlot(): void {
    const mid = `a${this.slots.length}`;
    const ssrc = nextSsrc();
    const media = new nodeDataChannel.Audio(mid, 'SendOnly');
    media.addOpusCodec(OPUS_PT, OPUS_FMTP);
    media.addSSRC(ssrc, `spaces-${this.id}`, `slot-${mid}`, `slot-${mid}`);
    const track = keepTrack(this.tracks, this.pc.addTrack(media));
    const slot = new DownstreamSlot({ mid, ssrc, track, counters: this.counters });
    // RTCP from the client about this slot (receiver reports).
    track.onMessage((buf) => slot.onRtcp(buf));
    this.slots.push(slot);
  }

  freeSlot(): DownstreamSlot | undefined {
    return this.slots.find((s) => s.source === null);
  }

  /** Starts an offer round, or queues one if an answer is still outstanding. */
  negotiate(): void {
    if (this.closed) return;
    if (this.awaitingAnswer) {
      this.pendingRound = true;
      return;
    }
    this.awaitingAnswer = true;
    void this.createOffer().then(
      (sdp) => {
        if (this.closed) return;
        const fresh = !this.offered;
        this.offered = true;
        this.events.offer(sdp, fresh);
      },
      (err: Error) => {
        this.awaitingAnswer = false;
        if (!this.closed) this.log.error({ err }, 'could not make an offer');
      },
    );
  }

  /** Applies the client's answer; throws InvalidSdpError (and changes nothing) when it is unacceptable. */
  applyAnswer(sdp: string): AnswerFacts {
    if (!this.awaitingAnswer) throw new InvalidSdpError('no offer is awaiting an answer');
    const facts = inspectAnswer(sdp, this.offeredMids);
    const micDirection = facts.directions.get(MIC_MID) ?? 'inactive';
    // We offered recvonly for mic and camera; a client can only send there or stay inactive.
    for (const mid of [MIC_MID, CAM_MID, CAM_LOW_MID]) {
      if (facts.directions.get(mid) === 'recvonly') throw new InvalidSdpError(`the ${mid} section must be sendonly or inactive`);
    }
    try {
      this.pc.setRemoteDescription(reachableOnly(sdp, this.transport.bindAddress), 'answer');
    } catch (err) {
      throw new InvalidSdpError(`answer rejected: ${(err as Error).message}`);
    }
    this.awaitingAnswer = false;
    if (!this.answered) {
      this.answered = true;
      this.events.candidates(this.withheldCandidates, MIC_MID);
      this.withheldCandidates = [];
    }
    const sending = micDirection === 'sendonly' || micDirection === 'sendrecv';
    this.events.micChanged({
      sending,
      ssrc: sending ? (facts.ssrcs.get(MIC_MID)?.[0] ?? null) : null,
      audioLevelExtId: facts.audioLevelIds.get(MIC_MID) ?? 0,
    });
    const sent = (mid: string) => {
      const d = facts.directions.get(mid);
      return d === 'sendonly' || d === 'sendrecv' ? (facts.ssrcs.get(mid)?.[0] ?? null) : null;
    };
    this.events.camChanged({ high: sent(CAM_MID), low: sent(CAM_LOW_MID) });
    if (this.pendingRound) {
      this.pendingRound = false;
      this.negotiate();
    }
    return facts;
  }

  addRemoteCandidate(candidate: string, mid: string): void {
    if (!this.offeredMids.includes(mid)) throw new InvalidSdpError(`unknown mid ${mid}`);
    if (!reachableCandidate(candidate, this.transport.bindAddress)) return;
    const line = candidate.startsWith('candidate:') || candidate.startsWith('a=') ? candidate : `candidate:${candidate}`;
    try {
      this.pc.addRemoteCandidate(line, mid);
    } catch (err) {
      // The library refused it (the syntax was checked before): the client's problem, said once.
      if (!this.warnedCandidate) this.log.warn({ reason: (err as Error).message }, 'a remote candidate was refused');
      this.warnedCandidate = true;
    }
  }

  sendToMic(buf: Buffer): void {
    if (this.micTrack.isOpen()) this.micTrack.sendMessageBinary(buf);
  }

  sendToCam(layer: Layer, buf: Buffer): void {
    const track = this.camTracks[layer];
    if (track.isOpen()) track.sendMessageBinary(buf);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots) slot.release();
    this.videoSlot.switchTo(null, Date.now());
    closePeerConnection(this.pc, this.tracks);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async createOffer(): Promise<string> {
    const desc = await describeLocal(this.pc, 'offer');
    this.offeredMids = this.tracks.map((t) => t.mid());
    let sdp = announceAddress(desc.sdp, this.transport.announcedAddress);
    if (!this.answered) {
      // Until the client's answer brings its DTLS fingerprint, a client that reached us
      // by ICE would start a DTLS handshake we must fail. So the first offer carries no
      // candidates; they follow the answer (trickle ICE).
      const split = splitCandidates(sdp);
      sdp = split.sdp;
      this.withheldCandidates = split.candidates;
    }
    return sdp;
  }
}

/** Removes candidate lines from an SDP; returns them in "candidate:…" form. */
function splitCandidates(sdp: string): { sdp: string; candidates: string[] } {
  const candidates = new Set<string>();
  const kept: string[] = [];
  for (const line of sdp.split('\r\n')) {
    if (line.startsWith('a=candidate:')) candidates.add(line.slice(2));
    else if (line !== 'a=end-of-candidates') kept.push(line);
  }
  return { sdp: kept.join('\r\n'), candidates: [...candidates] };
}
