// Space owner leases against a real redis-server: one owner at a time, renewals that tell the
// holder whether it still holds the lease, and leases that lapse on their own.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../helpers/redis.js';
import { SpaceLeases } from '../../../src/cluster/space-leases.js';
import { keys } from '../../../src/cluster/keys.js';
import { until } from '../../helpers/waiting.js';

const LONG_LEASE_MS = 60_000;

/** Polls `fn` until it returns true (a hang bound, not a timing assertion). */
const eventually = (fn: () => Promise<boolean>, what: string): Promise<true> => until(async () => (await fn()) || undefined, 30_000, what, 25);

describe('cluster: SpaceLeases', () => {
  let server: RedisServer;
  let redisA: Redis;
  let redisB: Redis;
  let a: SpaceLeases;
  let b: SpaceLeases;
  let n = 0;
  const space = () => `space-${++n}`;

  before(async () => {
    server = await startRedis();
    // One connection per node, as in a cluster.
    redisA = new Redis(server.url);
    redisB = new Redis(server.url);
    a = new SpaceLeases(redisA, 'node-a', LONG_LEASE_MS);
    b = new SpaceLeases(redisB, 'node-b', LONG_LEASE_MS);
  });

  after(async () => {
    redisA?.disconnect();
    redisB?.disconnect();
    await server?.stop();
  });

  beforeEach(async () => {
    await redisA.flushall();
  });

  it('acquire is exclusive: the first node gets it, the other does not, and the holder may acquire again', async () => {
    const id = space();
    assert.equal(await a.acquire(id), true);
    assert.equal(await b.acquire(id), false);
    assert.equal(await a.acquire(id), true);
    assert.equal(await redisA.get(keys.owner(id)), 'node-a');
    const ttl = await redisA.pttl(keys.owner(id));
    assert.ok(ttl > 0 && ttl <= LONG_LEASE_MS, `lease expiry ${ttl}`);
  });

  it('acquire is exclusive under contention: of many concurrent attempts by two nodes, one node wins', async () => {
    const ids = Array.from({ length: 50 }, space);
    const results = await Promise.all(
      ids.flatMap((id) => [a.acquire(id).then((ok) => ({ id, node: 'node-a', ok })), b.acquire(id).then((ok) => ({ id, node: 'node-b', ok }))]),
    );
    for (const id of ids) {
      const winners = results.filter((r) => r.id === id && r.ok).map((r) => r.node);
      assert.equal(winners.length, 1, `${id}: ${winners.join(', ')}`);
      assert.equal(await redisA.get(keys.owner(id)), winners[0]);
    }
  });

  it('renew: renewed for the holder, lost for another node, retaken after Redis lost the key', async () => {
    const held = space();
    const other = space();
    assert.equal(await a.acquire(held), true);
    assert.equal(await b.acquire(other), true);
    // Shorten the lease so that a renewal visibly extends it.
    await redisA.pexpire(keys.owner(held), 5_000);
    const outcomes = await a.renew([held, other]);
    assert.deepEqual(Object.fromEntries(outcomes), { [held]: 'renewed', [other]: 'lost' });
    assert.ok((await redisA.pttl(keys.owner(held))) > 5_000, 'renewal extends the lease');
    // 'lost' left the other node's lease alone.
    assert.equal(await redisA.get(keys.owner(other)), 'node-b');

    await redisA.flushall();
    assert.deepEqual(Object.fromEntries(await a.renew([held])), { [held]: 'retaken' });
    assert.equal(await redisA.get(keys.owner(held)), 'node-a');
    assert.ok((await redisA.pttl(keys.owner(held))) > 0, 'a retaken lease expires');
    // Now held again: the next renewal is a plain one, and the other node cannot take it.
    assert.deepEqual(Object.fromEntries(await a.renew([held])), { [held]: 'renewed' });
    assert.equal(await b.acquire(held), false);
    assert.equal((await a.renew([])).size, 0);
  });

  it('release: only the holder frees the lease', async () => {
    const id = space();
    assert.equal(await a.acquire(id), true);
    await b.release(id);
    assert.equal(await redisA.get(keys.owner(id)), 'node-a');
    assert.equal(await b.acquire(id), false);
    await a.release(id);
    assert.equal(await redisA.get(keys.owner(id)), null);
    assert.equal(await b.acquire(id), true);
    // Releasing what one does not hold (any more) is harmless.
    await a.release(id);
    await a.release(space());
    assert.equal(await redisA.get(keys.owner(id)), 'node-b');
  });

  it('a lease lapses when its holder stops renewing, and another node can take it then', async () => {
    const short = new SpaceLeases(redisA, 'node-a', 300);
    const id = space();
    assert.equal(await short.acquire(id), true);
    assert.equal(await b.acquire(id), false);
    const start = Date.now();
    await eventually(async () => (await redisB.exists(keys.owner(id))) === 0, 'the lease to lapse');
    console.log(`lease of 300 ms lapsed after ${Date.now() - start} ms`);
    assert.equal(await b.acquire(id), true);
    assert.deepEqual(Object.fromEntries(await short.renew([id])), { [id]: 'lost' });
  });

  it('owners: who holds each lease, null where nobody does, in the order asked', async () => {
    const [x, y, z] = [space(), space(), space()];
    await a.acquire(x);
    await b.acquire(z);
    assert.deepEqual(await a.owners([x, y, z]), ['node-a', null, 'node-b']);
    assert.deepEqual(await b.owners([z, x]), ['node-b', 'node-a']);
    assert.deepEqual(await a.owners([]), []);
  });
});
