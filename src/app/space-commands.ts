// How a live Space's commands run: one at a time, each stored before its effects. A client's
// action ('ack') is written before anything else happens, and undone (the domain rolls back)
// when the write fails, so that it is acknowledged only once it is stored. What nobody can
// refuse ('must': a departure, a grace period running out, a reconnect) always takes effect,
// and its write is retried until it lands (SpaceWriter). While one command's write is in
// flight no other command runs, so none sees, builds on, or is undone with a change that was
// not stored; the state broadcast waits for it too (`held`).
import type { Logger } from 'pino';
import type { Space, SpaceEvent } from '../spaces/index.js';
import { AppError } from './app-error.js';
import { SpaceWriter, type SpaceChangeStore } from './space-writer.js';
import type { SpaceRecord } from '../store/space-store.js';

/** Where a Space's changes are stored. */
export interface SpaceStorage {
  store: SpaceChangeStore;
  record(space: Space): SpaceRecord;
  /** Members already stored (restored after a restart). */
  stored: Iterable<string>;
  /** Told of every write that failed (it was then undone, or is being retried). */
  failed(): void;
}

export type CommandMode = 'ack' | 'must';

export class SpaceCommands {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly writer: SpaceWriter;
  private writing = false;

  constructor(
    private readonly space: Space,
    storage: SpaceStorage,
    private readonly log: Logger,
  ) {
    this.writer = new SpaceWriter(space, storage.store, storage.record, log, (retry) => void this.run(retry), storage.stored, storage.failed);
  }

  /** A change is waiting for its write: nobody may be shown it yet. */
  get held(): boolean {
    return this.writing;
  }

  /** Runs `work` after every command queued before it; the promise carries its outcome. */
  run<T>(work: () => T | Promise<T>): Promise<T> {
    const next = this.tail.then(work);
    this.tail = next.catch(() => undefined);
    return next;
  }

  /**
   * Runs one domain command and stores what it changed; resolves with its events, for the
   * caller to act on. Call it from within run(). Rejects with the domain's SpaceError (nothing
   * changed), or for 'ack' with AppError('unavailable') when the write failed (undone).
   */
  async exec(command: () => SpaceEvent[], mode: CommandMode): Promise<SpaceEvent[]> {
    this.space.begin();
    let events: SpaceEvent[];
    try {
      events = command();
    } catch (err) {
      this.space.rollback();
      throw err;
    }
    if (mode === 'must') {
      this.space.commit();
      await this.writer.writeOrRetry(events);
      return events;
    }
    this.writing = true;
    try {
      await this.writer.write(events);
    } catch (err) {
      this.space.rollback();
      this.log.error({ err }, 'could not store an action: undone');
      throw new AppError('unavailable', 'the server could not save that change, so nothing changed; try again in a moment');
    } finally {
      this.writing = false;
    }
    this.space.commit();
    return events;
  }

  close(): void {
    this.writer.close();
  }
}
