// The node registry against a real redis-server: registrations that come and go, lapse with
// their lease, survive garbage under a node's key, and count placements until reported.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../helpers/redis.js';
import { NodeRegistry } from '../../../src/cluster/node-registry.js';
import { keys } from '../../../src/cluster/keys.js';
import type { NodeLoad } from '../../../src/cluster/placement-policy.js';
import { until } from '../../helpers/waiting.js';

const LONG_LEASE_MS = 60_000;
const load = (peers = 0, spaces = 0): NodeLoad => ({ peers, spaces, cpu: 0.5, packetsPerSec: 100 });

/** Polls `fn` until it returns true (a hang bound, not a timing assertion). */
const eventually = (fn: () => Promise<boolean>, what: string): Promise<true> => until(async () => (await fn()) || undefined, 30_000, what, 25);

describe('cluster: NodeRegistry', () => {
  let server: RedisServer;
  let redisA: Redis;
  let redisB: Redis;
  let a: NodeRegistry;
  let b: NodeRegistry;

  before(async () => {
    server = await startRedis();
    redisA = new Redis(server.url);
    redisB = new Redis(server.url);
  });

  after(async () => {
    redisA?.disconnect();
    redisB?.disconnect();
    await server?.stop();
  });

  beforeEach(async () => {
    await redisA.flushall();
    a = new NodeRegistry(redisA, { id: 'node-a', url: 'http://a.test:8080' }, LONG_LEASE_MS);
    b = new NodeRegistry(redisB, { id: 'node-b', url: 'http://b.test:8080' }, LONG_LEASE_MS);
  });

  const ids = (nodes: ReadonlyArray<{ id: string }>) => nodes.map((n) => n.id).sort();

  it('heartbeat registers a node with its URL, load and drain state; every node lists it; leave removes it', async () => {
    assert.deepEqual(await a.list(), []);
    await a.heartbeat(load(3, 1), []);
    await b.heartbeat(load(), []);
    const seen = await b.list();
    assert.deepEqual(ids(seen), ['node-a', 'node-b']);
    const nodeA = seen.find((n) => n.id === 'node-a')!;
    assert.equal(nodeA.url, 'http://a.test:8080');
    assert.deepEqual(nodeA.load, load(3, 1));
    assert.equal(nodeA.draining, false);
    assert.equal(nodeA.pending, 0);
    assert.deepEqual(ids(b.cached), ['node-a', 'node-b']);

    a.draining = true;
    await a.heartbeat(load(4, 1), []);
    const drained = (await b.list()).find((n) => n.id === 'node-a')!;
    assert.equal(drained.draining, true);
    assert.equal(drained.load.peers, 4);

    await a.leave();
    assert.deepEqual(ids(await b.list()), ['node-b']);
    assert.equal(await redisA.exists(keys.node('node-a')), 0);
    assert.deepEqual(await redisA.zrange(keys.nodes, 0, -1), ['node-b']);
  });

  it('a registration that lapses disappears from list(), and from the index', async () => {
    const short = new NodeRegistry(redisA, { id: 'node-short', url: 'http://short.test:8080' }, 300);
    await short.heartbeat(load(), []);
    await b.heartbeat(load(), []);
    assert.deepEqual(ids(await b.list()), ['node-b', 'node-short']);
    await eventually(async () => !ids(await b.list()).includes('node-short'), 'the registration to lapse');
    assert.deepEqual(ids(await b.list()), ['node-b']);
    assert.deepEqual(await redisA.zrange(keys.nodes, 0, -1), ['node-b']);
    // It comes back with its next heartbeat.
    await short.heartbeat(load(), []);
    assert.deepEqual(ids(await b.list()), ['node-b', 'node-short']);
  });

  it('ignores malformed registrations instead of failing the whole list', async () => {
    await a.heartbeat(load(), []);
    for (const [id, text] of [
      ['node-garbage', '{not json'],
      ['node-wrong', JSON.stringify({ id: 'node-wrong', url: 'not a url', draining: false })],
      ['node-null', 'null'],
    ] as const) {
      await redisA.set(keys.node(id), text);
      await redisA.zadd(keys.nodes, Date.now(), id);
    }
    assert.deepEqual(ids(await b.list()), ['node-a']);
    // Dropped from the index like a lapsed registration.
    assert.deepEqual(await redisA.zrange(keys.nodes, 0, -1), ['node-a']);
  });

  it('notePlaced counts pending Spaces on a node until its own heartbeat reports running them', async () => {
    await a.heartbeat(load(), []);
    await b.heartbeat(load(), []);
    await b.notePlaced('node-a', 's1');
    await b.notePlaced('node-a', 's2');
    await a.notePlaced('node-a', 's3');
    let listed = await b.list();
    assert.equal(listed.find((n) => n.id === 'node-a')?.pending, 3);
    assert.equal(listed.find((n) => n.id === 'node-b')?.pending, 0);
    const pttl = await redisA.pttl(keys.pending('node-a'));
    assert.ok(pttl > 0, 'the pending count expires if the node never reports');

    // node-b's heartbeat does not clear node-a's count; node-a's clears what it runs, and only that.
    await b.heartbeat(load(), ['s1', 's2', 's3']);
    assert.equal((await b.list()).find((n) => n.id === 'node-a')?.pending, 3);
    await a.heartbeat(load(0, 2), ['s1', 's2']);
    assert.equal((await b.list()).find((n) => n.id === 'node-a')?.pending, 1, 'a Space still being claimed goes on counting');
    await a.heartbeat(load(0, 3), ['s1', 's2', 's3']);
    listed = await b.list();
    assert.equal(listed.find((n) => n.id === 'node-a')?.pending, 0);
    assert.equal(listed.find((n) => n.id === 'node-a')?.load.spaces, 3);
  });
});
