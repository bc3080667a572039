// Opens the database: SQLite through better-sqlite3 by default (a file, no outside service),
// PostgreSQL when a postgres:// URL is configured (a cluster shares one).
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import type { Database } from './schema.js';
import { migrateToLatest } from './migrations.js';

export type Db = Kysely<Database>;

/** `url` is a file path (or ":memory:") for SQLite, or postgres://… for PostgreSQL. */
export async function openDatabase(url: string): Promise<Db> {
  let db: Db;
  if (/^postgres(ql)?:\/\//.test(url)) {
    // Bounded waits: a database that stops answering fails a command (which is then undone
    // and answered 'unavailable') instead of holding its Space forever.
    const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000, statement_timeout: 10_000, query_timeout: 15_000 });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    const file = url.replace(/^sqlite:/, '');
    if (file !== ':memory:') createPrivately(file);
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  }
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return db;
}

/**
 * The database file is for this service's user alone: made 0600 before SQLite first opens it
 * (its -wal and -shm files take the same mode), and set so again if an older one is looser.
 */
function createPrivately(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}
