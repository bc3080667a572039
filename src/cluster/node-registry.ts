// The nodes of the cluster, as they register themselves in Redis: each writes its public URL,
// its load and whether it drains, under a key that expires with its lease, and renews it on
// every heartbeat. A node that stops renewing (killed, partitioned) drops out of the registry
// when its lease lapses. The last list read is kept, for decisions that must go on while
// Redis is away (where to send a client).
import type { RedisClient } from './redis-client.js';
import { keys } from './keys.js';
import { nodeInfoSchema, type NodeAnnouncement, type NodeInfo, type NodeLoad } from './placement-policy.js';

export class NodeRegistry {
  private last: NodeInfo[] = [];
  private lastReadAt = 0;
  draining = false;

  constructor(
    private readonly redis: RedisClient,
    readonly self: { id: string; url: string },
    private readonly leaseMs: number,
  ) {}

  /**
   * Writes this node's registration (renewing its lease) with its current load; `running`: the
   * Spaces that load counts, which stop counting as placed here and not yet running.
   */
  async heartbeat(load: NodeLoad, running: readonly string[], announced: NodeAnnouncement = {}): Promise<void> {
    const now = Date.now();
    const info: NodeInfo = { id: this.self.id, url: this.self.url, draining: this.draining, load, pending: 0, at: now, ...announced };
    const multi = this.redis
      .multi()
      .set(keys.node(this.self.id), JSON.stringify(info), 'PX', this.leaseMs)
      .zadd(keys.nodes, now, this.self.id)
      .zremrangebyscore(keys.pending(this.self.id), '-inf', now - this.pendingMs);
    // Only those: a Space placed here but not yet claimed, or still loading, is not in this
    // report's load, and must go on counting until one that includes it (else placements in
    // between see this node emptier than it is, and pile new Spaces on it).
    if (running.length > 0) multi.zrem(keys.pending(this.self.id), ...running);
    await multi.exec();
  }

  /** The registered nodes (those whose lease holds), with the Spaces just placed on each. */
  async list(): Promise<NodeInfo[]> {
    const ids = await this.redis.zrange(keys.nodes, 0, -1);
    if (ids.length === 0) return (this.last = []);
    const since = Date.now() - this.pendingMs;
    const pipeline = this.redis.pipeline();
    pipeline.mget(ids.map(keys.node));
    for (const id of ids) pipeline.zcount(keys.pending(id), since, '+inf');
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err !== null);
    if (failed || results.length !== ids.length + 1) throw failed?.[0] ?? new Error('Redis answered part of the registry read');
    const raw = results[0]![1] as Array<string | null>;
    const pending = results.slice(1).map(([, n]) => Number(n) || 0);
    const nodes: NodeInfo[] = [];
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const text = raw[i];
      if (!text) return void gone.push(id);
      const parsed = nodeInfoSchema.safeParse(safeJson(text));
      if (!parsed.success) return void gone.push(id);
      nodes.push({ ...parsed.data, pending: pending[i] ?? 0 });
    });
    // Registrations whose lease lapsed: the node is gone (or will register again).
    if (gone.length > 0) await this.redis.zrem(keys.nodes, ...gone);
    this.last = nodes;
    this.lastReadAt = Date.now();
    return nodes;
  }

  /**
   * The list, read again only if the last read is older than `maxAgeMs`: a join storm on a node
   * that does not run the Space costs one registry read per interval, not one per join.
   */
  async recent(maxAgeMs = 500): Promise<NodeInfo[]> {
    if (Date.now() - this.lastReadAt < maxAgeMs) return this.last;
    return this.list();
  }

  /** The list as last read (possibly stale): for use while Redis cannot be reached. */
  get cached(): readonly NodeInfo[] {
    return this.last;
  }

  /**
   * Counts a Space placed on `nodeId` until that node reports running it (or, if it never
   * does, for two leases: by then the sweeps give the Space to another node).
   */
  async notePlaced(nodeId: string, spaceId: string): Promise<void> {
    await this.redis.multi().zadd(keys.pending(nodeId), Date.now(), spaceId).pexpire(keys.pending(nodeId), this.pendingMs).exec();
  }

  private get pendingMs(): number {
    return 2 * this.leaseMs;
  }

  /** This node leaves: its registration goes at once, not when its lease lapses. */
  async leave(): Promise<void> {
    await this.redis.multi().del(keys.node(this.self.id)).zrem(keys.nodes, this.self.id).exec();
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
