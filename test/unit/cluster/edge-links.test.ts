// EdgeLinks, the owner's side of a Space whose audience spans nodes, over stand-ins for Redis:
// a publisher that records what is published, and a subscriber that is an EventEmitter the
// test delivers 'message' events on. The media plane's side (the sink) records what it hears.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { EdgeLinks } from '../../../src/cluster/edge-links.js';
import { keys } from '../../../src/cluster/keys.js';
import type { RedisClient } from '../../../src/cluster/redis-client.js';
import type { NodeInfo } from '../../../src/cluster/placement-policy.js';
import { edgeCommandMessageSchema, parseMessage } from '../../../src/cluster/edge-protocol.js';
import { REMOTE_INDEX_BASE, type RemoteNodeSink } from '../../../src/media/cluster/remote-nodes.js';
import type { WorkerEvent } from '../../../src/media/cluster/protocol.js';

const SELF = 'node-self';
const log = pino({ level: 'silent' });

class FakePublisher extends EventEmitter {
  readonly published: Array<{ channel: string; text: string }> = [];
  /** ioredis's connection state: 'ready' while Redis answers. */
  status = 'ready';
  fail = false;
  publish(channel: string, text: string): Promise<number> {
    this.published.push({ channel, text });
    return this.fail ? Promise.reject(new Error('redis away')) : Promise.resolve(1);
  }
  onChannel(channel: string) {
    return this.published.filter((p) => p.channel === channel).map((p) => JSON.parse(p.text) as unknown);
  }
}

class FakeSubscriber extends EventEmitter {
  readonly channels: string[] = [];
  subscribe(channel: string): Promise<number> {
    this.channels.push(channel);
    return Promise.resolve(1);
  }
}

class RecordingSink implements RemoteNodeSink {
  readonly events: Array<{ index: number; msg: WorkerEvent }> = [];
  readonly downs: number[] = [];
  endpointChanges = 0;
  /** Rooms with listeners on each node index. */
  readonly rooms = new Map<number, string[]>();
  event(index: number, msg: WorkerEvent): void {
    this.events.push({ index, msg });
  }
  down(index: number): void {
    this.downs.push(index);
  }
  endpointsChanged(): void {
    this.endpointChanges++;
  }
  roomsOn(index: number): string[] {
    return this.rooms.get(index) ?? [];
  }
}

let clock = Date.now() - 60_000;
/** A registration as read from the registry; each one newer than the last. */
function node(id: string, over: Partial<NodeInfo> = {}, peers = 0): NodeInfo {
  return {
    id,
    url: `http://${id}.test:8080`,
    draining: false,
    load: { peers, spaces: 0, cpu: 0, packetsPerSec: 0 },
    pending: 0,
    at: clock++,
    relay: { host: `${id}.test`, port: 7000 },
    capacity: 10,
    ...over,
  };
}
/** A report made after everything placed so far (its load counts those listeners). */
function fresh(id: string, over: Partial<NodeInfo> = {}, peers = 0): NodeInfo {
  return { ...node(id, over, peers), at: Date.now() + 1000 };
}

async function setup() {
  const redis = new FakePublisher();
  const subscriber = new FakeSubscriber();
  const sink = new RecordingSink();
  const links = new EdgeLinks({ redis: redis as unknown as RedisClient, subscriber: subscriber as unknown as RedisClient, nodeId: SELF, leaseMs: 60_000, log });
  await links.start(sink);
  return { redis, subscriber, sink, links };
}

/** The node id behind an index, found through what send() publishes. */
function idOf(redis: FakePublisher, links: EdgeLinks, index: number): string | null {
  const before = redis.published.length;
  if (!links.send(index, { op: 'closeRoom', room: 'probe' })) return null;
  const ch = redis.published[before]!.channel;
  redis.published.splice(before, 1);
  return ch.slice(keys.edgeCommands('').length);
}

/** Places `n` listeners of `room` the way a room does: pick, then charge the node. */
function place(links: EdgeLinks, room: string, n: number, using: number[] = []): Array<number | null> {
  const out: Array<number | null> = [];
  for (let i = 0; i < n; i++) {
    const index = links.pick(room, using);
    out.push(index);
    if (index !== null) {
      links.adjustLoad(index, 1);
      if (!using.includes(index)) using.push(index);
    }
  }
  return out;
}

describe('cluster: EdgeLinks (owner side)', () => {
  it('start subscribes to this node’s edge events channel', async () => {
    const { subscriber } = await setup();
    assert.deepEqual(subscriber.channels, [keys.edgeEvents(SELF)]);
  });

  it('pick: the node with the most spare places; null with no nodes', async () => {
    const { links, redis } = await setup();
    assert.equal(links.pick('r', []), null);
    links.onNodes([node('a', {}, 8), node('b', {}, 3), node('c', { capacity: 20 }, 15)]);
    const index = links.pick('r', []);
    assert.ok(index !== null && index >= REMOTE_INDEX_BASE);
    assert.equal(idOf(redis, links, index), 'b');
  });

  it('pick: none while Redis is away (a new copy could be told nothing)', async () => {
    const { links, redis } = await setup();
    links.onNodes([node('a', { capacity: 4 })]);
    redis.status = 'reconnecting';
    assert.equal(links.pick('r', []), null);
    redis.status = 'ready';
    assert.notEqual(links.pick('r', []), null);
  });

  it('pick: prefers an edge the room uses already while it has spare, then the one with most spare', async () => {
    const { links, redis } = await setup();
    links.onNodes([node('a', {}, 8), node('b', {}, 0)]);
    const b = links.pick('r', [])!;
    assert.equal(idOf(redis, links, b), 'b');
    links.pick('other', []); // indices for every node exist now
    const a = [REMOTE_INDEX_BASE, REMOTE_INDEX_BASE + 1].find((i) => i !== b)!;
    assert.equal(idOf(redis, links, a), 'a');
    assert.equal(links.pick('r', [a]), a, 'a (2 spare) over b (10 spare): the room uses it');
    links.adjustLoad(a, 1);
    assert.equal(links.pick('r', [a]), a, 'one spare left');
    links.adjustLoad(a, 1);
    assert.equal(links.pick('r', [a]), b, 'a is full: the most spare');
  });

  it('pick excludes itself, draining nodes, nodes without a relay or a capacity, and full nodes', async () => {
    const { links } = await setup();
    const { relay: _relay, ...noRelay } = node('no-relay');
    const { capacity: _capacity, ...noCapacity } = node('no-capacity');
    links.onNodes([
      node(SELF, { capacity: 1000 }),
      node('draining', { draining: true, capacity: 1000 }),
      { ...noRelay, capacity: 1000 },
      noCapacity,
      node('full', { capacity: 5 }, 5),
      node('over', { capacity: 5 }, 9),
      node('zero', { capacity: 0 }),
    ]);
    assert.equal(links.pick('r', []), null);
    assert.equal(links.pick('r', [REMOTE_INDEX_BASE, REMOTE_INDEX_BASE + 1, REMOTE_INDEX_BASE + 2]), null);
  });

  it('listeners placed on a node count against it until it reports them: up to its capacity, then no more', async () => {
    const { links } = await setup();
    links.onNodes([node('a', { capacity: 3 }, 0)]);
    const placed = place(links, 'r', 3);
    assert.ok(placed.every((i) => i !== null && i === placed[0]));
    assert.equal(links.pick('r', []), null, 'a is full before its next report');
    assert.equal(links.pick('r', [placed[0]!]), null, 'even for a room that uses it');
    // Its next report counts them: nothing is freed.
    links.onNodes([fresh('a', { capacity: 3 }, 3)]);
    assert.equal(links.pick('r', [placed[0]!]), null);
    // A listener leaves (the room gives the place back): one place again.
    links.adjustLoad(placed[0]!, -1);
    assert.equal(links.pick('r', [placed[0]!]), placed[0]);
  });

  it('placements spread over nodes by spare', async () => {
    const { links, redis } = await setup();
    links.onNodes([node('a', { capacity: 4 }), node('b', { capacity: 2 })]);
    const counts = new Map<string, number>();
    for (const index of place(links, 'r', 6, [])) {
      assert.ok(index !== null);
      const id = idOf(redis, links, index)!;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(counts), { a: 4, b: 2 });
    assert.equal(links.pick('r', []), null);
    assert.equal(links.pick('s', []), null, 'another room finds them full too');
  });

  it('a re-read of a registration older than the placements frees nothing', async () => {
    const { links } = await setup();
    const report = node('a', { capacity: 3 }, 0);
    links.onNodes([report]);
    place(links, 'r', 3);
    links.onNodes([report]); // the same registration, read again on the next heartbeat
    assert.equal(links.pick('r', []), null);
  });

  it('after Redis came back, a node not registered again yet is not taken for gone (two leases); one that drains is', async () => {
    const { links, sink, redis } = await setup();
    links.onNodes([node('a', { capacity: 2 }), node('b', { capacity: 2 })]);
    const ia = links.pick('r', []);
    assert.ok(ia !== null);
    redis.emit('error', new Error('connection lost'));
    redis.emit('ready');
    links.onNodes([]); // Redis restarted empty: nobody has registered again yet
    assert.deepEqual(sink.downs, [], 'nobody reported down while the nodes register again');
    assert.equal(links.isUp(ia), true);
    links.onNodes([fresh('a'), fresh('b', { draining: true })]);
    assert.equal(sink.downs.length, 1, 'a node that says it drains is gone at once');
  });

  it('onNodes: a node that vanished or started draining is reported down, once; one still there is not', async () => {
    const { links, sink } = await setup();
    links.onNodes([node('a', { capacity: 1 }), node('b', { capacity: 1 }), node('c', { capacity: 1 })]);
    const indices = place(links, 'r', 3) as number[];
    const all = [...new Set(indices)].sort();
    assert.equal(all.length, 3, 'each node has an index');
    assert.equal(sink.downs.length, 0);
    links.onNodes([fresh('a'), fresh('b', { draining: true })]);
    assert.equal(sink.downs.length, 2);
    for (const index of sink.downs) assert.equal(links.isUp(index), false);
    const upOnes = all.filter((i) => links.isUp(i));
    assert.equal(upOnes.length, 1);
    assert.ok(!sink.downs.includes(upOnes[0]!));
    links.onNodes([fresh('a')]);
    assert.equal(sink.downs.length, 2, 'not reported again');
  });

  it('onNodes: a node that left before any listener was placed on it reports nothing bogus', async () => {
    const { links, sink } = await setup();
    links.onNodes([node('a')]);
    links.onNodes([]);
    for (const index of sink.downs) assert.ok(Number.isInteger(index) && index >= REMOTE_INDEX_BASE, `down(${index})`);
  });

  it('a node that comes back keeps its index', async () => {
    const { links, redis } = await setup();
    links.onNodes([node('a')]);
    const a = links.pick('r', [])!;
    links.onNodes([]);
    assert.equal(links.isUp(a), false);
    links.onNodes([fresh('a')]);
    assert.equal(links.isUp(a), true);
    assert.equal(links.pick('r', []), a);
    assert.equal(idOf(redis, links, a), 'a');
  });

  it('onNodes: endpointsChanged when a relay endpoint changed, not otherwise; endpoint() reads the new one', async () => {
    const { links, sink } = await setup();
    links.onNodes([node('a'), node('b')]);
    const a = links.pick('r', [])!;
    assert.ok(links.endpoint(a));
    const id = links.endpoint(a)!.host.replace('.test', '');
    links.onNodes([fresh('a'), fresh('b')]);
    assert.equal(sink.endpointChanges, 0);
    links.onNodes([fresh('a'), fresh('b'), fresh('c')]);
    assert.equal(sink.endpointChanges, 0, 'a new node is no change of endpoint');
    links.onNodes([fresh(id, { relay: { host: `${id}.test`, port: 7001 } }), fresh(id === 'a' ? 'b' : 'a'), fresh('c')]);
    assert.equal(sink.endpointChanges, 1);
    assert.deepEqual(links.endpoint(a), { host: `${id}.test`, port: 7001 });
    links.onNodes([fresh(id, { relay: { host: '10.0.0.9', port: 7001 } }), fresh(id === 'a' ? 'b' : 'a'), fresh('c')]);
    assert.equal(sink.endpointChanges, 2);
    assert.equal(links.endpoint(REMOTE_INDEX_BASE + 99), null, 'an unknown index has none');
  });

  it('onNodes holds, on each node, the rooms the sink reports there (and publishes nothing for nodes without rooms)', async () => {
    const { links, redis, sink } = await setup();
    links.onNodes([node('a'), node('b')]);
    const first = links.pick('r', [])!;
    links.adjustLoad(first, 1);
    const second = links.pick('r', [])!;
    assert.notEqual(first, second);
    const firstId = idOf(redis, links, first)!;
    const secondId = idOf(redis, links, second)!;
    sink.rooms.set(first, ['space-1', 'space-2']);
    redis.published.length = 0;
    links.onNodes([fresh('a'), fresh('b')]);
    assert.deepEqual(redis.onChannel(keys.edgeCommands(firstId)), [{ from: SELF, hold: ['space-1', 'space-2'] }]);
    assert.deepEqual(redis.onChannel(keys.edgeCommands(secondId)), []);
    assert.equal(redis.published.length, 1);
    for (const p of redis.published) assert.ok(parseMessage(edgeCommandMessageSchema, p.text), 'a valid command message');
    // Gone: no hold for it.
    redis.published.length = 0;
    links.onNodes([fresh(secondId)]);
    assert.deepEqual(redis.published, []);
  });

  it('send publishes a valid command message on the node’s commands channel; false for unknown or gone nodes', async () => {
    const { links, redis } = await setup();
    assert.equal(links.send(REMOTE_INDEX_BASE, { op: 'connect', room: 'r', pid: 'p' }), false, 'no node known');
    links.onNodes([node('a')]);
    const a = links.pick('r', [])!;
    redis.published.length = 0;
    assert.equal(links.send(a, { op: 'connect', room: 'space-1', pid: 'alice' }), true);
    assert.equal(redis.published.length, 1);
    const [{ channel, text }] = redis.published as [{ channel: string; text: string }];
    assert.equal(channel, keys.edgeCommands('a'));
    assert.deepEqual(parseMessage(edgeCommandMessageSchema, text), { from: SELF, cmd: { op: 'connect', room: 'space-1', pid: 'alice' } });
    assert.equal(links.send(a + 1, { op: 'connect', room: 'r', pid: 'p' }), false, 'an index never given out');
    links.onNodes([]);
    assert.equal(links.send(a, { op: 'connect', room: 'r', pid: 'p' }), false, 'gone');
    assert.equal(redis.published.length, 1);
  });

  it('a publish that fails is swallowed (no unhandled rejection)', async () => {
    const { links, redis } = await setup();
    links.onNodes([node('a')]);
    const a = links.pick('r', [])!;
    redis.fail = true;
    assert.equal(links.send(a, { op: 'closeRoom', room: 'r' }), true);
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('events: valid ones reach sink.event with the node’s index; malformed, unknown-node and other-channel ones are dropped', async () => {
    const { links, subscriber, sink } = await setup();
    links.onNodes([node('a'), node('b')]);
    const first = links.pick('r', [])!;
    links.adjustLoad(first, 10);
    const second = links.pick('r', [])!;
    const ev: WorkerEvent = { ev: 'offer', room: 'space-1', pid: 'alice', sdp: 'v=0', fresh: true };
    const idFirst = first === REMOTE_INDEX_BASE ? 'a' : 'b';
    const channel = keys.edgeEvents(SELF);
    const deliver = (text: string, ch = channel) => assert.doesNotThrow(() => subscriber.emit('message', ch, text));
    deliver('not json');
    deliver('null');
    deliver(JSON.stringify({ from: 'a' }));
    deliver(JSON.stringify({ from: 'a', ev: { ev: 'offer', room: 'space-1', pid: 'alice' } }));
    deliver(JSON.stringify({ from: '', ev }));
    deliver(JSON.stringify({ from: 'stranger', ev }));
    deliver(JSON.stringify({ from: 'a', ev }), keys.edgeEvents('someone-else'));
    assert.deepEqual(sink.events, []);
    deliver(JSON.stringify({ from: idFirst, ev }));
    const answer: WorkerEvent = { ev: 'answerResult', reqId: 7, error: null, invalidSdp: false };
    deliver(JSON.stringify({ from: idFirst === 'a' ? 'b' : 'a', ev: answer }));
    assert.deepEqual(sink.events, [
      { index: first, msg: ev },
      { index: second, msg: answer },
    ]);
  });

  it('isUp: true for a node in the registry, false for unknown indices', async () => {
    const { links } = await setup();
    assert.equal(links.isUp(REMOTE_INDEX_BASE), false);
    links.onNodes([node('a')]);
    const a = links.pick('r', [])!;
    assert.equal(links.isUp(a), true);
    assert.equal(links.isUp(a + 5), false);
  });
});
