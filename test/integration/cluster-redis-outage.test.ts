// The cluster's Redis goes away for ten seconds under a live Space. Redis only coordinates:
// the Space goes on where it runs (its audio, its moderation, stored in PostgreSQL), while
// what needs the coordinator (placing a new Space) is refused with a clear 503. When Redis
// comes back empty, every node registers again and renews its leases: the Space stays on the
// same node, nobody reconnects, and the audio never stops.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Redis } from 'ioredis';
import nodeDataChannel from 'node-datachannel';
import { startCluster, type ClusterNodeProcess, type TestCluster } from '../helpers/cluster.js';
import { account, joinSpace, once, startStage, until, waitFor, type TestParticipant } from '../helpers/clients.js';
import type { ApiClient } from '../../src/sdk/api.js';
import type { ConnectionStatus } from '../../src/sdk/signalling.js';
import { approveLive } from '../../src/bots/ndc-participant.js';

/** The outage: long enough for every lease (2 s) and registration to lapse several times over. */
const OUTAGE_MS = 10_000;

describe('cluster: a Redis outage under a live Space', () => {
  let cluster: TestCluster;
  let db: pg.Client;
  let hostApi: ApiClient;
  let spaceId: string;
  let owner: ClusterNodeProcess;
  let claim: { ownerNode: string; epoch: number };
  let host: TestParticipant;
  let speaker: TestParticipant;
  let requester: TestParticipant;
  let listener: TestParticipant;
  /** Every connection status each participant went through after joining. */
  const statuses = new Map<TestParticipant, ConnectionStatus[]>();

  before(async () => {
    cluster = await startCluster({ nodes: 3 });
    db = new pg.Client({ connectionString: cluster.db.url });
    await db.connect();
  });

  after(async () => {
    for (const p of statuses.keys()) p.close();
    await db?.end();
    await cluster?.close();
    // The bots' node-datachannel threads keep this process alive until the library is cleaned up.
    nodeDataChannel.cleanup();
  });

  const nodes = () => cluster.nodes;
  const tag = 2;
  const heardFromSpeaker = () => listener.peer.packetsFromTag(tag);
  /** Waits until the listener has received `n` more packets of the speaker's voice (20 ms each). */
  const hears = async (n: number, what: string) => {
    const from = heardFromSpeaker();
    await waitFor(() => heardFromSpeaker() - from >= n, 30_000, `${what}: ${heardFromSpeaker() - from} packets`);
  };

  async function storedClaim(): Promise<{ ownerNode: string; epoch: number }> {
    const { rows } = await db.query<{ owner_node: string; owner_epoch: number }>('SELECT owner_node, owner_epoch FROM spaces WHERE id = $1', [spaceId]);
    return { ownerNode: rows[0]!.owner_node, epoch: Number(rows[0]!.owner_epoch) };
  }

  async function createThrough(node: ClusterNodeProcess): Promise<{ status: number; body: { code?: string; message?: string; id?: string } }> {
    const res = await fetch(`${node.url}/api/spaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hostApi.token}` },
      body: JSON.stringify({ title: `Through ${node.id}` }),
    });
    return { status: res.status, body: (await res.json()) as { code?: string; message?: string; id?: string } };
  }

  const live = once(async () => {
    hostApi = await account(nodes()[0]!, 'outage_host');
    spaceId = (await hostApi.createSpace('Through an outage')).id;
    claim = await until(
      async () => {
        const c = await storedClaim();
        return c.ownerNode ? c : undefined;
      },
      30_000,
      'the Space claimed',
    );
    owner = nodes().find((n) => n.id === claim.ownerNode)!;
    const enter = async (p: Promise<TestParticipant>) => {
      const joined = await p;
      const seen: ConnectionStatus[] = [];
      joined.signalling.onStatus((s) => seen.push(s));
      statuses.set(joined, seen);
      return joined;
    };
    // Through different nodes; every one of them ends up on the owner.
    host = await enter(joinSpace(nodes()[0]!, spaceId, { api: hostApi, tag: 1 }));
    speaker = await enter(joinSpace(nodes()[1]!, spaceId, { api: await account(nodes()[1]!, 'outage_speaker'), tag }));
    await speaker.signalling.act({ action: 'requestToSpeak' });
    await approveLive(host, speaker);
    requester = await enter(joinSpace(nodes()[2]!, spaceId, { api: await account(nodes()[2]!, 'outage_requester'), tag: 3 }));
    listener = await enter(joinSpace(nodes()[2]!, spaceId, { guest: true, canPublish: false }));
    await startStage([host, speaker], [...statuses.keys()]);
    speaker.peer.setTalking(true);
    await hears(50, 'the listener hears the speaker');
  });

  let stoppedAt = 0;
  const outage = once(async () => {
    await live();
    await cluster.redis.stop();
    stoppedAt = performance.now();
  });

  /** The outage lasts its full length (it is the scenario), measured, with the audio checked to the end; then Redis starts, empty. */
  let restartedAt = 0;
  const restored = once(async () => {
    await outage();
    while (performance.now() - stoppedAt < OUTAGE_MS) await hears(25, 'audio all through the outage');
    outageMs = performance.now() - stoppedAt;
    await cluster.redis.start();
    restartedAt = performance.now();
  });
  let outageMs = 0;

  it('keeps the Space going while Redis is down: audio, moderation; new Spaces are refused with 503', async (t) => {
    await outage();
    await hears(50, 'audio with Redis down');
    // Moderation is stored in PostgreSQL: acknowledged as usual.
    const speakerId = speaker.state.you!.userId;
    await host.signalling.act({ action: 'mute', userId: speakerId });
    await waitFor(() => speaker.state.you?.muted === true, 30_000, 'the speaker muted');
    await speaker.signalling.act({ action: 'setMicMuted', muted: false });
    await requester.signalling.act({ action: 'requestToSpeak' });
    await approveLive(host, requester);
    await waitFor(() => requester.state.you?.role === 'speaker' && speaker.state.you?.muted === false, 30_000, 'the moderation took effect');
    await hears(50, 'audio after the speaker unmuted');
    // A newcomer entering through a node that does not run the Space is still sent to its
    // owner (the last claim in the database, and the nodes as last seen in the registry).
    const other = nodes().find((n) => n !== owner)!;
    const late = await joinSpace(other, spaceId, { guest: true, canPublish: false });
    try {
      assert.deepEqual(
        late.redirects.map((u) => new URL(u).port),
        [new URL(owner.url).port],
        `redirected to the owner ${owner.id}`,
      );
      await waitFor(() => late.state.you?.role === 'listener', 30_000, 'the newcomer in the audience');
    } finally {
      await late.signalling.leave().catch(() => undefined);
      late.close();
    }
    // The directory is in the database: every node still lists the Space (the owner with its stage).
    for (const n of nodes()) {
      const res = await fetch(`${n.url}/api/spaces`);
      assert.equal(res.status, 200, `${n.id} lists Spaces`);
      const list = (await res.json()) as { live: Array<{ id: string; stage: unknown[] }> };
      assert.ok(
        list.live.some((x) => x.id === spaceId),
        `${n.id} lists the Space`,
      );
    }
    // Placing a Space needs the coordinator: every node refuses, saying why.
    for (const n of nodes()) {
      const { status, body } = await createThrough(n);
      assert.equal(status, 503, `${n.id}: ${JSON.stringify(body)}`);
      assert.equal(body.code, 'unavailable');
      assert.match(body.message ?? '', /Redis|coordinator/);
    }
    t.diagnostic(`all checked ${(performance.now() - stoppedAt).toFixed(0)} ms into the outage`);
  });

  it('after Redis comes back empty: every node registers again, the Space stays where it ran, nobody reconnected', async (t) => {
    await restored();
    t.diagnostic(`Redis was down ${outageMs.toFixed(0)} ms, the listener hearing the speaker all along`);
    const startedAt = restartedAt;
    const redis = new Redis(cluster.redis.url, { maxRetriesPerRequest: 1 });
    try {
      // Every node's registration and the Space's lease are back (Redis started with nothing).
      await until(
        async () => {
          const registered = await redis.mget(nodes().map((n) => `spaces:node:${n.id}`));
          return registered.every((r) => r !== null) ? true : undefined;
        },
        60_000,
        'every node registered again',
      );
      t.diagnostic(`every node registered ${(performance.now() - startedAt).toFixed(0)} ms after Redis started`);
      await until(async () => ((await redis.get(`spaces:owner:${spaceId}`)) === owner.id ? true : undefined), 60_000, 'the lease renewed by its owner');
    } finally {
      redis.disconnect();
    }
    // Each node places Spaces again.
    for (const n of nodes()) {
      const { status, body } = await until(
        async () => {
          const r = await createThrough(n);
          return r.status === 503 ? undefined : r;
        },
        60_000,
        `${n.id} places Spaces again`,
      );
      assert.equal(status, 201, `${n.id}: ${JSON.stringify(body)}`);
    }
    t.diagnostic(`every node placed a Space ${(performance.now() - startedAt).toFixed(0)} ms after Redis started`);
    // No hand-off: the same node, the same claim, and the owner still runs it.
    assert.deepEqual(await storedClaim(), claim, 'the Space was not claimed again');
    await hears(50, 'audio after Redis came back');
    for (const [p, seen] of statuses) {
      assert.deepEqual(seen, [], `${p.handle || 'the listener'} stayed connected (statuses: ${seen.join(', ')})`);
      assert.equal(p.signalling.status, 'connected');
    }
  });
});
