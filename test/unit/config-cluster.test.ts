// Cluster mode's settings: what turns it on, what it needs (a shared PostgreSQL and a shared
// signing secret) and the node's name; each refusal says what to set.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { loadConfig } from '../../src/config.js';
import { SettingsError } from '../../src/settings.js';

const PG = 'postgres://spaces@db.internal:5432/spaces';
const cluster = (extra: Record<string, string> = {}) => ({
  SPACES_REDIS_URL: 'redis://redis.internal:6379',
  SPACES_DATABASE_URL: PG,
  SPACES_JWT_SECRET: 'a-secret-shared-by-every-node',
  ...extra,
});

const settingsError = (pattern: RegExp) => (e: unknown) => {
  assert.ok(e instanceof SettingsError, String(e));
  assert.match(e.message, pattern);
  return true;
};

describe('config: cluster mode', () => {
  it('is off without SPACES_REDIS_URL, whatever else is set', () => {
    assert.equal(loadConfig({}).cluster, null);
    assert.equal(loadConfig({ SPACES_DATABASE_URL: PG, SPACES_JWT_SECRET: 's', SPACES_NODE_ID: 'n1' }).cluster, null);
    assert.equal(loadConfig({ SPACES_REDIS_URL: '' }).cluster, null);
  });

  it('is on with Redis, a postgres:// database and a JWT secret, from the environment or the flags', () => {
    const c = loadConfig(cluster({ SPACES_NODE_ID: 'node-1' })).cluster;
    assert.deepEqual(c, {
      redisUrl: 'redis://redis.internal:6379',
      nodeId: 'node-1',
      leaseMs: 4000,
      drainTimeoutMs: 60_000,
      nodeOrigins: [],
      relay: { port: 0, address: '127.0.0.1' },
    });
    for (const db of ['postgresql://spaces@db/spaces', PG]) {
      assert.equal(loadConfig(cluster({ SPACES_DATABASE_URL: db })).cluster?.redisUrl, 'redis://redis.internal:6379');
    }
    assert.equal(loadConfig(cluster({ SPACES_REDIS_URL: 'rediss://:pw@redis.internal:6380/2' })).cluster?.redisUrl, 'rediss://:pw@redis.internal:6380/2');
    const fromFlags = loadConfig(
      { SPACES_DATABASE_URL: PG, SPACES_JWT_SECRET: 's' },
      { 'redis-url': 'redis://r:6379', 'node-id': 'flagged', 'cluster-lease-ms': '2500', 'drain-timeout-ms': '0' },
    ).cluster;
    assert.deepEqual(fromFlags, {
      redisUrl: 'redis://r:6379',
      nodeId: 'flagged',
      leaseMs: 2500,
      drainTimeoutMs: 0,
      nodeOrigins: [],
      relay: { port: 0, address: '127.0.0.1' },
    });
  });

  it('refuses a SQLite database, naming PostgreSQL', () => {
    for (const db of [undefined, '/var/lib/spaces/spaces.db', 'spaces.db', 'mysql://db/spaces']) {
      const env: Record<string, string> = cluster();
      if (db === undefined) delete env.SPACES_DATABASE_URL;
      else env.SPACES_DATABASE_URL = db;
      assert.throws(() => loadConfig(env), settingsError(/PostgreSQL/), String(db));
      assert.throws(() => loadConfig(env), settingsError(/SPACES_DATABASE_URL/), String(db));
    }
  });

  it('refuses to run without a shared SPACES_JWT_SECRET', () => {
    const env: Record<string, string> = cluster();
    delete env.SPACES_JWT_SECRET;
    assert.throws(() => loadConfig(env), settingsError(/SPACES_JWT_SECRET/));
    assert.throws(() => loadConfig({ ...env, SPACES_JWT_SECRET: '' }), settingsError(/SPACES_JWT_SECRET/));
  });

  it('refuses a Redis URL that is not one', () => {
    for (const bad of [
      'http://redis.internal:6379',
      'redis.internal:6379',
      '127.0.0.1',
      'redis:/redis.internal',
      'redis://redis.internal:notaport',
      'redis://',
      ' redis://x',
    ]) {
      assert.throws(() => loadConfig(cluster({ SPACES_REDIS_URL: bad })), settingsError(/SPACES_REDIS_URL/), bad);
    }
  });

  it('names the node after its host and port by default, in the characters a node id allows', () => {
    const c = loadConfig(cluster({ SPACES_PORT: '9123' })).cluster!;
    assert.match(c.nodeId, /^[A-Za-z0-9._-]{1,64}$/);
    assert.ok(c.nodeId.endsWith('-9123'), c.nodeId);
    assert.equal(c.nodeId, `${hostname()}-9123`.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64));
    // Two nodes on one machine differ by port.
    assert.notEqual(loadConfig(cluster({ SPACES_PORT: '9124' })).cluster!.nodeId, c.nodeId);
  });

  it('checks an explicit node id', () => {
    for (const ok of ['a', 'node-1', 'n.2_x', 'x'.repeat(64)]) {
      assert.equal(loadConfig(cluster({ SPACES_NODE_ID: ok })).cluster?.nodeId, ok);
    }
    for (const bad of ['', 'has space', 'slash/y', 'x'.repeat(65), 'ünï', 'a:b']) {
      assert.throws(() => loadConfig(cluster({ SPACES_NODE_ID: bad })), settingsError(/SPACES_NODE_ID/), bad);
    }
  });

  it('checks the lease and drain timeout', () => {
    for (const bad of ['999', '600001', 'soon', '1.5']) {
      assert.throws(() => loadConfig(cluster({ SPACES_CLUSTER_LEASE_MS: bad })), settingsError(/SPACES_CLUSTER_LEASE_MS/), bad);
    }
    assert.throws(() => loadConfig(cluster({ SPACES_DRAIN_TIMEOUT_MS: '-1' })), settingsError(/SPACES_DRAIN_TIMEOUT_MS/));
  });
});
