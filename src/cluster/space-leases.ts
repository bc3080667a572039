// Space ownership in Redis: a lease per Space naming the node that runs it. Taking one is
// SET NX with an expiry; renewing and releasing check, atomically (Lua), that the lease is
// still this node's. The lease says who runs a Space now; the fencing token that makes a
// node that lost its lease harmless is in the database (SpaceStore.claim), because Redis here
// keeps nothing on disk and its counters would not survive a restart of it.
import type { RedisClient } from './redis-client.js';
import { keys } from './keys.js';

/** 1: renewed; 2: taken again (Redis had lost it, and nobody else holds it); 0: another node holds it. */
const RENEW = `
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if owner then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 2`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export type RenewOutcome = 'renewed' | 'retaken' | 'lost';

export class SpaceLeases {
  constructor(
    private readonly redis: RedisClient,
    private readonly nodeId: string,
    private readonly leaseMs: number,
  ) {}

  /** Takes the Space's lease if nobody holds it (or extends it, if this node does); true when this node holds it now. */
  async acquire(spaceId: string): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, keys.owner(spaceId), this.nodeId, String(this.leaseMs))) !== 0;
  }

  /** Renews the leases of `spaceIds` in one round trip. */
  async renew(spaceIds: readonly string[]): Promise<Map<string, RenewOutcome>> {
    const out = new Map<string, RenewOutcome>();
    if (spaceIds.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const id of spaceIds) pipeline.eval(RENEW, 1, keys.owner(id), this.nodeId, String(this.leaseMs));
    const results = (await pipeline.exec()) ?? [];
    spaceIds.forEach((id, i) => {
      const [err, value] = results[i] ?? [new Error('no reply'), null];
      if (err) throw err;
      out.set(id, value === 1 ? 'renewed' : value === 2 ? 'retaken' : 'lost');
    });
    return out;
  }

  async release(spaceId: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, keys.owner(spaceId), this.nodeId);
  }

  /** The owners of `spaceIds` (null: nobody holds the lease). */
  async owners(spaceIds: readonly string[]): Promise<Array<string | null>> {
    if (spaceIds.length === 0) return [];
    return this.redis.mget(spaceIds.map(keys.owner));
  }
}
