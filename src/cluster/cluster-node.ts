// This node as a member of the cluster. It keeps its registration and the leases of the
// Spaces it runs alive (one heartbeat), places new Spaces on the least loaded node, tells a
// client where a Space runs, adopts Spaces nobody runs (their node died, or they were placed
// here), and drains: on SIGTERM it takes no new Spaces and hands its own to the other nodes.
//
// Redis coordinates; the database is the truth. A claim takes the Redis lease, then raises the
// Space's epoch in the database; every write of the Space's live state checks that epoch, so a
// node that lost its lease (a long pause, a partition) cannot change the Space any more, and it
// hands the Space off as soon as a renewal or a write tells it.
import type { Logger } from 'pino';
import type { SpaceLiveView, SpaceLocation, SpacePlacement } from '../app/space-placement.js';
import { AppError } from '../app/app-error.js';
import type { LiveOwner } from '../store/space-store.js';
import type { RedisClient } from './redis-client.js';
import { keys } from './keys.js';
import { NodeRegistry } from './node-registry.js';
import { SpaceLeases } from './space-leases.js';
import { assignOrphans, leastLoaded, type NodeAnnouncement, type NodeInfo, type NodeLoad } from './placement-policy.js';

/** The Spaces this node runs, as the cluster needs them (SpaceService implements it). */
export interface LocalSpaces {
  /** Runs a live Space here; false when it is not live or another node claimed it first. */
  adopt(spaceId: string): Promise<boolean>;
  /** Stops running it here without ending it, and releases its lease if it is still ours. */
  handOff(spaceId: string): Promise<void>;
  liveIds(): string[];
}

/** The store's side of ownership: the fencing token, and which Spaces are live. */
export interface OwnershipStore {
  claim(spaceId: string, nodeId: string): Promise<number | undefined>;
  liveOwners(): Promise<LiveOwner[]>;
  /** The node that last claimed the Space, while it is live. */
  lastOwner(spaceId: string): Promise<string | null>;
}

/** What /metrics reports of this node's part in the cluster. */
export interface ClusterCounters {
  /** Nodes in the registry, as last read. */
  nodes: number;
  /** Spaces this node holds a claim on. */
  owned: number;
  /** Spaces this node adopted (placed here, or orphaned by a dead node), since start. */
  adoptions: number;
  /** Spaces this node handed off (drained, or found claimed elsewhere), since start. */
  handOffs: number;
  /** Heartbeats that failed (Redis unreachable), since start. */
  heartbeatFailures: number;
  /** Whether Redis answered the last heartbeat. */
  coordinatorUp: boolean;
  draining: boolean;
}

export interface ClusterNodeOptions {
  redis: RedisClient;
  /** A second connection, for the sweep channel (a subscribed connection runs no commands). */
  subscriber: RedisClient;
  store: OwnershipStore;
  nodeId: string;
  /** This node's public base URL, where clients are sent. */
  url: string;
  leaseMs: number;
  log: Logger;
  /** This node's load now. */
  load(): NodeLoad;
  /** What this node publishes of each Space it runs. */
  views(): Map<string, SpaceLiveView>;
  /** What it announces besides its load (its relay endpoint and capacity). */
  announce?(): NodeAnnouncement;
  /** The registry as read on each heartbeat (the edge links follow the other nodes with it). */
  onNodes?(nodes: readonly NodeInfo[]): void;
}

export class ClusterNode implements SpacePlacement {
  readonly nodeId: string;
  readonly clustered = true;
  private readonly registry: NodeRegistry;
  private readonly leases: SpaceLeases;
  private readonly redis: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly store: OwnershipStore;
  private readonly log: Logger;
  private readonly options: ClusterNodeOptions;
  private spaces: LocalSpaces | null = null;
  /** Spaces this node holds a claim on. */
  private readonly owned = new Set<string>();
  /** Spaces found orphaned, and since when (a node that was chosen but does not adopt is replaced after a while). */
  private readonly orphanedSince = new Map<string, number>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private sweeping = false;
  private sweepAgain = false;
  private closed = false;
  /** Heartbeats that failed in a row (Redis away). */
  private failedBeats = 0;
  private readonly totals = { adoptions: 0, handOffs: 0, heartbeatFailures: 0 };
  /**
   * After Redis comes back, until then, this node adopts only Spaces placed on it or last run
   * by it: Redis may have restarted empty, and the nodes that run the other Spaces need a
   * heartbeat or two to register and renew their leases before anyone may call them orphaned.
   */
  private settleUntil = 0;

  constructor(options: ClusterNodeOptions) {
    this.options = options;
    this.nodeId = options.nodeId;
    this.redis = options.redis;
    this.subscriber = options.subscriber;
    this.store = options.store;
    this.log = options.log;
    this.registry = new NodeRegistry(options.redis, { id: options.nodeId, url: options.url }, options.leaseMs);
    this.leases = new SpaceLeases(options.redis, options.nodeId, options.leaseMs);
    let lost = false;
    this.redis.on('error', () => (lost = true));
    this.redis.on('ready', () => {
      if (!lost) return;
      lost = false;
      this.settleUntil = Date.now() + 2 * options.leaseMs;
      void this.beat();
    });
  }

  /** Starts the heartbeat and the sweeps; the Spaces this node runs are `spaces`. */
  async start(spaces: LocalSpaces): Promise<void> {
    this.spaces = spaces;
    await this.beat();
    await this.subscriber.subscribe(keys.sweepChannel);
    this.subscriber.on('message', (channel: string) => {
      if (channel === keys.sweepChannel) this.sweepSoon();
    });
    // A heartbeat four times per lease: a node misses three before its lease lapses.
    this.timer = setInterval(() => void this.tick(), Math.max(250, Math.floor(this.options.leaseMs / 4)));
    this.timer.unref();
    this.sweepSoon();
  }

  get draining(): boolean {
    return this.registry.draining;
  }

  get counters(): ClusterCounters {
    return {
      nodes: this.registry.cached.length,
      owned: this.owned.size,
      ...this.totals,
      coordinatorUp: this.failedBeats === 0,
      draining: this.draining,
    };
  }

  // --- SpacePlacement -------------------------------------------------------------------

  async place(spaceId: string): Promise<'here' | 'elsewhere'> {
    const nodes = await this.coordinator(() => this.registry.list());
    const target = leastLoaded(nodes);
    if (!target) throw new AppError('unavailable', 'no node of the cluster takes new Spaces now; try again', 5);
    if (target.id === this.nodeId) {
      await this.registry.notePlaced(target.id, spaceId).catch(() => undefined);
      return 'here';
    }
    await this.coordinator(async () => {
      await this.redis.set(keys.placed(spaceId), target.id, 'PX', 30_000);
      await this.registry.notePlaced(target.id, spaceId);
      await this.redis.publish(keys.sweepChannel, spaceId);
    });
    this.log.info({ space: spaceId, node: target.id }, 'space placed on another node');
    return 'elsewhere';
  }

  async claim(spaceId: string): Promise<number | null> {
    if (this.draining) return null;
    const held = await this.coordinator(() => this.leases.acquire(spaceId));
    if (!held) return null;
    let epoch: number | undefined;
    try {
      epoch = await this.store.claim(spaceId, this.nodeId);
    } catch (err) {
      await this.leases.release(spaceId).catch(() => undefined);
      throw err;
    }
    if (epoch === undefined) {
      await this.leases.release(spaceId).catch(() => undefined);
      return null;
    }
    this.owned.add(spaceId);
    this.orphanedSince.delete(spaceId);
    this.log.info({ space: spaceId, epoch }, 'space claimed');
    return epoch;
  }

  async release(spaceId: string): Promise<void> {
    this.owned.delete(spaceId);
    await this.leases.release(spaceId);
    // The others sweep now rather than at their next tick: the Space is theirs to take.
    await this.redis.publish(keys.sweepChannel, spaceId).catch(() => undefined);
  }

  async locate(spaceId: string): Promise<SpaceLocation> {
    if (this.owned.has(spaceId)) return { at: 'here' };
    let owner: string | null;
    let placed: string | null;
    try {
      const found = await this.redis.mget(keys.owner(spaceId), keys.placed(spaceId));
      owner = found[0] ?? null;
      placed = found[1] ?? null;
    } catch {
      // Redis away: the last node that claimed it (in the database) most likely still runs it.
      const last = await this.store.lastOwner(spaceId);
      const node = last ? this.registry.cached.find((n) => n.id === last) : undefined;
      if (node && node.id !== this.nodeId) return { at: 'node', nodeId: node.id, url: node.url };
      throw new AppError('unavailable', 'the cluster cannot tell where this Space runs right now (Redis is unreachable); try again', 2);
    }
    const nodes = await this.registry.recent().catch(() => this.registry.cached);
    const find = (id: string | null) => (id ? nodes.find((n) => n.id === id) : undefined);
    if (owner === this.nodeId) return { at: 'here' };
    if (owner) {
      const node = find(owner);
      // Its owner's registration is gone: the owner is dead and its lease about to lapse.
      return node ? { at: 'node', nodeId: node.id, url: node.url } : { at: 'node', nodeId: owner, url: '' };
    }
    const hinted = find(placed);
    if (hinted && !hinted.draining && hinted.id !== this.nodeId) return { at: 'node', nodeId: hinted.id, url: hinted.url };
    const previous = find(await this.store.lastOwner(spaceId));
    if (previous && !previous.draining && previous.id !== this.nodeId) return { at: 'node', nodeId: previous.id, url: previous.url };
    return { at: 'none' };
  }

  async views(spaceIds: readonly string[]): Promise<Map<string, SpaceLiveView>> {
    const out = new Map<string, SpaceLiveView>();
    if (spaceIds.length === 0) return out;
    const raw = await this.redis.mget(spaceIds.map(keys.view));
    spaceIds.forEach((id, i) => {
      const text = raw[i];
      if (!text) return;
      try {
        out.set(id, JSON.parse(text) as SpaceLiveView);
      } catch {
        // A malformed view only loses the listing's counts.
      }
    });
    return out;
  }

  // --- Draining ---------------------------------------------------------------------------

  /**
   * Stops taking Spaces and hands this node's Spaces to the others; resolves when none is
   * left here or `deadlineMs` has passed (then the rest stay live in the database, and the
   * other nodes adopt them when this node's leases lapse, or at once if it could release them).
   */
  async drain(deadlineMs: number): Promise<{ moved: number; left: number }> {
    this.registry.draining = true;
    await this.beat();
    const deadline = Date.now() + deadlineMs;
    let moved = 0;
    const spaces = this.spaces;
    if (!spaces) return { moved, left: 0 };
    while (spaces.liveIds().length > 0 && Date.now() < deadline && !this.closed) {
      const others = (await this.registry.list().catch(() => [] as NodeInfo[])).filter((n) => n.id !== this.nodeId && !n.draining);
      if (others.length === 0) {
        // Nowhere to go: the Spaces are waited out (they may end) until the deadline.
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const id of spaces.liveIds()) {
        await spaces.handOff(id);
        this.totals.handOffs++;
        moved++;
      }
    }
    const left = spaces.liveIds().length;
    this.log.info({ moved, left }, 'drained');
    return { moved, left };
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const id of [...this.owned]) await this.leases.release(id).catch(() => undefined);
    this.owned.clear();
    await this.registry.leave().catch(() => undefined);
    this.subscriber.disconnect();
    this.redis.disconnect();
  }

  // --- Heartbeat and sweeps ---------------------------------------------------------------

  private async tick(): Promise<void> {
    if (this.closed) return;
    await this.beat();
    this.sweepSoon();
  }

  /** Registration, leases and views in one go; a node that cannot reach Redis keeps running. */
  private async beat(): Promise<void> {
    try {
      // Read in the same tick as the load: exactly the Spaces its count includes.
      const running = this.spaces?.liveIds() ?? [];
      await this.registry.heartbeat(this.options.load(), running, this.options.announce?.());
      await this.renewLeases();
      await this.publishViews();
      if (this.options.onNodes) this.options.onNodes(await this.registry.list());
      if (this.failedBeats > 0) this.log.info({ missed: this.failedBeats }, 'heartbeat restored');
      this.failedBeats = 0;
    } catch (err) {
      this.totals.heartbeatFailures++;
      if (this.failedBeats++ === 0) this.log.warn({ err: (err as Error).message }, "heartbeat failed: keeping this node's Spaces until Redis answers");
    }
  }

  private async renewLeases(): Promise<void> {
    const outcomes = await this.leases.renew([...this.owned]);
    for (const [id, outcome] of outcomes) {
      if (outcome === 'retaken') this.log.warn({ space: id }, 'the lease of a Space was gone from Redis; taken again');
      if (outcome !== 'lost') continue;
      // Another node holds it: stop running it here (its writes would be refused anyway).
      this.owned.delete(id);
      this.totals.handOffs++;
      this.log.warn({ space: id }, 'another node holds the lease of a Space this node ran: handing it off');
      void this.spaces?.handOff(id).catch((err) => this.log.error({ err, space: id }, 'hand-off failed'));
    }
  }

  private async publishViews(): Promise<void> {
    const views = this.options.views();
    if (views.size === 0) return;
    const pipeline = this.redis.pipeline();
    // Three heartbeats: a view outlives one missed beat, not a dead node.
    const ttl = Math.max(750, Math.floor((this.options.leaseMs * 3) / 4));
    for (const [id, view] of views) pipeline.set(keys.view(id), JSON.stringify(view), 'PX', ttl);
    await pipeline.exec();
  }

  /** Sweeps now, or right after the sweep under way. */
  private sweepSoon(): void {
    if (this.closed) return;
    if (this.sweeping) {
      this.sweepAgain = true;
      return;
    }
    this.sweeping = true;
    void this.sweep()
      .catch((err) => this.log.debug({ err: (err as Error).message }, 'sweep failed'))
      .finally(() => {
        this.sweeping = false;
        if (this.sweepAgain) {
          this.sweepAgain = false;
          this.sweepSoon();
        }
      });
  }

  /**
   * Finds live Spaces that no node runs and adopts those the plan gives this node. Every node
   * computes the same plan from the same registry; a Space its chosen node has not taken
   * within two leases is taken by whoever sees it next (that node may be dead or stuck).
   */
  private async sweep(): Promise<void> {
    if (this.draining || !this.spaces) return;
    const live = await this.store.liveOwners();
    const local = new Set(this.spaces.liveIds());
    const candidates = live.filter((s) => !local.has(s.id) && !this.owned.has(s.id));
    if (candidates.length === 0) return;
    const ids = candidates.map((s) => s.id);
    const [owners, placed] = await Promise.all([this.leases.owners(ids), this.redis.mget(ids.map(keys.placed))]);
    const orphans = candidates
      .map((s, i) => ({ id: s.id, placedOn: placed[i] ?? null, lastOwner: s.ownerNode, owner: owners[i] ?? null }))
      .filter((o) => o.owner === null);
    const orphanIds = new Set(orphans.map((o) => o.id));
    for (const id of this.orphanedSince.keys()) if (!orphanIds.has(id)) this.orphanedSince.delete(id);
    if (orphans.length === 0) return;
    const plan = assignOrphans(orphans, await this.registry.list());
    const now = Date.now();
    for (const o of orphans) {
      const since = this.orphanedSince.get(o.id) ?? now;
      this.orphanedSince.set(o.id, since);
      const mine = plan.get(o.id) === this.nodeId;
      if (!mine && now - since < 2 * this.options.leaseMs) continue;
      if (now < this.settleUntil && o.placedOn !== this.nodeId && o.lastOwner !== this.nodeId) continue;
      if (this.closed || this.draining) return;
      const adopted = await this.spaces.adopt(o.id).catch((err) => {
        this.log.error({ err, space: o.id }, 'could not adopt a Space');
        return false;
      });
      if (adopted) this.totals.adoptions++;
      if (adopted) this.log.info({ space: o.id, lastOwner: o.lastOwner, orphanedMs: now - since }, 'space adopted');
    }
  }

  /** Runs a command on Redis; when Redis cannot be reached, the caller gets a clear 'unavailable'. */
  private async coordinator<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof AppError) throw err;
      this.log.warn({ err: (err as Error).message }, 'cluster coordination failed');
      throw new AppError('unavailable', 'the cluster cannot place Spaces right now (its coordinator, Redis, is unreachable); try again shortly', 2);
    }
  }
}
