// The durable store against the real thing: SQLite in a temp file and PostgreSQL in a
// database created for this run (and dropped after it). The same suite runs for both.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createTestDatabase } from '../helpers/postgres.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { MIGRATION_NAMES } from '../../src/store/migrations.js';
import { HandleTakenError, UserStore } from '../../src/store/user-store.js';
import { SpaceStore, type SpaceRecord } from '../../src/store/space-store.js';
import { memberRecord, spaceChange } from '../helpers/store-records.js';

interface Backend {
  /** The URL openDatabase takes. */
  url: string;
  cleanup(): Promise<void>;
}

async function sqliteBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'spaces-store-'));
  return {
    // A nested path: openDatabase must create the directory.
    url: join(dir, 'nested', 'spaces.db'),
    async cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresBackend(): Promise<Backend> {
  const db = await createTestDatabase();
  return { url: db.url, cleanup: () => db.drop() };
}

let n = 0;
const uid = (prefix: string) => `${prefix}_${++n}_${randomBytes(3).toString('hex')}`;
const T0 = Date.UTC(2030, 5, 1, 12, 0, 0, 123);

function space(overrides: Partial<SpaceRecord> = {}): SpaceRecord {
  return {
    id: uid('space'),
    title: 'A Space',
    hostId: 'host-1',
    hostHandle: 'Host',
    state: 'live',
    recording: false,
    kind: 'space',
    guestComments: true,
    scheduledFor: null,
    startedAt: T0,
    endedAt: null,
    endReason: null,
    ...overrides,
  };
}

function storeSuite(dialect: string, makeBackend: () => Promise<Backend>): void {
  describe(`store on ${dialect}`, () => {
    let backend: Backend;
    let db: Db;
    let users: UserStore;
    let spaces: SpaceStore;

    before(async () => {
      backend = await makeBackend();
      db = await openDatabase(backend.url);
      users = new UserStore(db);
      spaces = new SpaceStore(db);
    });

    after(async () => {
      await db?.destroy();
      await backend?.cleanup();
    });

    describe('migrations', () => {
      it('create the tables and record the migration once', async () => {
        const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
        assert.deepEqual(rows.rows.map((r) => r.name).sort(), [...MIGRATION_NAMES]);
        assert.deepEqual(MIGRATION_NAMES.slice(0, 3), ['001_initial', '002_recordings', '003_comments']);
        for (const table of ['users', 'spaces', 'space_bans', 'recordings', 'comments'] as const) {
          const count = await db.selectFrom(table).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow();
          assert.equal(Number(count.n) >= 0, true, table);
        }
      });

      it('are idempotent: opening the same database again migrates nothing and keeps the data', async () => {
        const id = randomUUID();
        await users.create({ id, handle: uid('again'), passwordHash: 'h' });
        const second = await openDatabase(backend.url);
        try {
          const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(second);
          assert.equal(rows.rows.length, MIGRATION_NAMES.length);
          assert.equal((await new UserStore(second).findById(id))?.id, id);
        } finally {
          await second.destroy();
        }
        // The first handle still works after the second one closed.
        assert.equal((await users.findById(id))?.id, id);
      });
    });

    describe('users', () => {
      it('creates and finds a user by id and by handle, keeping the handle as typed', async () => {
        const id = randomUUID();
        const handle = `Ann_${randomBytes(3).toString('hex')}`;
        await users.create({ id, handle, passwordHash: 'scrypt$hash' });
        assert.deepEqual(await users.findById(id), { id, handle, passwordHash: 'scrypt$hash', tokenVersion: 0 });
        assert.deepEqual(await users.findByHandle(handle), { id, handle, passwordHash: 'scrypt$hash', tokenVersion: 0 });
      });

      it('finds a handle regardless of case', async () => {
        const id = randomUUID();
        const handle = `MiXeD_${randomBytes(3).toString('hex')}`;
        await users.create({ id, handle, passwordHash: 'h' });
        assert.equal((await users.findByHandle(handle.toLowerCase()))?.id, id);
        assert.equal((await users.findByHandle(handle.toUpperCase()))?.id, id);
        assert.equal((await users.findByHandle(handle.toUpperCase()))?.handle, handle);
      });

      it('handles are unique regardless of case: HandleTakenError, and nothing is written', async () => {
        const handle = `Bob_${randomBytes(3).toString('hex')}`;
        await users.create({ id: randomUUID(), handle, passwordHash: 'h' });
        for (const variant of [handle, handle.toUpperCase(), handle.toLowerCase()]) {
          const id = randomUUID();
          await assert.rejects(users.create({ id, handle: variant, passwordHash: 'h2' }), (err: unknown) => {
            assert.ok(err instanceof HandleTakenError, String(err));
            return true;
          });
          assert.equal(await users.findById(id), undefined);
        }
        assert.equal((await users.findByHandle(handle))?.passwordHash, 'h');
      });

      it('unknown users are undefined', async () => {
        assert.equal(await users.findById(randomUUID()), undefined);
        assert.equal(await users.findByHandle('nobody_here_x'), undefined);
      });
    });

    describe('spaces', () => {
      it('creates and gets a Space with every field intact (times to the millisecond)', async () => {
        const live = space({ title: 'Live one', startedAt: T0 + 7 });
        await spaces.create(live);
        assert.deepEqual(await spaces.get(live.id), live);
        const scheduled = space({ state: 'scheduled', scheduledFor: T0 + 3_600_000, startedAt: null });
        await spaces.create(scheduled);
        assert.deepEqual(await spaces.get(scheduled.id), scheduled);
      });

      it('get of an unknown id is undefined', async () => {
        assert.equal(await spaces.get('no-such-space'), undefined);
      });

      it('update changes the lifecycle fields', async () => {
        const s = space({ state: 'scheduled', scheduledFor: T0 + 1000, startedAt: null });
        await spaces.create(s);
        const started: SpaceRecord = { ...s, state: 'live', startedAt: T0 + 2000 };
        await spaces.update(started);
        assert.deepEqual(await spaces.get(s.id), started);
        const handedOver: SpaceRecord = { ...started, hostId: 'host-2', hostHandle: 'Cohost' };
        await spaces.update(handedOver);
        assert.deepEqual(await spaces.get(s.id), handedOver);
        const ended: SpaceRecord = { ...handedOver, state: 'ended', endedAt: T0 + 9000, endReason: 'host_ended' };
        await spaces.update(ended);
        assert.deepEqual(await spaces.get(s.id), ended);
      });

      it('update of an unknown id writes nothing', async () => {
        const ghost = space();
        await spaces.update(ghost);
        assert.equal(await spaces.get(ghost.id), undefined);
      });

      it('listByState: scheduled soonest first, live most recently started first, other states excluded', async () => {
        // Far in the future of every other test's Spaces, so that these sort first/last predictably.
        const far = Date.UTC(2090, 0, 1);
        const tag = uid('order');
        const sched = [3, 1, 2].map((k) => space({ id: `${tag}_s${k}`, state: 'scheduled', scheduledFor: far + k * 60_000, startedAt: null }));
        const live = [2, 3, 1].map((k) => space({ id: `${tag}_l${k}`, state: 'live', startedAt: far + k * 60_000 }));
        for (const s of [...sched, ...live]) await spaces.create(s);
        await spaces.create(space({ id: `${tag}_e`, state: 'ended', startedAt: far + 10 * 60_000, endedAt: far + 11 * 60_000 }));

        const scheduled = (await spaces.listByState('scheduled', 10_000)).filter((s) => s.id.startsWith(tag));
        assert.deepEqual(
          scheduled.map((s) => s.id),
          [`${tag}_s1`, `${tag}_s2`, `${tag}_s3`],
        );
        assert.ok(scheduled.every((s) => s.state === 'scheduled'));

        const liveList = await spaces.listByState('live', 10_000);
        assert.deepEqual(
          liveList.slice(0, 3).map((s) => s.id),
          [`${tag}_l3`, `${tag}_l2`, `${tag}_l1`],
        );
        assert.ok(liveList.every((s) => s.state === 'live'));
        assert.equal(
          liveList.some((s) => s.id === `${tag}_e`),
          false,
        );

        // The limit takes the first ones in that order.
        assert.deepEqual(
          (await spaces.listByState('live', 2)).map((s) => s.id),
          [`${tag}_l3`, `${tag}_l2`],
        );
      });

      it('listByState("ended") puts a Space that never started after the ones that did, in both dialects', async () => {
        const far = Date.UTC(2095, 0, 1);
        const tag = uid('ended');
        await spaces.create(space({ id: `${tag}_never`, state: 'ended', startedAt: null, endedAt: far, endReason: 'cancelled' }));
        await spaces.create(space({ id: `${tag}_a`, state: 'ended', startedAt: far + 1000, endedAt: far + 2000 }));
        await spaces.create(space({ id: `${tag}_b`, state: 'ended', startedAt: far + 3000, endedAt: far + 4000 }));
        const ended = (await spaces.listByState('ended', 10_000)).filter((s) => s.id.startsWith(tag));
        assert.deepEqual(
          ended.map((s) => s.id),
          [`${tag}_b`, `${tag}_a`, `${tag}_never`],
        );
      });
    });

    describe('bans', () => {
      it('are per Space and idempotent', async () => {
        const a = uid('banspace');
        const b = uid('banspace');
        await spaces.addBan(a, 'u1');
        await spaces.addBan(a, 'u1');
        await spaces.addBan(a, 'u2');
        await spaces.addBan(b, 'u3');
        assert.deepEqual((await spaces.bans(a)).sort(), ['u1', 'u2']);
        assert.deepEqual(await spaces.bans(b), ['u3']);
        assert.deepEqual(await spaces.bans(uid('nobans')), []);
      });
    });

    describe('live members (commit)', () => {
      const member = memberRecord;
      const change = spaceChange;

      it('upserts, removes and bans in one change, and reads members back', async () => {
        const s = space();
        await spaces.create(s);
        await spaces.commit(change(s.id, { upsert: [member('a'), member('b', { role: 'listener', requested: true, requestSeq: 5, stageSeq: 0 })] }));
        await spaces.commit(
          change(s.id, { upsert: [member('a', { muted: true, camera: true })], remove: ['b'], bans: ['c'], space: { ...s, guestComments: false } }),
        );
        assert.deepEqual(await spaces.members(s.id), [member('a', { muted: true, camera: true })]);
        assert.deepEqual(await spaces.bans(s.id), ['c']);
        assert.equal((await spaces.get(s.id))?.guestComments, false);
      });

      it('clearMembers with the end drops every member', async () => {
        const s = space();
        await spaces.create(s);
        await spaces.commit(change(s.id, { upsert: [member('a'), member('b')] }));
        await spaces.commit(change(s.id, { space: { ...s, state: 'ended', endedAt: T0 + 1, endReason: 'host_ended' }, clearMembers: true }));
        assert.deepEqual(await spaces.members(s.id), []);
        assert.equal((await spaces.get(s.id))?.state, 'ended');
      });

      it('is all or nothing: a change that fails part way writes none of it', async () => {
        const s = space();
        await spaces.create(s);
        await spaces.commit(change(s.id, { upsert: [member('a')] }));
        // A member row without a handle violates NOT NULL after the ban and the first upsert went in.
        const broken = { ...member('z'), handle: null as unknown as string };
        await assert.rejects(spaces.commit(change(s.id, { bans: ['x'], upsert: [member('a', { muted: true }), broken], space: { ...s, recording: true } })));
        assert.deepEqual(await spaces.members(s.id), [member('a')]);
        assert.deepEqual(await spaces.bans(s.id), []);
        assert.equal((await spaces.get(s.id))?.recording, false);
      });
    });

    describe('restart', () => {
      it('data survives closing and reopening the database', async () => {
        const userId = randomUUID();
        const handle = `Persist_${randomBytes(3).toString('hex')}`;
        const s = space({ state: 'scheduled', scheduledFor: T0 + 5000, startedAt: null });
        await users.create({ id: userId, handle, passwordHash: 'p' });
        await spaces.create(s);
        await spaces.addBan(s.id, userId);

        await db.destroy();
        db = await openDatabase(backend.url);
        users = new UserStore(db);
        spaces = new SpaceStore(db);

        assert.deepEqual(await users.findByHandle(handle.toLowerCase()), { id: userId, handle, passwordHash: 'p', tokenVersion: 0 });
        assert.deepEqual(await spaces.get(s.id), s);
        assert.deepEqual(await spaces.bans(s.id), [userId]);
        assert.deepEqual(
          (await spaces.listByState('scheduled', 10_000)).filter((r) => r.id === s.id),
          [s],
        );
        // Uniqueness still holds after the restart.
        await assert.rejects(users.create({ id: randomUUID(), handle: handle.toUpperCase(), passwordHash: 'x' }), HandleTakenError);
      });
    });
  });
}

storeSuite('SQLite', sqliteBackend);
storeSuite('PostgreSQL', postgresBackend);
