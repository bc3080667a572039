// Media workers: child processes, each with its own WebRTC UDP port (base + index), that
// share every Space's peers between them. The main process keeps signalling and the domain;
// this pool places peers on the least-loaded worker and speaks to the workers over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { createCounters, type MediaCounters } from '../counters.js';
import type { LossSummary, MediaPlane } from '../room-handle.js';
import type { TransportConfig } from '../transport-config.js';
import type { RoomSettings } from '../media-server.js';
import type { WorkerCommand, WorkerEvent } from './protocol.js';
import { DistributedRoom } from './distributed-room.js';

const WORKER_ENTRY = fileURLToPath(new URL('./media-worker.ts', import.meta.url));
const START_TIMEOUT_MS = 20_000;

interface Worker {
  index: number;
  child: ChildProcess;
  /** Peers placed on it, across all rooms. */
  peers: number;
  counters: MediaCounters;
  loss: LossSummary;
}

export class WorkerPool implements MediaPlane {
  private readonly workers: Worker[] = [];
  private readonly rooms = new Map<string, DistributedRoom>();
  private closing = false;

  private constructor(private readonly log: Logger) {}

  static async start(transport: TransportConfig, count: number, log: Logger, ffmpegPath = 'ffmpeg', settings: RoomSettings = {}): Promise<WorkerPool> {
    const pool = new WorkerPool(log);
    const ready: Array<Promise<number>> = [];
    for (let index = 0; index < count; index++) {
      const workerTransport: TransportConfig = { ...transport, udpPort: transport.udpPort + index };
      const child = fork(WORKER_ENTRY, [], {
        execArgv: ['--import', import.meta.resolve('tsx')],
        env: { ...process.env, SPACES_WORKER_INDEX: String(index), SPACES_WORKER_TRANSPORT: JSON.stringify(workerTransport), SPACES_WORKER_ROOM_SETTINGS: JSON.stringify(settings), SPACES_FFMPEG: ffmpegPath },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const worker: Worker = { index, child, peers: 0, counters: createCounters(), loss: { downstream: 0, upstream: 0 } };
      pool.workers.push(worker);
      ready.push(
        new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`media worker ${index} did not start`)), START_TIMEOUT_MS);
          child.on('message', (msg: WorkerEvent) => {
            if (msg.ev === 'ready') {
              clearTimeout(timer);
              resolve(msg.relayPort);
            } else {
              pool.onWorkerEvent(worker, msg);
            }
          });
          child.once('exit', (code) => {
            clearTimeout(timer);
            if (!pool.closing) log.error({ worker: index, code }, 'media worker exited');
            reject(new Error(`media worker ${index} exited with ${code}`));
          });
        }),
      );
    }
    const ports = await Promise.all(ready);
    pool.broadcast({ op: 'relayPorts', ports });
    log.info({ workers: count, udpPorts: pool.workers.map((w) => transport.udpPort + w.index) }, 'media workers started');
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  get counters(): MediaCounters {
    const total = createCounters();
    for (const w of this.workers) {
      for (const key of Object.keys(total) as Array<keyof MediaCounters>) total[key] += w.counters[key];
    }
    return total;
  }

  lossSummary(): LossSummary {
    const n = this.workers.length;
    return {
      downstream: this.workers.reduce((s, w) => s + w.loss.downstream, 0) / n,
      upstream: this.workers.reduce((s, w) => s + w.loss.upstream, 0) / n,
    };
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
  }

  /** The worker with the fewest peers. */
  leastLoaded(): number {
    let best = this.workers[0]!;
    for (const w of this.workers) if (w.peers < best.peers) best = w;
    return best.index;
  }

  adjustLoad(index: number, delta: number): void {
    const w = this.workers[index];
    if (w) w.peers += delta;
  }

  send(index: number, cmd: WorkerCommand): void {
    const w = this.workers[index];
    if (w?.child.connected) w.child.send(cmd);
  }

  broadcast(cmd: WorkerCommand): void {
    for (const w of this.workers) this.send(w.index, cmd);
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const id of [...this.rooms.keys()]) this.closeRoom(id);
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.child.exitCode !== null) return resolve();
            w.child.once('exit', () => resolve());
            w.child.disconnect();
            setTimeout(() => w.child.kill('SIGKILL'), 3000).unref();
          }),
      ),
    );
  }

  private onWorkerEvent(worker: Worker, msg: WorkerEvent): void {
    if (msg.ev === 'stats') {
      worker.counters = msg.counters;
      worker.loss = msg.loss;
      return;
    }
    if (msg.ev === 'ready') return;
    if (msg.ev === 'answerResult') {
      for (const room of this.rooms.values()) if (room.settleAnswer(msg)) return;
      return;
    }
    if (msg.ev === 'offerResult') {
      for (const room of this.rooms.values()) if (room.settleOffer(msg)) return;
      return;
    }
    this.rooms.get(msg.room)?.onWorkerEvent(worker.index, msg);
  }
}
