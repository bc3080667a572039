// The media side of one Space: its peers, the publishers among them, and the mapping of
// publishers onto each subscriber's stable slots. It knows participants only by opaque
// ids; roles, accounts and permissions live in the Spaces domain above it.
import { EventEmitter } from 'node:events';
import { pino, type Logger } from 'pino';
import { Peer, type Layer } from '../transport/peer.js';
import { AudioPublisher } from '../forwarding/audio-publisher.js';
import { AudibleSpeakers } from '../forwarding/audible-speakers.js';
import { emptyReceptionReport, type ReceptionReport } from '../../wire/rtcp.js';
import { InvalidSdpError } from '../transport/sdp.js';
import { StageVideo } from '../forwarding/stage-video.js';
import { createDetector, type SpeakerDetector } from '../speaker/detector.js';
import type { RoomTap } from './room-tap.js';
import { TapLink } from './tap-link.js';
import { OfferedSessions } from './offered-sessions.js';
import type { MediaRoomEvents } from './room-handle.js';
import { SpeakingLevels } from './speaking-levels.js';
import type { MediaRoomOptions } from './room-options.js';

/** How many people on stage every subscriber hears at once: the most recent talkers (Jitsi's N = 3). */
export const AUDIBLE_SPEAKERS = 3;
const SPEAKING_INTERVAL_MS = 150;
const RTCP_INTERVAL_MS = 1000;
/** How often the dominant-speaker detector re-decides. */
const DECIDE_INTERVAL_MS = 50;

const SILENT = pino({ level: 'silent' });

export class MediaRoom extends EventEmitter<MediaRoomEvents> {
  private readonly peers = new Map<string, Peer>();
  /** WHIP publishers and WHEP players: peers whose clients made the offer. */
  private readonly sessions: OfferedSessions;
  private readonly publishers = new Map<string, AudioPublisher>();
  /** The publishers whose audio reaches subscribers now; every subscriber has a slot for each. */
  private readonly audible: AudibleSpeakers<AudioPublisher>;
  private readonly speakingTimer: ReturnType<typeof setInterval>;
  private readonly rtcpTimer: ReturnType<typeof setInterval>;
  private readonly decideTimer: ReturnType<typeof setInterval>;
  private readonly detector: SpeakerDetector;
  private readonly stageVideo: StageVideo;
  private readonly speakingLevels = new SpeakingLevels();
  private tap: TapLink | null = null;
  /** An edge node's copy of a Space: the owner decides the active speaker, this room follows. */
  private following = false;
  private closed = false;
  private readonly log: Logger;
  private readonly scratch = Buffer.alloc(64);
  private readonly report: ReceptionReport = emptyReceptionReport();

  constructor(
    readonly id: string,
    private readonly options: MediaRoomOptions,
  ) {
    super();
    this.log = (options.log ?? SILENT).child({ room: id });
    this.audible = new AudibleSpeakers(options.audibleSpeakers ?? AUDIBLE_SPEAKERS);
    this.detector = createDetector('ours');
    this.stageVideo = new StageVideo(options.counters, (id, layer) => options.relay?.keyframeRequest(id, layer));
    this.speakingTimer = setInterval(() => this.emitSpeaking(), SPEAKING_INTERVAL_MS);
    this.rtcpTimer = setInterval(() => this.sendReports(), RTCP_INTERVAL_MS);
    this.decideTimer = setInterval(() => this.decideSpeaker(), DECIDE_INTERVAL_MS);
    this.speakingTimer.unref();
    this.rtcpTimer.unref();
    this.decideTimer.unref();
    this.sessions = new OfferedSessions({
      transport: options.transport,
      counters: options.counters,
      ...(options.h264 ? { h264: options.h264 } : {}),
      publishers: this.publishers,
      audible: this.audible,
      stageVideo: this.stageVideo,
      isClosed: () => this.closed,
      onMic: (id, buf) => this.onMic(id, buf),
      onMicChanged: (id, facts) => this.onMicChanged(id, facts),
      onCam: (id, layer, buf) => this.onCam(id, layer, buf),
      connectionState: (id, state) => this.emit('connectionState', id, state),
      log: this.log,
    });
  }

  get activeSpeaker(): string | null {
    return this.stageVideo.activeSpeaker;
  }

  get peerCount(): number {
    return this.peers.size;
  }

  /** Creates (or replaces, after a reconnect) the participant's PeerConnection and sends the first offer. */
  connect(participantId: string): void {
    this.disconnect(participantId);
    const publisher = this.publishers.get(participantId);
    const peer = new Peer(
      participantId,
      this.options.transport,
      this.options.counters,
      {
        offer: (sdp, fresh) => this.emit('offer', participantId, sdp, fresh),
        candidates: (list, mid) => this.emit('candidates', participantId, list, mid),
        // While a WHIP publisher carries this person's microphone and camera, their browser's are ignored.
        micMessage: (buf) => this.sessions.ingesting(participantId) || this.onMic(participantId, buf),
        micChanged: (facts) => this.sessions.ingesting(participantId) || this.onMicChanged(participantId, facts),
        connectionState: (state) => {
          this.log.debug({ peer: participantId, state }, 'peer connection state');
          this.emit('connectionState', participantId, state);
        },
        camMessage: (layer, buf) => this.sessions.ingesting(participantId) || this.onCam(participantId, layer, buf),
        camChanged: (ssrcs) => this.sessions.ingesting(participantId) || this.stageVideo.configureCamera(peer, ssrcs),
        videoSwitched: (sourceId) =>
          this.emit('stageVideo', participantId, sourceId, this.stageVideo.isPinned(participantId), this.stageVideo.layerOf(participantId)),
      },
      this.audible.capacity,
      this.log,
    );
    this.peers.set(participantId, peer);
    for (const pub of this.audible.members) if (pub.id !== participantId) pub.attach(peer.freeSlot()!);
    if (publisher) {
      publisher.configure(null, 0);
      peer.acceptMedia();
    }
    this.stageVideo.addViewer(peer);
    peer.negotiate();
  }

  /**
   * A WHIP publisher for a person on stage: their microphone and camera now come from it.
   * Resolves with our answer; rejects with InvalidSdpError or UnsupportedOfferError.
   */
  acceptIngest(participantId: string, offer: string): Promise<{ answer: string; hasVideo: boolean }> {
    return this.sessions.acceptIngest(participantId, offer);
  }

  /** A WHEP player: a viewer of the stage video and of the speakers (its offer fixes how many). */
  acceptPlayback(participantId: string, offer: string): Promise<string> {
    return this.sessions.acceptPlayback(participantId, offer);
  }

  /** Ends a WHIP or WHEP session (DELETE, or its connection failed). */
  endSession(participantId: string): void {
    this.sessions.end(participantId);
  }

  /** Trickled ICE candidates of a WHIP or WHEP session; false if there is no such session or mid. */
  addSessionCandidate(participantId: string, candidate: string, mid: string): boolean {
    return this.sessions.addCandidate(participantId, candidate, mid);
  }

  private onMic(participantId: string, buf: Buffer): void {
    const pub = this.publishers.get(participantId);
    // Relay before local fan-out: forwarding rewrites the buffer in place.
    if (this.options.relay && pub) this.options.relay.audio(participantId, pub.audioLevelExtId, buf);
    pub?.onMessage(buf, Date.now());
  }

  private onMicChanged(participantId: string, { sending, ssrc, audioLevelExtId }: { sending: boolean; ssrc: number | null; audioLevelExtId: number }): void {
    this.publishers.get(participantId)?.configure(sending ? ssrc : null, audioLevelExtId);
  }

  private onCam(participantId: string, layer: Layer, buf: Buffer): void {
    this.options.relay?.video(participantId, layer, buf);
    this.stageVideo.onCameraPacket(participantId, layer, buf, Date.now());
  }

  /** Tears down the participant's PeerConnection but keeps their publisher role. */
  disconnect(participantId: string): void {
    const peer = this.peers.get(participantId);
    if (!peer) return;
    this.peers.delete(participantId);
    for (const slot of peer.slots) {
      const source = slot.source;
      if (source) this.publishers.get(source.id)?.detach(slot);
    }
    this.publishers.get(participantId)?.configure(null, 0);
    this.stageVideo.removeViewer(participantId);
    peer.close();
  }

  /** Removes the participant entirely: their PeerConnection and, if on stage, their publisher. */
  remove(participantId: string): void {
    this.setPublisher(participantId, false);
    this.disconnect(participantId);
    this.stageVideo.forget(participantId);
  }

  /** The domain's camera flag for a stage member. */
  setCamera(participantId: string, on: boolean): void {
    this.stageVideo.setCamera(participantId, on);
  }

  /** Holds `viewerId`'s stage video on `targetId` (null: follow the active speaker). */
  pin(viewerId: string, targetId: string | null): void {
    this.stageVideo.pin(viewerId, targetId);
  }

  /** Puts a participant on stage (their audio reaches everyone) or takes them off it. */
  setPublisher(participantId: string, onStage: boolean, muted = false): void {
    const existing = this.publishers.get(participantId);
    if (onStage && !existing) {
      // Subscribers get its audio once it talks and becomes one of the audible speakers:
      // joining the stage changes nothing in their PeerConnections.
      const pub = new AudioPublisher({
        id: participantId,
        counters: this.options.counters,
        detector: this.detector,
        ...(this.options.voice ? { voice: this.options.voice } : {}),
        requestLane: (p, now) => this.admitSpeaker(p, now),
        live: !muted,
        tap: this.tap?.audio ?? null,
      });
      this.publishers.set(participantId, pub);
      const peer = this.peers.get(participantId);
      // The publisher's own peer must offer a fresh round so its client starts sending.
      peer?.acceptMedia();
      peer?.negotiate();
    } else if (!onStage && existing) {
      this.audible.remove(existing);
      existing.leaveAudible();
      existing.setLive(false);
      this.publishers.delete(participantId);
      this.sessions.fillPlayers();
      this.detector.removeSpeaker(participantId);
      this.stageVideo.setCamera(participantId, false);
      this.peers.get(participantId)?.negotiate();
    } else if (existing) {
      existing.setLive(!muted);
    }
  }

  /**
   * A publisher talks without slots: it becomes audible if it may, taking the place of the
   * audible speaker who has been quiet the longest. Runs on the packet path, but only at the
   * start of a talkspurt (or while every audible speaker is still talking).
   */
  private admitSpeaker(pub: AudioPublisher, nowMs: number): void {
    const admission = this.audible.admit(pub, nowMs);
    if (!admission.admitted) return;
    admission.evicted?.leaveAudible();
    pub.becomeAudible();
    for (const [id, peer] of this.peers) {
      if (id === pub.id) continue;
      const slot = peer.freeSlot();
      if (slot) pub.attach(slot);
    }
    this.sessions.fillPlayers();
  }

  setMuted(participantId: string, muted: boolean): void {
    const pub = this.publishers.get(participantId);
    if (!pub) return;
    pub.setLive(!muted);
  }

  /** The client wants a new offer (e.g. it attached its microphone). */
  renegotiate(participantId: string): boolean {
    const peer = this.peers.get(participantId);
    if (!peer) return false;
    peer.negotiate();
    return true;
  }

  /** Rejects with InvalidSdpError for an unacceptable answer. */
  async applyAnswer(participantId: string, sdp: string): Promise<void> {
    const peer = this.peers.get(participantId);
    if (!peer) throw new InvalidSdpError('no offer is awaiting an answer');
    peer.applyAnswer(sdp);
  }

  /** Audio of a publisher whose peer lives on another worker. */
  injectAudio(participantId: string, audioLevelExtId: number, buf: Buffer): void {
    const pub = this.publishers.get(participantId);
    if (!pub || this.hostsPublisher(participantId)) return;
    pub.setAudioLevelExtId(audioLevelExtId);
    pub.onMessage(buf, Date.now());
  }

  /** Camera packets of a publisher whose peer lives on another worker. */
  injectVideo(participantId: string, layer: Layer, buf: Buffer): void {
    if (this.hostsPublisher(participantId)) return;
    this.stageVideo.onRemoteCameraPacket(participantId, layer, buf, Date.now());
  }

  /** A viewer on another worker needs a keyframe from a camera published here. */
  requestKeyframe(participantId: string, layer: Layer): void {
    if (!this.hostsPublisher(participantId)) return; // only the worker that hosts the camera asks its client
    this.stageVideo.requestKeyframe(participantId, layer, Date.now());
  }

  /** Whether this participant's media enters the room here (a browser peer or a WHIP publisher). */
  private hostsPublisher(participantId: string): boolean {
    return this.peers.has(participantId) || this.sessions.ingesting(participantId);
  }

  /**
   * Lets a tap (the HLS egress) hear the room: every talking speaker's audio and the stage
   * video following the active speaker. One tap per room; null detaches it.
   */
  setTap(tap: RoomTap | null): void {
    if (this.tap) {
      this.tap.disconnect();
      for (const pub of this.publishers.values()) pub.setTap(null);
      this.tap = null;
    }
    if (!tap || this.closed) return;
    this.tap = new TapLink(tap, this.stageVideo, this.options.counters);
    for (const pub of this.publishers.values()) pub.setTap(this.tap.audio);
  }

  addCandidate(participantId: string, candidate: string, mid: string): void {
    this.peers.get(participantId)?.addRemoteCandidate(candidate, mid);
  }

  isPublishing(participantId: string): boolean {
    return this.publishers.get(participantId)?.ssrc != null;
  }

  /** Loss reported by subscribers for their slots and measured on publishers, averaged; for metrics. */
  lossSummary(): { downstream: number; upstream: number } {
    let down = 0;
    let downN = 0;
    for (const peer of this.peers.values()) {
      for (const slot of peer.slots) {
        if (slot.packetsSent > 0) {
          down += slot.lastFractionLost;
          downN++;
        }
      }
    }
    let up = 0;
    let upN = 0;
    for (const pub of this.publishers.values()) {
      if (pub.ssrc !== null) {
        up += pub.fractionLost;
        upN++;
      }
    }
    return { downstream: downN ? down / downN : 0, upstream: upN ? up / upN : 0 };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.speakingTimer);
    clearInterval(this.rtcpTimer);
    clearInterval(this.decideTimer);
    this.setTap(null);
    for (const id of [...this.peers.keys()]) this.disconnect(id);
    this.sessions.closeAll();
    this.publishers.clear();
    this.audible.clear();
    this.removeAllListeners();
  }

  private emitSpeaking(): void {
    const levels = this.speakingLevels.collect(this.publishers.values(), Date.now());
    if (levels) this.emit('speaking', levels);
  }

  /**
   * From now on the active speaker is decided elsewhere (the Space's owner node) and given here:
   * the edge's viewers switch exactly when the owner's do, not on a decision of their own.
   */
  followSpeaker(participantId: string | null): void {
    this.following = true;
    if (participantId === this.stageVideo.activeSpeaker) return;
    this.stageVideo.setActiveSpeaker(participantId);
    this.sessions.fillPlayers();
    this.emit('activeSpeaker', participantId);
  }

  private decideSpeaker(): void {
    if (this.following) return;
    const before = this.stageVideo.activeSpeaker;
    const now = this.detector.decide(Date.now());
    if (now === before || (now !== null && !this.publishers.has(now))) return;
    this.options.counters.speakerSwitches++;
    this.stageVideo.setActiveSpeaker(now);
    this.sessions.fillPlayers();
    this.emit('activeSpeaker', now);
  }

  private sendReports(): void {
    const now = Date.now();
    this.stageVideo.sendReports(now, this.report);
    for (const peer of this.peers.values()) {
      for (const slot of peer.slots) slot.sendSenderReport(this.scratch, now);
      const pub = this.publishers.get(peer.id);
      if (pub) {
        const len = pub.writeReceiverReport(this.scratch, peer.rtcpSsrc, now, this.report);
        if (len > 0) peer.sendToMic(this.scratch.subarray(0, len));
      }
    }
    this.sessions.sendReports(this.scratch, now, this.report);
  }
}
