// The nodes of the cluster, as they register themselves in Redis: each writes its public URL,
// its load and whether it drains, under a key that expires with its lease, and renews it on
// every heartbeat. A node that stops renewing (killed, partitioned) drops out of the registry
// when its lease lapses. The last list read is kept, for decisions that must go on while
// Redis is away (where to send a client).
import type { RedisClient } from './redis-client.js';
import { keys } from './keys.js';
import { nodeInfoSchema, type NodeInfo, type NodeLoad } from './placement-policy.js';

export class NodeRegistry {
  private last: NodeInfo[] = [];
  private lastReadAt = 0;
  draining = false;

  constructor(
    private readonly redis: RedisClient,
    readonly self: { id: string; url: string },
    private readonly leaseMs: number,
  ) {}

  /** Writes this node's registration (renewing its lease) with its current load. */
  async heartbeat(load: NodeLoad): Promise<void> {
    const now = Date.now();
    const info: NodeInfo = { id: this.self.id, url: this.self.url, draining: this.draining, load, pending: 0, at: now };
    await this.redis
      .multi()
      .set(keys.node(this.self.id), JSON.stringify(info), 'PX', this.leaseMs)
      .zadd(keys.nodes, now, this.self.id)
      // This report counts every Space placed here so far.
      .del(keys.pending(this.self.id))
      .exec();
  }

  /** The registered nodes (those whose lease holds), with the Spaces just placed on each. */
  async list(): Promise<NodeInfo[]> {
    const ids = await this.redis.zrange(keys.nodes, 0, -1);
    if (ids.length === 0) return (this.last = []);
    const pipeline = this.redis.pipeline();
    pipeline.mget(ids.map(keys.node));
    pipeline.mget(ids.map(keys.pending));
    const [[errNodes, raw], [errPending, pending]] = (await pipeline.exec()) as Array<[Error | null, Array<string | null>]> as [
      [Error | null, Array<string | null>],
      [Error | null, Array<string | null>],
    ];
    if (errNodes || errPending) throw errNodes ?? errPending;
    const nodes: NodeInfo[] = [];
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const text = raw[i];
      if (!text) return void gone.push(id);
      const parsed = nodeInfoSchema.safeParse(safeJson(text));
      if (!parsed.success) return void gone.push(id);
      nodes.push({ ...parsed.data, pending: Number(pending[i] ?? 0) || 0 });
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

  /** Counts a Space placed on `nodeId` until that node's own report includes it. */
  async notePlaced(nodeId: string): Promise<void> {
    await this.redis.multi().incr(keys.pending(nodeId)).pexpire(keys.pending(nodeId), this.leaseMs).exec();
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
