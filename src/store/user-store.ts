// Accounts: handle and scrypt password hash.
import type { Db } from './database.js';

export interface StoredUser {
  id: string;
  handle: string;
  passwordHash: string;
}

export class HandleTakenError extends Error {}

export class UserStore {
  constructor(private readonly db: Db) {}

  async create(user: StoredUser): Promise<void> {
    try {
      await this.db
        .insertInto('users')
        .values({ id: user.id, handle: user.handle, handle_key: user.handle.toLowerCase(), password_hash: user.passwordHash, created_at: new Date().toISOString() })
        .execute();
    } catch (err) {
      if (/unique|duplicate/i.test(String((err as Error).message))) throw new HandleTakenError(user.handle);
      throw err;
    }
  }

  async findByHandle(handle: string): Promise<StoredUser | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('handle_key', '=', handle.toLowerCase()).executeTakeFirst();
    return row && { id: row.id, handle: row.handle, passwordHash: row.password_hash };
  }

  async findById(id: string): Promise<StoredUser | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { id: row.id, handle: row.handle, passwordHash: row.password_hash };
  }
}
