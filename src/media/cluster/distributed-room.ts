// The media side of one Space when its peers are spread over media workers. Each peer lives
// on one worker; stage changes go to every worker (each fans every publisher out to its own
// peers); answers, candidates and pins go to the peer's worker. Worker 0 speaks for the room
// on who is talking, so the main process hears one voice.
import { EventEmitter } from 'node:events';
import type { MediaRoomEvents, RoomHandle } from '../room-handle.js';
import type { EgressOptions } from '../room-tap.js';
import { InvalidSdpError } from '../sdp.js';
import { UnsupportedOfferError } from '../client-offer.js';
import type { WorkerEvent } from './protocol.js';
import type { WorkerPool } from './worker-pool.js';

const PRIMARY = 0;
let nextReqId = 1;

export class DistributedRoom extends EventEmitter<MediaRoomEvents> implements RoomHandle {
  /** Which worker hosts each participant's PeerConnection. */
  private readonly placement = new Map<string, number>();
  private readonly answers = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private readonly offers = new Map<number, { resolve: (r: { answer: string; hasVideo: boolean }) => void; reject: (e: Error) => void }>();
  /** Which worker hosts each WHIP/WHEP session (with a browser peer of the same person, the same worker). */
  private readonly sessions = new Map<string, number>();
  private active: string | null = null;
  private closed = false;

  constructor(
    readonly id: string,
    private readonly pool: WorkerPool,
  ) {
    super();
  }

  get activeSpeaker(): string | null {
    return this.active;
  }

  connect(pid: string): void {
    this.disconnect(pid);
    // A person's browser peer and WHIP publisher share a worker: it decides which of them is heard.
    const worker = this.sessions.get(pid) ?? this.pool.leastLoaded();
    this.placement.set(pid, worker);
    this.pool.adjustLoad(worker, 1);
    this.pool.send(worker, { op: 'connect', room: this.id, pid });
  }

  disconnect(pid: string): void {
    const worker = this.placement.get(pid);
    if (worker === undefined) return;
    this.placement.delete(pid);
    this.pool.adjustLoad(worker, -1);
    this.pool.send(worker, { op: 'disconnect', room: this.id, pid });
  }

  remove(pid: string): void {
    this.disconnect(pid);
    this.pool.broadcast({ op: 'remove', room: this.id, pid });
  }

  setPublisher(pid: string, onStage: boolean, muted = false): void {
    this.pool.broadcast({ op: 'setPublisher', room: this.id, pid, onStage, muted });
  }

  setMuted(pid: string, muted: boolean): void {
    this.pool.broadcast({ op: 'setMuted', room: this.id, pid, muted });
  }

  setCamera(pid: string, on: boolean): void {
    this.pool.broadcast({ op: 'setCamera', room: this.id, pid, on });
  }

  pin(viewerId: string, targetId: string | null): void {
    this.toPeer(viewerId, (w) => this.pool.send(w, { op: 'pin', room: this.id, pid: viewerId, target: targetId }));
  }

  renegotiate(pid: string): void {
    this.toPeer(pid, (w) => this.pool.send(w, { op: 'renegotiate', room: this.id, pid }));
  }

  addCandidate(pid: string, candidate: string, mid: string): void {
    this.toPeer(pid, (w) => this.pool.send(w, { op: 'candidate', room: this.id, pid, candidate, mid }));
  }

  applyAnswer(pid: string, sdp: string): Promise<void> {
    const worker = this.placement.get(pid);
    if (worker === undefined) return Promise.reject(new InvalidSdpError('no offer is awaiting an answer'));
    const reqId = nextReqId++;
    return new Promise((resolve, reject) => {
      this.answers.set(reqId, { resolve, reject });
      this.pool.send(worker, { op: 'answer', room: this.id, pid, sdp, reqId });
    });
  }

  acceptIngest(pid: string, offer: string): Promise<{ answer: string; hasVideo: boolean }> {
    return this.acceptOffer(pid, 'ingest', offer);
  }

  async acceptPlayback(pid: string, offer: string): Promise<string> {
    return (await this.acceptOffer(pid, 'playback', offer)).answer;
  }

  endSession(pid: string): void {
    const worker = this.sessions.get(pid);
    if (worker === undefined) return;
    this.sessions.delete(pid);
    this.pool.adjustLoad(worker, -1);
    this.pool.send(worker, { op: 'endSession', room: this.id, pid });
  }

  addSessionCandidate(pid: string, candidate: string, mid: string): void {
    const worker = this.sessions.get(pid);
    if (worker !== undefined) this.pool.send(worker, { op: 'sessionCandidate', room: this.id, pid, candidate, mid });
  }

  private acceptOffer(pid: string, kind: 'ingest' | 'playback', sdp: string): Promise<{ answer: string; hasVideo: boolean }> {
    this.endSession(pid);
    const worker = this.placement.get(pid) ?? this.pool.leastLoaded();
    this.sessions.set(pid, worker);
    this.pool.adjustLoad(worker, 1);
    const reqId = nextReqId++;
    return new Promise((resolve, reject) => {
      this.offers.set(reqId, { resolve, reject });
      this.pool.send(worker, { op: 'acceptOffer', room: this.id, pid, kind, sdp, reqId });
    });
  }

  /** Settles a pending WHIP/WHEP offer if it is ours; returns whether it was. */
  settleOffer(msg: Extract<WorkerEvent, { ev: 'offerResult' }>): boolean {
    const pending = this.offers.get(msg.reqId);
    if (!pending) return false;
    this.offers.delete(msg.reqId);
    if (msg.answer !== null) return pending.resolve({ answer: msg.answer, hasVideo: msg.hasVideo }), true;
    const error = msg.error ?? 'failed';
    pending.reject(msg.errorKind === 'invalid' ? new InvalidSdpError(error) : msg.errorKind === 'unsupported' ? new UnsupportedOfferError(error) : new Error(error));
    return true;
  }

  /** The egress taps the primary worker's copy of the room, which hears every publisher. */
  startEgress(options: EgressOptions): void {
    this.pool.send(PRIMARY, { op: 'startEgress', room: this.id, options });
  }

  stopEgress(): void {
    this.pool.send(PRIMARY, { op: 'stopEgress', room: this.id });
  }

  /** Resolves a pending answer if it is ours; returns whether it was. */
  settleAnswer(msg: Extract<WorkerEvent, { ev: 'answerResult' }>): boolean {
    const pending = this.answers.get(msg.reqId);
    if (!pending) return false;
    this.answers.delete(msg.reqId);
    if (msg.error === null) pending.resolve();
    else pending.reject(msg.invalidSdp ? new InvalidSdpError(msg.error) : new Error(msg.error));
    return true;
  }

  onWorkerEvent(worker: number, msg: Exclude<WorkerEvent, { ev: 'ready' | 'stats' | 'answerResult' | 'offerResult' }>): void {
    if (this.closed) return;
    switch (msg.ev) {
      case 'speaking':
        if (worker === PRIMARY) this.emit('speaking', msg.levels);
        return;
      case 'egress':
        if (worker === PRIMARY) this.emit('egress', msg.event);
        return;
      case 'activeSpeaker':
        if (worker === PRIMARY && msg.pid !== this.active) {
          this.active = msg.pid;
          this.emit('activeSpeaker', msg.pid);
        }
        return;
    }
    // Everything else concerns one peer: only its current worker speaks for it.
    if (this.placement.get(msg.pid) !== worker) return;
    switch (msg.ev) {
      case 'offer':
        return void this.emit('offer', msg.pid, msg.sdp);
      case 'candidates':
        return void this.emit('candidates', msg.pid, msg.candidates, msg.mid);
      case 'stageVideo':
        return void this.emit('stageVideo', msg.pid, msg.source, msg.pinned, msg.layer);
      case 'connectionState':
        return void this.emit('connectionState', msg.pid, msg.state);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const [pid, worker] of this.placement) this.pool.adjustLoad(worker, -1), this.placement.delete(pid);
    for (const p of this.answers.values()) p.reject(new Error('room closed'));
    this.answers.clear();
    for (const p of this.offers.values()) p.reject(new Error('room closed'));
    this.offers.clear();
    for (const [pid, worker] of this.sessions) this.pool.adjustLoad(worker, -1), this.sessions.delete(pid);
    this.pool.broadcast({ op: 'closeRoom', room: this.id });
    this.pool.forgetRoom(this.id);
    this.removeAllListeners();
  }

  private toPeer(pid: string, fn: (worker: number) => void): void {
    const worker = this.placement.get(pid);
    if (worker !== undefined) fn(worker);
  }
}
