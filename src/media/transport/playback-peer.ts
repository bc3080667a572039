// A WHEP player's PeerConnection: the client offers to receive, we answer and send. It is a
// viewer like a browser listener, with what a standard player offers: usually one audio and
// one video m-line. The video m-line is the stage video; each audio m-line is a slot the room
// maps a speaker onto (with one, the room gives it the active speaker). The m-lines are fixed
// by the client's offer, so a WHEP viewer never renegotiates.
import nodeDataChannel, { type PeerConnection, type Track } from 'node-datachannel';
import { answerOffer, closePeerConnection, keepTrack, openPeerConnection, addTrickledCandidate } from './peer-connection.js';
import { addOpus, readClientOffer, UnsupportedOfferError, type OfferPlan } from './client-offer.js';
import { DownstreamSlot } from '../forwarding/downstream-slot.js';
import { VideoSlot } from '../forwarding/video-slot.js';
import { nextSsrc } from './peer.js';
import type { MediaCounters } from '../counters.js';
import type { TransportConfig } from './transport-config.js';

export interface PlaybackPeerEvents {
  videoSwitched(sourceId: string | null): void;
  connectionState(state: string): void;
}

/** A stage-video slot for a player that offered no video: it shows nothing. */
const NO_VIDEO = { isOpen: () => false, sendMessageBinary: () => false };

export class PlaybackPeer {
  readonly pc: PeerConnection;
  readonly slots: DownstreamSlot[] = [];
  readonly videoSlot: VideoSlot;
  private readonly tracks: Track[] = [];
  private readonly mids = new Set<string>();
  readonly rtcpSsrc = nextSsrc();
  private closed = false;

  private constructor(
    readonly id: string,
    private readonly transport: TransportConfig,
    counters: MediaCounters,
    plan: OfferPlan,
    events: PlaybackPeerEvents,
  ) {
    this.pc = openPeerConnection(`whep-${id}`, transport);
    this.pc.onStateChange((state) => events.connectionState(state));
    try {
      this.videoSlot =
        this.addTracks(plan, counters, events) ??
        new VideoSlot({ mid: 'none', ssrc: nextSsrc(), track: NO_VIDEO, counters, events: { switched: () => undefined } });
    } catch (err) {
      // Nothing of a refused offer stays behind: its PeerConnection and tracks are closed.
      closePeerConnection(this.pc, this.tracks);
      throw err;
    }
  }

  /** Builds the peer for `offer` and resolves with our answer. Throws InvalidSdpError / UnsupportedOfferError. */
  static async accept(
    id: string,
    offer: string,
    transport: TransportConfig,
    counters: MediaCounters,
    events: PlaybackPeerEvents,
  ): Promise<{ peer: PlaybackPeer; answer: string }> {
    const plan = readClientOffer(offer);
    if (!plan.sections.some((s) => s.direction === 'recvonly' || s.direction === 'sendrecv'))
      throw new UnsupportedOfferError('a WHEP offer must receive audio or video');
    const peer = new PlaybackPeer(id, transport, counters, plan, events);
    try {
      return { peer, answer: await answerOffer(peer.pc, plan.offer, transport) };
    } catch (err) {
      peer.close();
      throw err;
    }
  }

  private addTracks(plan: OfferPlan, counters: MediaCounters, events: PlaybackPeerEvents): VideoSlot | null {
    let video: VideoSlot | null = null;
    for (const s of plan.sections) {
      if (s.direction !== 'recvonly' && s.direction !== 'sendrecv') continue;
      const ssrc = nextSsrc();
      if (s.kind === 'audio') {
        const media = new nodeDataChannel.Audio(s.mid, 'SendOnly');
        addOpus(media, s.payloadType, s.fmtp);
        media.addSSRC(ssrc, `spaces-${this.id}`, 'space', `audio-${s.mid}`);
        const track = this.keep(this.pc.addTrack(media), s.mid);
        const slot = new DownstreamSlot({ mid: s.mid, ssrc, track, counters, payloadType: s.payloadType });
        track.onMessage((buf) => slot.onRtcp(buf));
        this.slots.push(slot);
      } else if (!video) {
        const media = new nodeDataChannel.Video(s.mid, 'SendOnly');
        media.addVP8Codec(s.payloadType);
        media.addSSRC(ssrc, `spaces-${this.id}`, 'space', 'stage-video');
        const track = this.keep(this.pc.addTrack(media), s.mid);
        const slot: VideoSlot = new VideoSlot({
          mid: s.mid,
          ssrc,
          track,
          counters,
          events: { switched: (sourceId) => events.videoSwitched(sourceId) },
          payloadType: s.payloadType,
        });
        track.onMessage((buf) => slot.onRtcp(buf, Date.now()));
        video = slot;
      }
    }
    return video;
  }

  freeSlot(): DownstreamSlot | undefined {
    return this.slots.find((s) => s.source === null);
  }

  addRemoteCandidate(candidate: string, mid: string): boolean {
    return addTrickledCandidate(this.pc, this.mids, candidate, mid, this.transport.bindAddress);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots) slot.release();
    this.videoSlot.switchTo(null, Date.now());
    closePeerConnection(this.pc, this.tracks);
  }

  private keep(track: Track, mid: string): Track {
    keepTrack(this.tracks, track);
    this.mids.add(mid);
    return track;
  }
}
