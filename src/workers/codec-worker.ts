// The main process's handle on the codec worker: it starts and stops Spaces' HLS encoders
// there and passes on what each reports. When the codec worker dies, every encoder it ran is
// reported failed (the Space's egress starts it again, with backoff, once the supervisor has
// brought the worker back); the media workers reconnect their link to it by themselves.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Supervisor } from './supervisor.js';
import { codecEventSchema, type CodecCommand, type CodecEvent } from './codec-protocol.js';
import type { EncoderEvent, EncoderRunOptions } from '../egress/encoding.js';
import type { WorkerStatus } from '../media/room/room-handle.js';
import type { Encoders } from '../app/space-egress.js';

export interface CodecWorkerOptions {
  entry: string;
  ffmpegPath: string;
  transcode: { kbps: number; keyframeSeconds: number };
  logLevel: string;
}

export class CodecWorker implements Encoders {
  private readonly supervisor: Supervisor<CodecCommand, CodecEvent>;
  private readonly listeners = new Map<string, Set<(event: EncoderEvent) => void>>();
  /** Encoders started and not yet reported gone, by room: their run directory. */
  private readonly running = new Map<string, string>();

  private constructor(
    /** The private directory holding the link's socket. */
    private readonly runDir: string,
    readonly socketPath: string,
    options: CodecWorkerOptions,
    log: Logger,
  ) {
    this.supervisor = new Supervisor(
      {
        name: 'codec',
        entry: options.entry,
        events: codecEventSchema,
        init: () => ({ name: 'codec', logLevel: options.logLevel, socketPath, ffmpegPath: options.ffmpegPath, transcode: options.transcode }),
      },
      log,
    );
    this.supervisor.on('event', (event) => {
      if (event.ev === 'encoder') this.report(event.room, event.event);
    });
    this.supervisor.on('down', () => {
      for (const [room, dir] of [...this.running]) this.report(room, { state: 'failed', dir, error: 'the codec worker died' });
    });
  }

  static async start(options: CodecWorkerOptions, log: Logger): Promise<CodecWorker> {
    // A short path (Unix socket paths are limited to about 100 bytes), readable by this user only.
    const runDir = mkdtempSync(join(tmpdir(), 'spaces-'));
    const worker = new CodecWorker(runDir, join(runDir, 'codec.sock'), options, log);
    try {
      await worker.supervisor.start();
    } catch (err) {
      await worker.close();
      throw err;
    }
    return worker;
  }

  start(room: string, options: EncoderRunOptions): void {
    this.running.set(room, options.dir);
    if (!this.supervisor.send({ op: 'startEncoder', room, options })) {
      queueMicrotask(() => this.report(room, { state: 'failed', dir: options.dir, error: 'the codec worker is not running' }));
    }
  }

  stop(room: string, dir: string): void {
    if (!this.supervisor.send({ op: 'stopEncoder', room, dir })) queueMicrotask(() => this.report(room, { state: 'stopped', dir }));
  }

  subscribe(room: string, listener: (event: EncoderEvent) => void): () => void {
    let set = this.listeners.get(room);
    if (!set) this.listeners.set(room, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(room);
    };
  }

  status(): WorkerStatus {
    return { name: 'codec', up: this.supervisor.up, restarts: this.supervisor.restarts };
  }

  /** The worker's process id, for tests that kill it. */
  get pid(): number | undefined {
    return this.supervisor.pid;
  }

  async close(): Promise<void> {
    await this.supervisor.close();
    rmSync(this.runDir, { recursive: true, force: true });
  }

  private report(room: string, event: EncoderEvent): void {
    if (event.state === 'running') this.running.set(room, event.dir);
    else if (this.running.get(room) === event.dir) this.running.delete(room);
    for (const listener of [...(this.listeners.get(room) ?? [])]) listener(event);
  }
}
