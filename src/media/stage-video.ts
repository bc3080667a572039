// Stage video for one room: the cameras of people on stage, and for each viewer the one
// slot that shows the active speaker (or whoever that viewer pinned). A Space with 13
// cameras on still sends each viewer a single video stream.
import type { Peer } from './peer.js';
import { VideoPublisher } from './video-publisher.js';
import type { MediaCounters } from './counters.js';
import type { ReceptionReport } from './rtcp.js';

export class StageVideo {
  private readonly publishers = new Map<string, VideoPublisher>();
  private readonly viewers = new Map<string, Peer>();
  private readonly pins = new Map<string, string>();
  /** Whose camera the domain says is on (on stage, turned on by its owner). */
  private readonly cameraOn = new Set<string>();
  /** What each client's answer says it sends on its camera m-line. */
  private readonly offered = new Map<string, { peer: Peer; ssrc: number }>();
  private active: string | null = null;
  /** The active speaker before the current one: what the current one sees meanwhile. */
  private previous: string | null = null;
  private readonly scratch = Buffer.alloc(64);

  constructor(private readonly counters: MediaCounters) {}

  get activeSpeaker(): string | null {
    return this.active;
  }

  addViewer(peer: Peer): void {
    this.viewers.set(peer.id, peer);
    this.evaluate(peer.id, Date.now());
  }

  removeViewer(id: string): void {
    const peer = this.viewers.get(id);
    peer?.videoSlot.switchTo(null, Date.now());
    this.viewers.delete(id);
    this.pins.delete(id);
    this.offered.delete(id);
    // The publisher was bound to this PeerConnection; a reconnect builds a new one.
    if (this.publishers.delete(id)) this.evaluateAll();
  }

  /** The participant left the Space: forget their camera entirely. */
  forget(id: string): void {
    this.removeViewer(id);
    this.cameraOn.delete(id);
    this.publishers.delete(id);
    for (const [viewer, pinned] of this.pins) if (pinned === id) this.pins.delete(viewer);
    if (this.previous === id) this.previous = null;
    this.evaluateAll();
  }

  /** The domain's camera flag (owner turned it on, and they are on stage). */
  setCamera(id: string, on: boolean): void {
    if (on) this.cameraOn.add(id);
    else this.cameraOn.delete(id);
    this.refreshPublisher(id);
  }

  /** The client's answer says whether (and with which SSRC) it sends its camera. */
  configureCamera(peer: Peer, ssrc: number | null): void {
    if (ssrc === null) this.offered.delete(peer.id);
    else this.offered.set(peer.id, { peer, ssrc });
    this.refreshPublisher(peer.id);
  }

  /**
   * A publisher (with its retransmission cache) exists only for a stage member whose camera
   * is on by the domain's word: a client merely claiming to send gets nothing allocated.
   */
  private refreshPublisher(id: string): void {
    const offer = this.offered.get(id);
    let pub = this.publishers.get(id);
    if (this.cameraOn.has(id) && offer) {
      if (!pub) {
        pub = new VideoPublisher(id, this.counters, (buf) => offer.peer.sendToCam(buf), offer.peer.rtcpSsrc);
        this.publishers.set(id, pub);
      }
      pub.configure(offer.ssrc);
      pub.live = true;
    } else if (pub) {
      pub.live = false;
      if (!offer) pub.configure(null);
    }
    this.evaluateAll();
  }

  onCameraPacket(id: string, buf: Buffer, nowMs: number): void {
    this.publishers.get(id)?.onMessage(buf, nowMs);
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

  /** Every second: receiver reports and bitrate caps to publishers, sender reports on slots. */
  sendReports(nowMs: number, report: ReceptionReport): void {
    for (const peer of this.viewers.values()) peer.videoSlot.sendSenderReport(this.scratch, nowMs);
    for (const pub of this.publishers.values()) {
      if (!pub.sending) continue;
      pub.sendReceiverReport(nowMs, report);
      // One layer serves everyone, so cap it at what the best-connected viewer can take:
      // a viewer on a poor link must not drag every other viewer down with it.
      let best = 0;
      for (const slot of pub.slots) best = Math.max(best, slot.estimateBps);
      if (pub.slots.length > 0) pub.sendBitrateCap(best);
    }
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
    return speaker !== null && this.showable(speaker) ? speaker : null;
  }

  private showable(id: string): boolean {
    const pub = this.publishers.get(id);
    return this.cameraOn.has(id) && pub !== undefined && pub.sending;
  }

  private evaluate(viewerId: string, nowMs: number): void {
    const peer = this.viewers.get(viewerId);
    if (!peer) return;
    const target = this.targetFor(viewerId);
    peer.videoSlot.switchTo(target === null ? null : this.publishers.get(target)!, nowMs);
  }
}
