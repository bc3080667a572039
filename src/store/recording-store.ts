// Recordings of Spaces: one row each, next to its files on disk. The speaker timeline is
// kept as the detector's turns in wall-clock time; mapping them onto the recording's own
// time needs its segments, so that happens when the recording is read.
import type { Db } from './database.js';
import { toIso, toMs } from './iso-time.js';
import type { RecordingsTable } from './schema.js';

export interface SpeakerTurn {
  userId: string;
  handle: string;
  /** Wall-clock ms since the epoch. */
  startMs: number;
  endMs: number | null;
}

export interface RecordingRecord {
  id: string;
  spaceId: string;
  title: string;
  state: 'recording' | 'ready' | 'failed';
  startedAt: number;
  endedAt: number | null;
  durationSec: number;
  hasVideo: boolean;
  turns: SpeakerTurn[];
  expiresAt: number | null;
}

function fromRow(row: RecordingsTable): RecordingRecord {
  let turns: SpeakerTurn[] = [];
  try {
    turns = JSON.parse(row.turns) as SpeakerTurn[];
  } catch {
    // A damaged timeline loses the timeline, not the recording.
  }
  return {
    id: row.id,
    spaceId: row.space_id,
    title: row.title,
    state: row.state,
    startedAt: Date.parse(row.started_at),
    endedAt: toMs(row.ended_at),
    durationSec: Number(row.duration_sec),
    hasVideo: Number(row.has_video) === 1,
    turns,
    expiresAt: toMs(row.expires_at),
  };
}

export class RecordingStore {
  constructor(private readonly db: Db) {}

  async create(r: RecordingRecord): Promise<void> {
    await this.db
      .insertInto('recordings')
      .values({
        id: r.id,
        space_id: r.spaceId,
        title: r.title,
        state: r.state,
        started_at: new Date(r.startedAt).toISOString(),
        ended_at: toIso(r.endedAt),
        duration_sec: r.durationSec,
        has_video: r.hasVideo ? 1 : 0,
        turns: JSON.stringify(r.turns),
        expires_at: toIso(r.expiresAt),
        created_at: new Date().toISOString(),
      })
      .execute();
  }

  async update(r: RecordingRecord): Promise<void> {
    await this.db
      .updateTable('recordings')
      .set({
        state: r.state,
        ended_at: toIso(r.endedAt),
        duration_sec: r.durationSec,
        has_video: r.hasVideo ? 1 : 0,
        turns: JSON.stringify(r.turns),
        expires_at: toIso(r.expiresAt),
      })
      .where('id', '=', r.id)
      .execute();
  }

  async get(id: string): Promise<RecordingRecord | undefined> {
    const row = await this.db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  /** The Space's most recent recording. */
  async latestForSpace(spaceId: string): Promise<RecordingRecord | undefined> {
    const row = await this.db.selectFrom('recordings').selectAll().where('space_id', '=', spaceId).orderBy('started_at', 'desc').limit(1).executeTakeFirst();
    return row && fromRow(row);
  }

  async listByState(state: RecordingRecord['state']): Promise<RecordingRecord[]> {
    const rows = await this.db.selectFrom('recordings').selectAll().where('state', '=', state).execute();
    return rows.map(fromRow);
  }

  /** Recordings whose retention ran out by `nowMs`. */
  async expired(nowMs: number): Promise<RecordingRecord[]> {
    const rows = await this.db
      .selectFrom('recordings')
      .selectAll()
      .where('expires_at', 'is not', null)
      .where('expires_at', '<', new Date(nowMs).toISOString())
      .execute();
    return rows.map(fromRow);
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('recordings').where('id', '=', id).execute();
  }
}
