// The media side of one Space, spread over media workers. Each peer lives on one worker;
// stage changes go to every worker (each fans every publisher out to its own peers); answers,
// candidates and pins go to the peer's worker. The primary worker speaks for the room on who
// is talking and taps it for HLS.
//
// The room remembers what it told the workers (who is on stage and muted, whose camera is on,
// pins, the tap), so that a worker that restarts can be given all of it again; its peers are
// placed again (on a worker that is up, or as soon as one is) and get a fresh offer.
import { EventEmitter } from 'node:events';
import { MediaUnavailableError, type MediaRoomEvents, type RoomHandle } from '../room/room-handle.js';
import { InvalidSdpError } from '../transport/sdp.js';
import { UnsupportedOfferError } from '../transport/client-offer.js';
import type { WorkerCommand, WorkerEvent } from './protocol.js';

/** What a room needs of the pool of media workers (WorkerPool), by worker index. */
export interface RoomWorkers {
  /** The worker that speaks for every room on who is talking and taps rooms for HLS. */
  readonly primary: number | null;
  isUp(index: number): boolean;
  /** The least loaded worker that is up, or null when none is. */
  leastLoaded(): number | null;
  adjustLoad(index: number, delta: number): void;
  /** False when the worker is down (the command is not sent). */
  send(index: number, cmd: WorkerCommand): boolean;
  broadcast(cmd: WorkerCommand): void;
  forgetRoom(id: string): void;
}

let nextReqId = 1;

interface Pending<T> {
  worker: number;
  resolve: (value: T) => void;
  reject: (e: Error) => void;
}

export class DistributedRoom extends EventEmitter<MediaRoomEvents> implements RoomHandle {
  /** Which worker hosts each participant's PeerConnection. */
  private readonly placement = new Map<string, number>();
  /** Participants whose worker died while no other was up: placed as soon as one is. */
  private readonly waiting = new Set<string>();
  private readonly answers = new Map<number, Pending<void>>();
  private readonly offers = new Map<number, Pending<{ answer: string; hasVideo: boolean }>>();
  /** Which worker hosts each WHIP/WHEP session (with a browser peer of the same person, the same worker). */
  private readonly sessions = new Map<string, number>();
  /** Stage members and whether they are muted: replayed to a worker that restarts. */
  private readonly publishers = new Map<string, boolean>();
  private readonly cameras = new Set<string>();
  private readonly pins = new Map<string, string>();
  private tapping = false;
  private active: string | null = null;
  private closed = false;

  constructor(
    readonly id: string,
    private readonly pool: RoomWorkers,
  ) {
    super();
  }

  get activeSpeaker(): string | null {
    return this.active;
  }

  connect(pid: string): void {
    this.disconnect(pid);
    // A person's browser peer and WHIP publisher share a worker: it decides which of them is heard.
    const session = this.sessions.get(pid);
    const worker = session !== undefined && this.pool.isUp(session) ? session : this.pool.leastLoaded();
    if (worker === null) return void this.waiting.add(pid);
    this.placement.set(pid, worker);
    this.pool.adjustLoad(worker, 1);
    this.pool.send(worker, { op: 'connect', room: this.id, pid });
    const pin = this.pins.get(pid);
    if (pin !== undefined) this.pool.send(worker, { op: 'pin', room: this.id, pid, target: pin });
  }

  disconnect(pid: string): void {
    this.waiting.delete(pid);
    const worker = this.placement.get(pid);
    if (worker === undefined) return;
    this.placement.delete(pid);
    this.pool.adjustLoad(worker, -1);
    this.pool.send(worker, { op: 'disconnect', room: this.id, pid });
  }

  remove(pid: string): void {
    this.disconnect(pid);
    this.publishers.delete(pid);
    this.cameras.delete(pid);
    this.pins.delete(pid);
    this.pool.broadcast({ op: 'remove', room: this.id, pid });
  }

  setPublisher(pid: string, onStage: boolean, muted = false): void {
    if (onStage) this.publishers.set(pid, muted);
    else {
      this.publishers.delete(pid);
      this.cameras.delete(pid);
    }
    this.pool.broadcast({ op: 'setPublisher', room: this.id, pid, onStage, muted });
  }

  setMuted(pid: string, muted: boolean): void {
    if (this.publishers.has(pid)) this.publishers.set(pid, muted);
    this.pool.broadcast({ op: 'setMuted', room: this.id, pid, muted });
  }

  setCamera(pid: string, on: boolean): void {
    if (on) this.cameras.add(pid);
    else this.cameras.delete(pid);
    this.pool.broadcast({ op: 'setCamera', room: this.id, pid, on });
  }

  pin(viewerId: string, targetId: string | null): void {
    if (targetId === null) this.pins.delete(viewerId);
    else this.pins.set(viewerId, targetId);
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
      this.answers.set(reqId, { worker, resolve, reject });
      if (!this.pool.send(worker, { op: 'answer', room: this.id, pid, sdp, reqId })) this.failPending(worker);
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

  setEncoderTap(on: boolean): void {
    if (on === this.tapping) return;
    this.tapping = on;
    const primary = this.pool.primary;
    if (primary !== null) this.pool.send(primary, { op: 'tap', room: this.id, on });
  }

  private acceptOffer(pid: string, kind: 'ingest' | 'playback', sdp: string): Promise<{ answer: string; hasVideo: boolean }> {
    this.endSession(pid);
    const placed = this.placement.get(pid);
    const worker = placed ?? this.pool.leastLoaded();
    if (worker === null) return Promise.reject(new MediaUnavailableError('no media worker is running; try again in a moment'));
    this.sessions.set(pid, worker);
    this.pool.adjustLoad(worker, 1);
    const reqId = nextReqId++;
    return new Promise((resolve, reject) => {
      this.offers.set(reqId, { worker, resolve, reject });
      if (!this.pool.send(worker, { op: 'acceptOffer', room: this.id, pid, kind, sdp, reqId })) this.failPending(worker);
    });
  }

  /** Settles a pending WHIP/WHEP offer if it is ours; returns whether it was. */
  settleOffer(msg: Extract<WorkerEvent, { ev: 'offerResult' }>): boolean {
    const pending = this.offers.get(msg.reqId);
    if (!pending) return false;
    this.offers.delete(msg.reqId);
    if (msg.answer !== null) return (pending.resolve({ answer: msg.answer, hasVideo: msg.hasVideo }), true);
    const error = msg.error ?? 'failed';
    pending.reject(
      msg.errorKind === 'invalid' ? new InvalidSdpError(error) : msg.errorKind === 'unsupported' ? new UnsupportedOfferError(error) : new Error(error),
    );
    return true;
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

  /** A worker died: its peers are placed again (and re-offered), its sessions are over. */
  workerDown(index: number): void {
    if (this.closed) return;
    this.failPending(index);
    const orphans = [...this.placement].filter(([, w]) => w === index).map(([pid]) => pid);
    for (const pid of orphans) this.placement.delete(pid);
    for (const [pid, w] of [...this.sessions]) {
      if (w !== index) continue;
      this.sessions.delete(pid);
      // As if its connection failed: the app ends the WHIP/WHEP session (the encoder or player posts again).
      this.emit('connectionState', pid, 'failed');
    }
    for (const pid of orphans) this.connect(pid);
  }

  /** A worker (re)started: it gets the stage, the tap if it is the primary, and the peers that waited. */
  workerUp(index: number): void {
    if (this.closed) return;
    for (const [pid, muted] of this.publishers) this.pool.send(index, { op: 'setPublisher', room: this.id, pid, onStage: true, muted });
    for (const pid of this.cameras) this.pool.send(index, { op: 'setCamera', room: this.id, pid, on: true });
    if (this.tapping && this.pool.primary === index) this.pool.send(index, { op: 'tap', room: this.id, on: true });
    for (const pid of [...this.waiting]) this.connect(pid);
  }

  /** Another worker speaks for the room now: it takes the tap over. */
  primaryChanged(index: number): void {
    if (!this.closed && this.tapping) this.pool.send(index, { op: 'tap', room: this.id, on: true });
  }

  onWorkerEvent(worker: number, msg: Exclude<WorkerEvent, { ev: 'ready' | 'stats' | 'answerResult' | 'offerResult' }>): void {
    if (this.closed) return;
    switch (msg.ev) {
      case 'speaking':
        if (worker === this.pool.primary) this.emit('speaking', msg.levels);
        return;
      case 'activeSpeaker':
        if (worker === this.pool.primary && msg.pid !== this.active) {
          this.active = msg.pid;
          this.emit('activeSpeaker', msg.pid);
        }
        return;
    }
    // Everything else concerns one peer: only its current worker speaks for it.
    if (this.placement.get(msg.pid) !== worker && this.sessions.get(msg.pid) !== worker) return;
    switch (msg.ev) {
      case 'offer':
        return void this.emit('offer', msg.pid, msg.sdp, msg.fresh);
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
    for (const worker of this.placement.values()) this.pool.adjustLoad(worker, -1);
    this.placement.clear();
    this.failPending(null);
    for (const worker of this.sessions.values()) this.pool.adjustLoad(worker, -1);
    this.sessions.clear();
    this.waiting.clear();
    this.pool.broadcast({ op: 'closeRoom', room: this.id });
    this.pool.forgetRoom(this.id);
    this.removeAllListeners();
  }

  /** Rejects what is waiting on a worker that is gone (null: on any worker). */
  private failPending(worker: number | null): void {
    const reason = worker === null ? 'the Space closed' : 'the media worker restarted; a new offer follows';
    for (const pending of [this.answers, this.offers] as Array<Map<number, Pending<unknown>>>) {
      for (const [id, p] of pending) {
        if (worker !== null && p.worker !== worker) continue;
        pending.delete(id);
        p.reject(new MediaUnavailableError(reason));
      }
    }
  }

  private toPeer(pid: string, fn: (worker: number) => void): void {
    const worker = this.placement.get(pid);
    if (worker !== undefined) fn(worker);
  }
}
