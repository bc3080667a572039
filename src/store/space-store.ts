// Durable record of each Space: what it is, its lifecycle, who is banned from it, and its
// live members (who is on stage, who asked to speak or was invited, who is muted), so that a
// restart brings everyone back in the same place. A command's changes are written together,
// in one transaction (commit), and acknowledged only once that has returned.
import { sql } from 'kysely';
import type { Db } from './database.js';
import { toIso, toMs } from './iso-time.js';
import type { Selectable } from 'kysely';
import type { SpaceMembersTable, SpacesTable } from './schema.js';

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
  /** Guests may comment (the host can turn it off). */
  guestComments: boolean;
}

/** One live member, as the domain restores them (sequence numbers keep the orders). */
export interface MemberRecord {
  userId: string;
  handle: string;
  guest: boolean;
  role: 'host' | 'cohost' | 'speaker' | 'listener';
  muted: boolean;
  camera: boolean;
  requested: boolean;
  invited: boolean;
  stageSeq: number;
  requestSeq: number;
  joinSeq: number;
  cohostSeq: number;
}

/** What one command changed, written in one transaction. */
export interface SpaceChange {
  spaceId: string;
  /** The Space's row, when its lifecycle, host, recording or guest comments changed. */
  space: SpaceRecord | null;
  /** Members as they are now. */
  upsert: MemberRecord[];
  /** Members who are gone, or now plain listeners. */
  remove: string[];
  /** People removed from the Space (a ban lasts the Space's life). */
  bans: string[];
  /** The Space ended: none of its members is kept. */
  clearMembers: boolean;
  /**
   * The fencing token of the writer's claim on the Space: the write happens only while no
   * other node has claimed the Space since (else it throws SpaceFencedError and changes nothing).
   */
  fence?: number;
}

/** The Space was claimed by another node since this one's claim: this node no longer runs it. */
export class SpaceFencedError extends Error {
  constructor(
    readonly spaceId: string,
    readonly epoch: number,
  ) {
    super(`Space ${spaceId} was claimed by another node (our claim was epoch ${epoch})`);
  }
}

/** A live Space and the node that last claimed it. */
export interface LiveOwner {
  id: string;
  ownerNode: string | null;
}

const bool = (v: boolean) => (v ? 1 : 0);

function memberRow(spaceId: string, m: MemberRecord): SpaceMembersTable {
  return {
    space_id: spaceId,
    user_id: m.userId,
    handle: m.handle,
    guest: bool(m.guest),
    role: m.role,
    muted: bool(m.muted),
    camera: bool(m.camera),
    requested: bool(m.requested),
    invited: bool(m.invited),
    stage_seq: m.stageSeq,
    request_seq: m.requestSeq,
    join_seq: m.joinSeq,
    cohost_seq: m.cohostSeq,
  };
}

function fromMemberRow(r: SpaceMembersTable): MemberRecord {
  return {
    userId: r.user_id,
    handle: r.handle,
    guest: Number(r.guest) === 1,
    role: r.role,
    muted: Number(r.muted) === 1,
    camera: Number(r.camera) === 1,
    requested: Number(r.requested) === 1,
    invited: Number(r.invited) === 1,
    stageSeq: Number(r.stage_seq),
    requestSeq: Number(r.request_seq),
    joinSeq: Number(r.join_seq),
    cohostSeq: Number(r.cohost_seq),
  };
}

function fromRow(row: Selectable<SpacesTable>): SpaceRecord {
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
    guestComments: Number(row.guest_comments) !== 0,
  };
}

function lifecycleColumns(space: SpaceRecord) {
  return {
    title: space.title,
    host_id: space.hostId,
    host_handle: space.hostHandle,
    state: space.state,
    scheduled_for: toIso(space.scheduledFor),
    started_at: toIso(space.startedAt),
    ended_at: toIso(space.endedAt),
    end_reason: space.endReason,
    recording: bool(space.recording),
    guest_comments: bool(space.guestComments),
  };
}

export class SpaceStore {
  constructor(private readonly db: Db) {}

  async create(space: SpaceRecord): Promise<void> {
    await this.db
      .insertInto('spaces')
      .values({ id: space.id, ...lifecycleColumns(space), kind: space.kind, created_at: new Date().toISOString() })
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
    await this.db.updateTable('spaces').set(lifecycleColumns(space)).where('id', '=', space.id).execute();
  }

  /**
   * Claims a Space for `nodeId`: raises its epoch and returns the new one, the fencing token
   * every later write of this node's checks. Undefined when there is no such Space.
   */
  async claim(spaceId: string, nodeId: string): Promise<number | undefined> {
    const row = await this.db
      .updateTable('spaces')
      .set({ owner_node: nodeId, owner_epoch: sql<number>`owner_epoch + 1` })
      .where('id', '=', spaceId)
      .returning('owner_epoch')
      .executeTakeFirst();
    return row ? Number(row.owner_epoch) : undefined;
  }

  /** Every live Space with the node that last claimed it (for a cluster's placement sweeps). */
  async liveOwners(limit = 10_000): Promise<LiveOwner[]> {
    const rows = await this.db.selectFrom('spaces').select(['id', 'owner_node']).where('state', '=', 'live').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, ownerNode: r.owner_node }));
  }

  /** How many live Spaces an account hosts, and how many of those record (limits per account). */
  async hostedLive(hostId: string): Promise<{ live: number; recording: number }> {
    const rows = await this.db.selectFrom('spaces').select('recording').where('host_id', '=', hostId).where('state', '=', 'live').execute();
    return { live: rows.length, recording: rows.filter((r) => Number(r.recording) === 1).length };
  }

  /** The node that last claimed a live Space (null: none, or it is not live). */
  async lastOwner(spaceId: string): Promise<string | null> {
    const row = await this.db.selectFrom('spaces').select('owner_node').where('id', '=', spaceId).where('state', '=', 'live').executeTakeFirst();
    return row?.owner_node ?? null;
  }

  /** Writes one command's changes in one transaction: all of them, or (it throws) none. */
  async commit(change: SpaceChange): Promise<void> {
    const { spaceId } = change;
    await this.db.transaction().execute(async (trx) => {
      if (change.fence !== undefined) {
        // First, and as a write: on PostgreSQL it waits for a concurrent claim's row lock and
        // then sees the raised epoch, so a claim and a stale write never both succeed.
        const fenced = await trx
          .updateTable('spaces')
          .set({ owner_epoch: change.fence })
          .where('id', '=', spaceId)
          .where('owner_epoch', '=', change.fence)
          .executeTakeFirst();
        if (Number(fenced.numUpdatedRows) === 0) throw new SpaceFencedError(spaceId, change.fence);
      }
      if (change.space) await trx.updateTable('spaces').set(lifecycleColumns(change.space)).where('id', '=', spaceId).execute();
      const now = new Date().toISOString();
      for (const userId of change.bans) {
        await trx
          .insertInto('space_bans')
          .values({ space_id: spaceId, user_id: userId, created_at: now })
          .onConflict((oc) => oc.columns(['space_id', 'user_id']).doNothing())
          .execute();
      }
      if (change.clearMembers) {
        await trx.deleteFrom('space_members').where('space_id', '=', spaceId).execute();
        return;
      }
      if (change.remove.length > 0) {
        await trx.deleteFrom('space_members').where('space_id', '=', spaceId).where('user_id', 'in', change.remove).execute();
      }
      for (const m of change.upsert) {
        const row = memberRow(spaceId, m);
        const { space_id: _s, user_id: _u, ...rest } = row;
        await trx
          .insertInto('space_members')
          .values(row)
          .onConflict((oc) => oc.columns(['space_id', 'user_id']).doUpdateSet(rest))
          .execute();
      }
    });
  }

  /** The live members stored for a Space (empty once it ended). */
  async members(spaceId: string): Promise<MemberRecord[]> {
    const rows = await this.db.selectFrom('space_members').selectAll().where('space_id', '=', spaceId).execute();
    return rows.map(fromMemberRow);
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
