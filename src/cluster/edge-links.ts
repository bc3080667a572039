// The owner's side of a Space that spans nodes: the other nodes as places for this node's
// listeners (RemoteNodes, for the media plane). It follows the registry (their capacity, load,
// relay endpoint, whether they drain), picks the node with the most room, sends a room's
// commands to a node's copy over Redis pub/sub and hands the copies' events back, and holds the
// copies open on every heartbeat. A node that leaves the registry or drains is reported down:
// its listeners are placed again, and their clients get fresh offers.
import type { Logger } from 'pino';
import type { WorkerCommand } from '../media/cluster/protocol.js';
import { REMOTE_INDEX_BASE, type RelayEndpoint, type RemoteNodeSink, type RemoteNodes } from '../media/cluster/remote-nodes.js';
import type { RedisClient } from './redis-client.js';
import type { NodeInfo } from './placement-policy.js';
import { keys } from './keys.js';
import { edgeEventMessageSchema, parseMessage, type EdgeCommandMessage } from './edge-protocol.js';

export interface EdgeLinksOptions {
  redis: RedisClient;
  subscriber: RedisClient;
  nodeId: string;
  /** The cluster's lease: after Redis comes back, nodes get two to register again before they count as gone. */
  leaseMs: number;
  log: Logger;
}

export class EdgeLinks implements RemoteNodes {
  private readonly indexOf = new Map<string, number>();
  private readonly idOf = new Map<number, string>();
  private nextIndex = REMOTE_INDEX_BASE;
  /** The other nodes that can serve listeners, as last read. */
  private nodes = new Map<string, NodeInfo>();
  /**
   * Listeners placed on (+1) or taken off (-1) each node, with when: until a report of the node
   * newer than a change arrives, its load does not count that change, so it is counted here.
   */
  private readonly changes = new Map<number, Array<{ at: number; delta: number }>>();
  private sink: RemoteNodeSink | null = null;
  private readonly channel: string;

  /**
   * Until then (after Redis came back, maybe empty) a node missing from the registry is not
   * taken for gone: the nodes need a heartbeat or two to register again, and their listeners
   * must not be moved meanwhile.
   */
  private settleUntil = 0;

  constructor(private readonly options: EdgeLinksOptions) {
    this.channel = keys.edgeEvents(options.nodeId);
    let lost = false;
    options.redis.on('error', () => (lost = true));
    options.redis.on('ready', () => {
      if (!lost) return;
      lost = false;
      this.settleUntil = Date.now() + 2 * options.leaseMs;
    });
  }

  /** Starts hearing the copies' events; `sink` is the media plane's side. */
  async start(sink: RemoteNodeSink): Promise<void> {
    this.sink = sink;
    await this.options.subscriber.subscribe(this.channel);
    this.options.subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.onEvent(text);
    });
  }

  pick(_room: string, using: readonly number[]): number | null {
    // Redis away: a new copy could not be told anything (the stage, the listener's offer).
    if (this.options.redis.status !== 'ready') return null;
    let best: number | null = null;
    let bestSpare = 0;
    for (const node of this.nodes.values()) {
      const index = this.indexFor(node.id);
      // A node the room uses already, while it has room: one relay stream serves them all.
      const spare = this.spare(node, index) + (using.includes(index) ? 1_000_000 : 0);
      if (this.spare(node, index) > 0 && spare > bestSpare) {
        best = index;
        bestSpare = spare;
      }
    }
    return best;
  }

  isUp(index: number): boolean {
    const id = this.idOf.get(index);
    return id !== undefined && this.nodes.has(id);
  }

  send(index: number, cmd: WorkerCommand): boolean {
    const id = this.idOf.get(index);
    if (id === undefined || !this.nodes.has(id)) return false;
    this.publish(id, { from: this.options.nodeId, cmd });
    return true;
  }

  endpoint(index: number): RelayEndpoint | null {
    const id = this.idOf.get(index);
    return (id !== undefined && this.nodes.get(id)?.relay) || null;
  }

  adjustLoad(index: number, delta: number): void {
    let list = this.changes.get(index);
    if (!list) this.changes.set(index, (list = []));
    list.push({ at: Date.now(), delta });
  }

  /** The registry as read on this heartbeat: nodes gone or draining lose their listeners; the rest are held. */
  onNodes(list: readonly NodeInfo[]): void {
    const before = this.nodes;
    this.nodes = new Map(list.filter((n) => n.id !== this.options.nodeId && !n.draining && n.relay && n.capacity !== undefined).map((n) => [n.id, n]));
    if (Date.now() < this.settleUntil) {
      // Redis just came back: a node not registered again yet keeps its last registration.
      for (const [id, old] of before) if (!this.nodes.has(id) && !list.some((n) => n.id === id)) this.nodes.set(id, old);
    }
    for (const [index, list] of this.changes) {
      const report = this.nodes.get(this.idOf.get(index) ?? '');
      // Counted by a report (its load is measured after it), or the node is gone.
      const pending = report ? list.filter((c) => c.at >= report.at) : [];
      if (pending.length > 0) this.changes.set(index, pending);
      else this.changes.delete(index);
    }
    let moved = false;
    for (const [id, old] of before) {
      const now = this.nodes.get(id);
      const index = this.indexOf.get(id);
      // Never picked (no index yet): no listener of this node can be there.
      if (index === undefined) continue;
      if (!now) {
        this.options.log.info({ node: id }, "an edge node left: its listeners of this node's Spaces are placed again");
        this.sink?.down(index);
      } else if (now.relay?.host !== old.relay?.host || now.relay?.port !== old.relay?.port) moved = true;
    }
    if (moved) this.sink?.endpointsChanged();
    for (const [id, index] of this.indexOf) {
      if (!this.nodes.has(id)) continue;
      const rooms = this.sink?.roomsOn(index) ?? [];
      if (rooms.length > 0) this.publish(id, { from: this.options.nodeId, hold: rooms });
    }
  }

  private spare(node: NodeInfo, index: number): number {
    let pending = 0;
    for (const c of this.changes.get(index) ?? []) pending += c.delta;
    return (node.capacity ?? 0) - node.load.peers - pending;
  }

  private indexFor(nodeId: string): number {
    let index = this.indexOf.get(nodeId);
    if (index === undefined) {
      index = this.nextIndex++;
      this.indexOf.set(nodeId, index);
      this.idOf.set(index, nodeId);
    }
    return index;
  }

  private onEvent(text: string): void {
    const msg = parseMessage(edgeEventMessageSchema, text);
    if (!msg) return void this.options.log.warn('a malformed message on the edge events channel was dropped');
    const index = this.indexOf.get(msg.from);
    if (index !== undefined) this.sink?.event(index, msg.ev);
  }

  private publish(nodeId: string, msg: EdgeCommandMessage): void {
    this.options.redis.publish(keys.edgeCommands(nodeId), JSON.stringify(msg)).catch((err: Error) => {
      // Redis away: the copy misses this command; the client's connection fails and it comes back.
      this.options.log.debug({ err: err.message, node: nodeId }, 'could not reach an edge node');
    });
  }
}
