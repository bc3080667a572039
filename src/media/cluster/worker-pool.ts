// Media workers: child processes, each with its own WebRTC UDP port (base + index), that
// share every Space's peers between them. The main process keeps signalling and the domain;
// this pool places peers on the least-loaded worker and speaks to the workers over IPC.
// The media plane always runs in workers, so the main process holds no media socket and a
// crash in the media plane never takes signalling down: a worker that dies is started again
// (Supervisor), every room's stage is replayed to it, and the peers that lived on it are
// placed again and re-offered, so their clients reconnect by themselves.
import type { Logger } from 'pino';
import { createCounters, type MediaCounters } from '../counters.js';
import type { LossSummary, MediaPlane, WorkerStatus } from '../room/room-handle.js';
import type { TransportConfig } from '../transport/transport-config.js';
import type { RoomSettings } from '../media-server.js';
import { mediaEventSchema, type WorkerCommand, type WorkerEvent } from './protocol.js';
import { DistributedRoom, type RoomWorkers } from './distributed-room.js';
import { isRemoteIndex, type RemoteNodeSink, type RemoteNodes } from './remote-nodes.js';
import { Supervisor } from '../../workers/supervisor.js';

export interface WorkerPoolOptions {
  transport: TransportConfig;
  count: number;
  rooms: RoomSettings;
  /** The media worker's entry module (the composition root passes it). */
  entry: string;
  /** Where the codec worker listens. */
  codecSocket: string;
  logLevel: string;
  /** In a cluster: the node-to-node relay (first port, 0 for any; its key, hex). */
  nodeRelay?: { port: number; bindAddress?: string; key: string };
}

interface Worker {
  index: number;
  supervisor: Supervisor<WorkerCommand, WorkerEvent>;
  /** Peers placed on it, across all rooms. */
  peers: number;
  counters: MediaCounters;
  loss: LossSummary;
  relayPort: number;
  /** Its node-to-node relay socket's port (0: none). */
  nodeRelayPort: number;
  /** Frames its codec link dropped (this process's life). */
  linkDropped: number;
}

export class WorkerPool implements MediaPlane, RoomWorkers {
  private readonly workers: Worker[] = [];
  private readonly rooms = new Map<string, DistributedRoom>();
  /** Counters of worker processes that died, so the sums Prometheus reads never go back. */
  private readonly retired: MediaCounters = createCounters();
  private retiredLinkDropped = 0;
  private primaryIndex: number | null = null;
  /** The other nodes of a cluster, once this node joined one. */
  private remote: RemoteNodes | null = null;
  /** Rooms relayed to edge nodes, and to which. */
  private readonly edgeRoutes = new Map<string, readonly number[]>();

  private constructor(private readonly log: Logger) {}

  static async start(options: WorkerPoolOptions, log: Logger): Promise<WorkerPool> {
    const pool = new WorkerPool(log);
    const { rooms, transport } = options;
    for (let index = 0; index < options.count; index++) {
      const supervisor = new Supervisor<WorkerCommand, WorkerEvent>(
        {
          name: `media-${index}`,
          entry: options.entry,
          events: mediaEventSchema,
          init: () => ({
            name: `media-${index}`,
            index,
            logLevel: options.logLevel,
            transport: { ...transport, udpPort: transport.udpPort + index },
            rooms: rooms.audibleSpeakers === undefined ? {} : { audibleSpeakers: rooms.audibleSpeakers },
            codecSocket: options.codecSocket,
            ...(options.nodeRelay ? { nodeRelay: options.nodeRelay } : {}),
          }),
        },
        log,
      );
      const worker: Worker = {
        index,
        supervisor,
        peers: 0,
        counters: createCounters(),
        loss: { downstream: 0, upstream: 0 },
        relayPort: 0,
        nodeRelayPort: 0,
        linkDropped: 0,
      };
      pool.workers.push(worker);
      supervisor.on('up', (ready) => pool.onUp(worker, ready));
      supervisor.on('down', () => pool.onDown(worker));
      supervisor.on('event', (event) => pool.onWorkerEvent(worker.index, event));
    }
    try {
      await Promise.all(pool.workers.map((w) => w.supervisor.start()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    log.info({ workers: options.count, udpPorts: pool.workers.map((w) => transport.udpPort + w.index) }, 'media workers started');
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  /** The worker that speaks for every room (who is talking) and taps rooms for HLS: the first one up. */
  get primary(): number | null {
    return this.primaryIndex;
  }

  isUp(index: number): boolean {
    if (isRemoteIndex(index)) return this.remote?.isUp(index) ?? false;
    return this.workers[index]?.supervisor.up ?? false;
  }

  /** Where the other nodes relay media to this node: the primary worker's node relay port (0: none). */
  get nodeRelayPort(): number {
    return this.primaryIndex === null ? 0 : (this.workers[this.primaryIndex]?.nodeRelayPort ?? 0);
  }

  /**
   * This node joined a cluster: its Spaces may place listeners on the other nodes. Returns
   * what the cluster layer tells the media plane about them.
   */
  attachRemote(remote: RemoteNodes): RemoteNodeSink {
    this.remote = remote;
    return {
      event: (index, msg) => this.onWorkerEvent(index, msg),
      down: (index) => {
        for (const room of this.rooms.values()) room.workerDown(index);
      },
      endpointsChanged: () => {
        for (const room of this.edgeRoutes.keys()) this.sendRoutes(room, null);
      },
      roomsOn: (index) => [...this.rooms.values()].filter((r) => r.edgeListeners.has(index)).map((r) => r.id),
    };
  }

  /** PeerConnections on this node's workers, of every room. */
  get localPeers(): number {
    return this.workers.reduce((n, w) => n + w.peers, 0);
  }

  /** This node's listeners whose PeerConnections are on other nodes. */
  get listenersOnEdges(): number {
    let n = 0;
    for (const room of this.rooms.values()) for (const count of room.edgeListeners.values()) n += count;
    return n;
  }

  edgeFor(room: string, using: readonly number[]): number | null {
    return this.remote?.pick(room, using) ?? null;
  }

  routeToEdges(room: string, edges: readonly number[]): void {
    if (edges.length === 0 && !this.edgeRoutes.has(room)) return;
    if (edges.length === 0) this.edgeRoutes.delete(room);
    else this.edgeRoutes.set(room, [...edges]);
    this.sendRoutes(room, null);
  }

  /** A room's edge relay targets, to one local worker or (null) to all. */
  private sendRoutes(room: string, worker: number | null): void {
    const edges = this.edgeRoutes.get(room) ?? [];
    const targets = edges.flatMap((e) => this.remote?.endpoint(e) ?? []);
    const cmd: WorkerCommand = { op: 'edgeTargets', room, targets };
    if (worker === null) this.broadcast(cmd);
    else this.send(worker, cmd);
  }

  /** The process id of a worker, for tests that kill one. */
  pidOf(index: number): number | undefined {
    return this.workers[index]?.supervisor.pid;
  }

  get counters(): MediaCounters {
    const total = { ...this.retired };
    for (const w of this.workers) {
      for (const key of Object.keys(total) as Array<keyof MediaCounters>) total[key] += w.counters[key];
    }
    return total;
  }

  /** Frames the media workers could not send the codec worker (HLS taps, transcoding), since start. */
  get codecLinkDropped(): number {
    return this.workers.reduce((n, w) => n + w.linkDropped, this.retiredLinkDropped);
  }

  lossSummary(): LossSummary {
    const up = this.workers.filter((w) => w.supervisor.up);
    const n = Math.max(1, up.length);
    return {
      downstream: up.reduce((s, w) => s + w.loss.downstream, 0) / n,
      upstream: up.reduce((s, w) => s + w.loss.upstream, 0) / n,
    };
  }

  status(): WorkerStatus[] {
    return this.workers.map((w) => ({ name: w.supervisor.name, up: w.supervisor.up, restarts: w.supervisor.restarts }));
  }

  room(id: string): DistributedRoom {
    let room = this.rooms.get(id);
    if (!room) {
      room = new DistributedRoom(id, this);
      this.rooms.set(id, room);
    }
    return room;
  }

  closeRoom(id: string): void {
    this.rooms.get(id)?.close();
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  /** Called by a room when it closes. */
  forgetRoom(id: string): void {
    this.rooms.delete(id);
    this.edgeRoutes.delete(id);
  }

  /** The running worker with the fewest peers; null while none is up. */
  leastLoaded(): number | null {
    let best: Worker | null = null;
    for (const w of this.workers) if (w.supervisor.up && (!best || w.peers < best.peers)) best = w;
    return best?.index ?? null;
  }

  adjustLoad(index: number, delta: number): void {
    if (isRemoteIndex(index)) return this.remote?.adjustLoad(index, delta);
    const w = this.workers[index];
    if (w) w.peers = Math.max(0, w.peers + delta);
  }

  /** False when the worker is down: its state is replayed to it when it is back. */
  send(index: number, cmd: WorkerCommand): boolean {
    if (isRemoteIndex(index)) return this.remote?.send(index, cmd) ?? false;
    return this.workers[index]?.supervisor.send(cmd) ?? false;
  }

  broadcast(cmd: WorkerCommand): void {
    for (const w of this.workers) w.supervisor.send(cmd);
  }

  async close(): Promise<void> {
    for (const id of [...this.rooms.keys()]) this.closeRoom(id);
    await Promise.all(this.workers.map((w) => w.supervisor.close()));
  }

  private onUp(worker: Worker, ready: WorkerEvent): void {
    if (ready.ev !== 'ready') return;
    worker.relayPort = ready.relayPort;
    worker.nodeRelayPort = ready.nodeRelayPort;
    worker.peers = 0;
    for (const room of this.edgeRoutes.keys()) this.sendRoutes(room, worker.index);
    this.broadcast({ op: 'relayPorts', ports: this.workers.map((w) => (w.supervisor.up ? w.relayPort : 0)) });
    if (this.primaryIndex === null) this.setPrimary(worker.index);
    // A restarted worker knows nothing: give it every room's stage, then the peers that waited.
    for (const room of this.rooms.values()) room.workerUp(worker.index);
  }

  private onDown(worker: Worker): void {
    for (const key of Object.keys(this.retired) as Array<keyof MediaCounters>) this.retired[key] += worker.counters[key];
    worker.counters = createCounters();
    this.retiredLinkDropped += worker.linkDropped;
    worker.linkDropped = 0;
    worker.loss = { downstream: 0, upstream: 0 };
    worker.relayPort = 0;
    worker.nodeRelayPort = 0;
    worker.peers = 0;
    this.broadcast({ op: 'relayPorts', ports: this.workers.map((w) => (w.supervisor.up ? w.relayPort : 0)) });
    if (this.primaryIndex === worker.index) this.setPrimary(this.workers.find((w) => w.supervisor.up)?.index ?? null);
    for (const room of this.rooms.values()) room.workerDown(worker.index);
  }

  private setPrimary(index: number | null): void {
    if (index === this.primaryIndex) return;
    this.primaryIndex = index;
    this.log.info({ primary: index }, 'primary media worker');
    if (index !== null) for (const room of this.rooms.values()) room.primaryChanged(index);
  }

  private onWorkerEvent(index: number, msg: WorkerEvent): void {
    const worker = this.workers[index];
    switch (msg.ev) {
      case 'ready':
        return;
      case 'stats':
        if (!worker) return;
        worker.counters = msg.counters;
        worker.loss = msg.loss;
        worker.linkDropped = msg.linkDropped;
        return;
      case 'answerResult':
        for (const room of this.rooms.values()) if (room.settleAnswer(msg)) return;
        return;
      case 'offerResult':
        for (const room of this.rooms.values()) if (room.settleOffer(msg)) return;
        return;
      default:
        this.rooms.get(msg.room)?.onWorkerEvent(index, msg);
    }
  }
}
