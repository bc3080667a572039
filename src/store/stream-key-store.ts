// Stream keys: the bearer tokens WHIP encoders (OBS, ffmpeg, browsers) publish with, one per
// person per Space. Issuing a new key for someone replaces (rotates) their old one.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './database.js';

const hash = (key: string) => createHash('sha256').update(key).digest('hex');

export class StreamKeyStore {
  constructor(private readonly db: Db) {}

  /** Issues a fresh key for `userId` in the Space; the previous one stops working at once. */
  async issue(spaceId: string, userId: string): Promise<string> {
    const key = randomBytes(24).toString('base64url');
    const row = { space_id: spaceId, user_id: userId, key_hash: hash(key), created_at: new Date().toISOString() };
    await this.db
      .insertInto('stream_keys')
      .values(row)
      .onConflict((oc) => oc.columns(['space_id', 'user_id']).doUpdateSet({ key_hash: row.key_hash, created_at: row.created_at }))
      .execute();
    return key;
  }

  /** Who a key lets publish, and where; undefined for an unknown or rotated key. */
  async resolve(key: string): Promise<{ spaceId: string; userId: string } | undefined> {
    if (key.length < 16 || key.length > 128) return undefined;
    const row = await this.db.selectFrom('stream_keys').select(['space_id', 'user_id']).where('key_hash', '=', hash(key)).executeTakeFirst();
    return row && { spaceId: row.space_id, userId: row.user_id };
  }

  async revoke(spaceId: string, userId: string): Promise<void> {
    await this.db.deleteFrom('stream_keys').where('space_id', '=', spaceId).where('user_id', '=', userId).execute();
  }
}
