// An edge node's side of Spaces that span nodes: copies of other nodes' Spaces, holding the
// PeerConnections of the listeners their owners placed here. Each copy is a room of this node's
// media plane (named EDGE_ROOM_PREFIX + the Space's id) that the owner drives with the media
// workers' own commands over Redis pub/sub; its media arrives once, over the node relay, and
// this node's workers fan it out. The copy reports offers, candidates, stage video and
// connection states back to the owner, which signals the listener. A copy whose owner stops
// holding it (the owner died or no longer has listeners here) is closed.
import type { Logger } from 'pino';
import type { ConnectOptions } from '../media/cluster/distributed-room.js';
import { EDGE_ROOM_PREFIX, type WorkerCommand, type WorkerEvent } from '../media/cluster/protocol.js';
import type { MediaRoomEvents } from '../media/room/room-handle.js';
import { InvalidSdpError } from '../media/transport/sdp.js';
import type { RedisClient } from './redis-client.js';
import { keys } from './keys.js';
import { edgeCommandMessageSchema, parseMessage, type EdgeEventMessage } from './edge-protocol.js';
import type { EventEmitter } from 'node:events';

/** What a copy needs of a room of this node's media plane (a DistributedRoom). */
export interface EdgeRoom extends EventEmitter<MediaRoomEvents> {
  /** PeerConnections of the room on this node. */
  readonly peerCount: number;
  connect(pid: string, options?: ConnectOptions): void;
  disconnect(pid: string): void;
  remove(pid: string): void;
  setPublisher(pid: string, onStage: boolean, muted?: boolean): void;
  setMuted(pid: string, muted: boolean): void;
  setCamera(pid: string, on: boolean): void;
  pin(viewerId: string, targetId: string | null): void;
  renegotiate(pid: string): void;
  applyAnswer(pid: string, sdp: string): Promise<void>;
  addCandidate(pid: string, candidate: string, mid: string): void;
  followSpeaker(pid: string | null): void;
}

export interface EdgeMedia {
  room(id: string): EdgeRoom;
  closeRoom(id: string): void;
}

export interface EdgeHostOptions {
  redis: RedisClient;
  subscriber: RedisClient;
  media: EdgeMedia;
  nodeId: string;
  leaseMs: number;
  log: Logger;
}

/** The commands an edge copy takes (the rest concern the owner's own workers). */
const COPY_OPS: ReadonlySet<WorkerCommand['op']> = new Set<WorkerCommand['op']>([
  'connect',
  'disconnect',
  'remove',
  'setPublisher',
  'setMuted',
  'setCamera',
  'pin',
  'renegotiate',
  'candidate',
  'followSpeaker',
  'answer',
  'closeRoom',
]);

interface Copy {
  owner: string;
  spaceId: string;
  room: EdgeRoom;
  heardAt: number;
}

export class EdgeHost {
  private readonly copies = new Map<string, Copy>();
  private readonly channel: string;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly options: EdgeHostOptions) {
    this.channel = keys.edgeCommands(options.nodeId);
  }

  async start(): Promise<void> {
    await this.options.subscriber.subscribe(this.channel);
    this.options.subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.onMessage(text);
    });
    // Redis was away: no owner could hold its copies meanwhile. Their media kept flowing (the
    // relay needs no Redis); they get three leases from now, as if just held.
    this.options.subscriber.on('ready', () => {
      const now = Date.now();
      for (const copy of this.copies.values()) copy.heardAt = now;
    });
    // An owner holds its copies four times a lease; three leases without a word and it is gone.
    this.timer = setInterval(() => this.expire(Date.now() - 3 * this.options.leaseMs), this.options.leaseMs);
    this.timer.unref();
  }

  /** Copies of other nodes' Spaces held here now. */
  get copyCount(): number {
    return this.copies.size;
  }

  /** PeerConnections this node serves for other nodes' Spaces. */
  get peers(): number {
    let n = 0;
    for (const copy of this.copies.values()) n += copy.room.peerCount;
    return n;
  }

  close(id?: string): void {
    if (id !== undefined) {
      const copy = this.copies.get(id);
      if (!copy) return;
      this.copies.delete(id);
      this.options.media.closeRoom(id);
      this.options.log.info({ space: copy.spaceId, owner: copy.owner }, 'edge copy closed');
      return;
    }
    if (this.timer) clearInterval(this.timer);
    for (const copyId of [...this.copies.keys()]) this.close(copyId);
  }

  private onMessage(text: string): void {
    const msg = parseMessage(edgeCommandMessageSchema, text);
    if (!msg) return void this.options.log.warn('a malformed message on the edge commands channel was dropped');
    const now = Date.now();
    if ('hold' in msg) {
      for (const spaceId of msg.hold) {
        const copy = this.copies.get(EDGE_ROOM_PREFIX + spaceId);
        if (copy?.owner === msg.from) copy.heardAt = now;
      }
      return;
    }
    const cmd = msg.cmd;
    if (!('room' in cmd)) return;
    // WHIP/WHEP sessions, taps and relay routes stay with the owner: they neither open nor replace a copy.
    if (!COPY_OPS.has(cmd.op)) return void this.options.log.debug({ op: cmd.op, space: cmd.room }, 'a command an edge copy does not take was ignored');
    const id = EDGE_ROOM_PREFIX + cmd.room;
    let copy = this.copies.get(id);
    // The old owner closing its room (after a hand-off, its closeRoom may arrive after the new
    // owner's first command): not the new owner's copy to close.
    if (cmd.op === 'closeRoom') return void (copy?.owner === msg.from && this.close(id));
    // Another owner: the Space moved (failover, drain). Its old copy knows nothing valid.
    if (copy && copy.owner !== msg.from) {
      this.close(id);
      copy = undefined;
    }
    copy ??= this.open(id, cmd.room, msg.from);
    copy.heardAt = now;
    this.apply(copy, cmd);
  }

  private open(id: string, spaceId: string, owner: string): Copy {
    const room = this.options.media.room(id);
    const copy: Copy = { owner, spaceId, room, heardAt: Date.now() };
    const send = (ev: WorkerEvent) => this.publish(owner, { from: this.options.nodeId, ev });
    room.on('offer', (pid, sdp, fresh) => send({ ev: 'offer', room: spaceId, pid, sdp, fresh }));
    room.on('candidates', (pid, candidates, mid) => send({ ev: 'candidates', room: spaceId, pid, candidates, mid }));
    room.on('stageVideo', (pid, source, pinned, layer) => send({ ev: 'stageVideo', room: spaceId, pid, source, pinned, layer }));
    room.on('connectionState', (pid, state) => send({ ev: 'connectionState', room: spaceId, pid, state }));
    this.copies.set(id, copy);
    this.options.log.info({ space: spaceId, owner }, 'edge copy opened');
    return copy;
  }

  private apply(copy: Copy, cmd: WorkerCommand): void {
    const { room } = copy;
    switch (cmd.op) {
      case 'connect':
        return room.connect(cmd.pid);
      case 'disconnect':
        return room.disconnect(cmd.pid);
      case 'remove':
        return room.remove(cmd.pid);
      case 'setPublisher':
        return room.setPublisher(cmd.pid, cmd.onStage, cmd.muted);
      case 'setMuted':
        return room.setMuted(cmd.pid, cmd.muted);
      case 'setCamera':
        return room.setCamera(cmd.pid, cmd.on);
      case 'pin':
        return room.pin(cmd.pid, cmd.target);
      case 'renegotiate':
        return room.renegotiate(cmd.pid);
      case 'candidate':
        return room.addCandidate(cmd.pid, cmd.candidate, cmd.mid);
      case 'followSpeaker':
        return room.followSpeaker(cmd.pid);
      case 'answer':
        room.applyAnswer(cmd.pid, cmd.sdp).then(
          () => this.publish(copy.owner, { from: this.options.nodeId, ev: { ev: 'answerResult', reqId: cmd.reqId, error: null, invalidSdp: false } }),
          (err: Error) =>
            this.publish(copy.owner, {
              from: this.options.nodeId,
              ev: { ev: 'answerResult', reqId: cmd.reqId, error: err.message, invalidSdp: err instanceof InvalidSdpError },
            }),
        );
        return;
      default:
        // WHIP/WHEP sessions, taps and relay routes stay with the owner.
        this.options.log.debug({ op: cmd.op, space: copy.spaceId }, 'a command an edge copy does not take was ignored');
    }
  }

  private expire(before: number): void {
    if (this.options.subscriber.status !== 'ready') return;
    for (const [id, copy] of this.copies) if (copy.heardAt < before) this.close(id);
  }

  private publish(owner: string, msg: EdgeEventMessage): void {
    this.options.redis.publish(keys.edgeEvents(owner), JSON.stringify(msg)).catch((err: Error) => {
      this.options.log.debug({ err: err.message, owner }, 'could not reach the owner of an edge copy');
    });
  }
}
