// A room's WHIP publishers and WHEP players: peers whose clients made the offer. A publisher
// stands in for a person's browser microphone and camera (same room entry points); a player is
// a viewer whose m-lines its own offer fixed, so its audio slots carry the active speaker
// first. The room keeps the publishers, the stage video and the packet paths; this keeps the
// sessions and maps them onto those.
import { IngestPeer, type H264Transcoder } from '../transport/ingest-peer.js';
import { PlaybackPeer } from '../transport/playback-peer.js';
import type { AudioPublisher } from '../forwarding/audio-publisher.js';
import type { AudibleSpeakers } from '../forwarding/audible-speakers.js';
import type { StageVideo } from '../forwarding/stage-video.js';
import type { MediaCounters } from '../counters.js';
import type { TransportConfig } from '../transport/transport-config.js';
import type { ReceptionReport } from '../../wire/rtcp.js';
import type { Layer } from '../transport/peer.js';
import type { Logger } from 'pino';

/** What the sessions need from their room. */
export interface SessionHost {
  transport: TransportConfig;
  counters: MediaCounters;
  h264?: H264Transcoder;
  publishers: ReadonlyMap<string, AudioPublisher>;
  audible: AudibleSpeakers<AudioPublisher>;
  stageVideo: StageVideo;
  isClosed(): boolean;
  onMic(participantId: string, buf: Buffer): void;
  onMicChanged(participantId: string, facts: { sending: boolean; ssrc: number | null; audioLevelExtId: number }): void;
  onCam(participantId: string, layer: Layer, buf: Buffer): void;
  connectionState(participantId: string, state: string): void;
  log: Logger;
}

export class OfferedSessions {
  private readonly ingests = new Map<string, IngestPeer>();
  private readonly players = new Map<string, PlaybackPeer>();

  constructor(private readonly room: SessionHost) {}

  /** While a WHIP publisher carries this person's microphone and camera, their browser's are ignored. */
  ingesting(participantId: string): boolean {
    return this.ingests.has(participantId);
  }

  async acceptIngest(participantId: string, offer: string): Promise<{ answer: string; hasVideo: boolean }> {
    const room = this.room;
    const { peer, answer } = await IngestPeer.accept(
      participantId,
      offer,
      room.transport,
      {
        micMessage: (buf) => room.onMic(participantId, buf),
        micChanged: (facts) => room.onMicChanged(participantId, facts),
        camMessage: (layer, buf) => room.onCam(participantId, layer, buf),
        camChanged: (sender, ssrcs) => room.stageVideo.configureCamera(sender, ssrcs),
        connectionState: (state) => room.connectionState(participantId, state),
      },
      room.h264,
    );
    if (room.isClosed()) {
      peer.close();
      throw new Error('room closed');
    }
    this.end(participantId);
    this.ingests.set(participantId, peer);
    room.log.info({ peer: participantId, video: peer.hasVideo }, 'WHIP publisher connected');
    return { answer, hasVideo: peer.hasVideo };
  }

  async acceptPlayback(participantId: string, offer: string): Promise<string> {
    const room = this.room;
    const { peer, answer } = await PlaybackPeer.accept(participantId, offer, room.transport, room.counters, {
      videoSwitched: () => undefined,
      connectionState: (state) => room.connectionState(participantId, state),
    });
    if (room.isClosed()) {
      peer.close();
      throw new Error('room closed');
    }
    this.end(participantId);
    this.players.set(participantId, peer);
    this.fillPlayer(peer);
    room.stageVideo.addViewer(peer);
    room.log.info({ peer: participantId }, 'WHEP player connected');
    return answer;
  }

  end(participantId: string): void {
    const ingest = this.ingests.get(participantId);
    if (ingest) {
      this.room.log.info({ peer: participantId }, 'WHIP session ended');
      this.ingests.delete(participantId);
      ingest.close();
      this.room.publishers.get(participantId)?.configure(null, 0);
      this.room.stageVideo.configureCamera(ingest, { high: null, low: null });
    }
    const player = this.players.get(participantId);
    if (player) {
      this.room.log.info({ peer: participantId }, 'WHEP session ended');
      this.players.delete(participantId);
      for (const slot of player.slots) if (slot.source) this.room.publishers.get(slot.source.id)?.detach(slot);
      this.room.stageVideo.removeViewer(participantId);
      player.close();
    }
  }

  addCandidate(participantId: string, candidate: string, mid: string): boolean {
    const session = this.ingests.get(participantId) ?? this.players.get(participantId);
    return session ? session.addRemoteCandidate(candidate, mid) : false;
  }

  /** The audible speakers or the active speaker changed: players' audio slots follow. */
  fillPlayers(): void {
    for (const player of this.players.values()) this.fillPlayer(player);
  }

  /** Sender reports on players' slots, receiver reports to publishers' microphones. */
  sendReports(scratch: Buffer, nowMs: number, report: ReceptionReport): void {
    for (const player of this.players.values()) for (const slot of player.slots) slot.sendSenderReport(scratch, nowMs);
    for (const ingest of this.ingests.values()) {
      const len = this.room.publishers.get(ingest.id)?.writeReceiverReport(scratch, ingest.rtcpSsrc, nowMs, report) ?? 0;
      if (len > 0) ingest.sendToMic(scratch.subarray(0, len));
    }
  }

  closeAll(): void {
    for (const id of [...this.ingests.keys(), ...this.players.keys()]) this.end(id);
  }

  /**
   * Audio slots carry the audible speakers, the active speaker first: a player that offered
   * fewer audio m-lines than there are audible speakers hears the one the video shows.
   */
  private fillPlayer(player: PlaybackPeer): void {
    const active = this.room.stageVideo.activeSpeaker;
    const order = [...this.room.audible.members].sort((a, b) => Number(b.id === active) - Number(a.id === active));
    const wanted = order.filter((p) => p.id !== player.id).slice(0, player.slots.length);
    for (const slot of player.slots) {
      if (slot.source && !wanted.some((p) => p.id === slot.source!.id)) this.room.publishers.get(slot.source.id)?.detach(slot);
    }
    for (const pub of wanted) {
      if (player.slots.some((s) => s.source?.id === pub.id)) continue;
      const free = player.freeSlot();
      if (free) pub.attach(free);
    }
  }
}
