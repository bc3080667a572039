// Durable record of each Space: what it is, its lifecycle, and who is banned from it.
// The live state (who is on stage) is in memory; this is what survives a restart.
import type { Db } from './database.js';
import { toIso, toMs } from './iso-time.js';
import type { SpacesTable } from './schema.js';

export interface SpaceRecord {
  id: string;
  title: string;
  hostId: string;
  hostHandle: string;
  state: 'scheduled' | 'live' | 'ended';
  scheduledFor: number | null;
  startedAt: number | null;
  endedAt: number | null;
  endReason: string | null;
  recording: boolean;
  kind: 'space' | 'broadcast';
}


function fromRow(row: SpacesTable): SpaceRecord {
  return {
    id: row.id,
    title: row.title,
    hostId: row.host_id,
    hostHandle: row.host_handle,
    state: row.state,
    scheduledFor: toMs(row.scheduled_for),
    startedAt: toMs(row.started_at),
    endedAt: toMs(row.ended_at),
    endReason: row.end_reason,
    recording: Number(row.recording) === 1,
    kind: row.kind === 'broadcast' ? 'broadcast' : 'space',
  };
}

export class SpaceStore {
  constructor(private readonly db: Db) {}

  async create(space: SpaceRecord): Promise<void> {
    await this.db
      .insertInto('spaces')
      .values({
        id: space.id,
        title: space.title,
        host_id: space.hostId,
        host_handle: space.hostHandle,
        state: space.state,
        scheduled_for: toIso(space.scheduledFor),
        started_at: toIso(space.startedAt),
        ended_at: toIso(space.endedAt),
        end_reason: space.endReason,
        recording: space.recording ? 1 : 0,
        kind: space.kind,
        created_at: new Date().toISOString(),
      })
      .execute();
  }

  async get(id: string): Promise<SpaceRecord | undefined> {
    const row = await this.db.selectFrom('spaces').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  async listByState(state: SpaceRecord['state'], limit = 100): Promise<SpaceRecord[]> {
    const rows = await this.db
      .selectFrom('spaces')
      .selectAll()
      .where('state', '=', state)
      // NULLS LAST explicitly: PostgreSQL and SQLite disagree on where NULLs sort by default
      // (a Space that ended without ever starting has no started_at).
      .orderBy(state === 'scheduled' ? 'scheduled_for' : 'started_at', (ob) => (state === 'scheduled' ? ob.asc() : ob.desc()).nullsLast())
      .limit(limit)
      .execute();
    return rows.map(fromRow);
  }

  async update(space: SpaceRecord): Promise<void> {
    await this.db
      .updateTable('spaces')
      .set({
        title: space.title,
        host_id: space.hostId,
        host_handle: space.hostHandle,
        state: space.state,
        scheduled_for: toIso(space.scheduledFor),
        started_at: toIso(space.startedAt),
        ended_at: toIso(space.endedAt),
        end_reason: space.endReason,
        recording: space.recording ? 1 : 0,
      })
      .where('id', '=', space.id)
      .execute();
  }

  async addBan(spaceId: string, userId: string): Promise<void> {
    await this.db
      .insertInto('space_bans')
      .values({ space_id: spaceId, user_id: userId, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.columns(['space_id', 'user_id']).doNothing())
      .execute();
  }

  async bans(spaceId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('space_bans').select('user_id').where('space_id', '=', spaceId).execute();
    return rows.map((r) => r.user_id);
  }
}
