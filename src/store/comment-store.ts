// Comments of Spaces: one row each, kept after the Space ends (the replay shows them against
// the recording). A deleted comment's row is deleted. Order is (created_at, id): timestamps are
// ISO-8601 to the millisecond, and the random id breaks ties the same way every time.
import type { Db } from './database.js';
import type { CommentsTable } from './schema.js';

export interface CommentRecord {
  id: string;
  spaceId: string;
  userId: string;
  handle: string;
  /** A guest author's display name then (null: an account, or a guest without one). */
  name?: string | null;
  text: string;
  /** Wall-clock ms since the epoch. */
  createdAt: number;
}

/** A position in a Space's comments: everything strictly before it. */
export interface CommentCursor {
  atMs: number;
  /** Comments at exactly `atMs` come before the cursor when their id sorts below this; '' excludes them all. */
  id: string;
}

function fromRow(row: CommentsTable): CommentRecord {
  return {
    id: row.id,
    spaceId: row.space_id,
    userId: row.user_id,
    handle: row.handle,
    ...(row.name !== null && row.name !== undefined ? { name: row.name } : {}),
    text: row.text,
    createdAt: Date.parse(row.created_at),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

export class CommentStore {
  constructor(private readonly db: Db) {}

  async add(c: CommentRecord): Promise<void> {
    await this.db
      .insertInto('comments')
      .values({ id: c.id, space_id: c.spaceId, user_id: c.userId, handle: c.handle, name: c.name ?? null, text: c.text, created_at: iso(c.createdAt) })
      .execute();
  }

  async get(spaceId: string, id: string): Promise<CommentRecord | undefined> {
    const row = await this.db.selectFrom('comments').selectAll().where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  }

  /**
   * The newest `limit` comments of a Space strictly before `before` (or the newest of all),
   * returned oldest first, and whether older ones exist.
   */
  async page(spaceId: string, limit: number, before?: CommentCursor): Promise<{ comments: CommentRecord[]; hasMore: boolean }> {
    let q = this.db.selectFrom('comments').selectAll().where('space_id', '=', spaceId);
    if (before) {
      const at = iso(before.atMs);
      q = q.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '<', before.id)])]));
    }
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const hasMore = rows.length > limit;
    return { comments: rows.slice(0, limit).reverse().map(fromRow), hasMore };
  }

  /** The newest `limit` comments, oldest first: a joiner's history. */
  async latest(spaceId: string, limit: number): Promise<CommentRecord[]> {
    return (await this.page(spaceId, limit)).comments;
  }

  /** Comments posted from `fromMs` to `toMs` inclusive, oldest first, at most `limit`: a recording's. */
  async between(spaceId: string, fromMs: number, toMs: number, limit: number): Promise<CommentRecord[]> {
    const rows = await this.db
      .selectFrom('comments')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('created_at', '>=', iso(fromMs))
      .where('created_at', '<=', iso(toMs))
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .limit(limit)
      .execute();
    return rows.map(fromRow);
  }

  /** Deletes a comment of this Space; false when there was none. */
  async delete(spaceId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('comments').where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
