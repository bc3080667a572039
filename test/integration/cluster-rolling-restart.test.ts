// A rolling restart of a cluster of three nodes under a live, recorded Space: each node in turn
// gets SIGTERM (it drains: its Spaces are handed off to the others, their clients are told to
// reconnect) and is started again. The participants entered through different nodes, each of
// which is restarted too: a client whose entry node is down retries until it is back. The
// Space never ends (no client is told so, and every node that answers lists it live all
// along), after each step everyone is back in the same role and hears the speaker, and the
// recording stays one recording. The hand-off time of each step is printed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import nodeDataChannel from 'node-datachannel';
import { roomsOn, soleRunner, startCluster, type ClusterNodeProcess, type TestCluster } from '../helpers/cluster.js';
import { account, joinSpace, until, waitFor, type TestParticipant } from '../helpers/clients.js';
import { finishedRecording } from '../helpers/recordings.js';
import type { ApiClient } from '../../src/sdk/api.js';
import { approveLive } from '../../src/bots/ndc-participant.js';

const SPEAKER_TAG = 2;
/** Half a second of a talking speaker's packets: clearly heard again, not a straggler. */
const HEARD = 25;

describe('cluster rolling restart under a live Space', () => {
  let cluster: TestCluster;
  let hostApi: ApiClient;
  let spaceId: string;
  let host: TestParticipant;
  let speaker: TestParticipant;
  const listeners: TestParticipant[] = [];
  const entries = new Map<TestParticipant, ClusterNodeProcess>();
  const welcomes = new Map<TestParticipant, number>();
  const everyone = () => [host, speaker, ...listeners];
  const id = (p: TestParticipant) => p.state.you!.userId;
  /** What GET /api/spaces/:id said, on every node that answered, all along. */
  const seen = { live: 0, other: [] as string[], unanswered: 0 };
  let watching = true;
  let watcher: Promise<void> = Promise.resolve();

  before(async () => {
    cluster = await startCluster({ nodes: 3 });
    const [n0, n1, n2] = cluster.nodes as [ClusterNodeProcess, ClusterNodeProcess, ClusterNodeProcess];
    hostApi = await account(n0);
    spaceId = (await hostApi.createSpace('Rolling restart', undefined, { record: true })).id;
    await soleRunner(cluster.nodes, 'the node that runs the Space');

    const track = (p: TestParticipant, entry: ClusterNodeProcess) => {
      entries.set(p, entry);
      welcomes.set(p, 0);
      p.signalling.on('welcome', () => {
        welcomes.set(p, (welcomes.get(p) ?? 0) + 1);
        // What the next owner says, not what the last one said, is checked after a hand-off.
        p.state = { space: null, you: null, invited: false };
      });
      return p;
    };
    // One entry node each, spread over the cluster: every node that restarts is someone's entry.
    host = track(await joinSpace(n0, spaceId, { api: hostApi, tag: 1 }), n0);
    speaker = track(await joinSpace(n1, spaceId, { tag: SPEAKER_TAG }), n1);
    await speaker.signalling.act({ action: 'requestToSpeak' });
    await approveLive(host, speaker);
    for (const entry of [n2, n0, n1]) listeners.push(track(await joinSpace(entry, spaceId, { guest: true, canPublish: false }), entry));
    await waitFor(() => everyone().every((p) => p.peer.state === 'connected'), 30_000, 'every peer connected');
    await waitFor(() => speaker.state.you?.role === 'speaker', 10_000, 'the speaker on stage');
    speaker.peer.setTalking(true);
    speaker.peer.startSending();
    host.peer.startSending();
    await waitFor(() => listeners.every((l) => l.peer.packetsFromTag(SPEAKER_TAG) > HEARD), 30_000, 'the listeners hear the speaker');

    watcher = (async () => {
      while (watching) {
        await Promise.all(
          cluster.nodes.map(async (n) => {
            try {
              const res = await fetch(`${n.url}/api/spaces/${spaceId}`);
              if (!res.ok) throw new Error(String(res.status));
              const { state } = (await res.json()) as { state: string };
              if (state === 'live') seen.live++;
              else seen.other.push(`${n.id}: ${state}`);
            } catch {
              seen.unanswered++;
            }
          }),
        );
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
  });

  after(async () => {
    watching = false;
    await watcher;
    for (const p of everyone()) p?.close();
    await cluster?.close();
    // The bots' node-datachannel threads keep this process alive until the library is cleaned up.
    nodeDataChannel.cleanup();
  });

  const expectEveryoneBack = async (label: string, handedOff: boolean, heardFrom: number[]) => {
    const heard = () => [host, ...listeners].map((p) => p.peer.packetsFromTag(SPEAKER_TAG));
    await waitFor(
      () =>
        everyone().every((p) => (!handedOff || (welcomes.get(p) ?? 0) > 0) && p.signalling.status === 'connected' && p.state.you !== null) &&
        heard().every((n, i) => n > heardFrom[i]! + HEARD),
      90_000,
      `${label}: everyone back and hearing the speaker`,
    ).catch((err: Error) => {
      // Who was not back, and how each client last saw its connection.
      const who = everyone().map(
        (p, i) =>
          `${i === 0 ? 'host' : i === 1 ? 'speaker' : `listener${i - 1}`} via ${entries.get(p)?.id}: welcomes ${welcomes.get(p)}, ${p.signalling.status}, ` +
          `close ${p.signalling.closeCode}, role ${p.state.you?.role ?? '-'}, peer ${p.peer.state}, heard ${p.peer.packetsFromTag(SPEAKER_TAG)}`,
      );
      throw new Error(`${err.message}\n${who.join('\n')}\nheard before: ${heardFrom.join(', ')}`);
    });
    assert.equal(host.state.you?.role, 'host', `${label}: the host`);
    assert.equal(speaker.state.you?.role, 'speaker', `${label}: the speaker`);
    for (const l of listeners) assert.equal(l.state.you?.role, 'listener', `${label}: a listener`);
    assert.deepEqual(
      host.state.space?.stage.map((p) => [p.userId, p.role]),
      [
        [id(host), 'host'],
        [id(speaker), 'speaker'],
      ],
      `${label}: the stage`,
    );
    assert.equal(host.state.space?.state, 'live');
    for (const p of everyone()) assert.equal(p.ended, false, `${label}: nobody was told the Space ended`);
  };

  it('every node restarts in turn; the Space goes on, everyone back in place and hearing after each step', async (t) => {
    const restarted = new Set<ClusterNodeProcess>();
    let handOffs = 0;
    let recorded = 0;
    for (let step = 1; restarted.size < cluster.nodes.length; step++) {
      const owner = await soleRunner(cluster.nodes, `step ${step}: the owner`);
      // The owner when it has not restarted yet, so that as many steps as can be are hand-offs.
      const node = restarted.has(owner) ? cluster.nodes.find((n) => !restarted.has(n))! : owner;
      const handedOff = node === owner;
      if (handedOff) handOffs++;
      for (const p of everyone()) welcomes.set(p, 0);
      const heardFrom = [host, ...listeners].map((p) => p.peer.packetsFromTag(SPEAKER_TAG));
      const started = performance.now();
      const since = () => performance.now() - started;
      // When each participant is back (and hearing), and when another node runs the Space,
      // watched while the node stops and starts again.
      const backAt = new Map<TestParticipant, number>();
      let hearingAt = 0;
      let runningElsewhereAt = 0;
      let watchingStep = true;
      const others = cluster.nodes.filter((n) => n !== node);
      const stepWatch = (async () => {
        while (watchingStep) {
          for (const p of everyone()) {
            if (!backAt.has(p) && (!handedOff || (welcomes.get(p) ?? 0) > 0) && p.signalling.status === 'connected' && p.state.you) backAt.set(p, since());
          }
          if (!hearingAt && [host, ...listeners].every((p, i) => p.peer.packetsFromTag(SPEAKER_TAG) > heardFrom[i]! + HEARD)) hearingAt = since();
          if (handedOff && !runningElsewhereAt && (await Promise.all(others.map(roomsOn))).some((r) => (r ?? 0) > 0)) runningElsewhereAt = since();
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      await node.stop();
      const stoppedMs = since();
      await node.restart();
      const restartedMs = since();
      await expectEveryoneBack(`step ${step} (${node.id})`, handedOff, heardFrom);
      const backMs = since();
      watchingStep = false;
      await stepWatch;
      restarted.add(node);
      const now = await soleRunner(cluster.nodes, `step ${step}: the owner after`);
      if (handedOff) assert.notEqual(now, node, `step ${step}: handed off to another node`);
      const lastBack = (ps: TestParticipant[]) => (ps.length ? `${Math.max(...ps.map((p) => backAt.get(p) ?? backMs)).toFixed(0)} ms` : 'nobody');
      const viaOthers = everyone().filter((p) => entries.get(p) !== node);
      const viaNode = everyone().filter((p) => entries.get(p) === node);
      t.diagnostic(
        `step ${step}: ${node.id}${handedOff ? ` (the owner; the Space ran on another node at ${runningElsewhereAt.toFixed(0)} ms)` : ''} ` +
          `drained and exited at ${stoppedMs.toFixed(0)} ms, up again at ${restartedMs.toFixed(0)} ms; back in place: ` +
          `those entering through other nodes at ${lastBack(viaOthers)}, through ${node.id} at ${lastBack(viaNode)}; ` +
          `the speaker heard by all at ${(hearingAt || backMs).toFixed(0)} ms; everyone back and hearing at ${backMs.toFixed(0)} ms; the Space now on ${now.id}`,
      );
      // The node that runs it now records too, before the next step.
      recorded = await until(
        async () => {
          const rec = await hostApi.getRecording(spaceId).catch(() => null);
          return rec && rec.state === 'recording' && rec.durationSec > recorded + 1 ? rec.durationSec : undefined;
        },
        60_000,
        `step ${step}: recording on`,
        200,
      );
    }
    assert.ok(handOffs >= 2, `at least two steps were hand-offs (${handOffs})`);
    assert.deepEqual(seen.other, [], 'no node ever listed the Space as anything but live');
    assert.ok(seen.live > 0, 'the Space was listed live');
    t.diagnostic(`GET /api/spaces/:id said live ${seen.live} times; ${seen.unanswered} requests to stopped nodes went unanswered`);
  });

  it('the recording stays one recording', async (t) => {
    watching = false;
    await watcher;
    await host.signalling.act({ action: 'end' });
    await waitFor(() => everyone().every((p) => p.ended), 15_000, 'everyone told the Space ended');
    const rec = await finishedRecording(hostApi, spaceId);
    assert.ok(rec, 'the Space has a recording');
    assert.equal(rec.state, 'ready');
    const db = new pg.Client({ connectionString: cluster.db.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM recordings WHERE space_id = $1', [spaceId]);
      assert.equal(Number(rows[0]!.n), 1, 'one recording row for the Space');
    } finally {
      await db.end();
    }
    const audio = await (await fetch(cluster.nodes[0]!.url + rec.playlistUrl.replace('master', 'audio'))).text();
    assert.match(audio, /#EXT-X-ENDLIST/, 'a finished (VOD) playlist');
    // Each encoder run names its segments: one run per node that ran the Space, at least.
    const runs = new Set(
      audio
        .split('\n')
        .filter((l) => l.endsWith('.m4s'))
        .map((l) => l.split('-')[0]),
    );
    assert.ok(runs.size >= 3, `segments from every owner in turn (${runs.size} encoder runs)`);
    t.diagnostic(`recording ${rec.durationSec.toFixed(1)} s from ${runs.size} encoder runs`);
  });
});
