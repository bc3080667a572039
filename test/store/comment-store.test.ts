// The comments table against the real thing, SQLite in a temp file and PostgreSQL in a
// database created for this run (dropped after it), like store.test.ts: ordering (ties by id),
// pages, the recording's span, deletion, per-Space isolation, and a restart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '../helpers/postgres.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { CommentStore, type CommentRecord } from '../../src/store/comment-store.js';

interface Backend {
  url: string;
  cleanup(): Promise<void>;
}

async function sqliteBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'spaces-comments-'));
  return { url: join(dir, 'spaces.db'), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function postgresBackend(): Promise<Backend> {
  const db = await createTestDatabase();
  return { url: db.url, cleanup: () => db.drop() };
}

const T0 = Date.UTC(2030, 5, 1, 12, 0, 0, 123);
let n = 0;
const spaceId = () => `space_${++n}_${randomBytes(3).toString('hex')}`;

function comment(space: string, id: string, createdAt: number, overrides: Partial<CommentRecord> = {}): CommentRecord {
  return { id, spaceId: space, userId: `u-${id}`, handle: `@${id}`, text: `text of ${id}`, createdAt, ...overrides };
}

function commentSuite(dialect: string, makeBackend: () => Promise<Backend>): void {
  describe(`comments on ${dialect}`, () => {
    let backend: Backend;
    let db: Db;
    let store: CommentStore;

    before(async () => {
      backend = await makeBackend();
      db = await openDatabase(backend.url);
      store = new CommentStore(db);
    });

    after(async () => {
      await db?.destroy();
      await backend?.cleanup();
    });

    it('stores a comment with every field intact (time to the millisecond, any Unicode)', async () => {
      const s = spaceId();
      const c = comment(s, 'c1', T0 + 7, { text: 'Ça va? 👩‍👩‍👧 "quotes" \'and\' <tags> ; DROP TABLE comments; --', handle: 'Zoë' });
      await store.add(c);
      assert.deepEqual(await store.get(s, 'c1'), c);
      assert.deepEqual(await store.latest(s, 50), [c]);
      // A guest's display name stays with what they said.
      const named = comment(s, 'c2', T0 + 8, { handle: 'guest-abc123', name: 'Ana (Lisbon)' });
      await store.add(named);
      assert.deepEqual(await store.get(s, 'c2'), named);
    });

    it("get is per Space: another Space's comment id is not found", async () => {
      const a = spaceId();
      const b = spaceId();
      await store.add(comment(a, `${a}-x`, T0));
      assert.equal(await store.get(b, `${a}-x`), undefined);
      assert.deepEqual(await store.latest(b, 50), []);
    });

    it('latest: the newest N, oldest first; equal times are ordered by id', async () => {
      const s = spaceId();
      // Inserted out of order; b1 and b2 share a millisecond.
      const rows = [comment(s, 'd', T0 + 3000), comment(s, 'b2', T0 + 1000), comment(s, 'a', T0), comment(s, 'b1', T0 + 1000), comment(s, 'e', T0 + 4000)];
      for (const r of rows) await store.add(r);
      assert.deepEqual(
        (await store.latest(s, 50)).map((c) => c.id),
        ['a', 'b1', 'b2', 'd', 'e'],
      );
      assert.deepEqual(
        (await store.latest(s, 3)).map((c) => c.id),
        ['b2', 'd', 'e'],
      );
    });

    it('page walks back through every comment exactly once, across a tie at a page boundary', async () => {
      const s = spaceId();
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const id = `k${i}`;
        ids.push(id);
        // k2, k3 and k4 share a millisecond.
        await store.add(comment(s, id, T0 + (i >= 2 && i <= 4 ? 2 : i) * 1000));
      }
      const seen: string[][] = [];
      let cursor: { atMs: number; id: string } | undefined;
      for (;;) {
        const page = await store.page(s, 2, cursor);
        seen.unshift(page.comments.map((c) => c.id));
        if (!page.hasMore) break;
        const first = page.comments[0]!;
        cursor = { atMs: first.createdAt, id: first.id };
      }
      assert.deepEqual(seen, [['k0'], ['k1', 'k2'], ['k3', 'k4'], ['k5', 'k6']]);
      // A cursor with an empty id means "strictly before this time".
      assert.deepEqual(
        (await store.page(s, 10, { atMs: T0 + 2000, id: '' })).comments.map((c) => c.id),
        ['k0', 'k1'],
      );
      assert.deepEqual(await store.page(s, 10, { atMs: T0, id: '' }), { comments: [], hasMore: false });
    });

    it("between: the recording's span, inclusive at both ends, oldest first, limited", async () => {
      const s = spaceId();
      for (let i = 0; i < 6; i++) await store.add(comment(s, `r${i}`, T0 + i * 1000));
      assert.deepEqual(
        (await store.between(s, T0 + 1000, T0 + 4000, 100)).map((c) => c.id),
        ['r1', 'r2', 'r3', 'r4'],
      );
      assert.deepEqual(
        (await store.between(s, T0 + 1000, T0 + 4000, 2)).map((c) => c.id),
        ['r1', 'r2'],
      );
      assert.deepEqual(await store.between(s, T0 + 10_000, T0 + 20_000, 100), []);
    });

    it('delete removes the row everywhere; deleting again, or from another Space, does nothing', async () => {
      const s = spaceId();
      const other = spaceId();
      for (let i = 0; i < 3; i++) await store.add(comment(s, `${s}-d${i}`, T0 + i));
      assert.equal(await store.delete(other, `${s}-d1`), false);
      assert.equal(await store.delete(s, `${s}-d1`), true);
      assert.equal(await store.delete(s, `${s}-d1`), false);
      assert.equal(await store.get(s, `${s}-d1`), undefined);
      assert.deepEqual(
        (await store.latest(s, 50)).map((c) => c.id),
        [`${s}-d0`, `${s}-d2`],
      );
      assert.deepEqual(
        (await store.between(s, T0, T0 + 10, 100)).map((c) => c.id),
        [`${s}-d0`, `${s}-d2`],
      );
      assert.deepEqual(
        (await store.page(s, 1, { atMs: T0 + 2, id: `${s}-d2` })).comments.map((c) => c.id),
        [`${s}-d0`],
      );
    });

    it('ids are unique: the same id again is refused', async () => {
      const s = spaceId();
      await store.add(comment(s, `${s}-u`, T0));
      await assert.rejects(store.add(comment(s, `${s}-u`, T0 + 1, { text: 'other' })));
      assert.equal((await store.get(s, `${s}-u`))?.text, `text of ${s}-u`);
    });

    it('comments survive closing and reopening the database', async () => {
      const s = spaceId();
      const c = comment(s, `${s}-p`, T0);
      await store.add(c);
      await db.destroy();
      db = await openDatabase(backend.url);
      store = new CommentStore(db);
      assert.deepEqual(await store.latest(s, 50), [c]);
    });
  });
}

commentSuite('SQLite', sqliteBackend);
commentSuite('PostgreSQL', postgresBackend);
