// Stage video for one room: the cameras of people on stage, and for each viewer the one
// slot that shows the active speaker (or whoever that viewer pinned). A Space with 13
// cameras on still sends each viewer a single video stream.
//
// Each camera comes in two layers (full size, and scaled down). A viewer gets the high
// layer unless its loss-based estimate says it cannot take it; changing layer is a switch
// like any other, made on the next keyframe of the new layer.
import type { Layer } from '../transport/peer.js';
import { VideoPublisher } from './video-publisher.js';
import type { VideoSlot } from './video-slot.js';
import type { MediaCounters } from '../counters.js';
import type { ReceptionReport } from '../../wire/rtcp.js';

/** Below this estimate a viewer moves to the low layer; above the second one it moves back. */
const LOW_LAYER_BELOW_BPS = 500_000;
const HIGH_LAYER_ABOVE_BPS = 900_000;
/** What the low layer needs, added to the cap we send the publisher. */
const LOW_LAYER_BPS = 200_000;

/** Whoever sends a camera: a participant's browser peer, or a WHIP publisher. */
export interface CameraSender {
  readonly id: string;
  /** Our SSRC as the sender of RTCP (receiver reports, PLI, NACK, REMB) to this camera. */
  readonly rtcpSsrc: number;
  sendToCam(layer: Layer, buf: Buffer): void;
}

/** Whoever watches the stage video: a participant's peer, or a room tap such as the HLS egress. */
export interface StageViewer {
  readonly id: string;
  readonly videoSlot: VideoSlot;
}

interface Camera {
  high: VideoPublisher;
  low: VideoPublisher;
  /** Whom its RTCP (keyframe requests, NACKs, REMB) goes to; null for a remote camera. */
  sender: CameraSender | null;
}

export class StageVideo {
  private readonly cameras = new Map<string, Camera>();
  private readonly viewers = new Map<string, StageViewer>();
  private readonly pins = new Map<string, string>();
  /** Viewers currently held on the low layer. */
  private readonly onLowLayer = new Set<string>();
  /** Whose camera the domain says is on (on stage, turned on by its owner). */
  private readonly cameraOn = new Set<string>();
  /**
   * What each camera sends, by SSRC: from the client's answer for local peers, or learnt
   * from relayed packets for cameras published on another worker (peer null).
   */
  private readonly offered = new Map<string, { peer: CameraSender | null; ssrcs: Record<Layer, number | null> }>();
  private active: string | null = null;
  /** The active speaker before the current one: what the current one sees meanwhile. */
  private previous: string | null = null;
  private readonly scratch = Buffer.alloc(64);

  constructor(
    private readonly counters: MediaCounters,
    /** Asks the worker that hosts a remote camera for a keyframe. */
    private readonly requestRemoteKeyframe: (id: string, layer: Layer) => void = () => undefined,
  ) {}

  get activeSpeaker(): string | null {
    return this.active;
  }

  addViewer(viewer: StageViewer): void {
    this.viewers.set(viewer.id, viewer);
    this.evaluate(viewer.id, Date.now());
  }

  removeViewer(id: string): void {
    const peer = this.viewers.get(id);
    peer?.videoSlot.switchTo(null, Date.now());
    this.viewers.delete(id);
    this.onLowLayer.delete(id);
    this.offered.delete(id);
    // The camera was bound to this PeerConnection; a reconnect builds a new one.
    if (this.cameras.delete(id)) this.evaluateAll();
  }

  /** The participant left the Space: forget their camera and their pins entirely. */
  forget(id: string): void {
    this.removeViewer(id);
    this.pins.delete(id);
    this.cameraOn.delete(id);
    for (const [viewer, pinned] of this.pins) if (pinned === id) this.pins.delete(viewer);
    if (this.previous === id) this.previous = null;
    this.evaluateAll();
  }

  /** The domain's camera flag (owner turned it on, and they are on stage). */
  setCamera(id: string, on: boolean): void {
    if (on) this.cameraOn.add(id);
    else this.cameraOn.delete(id);
    this.refreshCamera(id);
  }

  /** The client's answer says which layers it sends, with which SSRCs. */
  configureCamera(peer: CameraSender, ssrcs: Record<Layer, number | null>): void {
    if (ssrcs.high === null && ssrcs.low === null) this.offered.delete(peer.id);
    else this.offered.set(peer.id, { peer, ssrcs });
    this.refreshCamera(peer.id);
  }

  onCameraPacket(id: string, layer: Layer, buf: Buffer, nowMs: number): void {
    this.cameras.get(id)?.[layer].onMessage(buf, nowMs);
  }

  /** A camera packet relayed from the worker that hosts its publisher. */
  onRemoteCameraPacket(id: string, layer: Layer, buf: Buffer, nowMs: number): void {
    if (buf.length < 12) return;
    const ssrc = buf.readUInt32BE(8);
    const known = this.offered.get(id);
    if (!known || known.peer !== null || known.ssrcs[layer] !== ssrc) {
      const ssrcs = known && known.peer === null ? { ...known.ssrcs } : { high: null, low: null };
      ssrcs[layer] = ssrc;
      this.offered.set(id, { peer: null, ssrcs });
      this.refreshCamera(id);
    }
    this.cameras.get(id)?.[layer].onMessage(buf, nowMs);
  }

  requestKeyframe(id: string, layer: Layer, nowMs: number): void {
    this.cameras.get(id)?.[layer].requestKeyframe(nowMs);
  }

  setActiveSpeaker(id: string | null): void {
    if (id === this.active) return;
    if (this.active !== null) this.previous = this.active;
    this.active = id;
    this.evaluateAll();
  }

  pin(viewerId: string, targetId: string | null): void {
    if (targetId === null) this.pins.delete(viewerId);
    else this.pins.set(viewerId, targetId);
    this.evaluate(viewerId, Date.now());
  }

  isPinned(viewerId: string): boolean {
    return this.pins.has(viewerId);
  }

  layerOf(viewerId: string): Layer {
    return this.onLowLayer.has(viewerId) ? 'low' : 'high';
  }

  /** Every second: layer choices, receiver reports and bitrate caps to publishers, sender reports on slots. */
  sendReports(nowMs: number, report: ReceptionReport): void {
    for (const [id, peer] of this.viewers) {
      peer.videoSlot.sendSenderReport(this.scratch, nowMs);
      const est = peer.videoSlot.estimateBps;
      const low = this.onLowLayer.has(id);
      if (!low && est < LOW_LAYER_BELOW_BPS) this.onLowLayer.add(id);
      else if (low && est > HIGH_LAYER_ABOVE_BPS) this.onLowLayer.delete(id);
      if (low !== this.onLowLayer.has(id)) this.evaluate(id, nowMs);
    }
    for (const cam of this.cameras.values()) {
      if (cam.high.remote) continue;
      for (const pub of [cam.high, cam.low]) if (pub.sending) pub.sendReceiverReport(nowMs, report);
      if (!cam.high.sending) continue;
      // The high layer is capped at what its best-placed viewer can take; viewers who
      // cannot take it are on the low layer, so they do not drag everyone else down.
      let best = 0;
      for (const slot of cam.high.slots) best = Math.max(best, slot.estimateBps);
      if (cam.high.slots.length > 0) cam.high.sendBitrateCap(best + LOW_LAYER_BPS);
    }
  }

  /**
   * Publishers (with their retransmission caches) exist only for a stage member whose camera
   * is on by the domain's word: a client merely claiming to send gets nothing allocated.
   */
  private refreshCamera(id: string): void {
    const offer = this.offered.get(id);
    let cam = this.cameras.get(id);
    if (this.cameraOn.has(id) && offer) {
      // A new sender (an encoder's new WHIP session after its old one ended) gets publishers
      // of its own: the old ones would send its keyframe requests to the closed session.
      if (!cam || cam.sender !== offer.peer) {
        const peer = offer.peer;
        const make = (layer: Layer) =>
          peer
            ? new VideoPublisher(id, this.counters, (buf) => peer.sendToCam(layer, buf), peer.rtcpSsrc)
            : // A remote camera: its own worker does the RTCP; only keyframe requests go back to it.
              new VideoPublisher(id, this.counters, () => this.requestRemoteKeyframe(id, layer), 0, true);
        cam = { high: make('high'), low: make('low'), sender: peer };
        this.cameras.set(id, cam);
      }
      cam.high.configure(offer.ssrcs.high);
      cam.low.configure(offer.ssrcs.low);
      cam.high.live = cam.low.live = true;
    } else if (cam) {
      cam.high.live = cam.low.live = false;
      if (!offer) {
        cam.high.configure(null);
        cam.low.configure(null);
      }
    }
    this.evaluateAll();
  }

  private evaluateAll(): void {
    const now = Date.now();
    for (const id of this.viewers.keys()) this.evaluate(id, now);
  }

  /** Whose camera `viewerId` should see now. */
  private targetFor(viewerId: string): string | null {
    const pinned = this.pins.get(viewerId);
    if (pinned !== undefined) return this.showable(pinned) ? pinned : null;
    // Nobody watches themselves as the stage video: the current speaker sees the previous one.
    const speaker = this.active === viewerId ? this.previous : this.active;
    if (speaker !== null) return this.showable(speaker) ? speaker : null;
    // Nobody has spoken yet (or the only camera belongs to a publisher without audio levels,
    // such as a WHIP encoder): show the first camera that is on rather than nothing.
    for (const id of this.cameraOn) if (id !== viewerId && this.showable(id)) return id;
    return null;
  }

  private showable(id: string): boolean {
    const cam = this.cameras.get(id);
    return this.cameraOn.has(id) && cam !== undefined && (cam.high.sending || cam.low.sending);
  }

  private evaluate(viewerId: string, nowMs: number): void {
    const peer = this.viewers.get(viewerId);
    if (!peer) return;
    const target = this.targetFor(viewerId);
    if (target === null) return peer.videoSlot.switchTo(null, nowMs);
    const cam = this.cameras.get(target)!;
    const wantLow = this.onLowLayer.has(viewerId);
    // Fall back to whichever layer the publisher actually sends.
    const pub = (wantLow && cam.low.sending) || !cam.high.sending ? cam.low : cam.high;
    peer.videoSlot.switchTo(pub, nowMs);
  }
}
