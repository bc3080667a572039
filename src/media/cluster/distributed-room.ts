// The media side of one Space, spread over media workers. Each peer lives on one worker;
// stage changes go to every worker (each fans every publisher out to its own peers); answers,
// candidates and pins go to the peer's worker. The primary worker speaks for the room on who
// is talking and taps it for HLS.
//
// The room remembers what it told the workers (who is on stage and muted, whose camera is on,
// pins, the tap), so that a worker that restarts can be given all of it again; its peers are
// placed again (on a worker that is up, or as soon as one is) and get a fresh offer.
//
// In a cluster, a listener may be placed on another node (an edge) when this one is full: the
// edge is one more worker to the room (an index from REMOTE_INDEX_BASE up), given the stage
// when the room first uses it and every stage change after, and told who the active speaker
// is, which only this node's primary worker decides. Stage members are always placed here.
import { EventEmitter } from 'node:events';
import { MediaUnavailableError, type MediaRoomEvents, type RoomHandle } from '../room/room-handle.js';
import { InvalidSdpError } from '../transport/sdp.js';
import { UnsupportedOfferError } from '../transport/client-offer.js';
import type { WorkerCommand, WorkerEvent } from './protocol.js';
import { isRemoteIndex } from './remote-nodes.js';

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
  /** To every local worker. */
  broadcast(cmd: WorkerCommand): void;
  forgetRoom(id: string): void;
  /** Another node for one more listener of the room (preferring those in `using`), or null. */
  edgeFor(room: string, using: readonly number[]): number | null;
  /** The room's publishers are relayed to these edges from now on. */
  routeToEdges(room: string, edges: readonly number[]): void;
}

/** Where a listener's PeerConnection may go: `edge`, on another node when this one is full. */
export interface ConnectOptions {
  edge?: boolean;
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
  /** The other nodes this room has listeners on, with how many. */
  private readonly edges = new Map<number, number>();
  /** Listeners to be placed on another node (kept for their re-placement). */
  private readonly wantsEdge = new Set<string>();
  /** On an edge node: the owner's active speaker (undefined: this room decides its own). */
  private followed: string | null | undefined = undefined;
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

  /** Peers of the room placed on this node's workers (the room's edges not counted). */
  get peerCount(): number {
    let n = 0;
    for (const worker of this.placement.values()) if (!isRemoteIndex(worker)) n++;
    return n;
  }

  connect(pid: string, options?: ConnectOptions): void {
    // An edge this peer leaves stays open until the peer is placed again: a reconnecting last
    // listener of an edge goes back to it without the copy being closed and opened again.
    const left = this.detach(pid);
    if (options) {
      if (options.edge) this.wantsEdge.add(pid);
      else this.wantsEdge.delete(pid);
    }
    // A person's browser peer and WHIP publisher share a worker: it decides which of them is heard.
    const session = this.sessions.get(pid);
    let worker: number | null = null;
    if (session !== undefined && this.pool.isUp(session)) worker = session;
    else if (this.wantsEdge.has(pid) && !this.publishers.has(pid)) worker = this.placeOnEdge();
    worker ??= this.pool.leastLoaded();
    if (worker === null) return void this.waiting.add(pid);
    if (isRemoteIndex(worker)) this.edges.set(worker, (this.edges.get(worker) ?? 0) + 1);
    this.placement.set(pid, worker);
    this.pool.adjustLoad(worker, 1);
    this.pool.send(worker, { op: 'connect', room: this.id, pid });
    const pin = this.pins.get(pid);
    if (pin !== undefined) this.pool.send(worker, { op: 'pin', room: this.id, pid, target: pin });
    this.closeIfUnused(left);
  }

  disconnect(pid: string): void {
    this.closeIfUnused(this.detach(pid));
  }

  /** Takes the peer off its worker; returns the edge it was on (still open, maybe unused now). */
  private detach(pid: string): number | null {
    this.waiting.delete(pid);
    const worker = this.placement.get(pid);
    if (worker === undefined) return null;
    this.placement.delete(pid);
    this.pool.adjustLoad(worker, -1);
    this.pool.send(worker, { op: 'disconnect', room: this.id, pid });
    if (!isRemoteIndex(worker) || !this.edges.has(worker)) return null;
    this.edges.set(worker, this.edges.get(worker)! - 1);
    return worker;
  }

  private closeIfUnused(edge: number | null): void {
    if (edge !== null && this.edges.get(edge) === 0) this.closeEdge(edge);
  }

  remove(pid: string): void {
    this.disconnect(pid);
    this.wantsEdge.delete(pid);
    this.publishers.delete(pid);
    this.cameras.delete(pid);
    this.pins.delete(pid);
    this.toAll({ op: 'remove', room: this.id, pid });
  }

  setPublisher(pid: string, onStage: boolean, muted = false): void {
    if (onStage) this.publishers.set(pid, muted);
    else {
      this.publishers.delete(pid);
      this.cameras.delete(pid);
    }
    this.toAll({ op: 'setPublisher', room: this.id, pid, onStage, muted });
    // Speakers talk from this node (where the stage is decided): a listener on an edge who
    // comes on stage gets a PeerConnection here instead, with a fresh offer.
    const worker = this.placement.get(pid);
    if (onStage && worker !== undefined && isRemoteIndex(worker)) {
      this.wantsEdge.delete(pid);
      this.connect(pid);
    }
  }

  setMuted(pid: string, muted: boolean): void {
    if (this.publishers.has(pid)) this.publishers.set(pid, muted);
    this.toAll({ op: 'setMuted', room: this.id, pid, muted });
  }

  setCamera(pid: string, on: boolean): void {
    if (on) this.cameras.add(pid);
    else this.cameras.delete(pid);
    this.toAll({ op: 'setCamera', room: this.id, pid, on });
  }

  /**
   * This room is an edge node's copy of another node's Space: the active speaker is what that
   * node decided, given here, and every local worker's viewers follow it.
   */
  followSpeaker(pid: string | null): void {
    this.followed = pid;
    this.pool.broadcast({ op: 'followSpeaker', room: this.id, pid });
  }

  edgeAvailable(): boolean {
    return this.pool.edgeFor(this.id, [...this.edges.keys()]) !== null;
  }

  /** Edge nodes this room has listeners on, with how many (for metrics and tests). */
  get edgeListeners(): ReadonlyMap<number, number> {
    return this.edges;
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
    // WHIP and WHEP sessions always run here, beside the stage.
    const worker = placed !== undefined && !isRemoteIndex(placed) ? placed : this.pool.leastLoaded();
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

  /** A worker died (or an edge node is gone): its peers are placed again (and re-offered), its sessions are over. */
  workerDown(index: number): void {
    if (this.closed) return;
    this.failPending(index);
    const orphans = [...this.placement].filter(([, w]) => w === index).map(([pid]) => pid);
    for (const pid of orphans) this.placement.delete(pid);
    if (this.edges.delete(index)) this.pool.routeToEdges(this.id, [...this.edges.keys()]);
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
    this.replayStage(index);
    if (this.followed !== undefined) this.pool.send(index, { op: 'followSpeaker', room: this.id, pid: this.followed });
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
          for (const edge of this.edges.keys()) this.pool.send(edge, { op: 'followSpeaker', room: this.id, pid: msg.pid });
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
    for (const edge of this.edges.keys()) this.pool.send(edge, { op: 'closeRoom', room: this.id });
    this.edges.clear();
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

  /** The stage as it stands, to a worker that knows nothing of it (restarted, or an edge new to the room). */
  private replayStage(index: number): void {
    for (const [pid, muted] of this.publishers) this.pool.send(index, { op: 'setPublisher', room: this.id, pid, onStage: true, muted });
    for (const pid of this.cameras) this.pool.send(index, { op: 'setCamera', room: this.id, pid, on: true });
  }

  /** A stage change: to every local worker and every edge the room uses. */
  private toAll(cmd: WorkerCommand): void {
    this.pool.broadcast(cmd);
    for (const edge of this.edges.keys()) this.pool.send(edge, cmd);
  }

  private placeOnEdge(): number | null {
    // Free places on an edge the room uses are preferred (edgeFor), and one just left counts as used.
    const edge = this.pool.edgeFor(this.id, [...this.edges.keys()]);
    if (edge === null || this.edges.has(edge)) return edge;
    // New to this room: the edge learns the stage and who speaks before its first listener.
    this.edges.set(edge, 0);
    this.replayStage(edge);
    this.pool.send(edge, { op: 'followSpeaker', room: this.id, pid: this.active });
    this.pool.routeToEdges(this.id, [...this.edges.keys()]);
    return edge;
  }

  private closeEdge(edge: number): void {
    this.edges.delete(edge);
    this.pool.send(edge, { op: 'closeRoom', room: this.id });
    this.pool.routeToEdges(this.id, [...this.edges.keys()]);
  }

  private toPeer(pid: string, fn: (worker: number) => void): void {
    const worker = this.placement.get(pid);
    if (worker !== undefined) fn(worker);
  }
}
