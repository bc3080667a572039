// Accounts: handle and scrypt password hash.
import type { Db } from './database.js';
import type { UsersTable } from './schema.js';

export interface StoredUser {
  id: string;
  handle: string;
  passwordHash: string;
  /** Tokens carry it; raising it ("sign out everywhere") revokes every token issued before. */
  tokenVersion: number;
}

export class HandleTakenError extends Error {}

export class UserStore {
  constructor(private readonly db: Db) {}

  async create(user: Omit<StoredUser, 'tokenVersion'>): Promise<void> {
    try {
      await this.db
        .insertInto('users')
        .values({
          id: user.id,
          handle: user.handle,
          handle_key: user.handle.toLowerCase(),
          password_hash: user.passwordHash,
          token_version: 0,
          created_at: new Date().toISOString(),
        })
        .execute();
    } catch (err) {
      if (/unique|duplicate/i.test(String((err as Error).message))) throw new HandleTakenError(user.handle);
      throw err;
    }
  }

  async findByHandle(handle: string): Promise<StoredUser | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('handle_key', '=', handle.toLowerCase()).executeTakeFirst();
    return row && toUser(row);
  }

  async findById(id: string): Promise<StoredUser | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  /** Raises the user's token version (revoking every token issued so far); resolves with the new one. */
  async revokeTokens(id: string): Promise<number> {
    await this.db
      .updateTable('users')
      .set((eb) => ({ token_version: eb('token_version', '+', 1) }))
      .where('id', '=', id)
      .execute();
    return (await this.findById(id))?.tokenVersion ?? 0;
  }
}

function toUser(row: UsersTable): StoredUser {
  return { id: row.id, handle: row.handle, passwordHash: row.password_hash, tokenVersion: Number(row.token_version) };
}
