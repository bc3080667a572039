// The media side of one Space when its peers are spread over media workers. Each peer lives
// on one worker; stage changes go to every worker (each fans every publisher out to its own
// peers); answers, candidates and pins go to the peer's worker. Worker 0 speaks for the room
// on who is talking, so the main process hears one voice.
import { EventEmitter } from 'node:events';
import type { MediaRoomEvents } from '../media-room.js';
import type { RoomHandle } from '../room-handle.js';
import type { EgressOptions } from '../room-tap.js';
import { InvalidSdpError } from '../sdp.js';
import type { WorkerEvent } from './protocol.js';
import type { WorkerPool } from './worker-pool.js';

const PRIMARY = 0;
let nextReqId = 1;

export class DistributedRoom extends EventEmitter<MediaRoomEvents> implements RoomHandle {
  /** Which worker hosts each participant's PeerConnection. */
  private readonly placement = new Map<string, number>();
  private readonly answers = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
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
    const worker = this.pool.leastLoaded();
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

  onWorkerEvent(worker: number, msg: Exclude<WorkerEvent, { ev: 'ready' | 'stats' | 'answerResult' }>): void {
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
    this.pool.broadcast({ op: 'closeRoom', room: this.id });
    this.pool.forgetRoom(this.id);
    this.removeAllListeners();
  }

  private toPeer(pid: string, fn: (worker: number) => void): void {
    const worker = this.placement.get(pid);
    if (worker !== undefined) fn(worker);
  }
}
