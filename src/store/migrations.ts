// Schema migrations, kept in code so that a fresh machine needs nothing but the binary.
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

const migrations: Record<string, Migration> = {
  '001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('handle', 'text', (c) => c.notNull())
        .addColumn('handle_key', 'text', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('spaces')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('host_id', 'text', (c) => c.notNull())
        .addColumn('host_handle', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('scheduled_for', 'text')
        .addColumn('started_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('end_reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('spaces_state').on('spaces').column('state').execute();
      await db.schema
        .createTable('space_bans')
        .addColumn('space_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('space_bans_pk', ['space_id', 'user_id'])
        .execute();
    },
  },
  '002_recordings': {
    async up(db: Kysely<unknown>) {
      // 0/1 rather than a boolean type: the same column on SQLite and PostgreSQL.
      await db.schema
        .alterTable('spaces')
        .addColumn('recording', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('recordings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('space_id', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addColumn('duration_sec', 'real', (c) => c.notNull().defaultTo(0))
        .addColumn('has_video', 'integer', (c) => c.notNull().defaultTo(0))
        /** JSON: the active-speaker turns, in wall-clock ms. */
        .addColumn('turns', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('expires_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('recordings_space').on('recordings').column('space_id').execute();
      await db.schema.createIndex('recordings_state').on('recordings').column('state').execute();
    },
  },
  '003_comments': {
    async up(db: Kysely<unknown>) {
      // Deleting a comment deletes its row: a deleted comment is nowhere, not even here.
      await db.schema
        .createTable('comments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('space_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('handle', 'text', (c) => c.notNull())
        .addColumn('text', 'text', (c) => c.notNull())
        /** ISO-8601 to the millisecond, like every timestamp here; orders the comments (ties by id). */
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('comments_space_time').on('comments').columns(['space_id', 'created_at', 'id']).execute();
    },
  },
  '004_stream_keys': {
    async up(db: Kysely<unknown>) {
      // Only a hash of each key is kept: a leaked database does not let anyone publish.
      await db.schema
        .createTable('stream_keys')
        .addColumn('space_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('stream_keys_pk', ['space_id', 'user_id'])
        .execute();
      await db.schema
        .alterTable('spaces')
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('space'))
        .execute();
    },
  },
  '005_live_state': {
    async up(db: Kysely<unknown>) {
      // Who is where in a live Space, so that a restart brings everyone back in the same role:
      // everyone on stage, and listeners with a request or an invitation. Plain listeners are
      // not stored (they just join again), so a big audience costs no writes.
      await db.schema
        .createTable('space_members')
        .addColumn('space_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('handle', 'text', (c) => c.notNull())
        .addColumn('guest', 'integer', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('muted', 'integer', (c) => c.notNull())
        .addColumn('camera', 'integer', (c) => c.notNull())
        .addColumn('requested', 'integer', (c) => c.notNull())
        .addColumn('invited', 'integer', (c) => c.notNull())
        // The orders (stage, requests, audience, co-host seniority) are sequence numbers.
        .addColumn('stage_seq', 'integer', (c) => c.notNull())
        .addColumn('request_seq', 'integer', (c) => c.notNull())
        .addColumn('join_seq', 'integer', (c) => c.notNull())
        .addColumn('cohost_seq', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('space_members_pk', ['space_id', 'user_id'])
        .execute();
      await db.schema
        .alterTable('spaces')
        .addColumn('guest_comments', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
    },
  },
  '006_token_version': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('users')
        .addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '007_space_owner': {
    async up(db: Kysely<unknown>) {
      // Which node runs a live Space, and the fencing token of its claim: every claim raises
      // the epoch, and every write of the Space's live state checks it, so a node that lost a
      // Space (a pause, a partition) can no longer change it.
      await db.schema.alterTable('spaces').addColumn('owner_node', 'text').execute();
      await db.schema
        .alterTable('spaces')
        .addColumn('owner_epoch', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '008_comment_guest_names': {
    async up(db: Kysely<unknown>) {
      // A guest's display name on their comments, so that history and replay show it too.
      await db.schema.alterTable('comments').addColumn('name', 'text').execute();
    },
  },
};

/** Every migration, in the order they run (tests compare the database's record with this). */
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrations).sort();

const provider: MigrationProvider = { getMigrations: async () => migrations };

// Migrations run on any schema version, so they see the database untyped (as Kysely's docs do).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function migrateToLatest(db: Kysely<any>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) throw new Error(`database migration failed: ${String(error ?? failed?.migrationName)}`);
}
