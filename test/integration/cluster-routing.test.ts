// A three-node cluster (its own Redis, a shared PostgreSQL, real server processes): new Spaces
// spread over the nodes by load, a Space placed on another node than the one that took the
// request is claimed by that node, every node lists every live Space with what its owner
// publishes, and a client may enter through any node: a join on a node that does not run the
// Space is redirected to the owner, and the Space works as on one node (every listener hears
// every speaker, the stage video follows the active speaker), whoever entered where.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import nodeDataChannel from 'node-datachannel';
import { startCluster, type ClusterNodeProcess, type TestCluster } from '../helpers/cluster.js';
import { account, joinSpace, once, startStage, until, waitFor, type TestParticipant } from '../helpers/clients.js';
import { ApiClient, type SpaceListItem, type SpaceList } from '../../src/sdk/api.js';
import { approveLive } from '../../src/bots/ndc-participant.js';

const SPACES = 6;

describe('cluster: placement, listings and routing over three nodes', () => {
  let cluster: TestCluster;
  let db: pg.Client;
  const opened: TestParticipant[] = [];
  /** The Spaces created, each with its host's account and the node that took the request. */
  const created: Array<{ id: string; host: ApiClient; entry: ClusterNodeProcess }> = [];

  before(async () => {
    // A Space whose host has not come yet ends after the host grace: these wait for the whole run.
    cluster = await startCluster({ nodes: 3, env: { SPACES_HOST_GRACE_MS: '600000' } });
    db = new pg.Client({ connectionString: cluster.db.url });
    await db.connect();
  });

  after(async () => {
    for (const p of opened) p.close();
    await db?.end();
    await cluster?.close();
    // The bots' node-datachannel threads keep this process alive until the library is cleaned up.
    nodeDataChannel.cleanup();
  });

  const nodes = () => cluster.nodes;
  const nodeById = (id: string) => nodes().find((n) => n.id === id)!;
  const portOf = (url: string) => new URL(url).port;

  /** Which node runs each live Space, as the claims stored them. */
  async function owners(): Promise<Map<string, string | null>> {
    const { rows } = await db.query<{ id: string; owner_node: string | null }>("SELECT id, owner_node FROM spaces WHERE state = 'live'");
    return new Map(rows.map((r) => [r.id, r.owner_node]));
  }

  async function health(node: ClusterNodeProcess): Promise<{ rooms: number }> {
    const res = await fetch(`${node.url}/healthz`);
    assert.equal(res.status, 200, `${node.id} is healthy`);
    return (await res.json()) as { rooms: number };
  }

  async function getJson<T>(url: string): Promise<T> {
    const res = await fetch(url);
    assert.equal(res.status, 200, `GET ${url}`);
    return (await res.json()) as T;
  }

  let placementNote = '';
  const placeSpaces = once(async () => {
    // Accounts first: signing up costs CPU, which weighs in the load the nodes report.
    const hosts: ApiClient[] = [];
    for (let i = 0; i < SPACES; i++) hosts.push(await account(nodes()[0]!, `cr_host${i}`));
    const claimedIn: number[] = [];
    // Two requests per node, in turn: a node that just took a Space is no longer the least
    // loaded, so most of these go to another node than the one that took the request.
    for (let i = 0; i < SPACES; i++) {
      const entry = nodes()[Math.floor(i / 2)]!;
      // The same account (every node checks its token) asking this node.
      const host = new ApiClient(entry.url, hosts[i]!.token);
      const startedAt = performance.now();
      const { id } = await host.createSpace(`Spread ${i}`);
      created.push({ id, host, entry });
      // Claimed before the next request: the next placement sees it in the owner's load.
      await until(async () => ((await owners()).get(id) ? true : undefined), 30_000, `Space ${i} claimed by a node`);
      claimedIn.push(performance.now() - startedAt);
    }
    const where = await owners();
    const summary = created.map((c) => `${c.entry.id}->${where.get(c.id)}`).join(', ');
    placementNote = `placements (entry->owner): ${summary}; each claimed ${claimedIn.map((ms) => ms.toFixed(0)).join(', ')} ms after the request`;
  });

  it('spreads new Spaces over the nodes by load, and the chosen node claims a Space placed from another node', async (t) => {
    await placeSpaces();
    t.diagnostic(placementNote);
    const where = await owners();
    for (const c of created) assert.ok(where.get(c.id), `Space ${c.id} runs on a node`);
    // Each node says how many Spaces it runs; together they run every Space, each once.
    // A claim is stored before the Space has finished loading on its node: wait for the last one.
    const roomsNow = () => Promise.all(nodes().map(async (n) => (await health(n)).rooms));
    const rooms = await until(
      async () => {
        const r = await roomsNow();
        return r.reduce((a, b) => a + b, 0) >= SPACES ? r : undefined;
      },
      30_000,
      'every Space loaded on its node',
    );
    t.diagnostic(
      `rooms per node: ${nodes()
        .map((n, i) => `${n.id}=${rooms[i]}`)
        .join(', ')}`,
    );
    assert.equal(
      rooms.reduce((a, b) => a + b, 0),
      SPACES,
      'every Space runs on exactly one node',
    );
    for (const [i, n] of nodes().entries()) {
      const owned = created.filter((c) => where.get(c.id) === n.id).length;
      assert.equal(rooms[i], owned, `${n.id}'s /healthz agrees with the claims`);
      // A Space weighs 10 peers, a core of CPU 20: the noise of a busy machine may shift one
      // Space, not pile them up on one node or leave a node without any.
      assert.ok(owned >= 1 && owned <= 3, `${n.id} runs ${owned} of ${SPACES} Spaces`);
    }
    const elsewhere = created.filter((c) => where.get(c.id) !== c.entry.id);
    assert.ok(elsewhere.length > 0, 'some Spaces were placed on another node than the one that took the request');
    // Those were claimed by the node chosen for them (nothing else runs them), and are live there.
    for (const c of elsewhere) {
      const item = await getJson<SpaceListItem>(`${nodeById(where.get(c.id)!).url}/api/spaces/${c.id}`);
      assert.equal(item.state, 'live');
    }
  });

  // The Space of the routing tests, its owner, and the other two nodes.
  let spaceId: string;
  let owner: ClusterNodeProcess;
  let nodeA: ClusterNodeProcess;
  let nodeB: ClusterNodeProcess;
  let host: TestParticipant;

  const hostEnters = once(async () => {
    await placeSpaces();
    const where = await owners();
    const c = created[0]!;
    spaceId = c.id;
    owner = nodeById(where.get(c.id)!);
    [nodeA, nodeB] = nodes().filter((n) => n !== owner) as [ClusterNodeProcess, ClusterNodeProcess];
    host = await joinSpace(nodeA, spaceId, { api: c.host, tag: 1 });
    opened.push(host);
  });

  it('redirects a client that enters through another node to the owner, where it is welcomed in its role', async () => {
    await hostEnters();
    assert.notEqual(nodeA.id, owner.id);
    assert.equal(host.redirects.length, 1, `one redirect: ${host.redirects.join(', ')}`);
    assert.equal(new URL(host.redirects[0]!).pathname, '/ws');
    assert.equal(portOf(host.redirects[0]!), portOf(owner.url), `redirected to the owner (${owner.id})`);
    assert.equal(host.signalling.status, 'connected');
    await waitFor(() => host.state.you !== null, 30_000, 'the host state');
    assert.equal(host.state.you!.role, 'host', 'the host entered through another node and is the host');
    assert.equal(host.state.space!.id, spaceId);
    // The owner has them; the node they entered through runs nothing of this Space.
    const item = await getJson<SpaceListItem>(`${owner.url}/api/spaces/${spaceId}`);
    assert.deepEqual(
      item.stage.map((p) => [p.userId, p.role]),
      [[host.state.you!.userId, 'host']],
    );
    // A guest too: redirected, and a listener.
    const guest = await joinSpace(nodeB, spaceId, { guest: true, canPublish: false });
    opened.push(guest);
    assert.deepEqual(guest.redirects.map(portOf), [portOf(owner.url)]);
    await waitFor(() => guest.state.you !== null, 30_000, 'the guest state');
    assert.equal(guest.state.you!.role, 'listener');
    await guest.signalling.leave();
    guest.close();
  });

  let speakers: TestParticipant[];
  let listeners: TestParticipant[];

  const stageUp = once(async () => {
    await hostEnters();
    speakers = [host];
    // Speakers through node A (not the owner), listeners through node B and through the owner.
    for (const tag of [2, 3]) {
      const s = await joinSpace(nodeA, spaceId, { api: await account(nodeA, `cr_speaker${tag}`), tag });
      opened.push(s);
      await s.signalling.act({ action: 'requestToSpeak' });
      await approveLive(host, s);
      speakers.push(s);
    }
    listeners = [];
    for (const entry of [nodeB, nodeB, owner]) {
      const l = await joinSpace(entry, spaceId, { guest: true, canPublish: false });
      opened.push(l);
      listeners.push(l);
    }
    await startStage(speakers, [...speakers, ...listeners]);
  });

  it('lets every listener hear every speaker and see the active speaker, whichever node each entered through', async () => {
    await stageUp();
    for (const s of speakers.slice(1)) assert.deepEqual(s.redirects.map(portOf), [portOf(owner.url)], 'a speaker entering through A is redirected');
    assert.deepEqual(listeners[0]!.redirects.map(portOf), [portOf(owner.url)], 'a listener entering through B is redirected');
    assert.deepEqual(listeners[2]!.redirects, [], 'a listener entering through the owner is not');
    const tagOf = (s: TestParticipant) => s.peer.options.tag ?? 0;
    const counts = (tag: number) => listeners.map((l) => l.peer.packetsFromTag(tag));
    for (const s of speakers) s.peer.setTalking(false);
    for (const s of speakers) {
      const tag = tagOf(s);
      const from = counts(tag);
      s.peer.setTalking(true);
      // A second of speech (50 packets) at every listener.
      await waitFor(
        () => counts(tag).every((n, i) => n - from[i]! >= 50),
        30_000,
        `every listener hears speaker ${tag}: ${counts(tag).map((n, i) => n - from[i]!)}`,
      );
      s.peer.setTalking(false);
    }
    // Cameras on: the one stage-video slot of every listener follows whoever talks.
    for (const s of speakers) {
      await s.signalling.act({ action: 'setCamera', on: true });
      s.peer.startVideo();
    }
    for (const s of [speakers[1]!, speakers[2]!, speakers[0]!]) {
      const userId = s.state.you!.userId;
      const from = listeners.map((l) => l.peer.videoLog.length);
      for (const other of speakers) other.peer.setTalking(other === s);
      await waitFor(() => listeners.every((l) => l.activeSpeaker === userId), 30_000, `speaker ${tagOf(s)} becomes the active speaker everywhere`);
      await waitFor(() => listeners.every((l) => l.stageVideo.userId === userId), 30_000, `every stage video shows speaker ${tagOf(s)}`);
      await waitFor(
        () => listeners.every((l, i) => l.peer.videoFrom(from[i]!, s.peer.videoTag).length >= 20),
        30_000,
        `frames of speaker ${tagOf(s)} at every listener`,
      );
    }
    for (const s of speakers) s.peer.setTalking(false);
  });

  it('lists every live Space on every node, with the stage and audience its owner publishes', async (t) => {
    await stageUp();
    const hostId = host.state.you!.userId;
    const stageIds = speakers.map((s) => s.state.you!.userId).sort();
    // The owner's heartbeat publishes its view (twice a second): wait for it on every node.
    const t0 = performance.now();
    await until(
      async () => {
        for (const n of nodes()) {
          const item = await getJson<SpaceListItem>(`${n.url}/api/spaces/${spaceId}`);
          const ids = item.stage.map((p) => p.userId).sort();
          if (item.listenerCount !== listeners.length || JSON.stringify(ids) !== JSON.stringify(stageIds)) return undefined;
        }
        return true;
      },
      30_000,
      'every node shows the stage and the audience',
    );
    t.diagnostic(`every node showed the owner's view ${(performance.now() - t0).toFixed(0)} ms after the stage was up`);
    const where = await owners();
    for (const n of nodes()) {
      const list = await getJson<SpaceList>(`${n.url}/api/spaces`);
      assert.deepEqual(list.live.map((s) => s.id).sort(), created.map((c) => c.id).sort(), `${n.id} lists every live Space`);
      const item = list.live.find((s) => s.id === spaceId)!;
      assert.equal(item.listenerCount, listeners.length, `${n.id}: the audience`);
      assert.equal(item.stage.find((p) => p.userId === hostId)?.role, 'host', `${n.id}: the host on stage`);
      // Every other Space as its owner shows it (nobody joined those: nobody on stage or listening).
      for (const c of created.filter((x) => x.id !== spaceId)) {
        const other = list.live.find((s) => s.id === c.id)!;
        assert.deepEqual([other.stage, other.listenerCount], [[], 0], `${n.id}: Space ${c.id} of ${where.get(c.id)}`);
        const one = await getJson<SpaceListItem>(`${n.url}/api/spaces/${c.id}`);
        assert.equal(one.state, 'live');
        assert.equal(one.hostId, other.hostId);
      }
    }
  });
});
