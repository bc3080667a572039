// A Space whose WebRTC audience spans nodes. Its owner serves three WebRTC peers
// (SPACES_WEBRTC_CAPACITY=3): the stage takes them, so every listener after that is placed on one
// of the two other nodes (an edge), which receives the stage's media once over the authenticated
// node relay and fans it out to its listeners over its own two media workers. The tests show that
// every listener on the edges hears every speaker and sees the stage video follow the active
// speaker that the owner decided (the edges decide nothing), that the relay drops datagrams not
// sealed with the cluster's key, and that a listener on an edge brought on stage is moved to the
// owner, where speakers talk.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import pg from 'pg';
import { Redis } from 'ioredis';
import nodeDataChannel from 'node-datachannel';
import { startCluster, type ClusterNodeProcess, type TestCluster } from '../helpers/cluster.js';
import { scrapeMetric } from '../helpers/metrics.js';
import { account, joinSpace, once, sleep, startStage, until, waitFor, type TestParticipant } from '../helpers/clients.js';
import { approveLive } from '../../src/bots/ndc-participant.js';

const LISTENERS = 4;
const CAPACITY = 3;

describe('cluster: a Space whose audience spans nodes', () => {
  let cluster: TestCluster;
  let db: pg.Client;
  const opened: TestParticipant[] = [];

  before(async () => {
    cluster = await startCluster({
      nodes: 3,
      mediaWorkers: 2,
      env: { SPACES_HOST_GRACE_MS: '600000', SPACES_WEBRTC_CAPACITY: String(CAPACITY) },
    });
    db = new pg.Client({ connectionString: cluster.db.url });
    await db.connect();
  });

  after(async () => {
    for (const p of opened) p.close();
    await db?.end();
    await cluster?.close();
    nodeDataChannel.cleanup();
  });

  async function metric(node: ClusterNodeProcess, name: string): Promise<number> {
    const value = await scrapeMetric(node.url, name);
    assert.ok(value !== undefined, `${node.id} exports ${name}`);
    return value;
  }

  /** The node whose media worker ports a peer's server candidates name. */
  function nodeOfPeer(p: TestParticipant): ClusterNodeProcess | undefined {
    const ports = [...p.peer.serverPorts];
    const found = cluster.nodes.filter((n) => ports.some((port) => port >= n.mediaPort && port < n.mediaPort + 2));
    return found.length === 1 ? found[0] : undefined;
  }

  let spaceId: string;
  let owner: ClusterNodeProcess;
  let edges: ClusterNodeProcess[];
  let host: TestParticipant;
  let speakers: TestParticipant[];
  let listeners: TestParticipant[];

  const stageUp = once(async () => {
    const hostApi = await account(cluster.nodes[0]!, 'ce_host');
    ({ id: spaceId } = await hostApi.createSpace('Spans nodes'));
    const ownerId = await until(
      async () => (await db.query<{ owner_node: string | null }>('SELECT owner_node FROM spaces WHERE id = $1', [spaceId])).rows[0]?.owner_node ?? undefined,
      30_000,
      'the Space claimed by a node',
    );
    owner = cluster.nodes.find((n) => n.id === ownerId)!;
    edges = cluster.nodes.filter((n) => n !== owner);
    host = await joinSpace(owner, spaceId, { api: hostApi, tag: 1 });
    opened.push(host);
    speakers = [host];
    for (const tag of [2, 3]) {
      const s = await joinSpace(owner, spaceId, { api: await account(owner, `ce_speaker${tag}`), tag });
      opened.push(s);
      await s.signalling.act({ action: 'requestToSpeak' });
      await approveLive(host, s);
      speakers.push(s);
    }
    // The other nodes' relay endpoints are in the registry the owner reads every heartbeat.
    const redis = new Redis(cluster.redis.url);
    try {
      await until(
        async () => {
          const infos = await Promise.all(edges.map((e) => redis.get(`spaces:node:${e.id}`)));
          return infos.every((i) => i && (JSON.parse(i) as { relay?: unknown }).relay) ? true : undefined;
        },
        30_000,
        'the edges announce their relay',
      );
    } finally {
      redis.disconnect();
    }
    listeners = [];
    for (let i = 0; i < LISTENERS; i++) {
      // Through the owner: where each one's media goes is the owner's decision, not the entry's.
      const l = await joinSpace(owner, spaceId, { guest: true, canPublish: false });
      opened.push(l);
      listeners.push(l);
      await waitFor(() => l.peer.serverPorts.size > 0, 30_000, `listener ${i} offered a PeerConnection`);
    }
    await startStage(speakers, [...speakers, ...listeners]);
  });

  it('places the listeners the owner has no room for on the other nodes, over WebRTC', async (t) => {
    await stageUp();
    for (const s of speakers) assert.equal(nodeOfPeer(s), owner, 'speakers connect to the owner');
    const where = listeners.map(nodeOfPeer);
    t.diagnostic(`owner ${owner.id}; listeners on ${where.map((n) => n?.id).join(', ')}`);
    for (const [i, n] of where.entries()) assert.ok(n && edges.includes(n), `listener ${i} is on an edge, not on the owner (${n?.id})`);
    // An edge takes listeners up to its own capacity (3): four listeners need both.
    assert.equal(new Set(where).size, 2, 'both edges serve listeners');
    assert.equal(await metric(owner, 'spaces_cluster_listeners_on_edges'), LISTENERS);
    for (const e of edges) assert.equal(await metric(e, 'spaces_cluster_edge_copies'), 1, `${e.id} holds one copy of the Space`);
  });

  it('lets every listener on the edges hear every speaker, relayed once per edge', async () => {
    await stageUp();
    const relayedBefore = await metric(owner, 'spaces_node_relay_out_total');
    const tagOf = (s: TestParticipant) => s.peer.options.tag ?? 0;
    const counts = (tag: number) => listeners.map((l) => l.peer.packetsFromTag(tag));
    for (const s of speakers) s.peer.setTalking(false);
    for (const s of speakers) {
      const tag = tagOf(s);
      const from = counts(tag);
      s.peer.setTalking(true);
      await waitFor(
        () => counts(tag).every((n, i) => n - from[i]! >= 50),
        30_000,
        `every listener hears speaker ${tag}: ${counts(tag).map((n, i) => n - from[i]!)}`,
      );
      s.peer.setTalking(false);
    }
    const relayed = (await metric(owner, 'spaces_node_relay_out_total')) - relayedBefore;
    const received = await Promise.all(edges.map((e) => metric(e, 'spaces_node_relay_in_total')));
    assert.ok(relayed >= 3 * 50 * edges.length, `the owner relayed each speaker's packets to both edges (${relayed})`);
    for (const [i, e] of edges.entries()) assert.ok(received[i]! >= 3 * 50, `${e.id} took the relayed packets (${received[i]})`);
    // One copy per edge, not one per listener: the owner sent no more than (packets × edges),
    // while the edges delivered to all four listeners. The speakers' sends bound the packets.
    const sent = speakers.reduce((n, s) => n + s.peer.packetsSent, 0);
    const totalOut = await metric(owner, 'spaces_node_relay_out_total');
    assert.ok(totalOut <= sent * edges.length, `relayed ${totalOut} datagrams for ${sent} packets sent by the stage and 2 edges`);
  });

  it('has the stage video follow the active speaker the owner decides, on every edge', async () => {
    await stageUp();
    for (const s of speakers) {
      await s.signalling.act({ action: 'setCamera', on: true });
      s.peer.startVideo();
    }
    const edgeSwitches = await Promise.all(edges.map((e) => metric(e, 'spaces_active_speaker_switches_total')));
    const ownerSwitches = await metric(owner, 'spaces_active_speaker_switches_total');
    for (const s of [speakers[1]!, speakers[2]!, speakers[0]!]) {
      const userId = s.state.you!.userId;
      const from = listeners.map((l) => l.peer.videoLog.length);
      for (const other of speakers) other.peer.setTalking(other === s);
      await waitFor(() => listeners.every((l) => l.activeSpeaker === userId), 30_000, `${userId} becomes the active speaker for everyone`);
      await waitFor(() => listeners.every((l) => l.stageVideo.userId === userId), 30_000, `every edge's stage video shows ${userId}`);
      await waitFor(() => listeners.every((l, i) => l.peer.videoFrom(from[i]!, s.peer.videoTag).length >= 20), 30_000, `frames of ${userId} at every listener`);
    }
    for (const s of speakers) s.peer.setTalking(false);
    assert.ok((await metric(owner, 'spaces_active_speaker_switches_total')) > ownerSwitches, 'the owner decided the switches');
    // The edges switched their viewers without deciding anything themselves.
    assert.deepEqual(await Promise.all(edges.map((e) => metric(e, 'spaces_active_speaker_switches_total'))), edgeSwitches);
  });

  it("drops datagrams on an edge's relay port that are not sealed with the cluster's key", async () => {
    await stageUp();
    const redis = new Redis(cluster.redis.url);
    const info = JSON.parse((await redis.get(`spaces:node:${edges[0]!.id}`))!) as { relay: { host: string; port: number } };
    redis.disconnect();
    const before = await metric(edges[0]!, 'spaces_node_relay_rejected_total');
    const socket = dgram.createSocket('udp4');
    // A relay frame as a node would send it, but unsealed, then sealed with a wrong tag.
    const forged = [Buffer.from('not a relay frame'), Buffer.concat([Buffer.from([0x53, 1, 0, 0, 0, 0]), Buffer.alloc(40, 7)])];
    for (const buf of forged) await new Promise<void>((r) => socket.send(buf, info.relay.port, info.relay.host, () => r()));
    socket.close();
    await until(
      async () => ((await metric(edges[0]!, 'spaces_node_relay_rejected_total')) >= before + forged.length ? true : undefined),
      30_000,
      'the forged datagrams counted as rejected',
    );
    // Still serving: its listeners keep hearing the stage.
    const onIt = listeners.filter((l) => nodeOfPeer(l) === edges[0]);
    const from = onIt.map((l) => l.peer.packetsFromTag(1));
    host.peer.setTalking(true);
    await waitFor(() => onIt.every((l, i) => l.peer.packetsFromTag(1) - from[i]! >= 25), 30_000, 'the edge still relays the host');
    host.peer.setTalking(false);
  });

  it('moves a listener on an edge to the owner when they come on stage, and everyone hears them', async () => {
    await stageUp();
    // Guests cannot speak: a signed-in listener comes, on an edge too, and asks.
    const guestListeners = listeners;
    const speakerApi = await account(owner, 'ce_promoted');
    const promoted = await joinSpace(owner, spaceId, { api: speakerApi, tag: 9 });
    opened.push(promoted);
    await waitFor(() => promoted.peer.serverPorts.size > 0 && promoted.peer.state === 'connected', 30_000, 'the new listener connected');
    assert.ok(edges.includes(nodeOfPeer(promoted)!), `a fifth listener is on an edge too (${nodeOfPeer(promoted)?.id})`);
    await promoted.signalling.act({ action: 'requestToSpeak' });
    await approveLive(host, promoted);
    await waitFor(() => nodeOfPeer(promoted) === owner && promoted.peer.state === 'connected', 30_000, 'the new speaker reconnected to the owner');
    await waitFor(() => promoted.state.you?.role === 'speaker', 30_000, 'on stage');
    await until(
      async () => ((await metric(owner, 'spaces_cluster_listeners_on_edges')) === LISTENERS ? true : undefined),
      30_000,
      'the owner no longer counts them on an edge',
    );
    promoted.peer.startSending();
    const from = guestListeners.map((l) => l.peer.packetsFromTag(9));
    promoted.peer.setTalking(true);
    await waitFor(() => guestListeners.every((l, i) => l.peer.packetsFromTag(9) - from[i]! >= 50), 30_000, 'the listeners on the edges hear the new speaker');
    promoted.peer.setTalking(false);
  });

  it('keeps the edges serving their listeners through a 10 s Redis outage, and holding their copies after it', async (t) => {
    await stageUp();
    const inUse = edges.filter((e) => listeners.some((l) => nodeOfPeer(l) === e));
    const copiesBefore = await Promise.all(inUse.map((e) => metric(e, 'spaces_cluster_edge_copies')));
    host.peer.setTalking(true);
    await cluster.redis.stop();
    try {
      // Longer than three leases (2 s): an owner cannot hold its copies while Redis is away,
      // and the edges must not take that for the owner's death.
      const from = listeners.map((l) => l.peer.packetsFromTag(1));
      await sleep(7_000);
      const at7s = listeners.map((l) => l.peer.packetsFromTag(1));
      await sleep(3_000);
      const heard = listeners.map((l, i) => l.peer.packetsFromTag(1) - from[i]!);
      const lastThree = listeners.map((l, i) => l.peer.packetsFromTag(1) - at7s[i]!);
      t.diagnostic(`packets of the host at each listener during the outage: ${heard.join(', ')}; in its last 3 s: ${lastThree.join(', ')}`);
      // Still flowing after three leases without a hold (150 expected in 3 s).
      assert.ok(
        lastThree.every((n) => n >= 50),
        `every listener still heard the host at the end of the outage (${lastThree.join(', ')})`,
      );
    } finally {
      await cluster.redis.start();
    }
    // Redis back: the copies are the same ones, and still held (the edges would close them
    // three leases after the last hold otherwise).
    const from = listeners.map((l) => l.peer.packetsFromTag(1));
    await until(async () => ((await metric(owner, 'spaces_cluster_nodes')) === 3 ? true : undefined), 30_000, 'the nodes registered again');
    await waitFor(() => listeners.every((l, i) => l.peer.packetsFromTag(1) - from[i]! >= 8 * 50), 30_000, 'eight more seconds of the host at every listener');
    host.peer.setTalking(false);
    assert.deepEqual(await Promise.all(inUse.map((e) => metric(e, 'spaces_cluster_edge_copies'))), copiesBefore);
  });

  it('places the listeners of an edge that dies (kill -9) again, and they hear the stage again', async (t) => {
    await stageUp();
    const victim = edges.find((e) => listeners.some((l) => nodeOfPeer(l) === e))!;
    const orphans = listeners.filter((l) => nodeOfPeer(l) === victim);
    const killedAt = performance.now();
    await victim.kill9();
    // Its registration lapses with its lease; the owner places its listeners again (another
    // edge, or the owner itself when no other node has room) and sends them fresh offers.
    await waitFor(
      () => orphans.every((l) => nodeOfPeer(l) !== undefined && nodeOfPeer(l) !== victim && l.peer.state === 'connected'),
      60_000,
      'the orphaned listeners reconnected elsewhere',
    );
    const from = orphans.map((l) => l.peer.packetsFromTag(1));
    host.peer.setTalking(true);
    await waitFor(() => orphans.every((l, i) => l.peer.packetsFromTag(1) - from[i]! >= 50), 30_000, 'they hear the host again');
    host.peer.setTalking(false);
    t.diagnostic(
      `${orphans.length} listener(s) of ${victim.id} heard the host again ${(performance.now() - killedAt).toFixed(0)} ms after kill -9 (lease 2000 ms)`,
    );
  });
});
