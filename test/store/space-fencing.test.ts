// Fencing of a Space's live-state writes by the owner's claim, on SQLite (a temp file) and on
// PostgreSQL (a database of its own): a node that lost a Space to another node's claim must
// not be able to write anything of it any more, even with a write already on its way.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createTestDatabase } from '../helpers/postgres.js';
import { openDatabase, type Db } from '../../src/store/database.js';
import { SpaceFencedError, SpaceStore, type SpaceChange, type SpaceRecord } from '../../src/store/space-store.js';
import { memberRecord, spaceChange } from '../helpers/store-records.js';

interface Backend {
  url: string;
  cleanup(): Promise<void>;
}

async function sqliteBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'spaces-fencing-'));
  return { url: join(dir, 'spaces.db'), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function postgresBackend(): Promise<Backend> {
  const db = await createTestDatabase();
  return { url: db.url, cleanup: () => db.drop() };
}

let n = 0;
const uid = (prefix: string) => `${prefix}_${++n}_${randomBytes(3).toString('hex')}`;

function spaceRecord(overrides: Partial<SpaceRecord> = {}): SpaceRecord {
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
    startedAt: Date.UTC(2030, 5, 1),
    endedAt: null,
    endReason: null,
    ...overrides,
  };
}

const member = memberRecord;
const change = spaceChange;

const isFenced = (spaceId: string, epoch: number) => (err: unknown) => {
  assert.ok(err instanceof SpaceFencedError, String(err));
  assert.equal(err.spaceId, spaceId);
  assert.equal(err.epoch, epoch);
  return true;
};

/** Everything a commit could have changed of a Space. */
async function snapshot(spaces: SpaceStore, id: string) {
  return {
    space: await spaces.get(id),
    members: (await spaces.members(id)).sort((x, y) => (x.userId < y.userId ? -1 : 1)),
    bans: (await spaces.bans(id)).sort(),
  };
}

function fencingSuite(dialect: string, makeBackend: () => Promise<Backend>): void {
  describe(`space fencing on ${dialect}`, () => {
    let backend: Backend;
    let db: Db;
    let spaces: SpaceStore;

    before(async () => {
      backend = await makeBackend();
      db = await openDatabase(backend.url);
      spaces = new SpaceStore(db);
    });

    after(async () => {
      await db?.destroy();
      await backend?.cleanup();
    });

    it('claim raises the epoch each time, whoever claims, and records the owner', async () => {
      const s = spaceRecord();
      await spaces.create(s);
      const first = await spaces.claim(s.id, 'node-a');
      assert.equal(typeof first, 'number');
      assert.equal(await spaces.claim(s.id, 'node-a'), first! + 1);
      assert.equal(await spaces.claim(s.id, 'node-b'), first! + 2);
      assert.equal((await spaces.liveOwners()).find((o) => o.id === s.id)?.ownerNode, 'node-b');
      assert.equal(await spaces.claim(uid('missing'), 'node-a'), undefined);
    });

    it('a commit with the current fence is written', async () => {
      const s = spaceRecord();
      await spaces.create(s);
      const epoch = (await spaces.claim(s.id, 'node-a'))!;
      await spaces.commit(change(s.id, { fence: epoch, upsert: [member('a'), member('b')], bans: ['x'], space: { ...s, recording: true } }));
      await spaces.commit(change(s.id, { fence: epoch, remove: ['b'] }));
      const now = await snapshot(spaces, s.id);
      assert.deepEqual(now.members, [member('a')]);
      assert.deepEqual(now.bans, ['x']);
      assert.equal(now.space?.recording, true);
      // The fence check leaves the epoch as it was.
      assert.equal(await spaces.claim(s.id, 'node-a'), epoch + 1);
    });

    it('a commit with an older fence throws SpaceFencedError and changes nothing', async () => {
      const s = spaceRecord();
      await spaces.create(s);
      const old = (await spaces.claim(s.id, 'node-a'))!;
      await spaces.commit(change(s.id, { fence: old, upsert: [member('a'), member('b')], bans: ['x'] }));
      const current = (await spaces.claim(s.id, 'node-b'))!;
      assert.ok(current > old);
      const before = await snapshot(spaces, s.id);

      const stale: SpaceChange[] = [
        change(s.id, { fence: old, upsert: [member('a', { muted: true }), member('c')] }),
        change(s.id, { fence: old, remove: ['a', 'b'] }),
        change(s.id, { fence: old, bans: ['y'] }),
        change(s.id, { fence: old, space: { ...s, title: 'Taken over', recording: true } }),
        change(s.id, { fence: old, space: { ...s, state: 'ended', endedAt: Date.UTC(2030, 5, 2), endReason: 'host_ended' }, clearMembers: true }),
      ];
      for (const c of stale) await assert.rejects(spaces.commit(c), isFenced(s.id, old));
      assert.deepEqual(await snapshot(spaces, s.id), before);

      // A fence from the future is no better than an old one.
      await assert.rejects(spaces.commit(change(s.id, { fence: current + 1, bans: ['z'] })), isFenced(s.id, current + 1));
      assert.deepEqual(await snapshot(spaces, s.id), before);
      // The new owner still writes, and nothing of the stale writes shows.
      await spaces.commit(change(s.id, { fence: current, upsert: [member('d')] }));
      assert.deepEqual((await spaces.members(s.id)).map((m) => m.userId).sort(), ['a', 'b', 'd']);
      assert.equal((await spaces.get(s.id))?.title, 'A Space');
      assert.equal(await spaces.claim(s.id, 'node-b'), current + 1);
    });

    it('a commit without a fence (a single node) is not checked', async () => {
      const s = spaceRecord();
      await spaces.create(s);
      await spaces.claim(s.id, 'node-a');
      await spaces.commit(change(s.id, { upsert: [member('a')] }));
      assert.deepEqual(await spaces.members(s.id), [member('a')]);
    });
  });
}

fencingSuite('SQLite', sqliteBackend);
fencingSuite('PostgreSQL', postgresBackend);

describe('space fencing on PostgreSQL: a claim racing a commit in flight', () => {
  let backend: Backend;
  // Two nodes' connection pools on the same database, and a third connection to hold locks.
  let dbOld: Db;
  let dbNew: Db;
  let oldNode: SpaceStore;
  let newNode: SpaceStore;
  let locker: pg.Client;

  before(async () => {
    backend = await postgresBackend();
    dbOld = await openDatabase(backend.url);
    dbNew = await openDatabase(backend.url);
    oldNode = new SpaceStore(dbOld);
    newNode = new SpaceStore(dbNew);
    locker = new pg.Client({ connectionString: backend.url });
    await locker.connect();
  });

  after(async () => {
    await locker?.end();
    await dbOld?.destroy();
    await dbNew?.destroy();
    await backend?.cleanup();
  });

  /** Sessions of this database waiting for a lock. */
  async function lockWaiters(): Promise<number> {
    const r = await locker.query<{ n: string }>(
      `select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
    );
    return Number(r.rows[0]!.n);
  }

  async function waitForWaiters(count: number): Promise<void> {
    const start = Date.now();
    while ((await lockWaiters()) < count) {
      if (Date.now() - start > 30_000) throw new Error(`timed out waiting for ${count} sessions to wait for the row lock`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async function liveSpace(): Promise<{ id: string; epoch: number }> {
    const s = spaceRecord();
    await oldNode.create(s);
    const epoch = (await oldNode.claim(s.id, 'node-old'))!;
    await oldNode.commit(change(s.id, { fence: epoch, upsert: [member('host')] }));
    return { id: s.id, epoch };
  }

  const settle = <T>(p: Promise<T>) =>
    p.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );

  /**
   * Runs the old owner's commit and the new owner's claim in the given order, both queued
   * behind a lock this test holds on the Space's row, so that the second really is in flight
   * while the first runs.
   */
  async function race(first: 'claim' | 'commit') {
    const { id, epoch } = await liveSpace();
    const staleWrite = change(id, { fence: epoch, upsert: [member('late', { role: 'listener', requested: true })], bans: ['someone'] });
    await locker.query('begin');
    await locker.query('select id from spaces where id = $1 for update', [id]);
    const ops = {
      claim: () => settle(newNode.claim(id, 'node-new')),
      commit: () => settle(oldNode.commit(staleWrite)),
    };
    const second = first === 'claim' ? 'commit' : 'claim';
    const p1 = ops[first]();
    await waitForWaiters(1);
    const p2 = ops[second]();
    await waitForWaiters(2);
    await locker.query('commit');
    const [claimResult, commitResult] = first === 'claim' ? [await p1, await p2] : [await p2, await p1];
    return { id, epoch, claimResult, commitResult };
  }

  it('claim first: the commit in flight is fenced and writes nothing', async () => {
    const { id, epoch, claimResult, commitResult } = await race('claim');
    assert.ok(claimResult.ok);
    assert.equal(claimResult.value, epoch + 1);
    assert.ok(!commitResult.ok);
    isFenced(id, epoch)(commitResult.error);
    assert.deepEqual(
      (await newNode.members(id)).map((m) => m.userId),
      ['host'],
    );
    assert.deepEqual(await newNode.bans(id), []);
  });

  it('commit first: it is written, and the claim that waited for it sees it', async () => {
    const { id, epoch, claimResult, commitResult } = await race('commit');
    assert.ok(commitResult.ok, String(commitResult.ok ? '' : commitResult.error));
    assert.ok(claimResult.ok);
    assert.equal(claimResult.value, epoch + 1);
    assert.deepEqual((await newNode.members(id)).map((m) => m.userId).sort(), ['host', 'late']);
    // From now on the old owner is fenced.
    await assert.rejects(oldNode.commit(change(id, { fence: epoch, bans: ['again'] })), isFenced(id, epoch));
  });

  it('unordered: a stale commit never lands after the claim returned', async () => {
    let fenced = 0;
    let written = 0;
    for (let i = 0; i < 40; i++) {
      const { id, epoch } = await liveSpace();
      const commit = settle(oldNode.commit(change(id, { fence: epoch, upsert: [member(`late-${i}`)], bans: [`ban-${i}`] })));
      const claimed = await newNode.claim(id, 'node-new');
      assert.equal(claimed, epoch + 1);
      // What the new owner restores from, read right after its claim.
      const seenByNewOwner = await snapshot(newNode, id);
      const result = await commit;
      const afterwards = await snapshot(newNode, id);
      if (result.ok) written++;
      else {
        isFenced(id, epoch)(result.error);
        fenced++;
      }
      // Whether the stale commit went in or not, it did so before the claim: the new owner saw
      // every row there will ever be of it.
      assert.deepEqual(afterwards, seenByNewOwner, `round ${i}: ${result.ok ? 'written' : 'fenced'}`);
    }
    console.log(`of 40 races: ${written} commits went in before the claim, ${fenced} were fenced`);
  });
});
